"""The normalized topology the local runtime reads: the document Terraform decodes too."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import topology

PROJECT_DIR = topology.PROJECT_DIR
# LOCAL_TOPOLOGY points the local runtime at another declaration (tests of a broken one); Terraform ignores it.
TOPOLOGY_FILE = Path(os.environ.get("LOCAL_TOPOLOGY") or topology.TOPOLOGY_FILE)


@cache
def model() -> topology.Topology:
    """The typed topology; raises topology.TopologyError naming each bad key path."""
    return topology.load(TOPOLOGY_FILE, project_dir=PROJECT_DIR)


@cache
def load() -> dict:
    """The normalized, fully defaulted topology document."""
    return topology.document(model())
