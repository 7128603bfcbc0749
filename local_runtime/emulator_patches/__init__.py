"""Corrections to moto, installed in the embedded AWS's process (see `local_runtime/emulator_server.py`)."""

from __future__ import annotations

import importlib

# One module per concern; each has an `install()` that is safe to call once per process,
# and may have a `stop()` the server calls as it stops (persistence saves there).
# Persistence comes last: it restores saved state into backends the other patches have shaped.
PATCHES: tuple[str, ...] = (
    "eventbridge",
    "dynamodb_atomic_writes",
    "dynamodb_transactions",
    "stream_wait",
    "persistence",
)


def install_all() -> None:
    for name in PATCHES:
        importlib.import_module(f"{__name__}.{name}").install()


def stop_all() -> None:
    for name in PATCHES:
        stop = getattr(importlib.import_module(f"{__name__}.{name}"), "stop", None)
        if stop is not None:
            stop()
