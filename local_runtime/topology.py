"""Loads infra/topology.yaml, the declaration Terraform reads too."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
# LOCAL_TOPOLOGY points the local runtime at another declaration (tests of a broken one); Terraform ignores it.
TOPOLOGY_FILE = Path(os.environ.get("LOCAL_TOPOLOGY") or PROJECT_DIR / "infra" / "topology.yaml")


@cache
def load() -> dict:
    """The parsed topology declaration."""
    return yaml.safe_load(TOPOLOGY_FILE.read_text())
