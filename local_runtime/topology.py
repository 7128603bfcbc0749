"""Loads infra/topology.yaml, the declaration Terraform reads too."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOPOLOGY_FILE = PROJECT_DIR / "infra" / "topology.yaml"


@cache
def load() -> dict:
    """The parsed topology declaration."""
    return yaml.safe_load(TOPOLOGY_FILE.read_text())
