"""moto's Batch package loads only when something uses it, not with Step Functions.

moto's Step Functions parser imports one enum from ``moto.batch.utils``; importing it runs
``moto/batch/__init__.py``, which imports Batch's models and, through them, all of EC2's. That cost
about a second of CPU on every start of the embedded AWS, for a service the stack never calls.
The package is registered unexecuted; an attribute read on it (``from moto.batch import
batch_backends``) still loads the models then.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

PACKAGE = "moto.batch"


def install() -> None:
    if PACKAGE in sys.modules:
        return
    package = importlib.util.module_from_spec(importlib.util.find_spec(PACKAGE))  # __path__, no __init__ run
    # PEP 562: what the real __init__ exports (its models) is read from them on first use.
    package.__getattr__ = lambda name: getattr(importlib.import_module(f"{PACKAGE}.models"), name)
    sys.modules[PACKAGE] = package
    sys.modules["moto"].batch = package  # as an executed import would bind it: `moto.batch.x` works too
