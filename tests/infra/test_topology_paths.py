"""Every attribute the overlay reads from topology.yaml exists there (or is read through try/can).

Terraform's `validate` catches this; we have no terraform binary, so the check is ours.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from local_runtime import topology

INFRA = Path(__file__).resolve().parents[2] / "infra"
# Overlay locals that alias a part of the topology.
ALIASES = {"topology": [], "pipe": ["pipe"], "bus": ["event_bus"], "target_defaults": ["event_bus", "target_defaults"]}
_READ = re.compile(r"(try\(|can\()?\blocal\.(" + "|".join(ALIASES) + r")((?:\.[a-z_][a-z0-9_]*)+)")


def reads(text: str) -> list[tuple[str, list[str]]]:
    """(alias, attribute path) for every plain read; guarded reads (try/can) are skipped."""
    found = []
    for guard, alias, path in _READ.findall(text):
        if not guard:
            found.append((alias, path.strip(".").split(".")))
    return found


def missing(declared: dict, text: str) -> list[str]:
    problems = []
    for alias, path in reads(text):
        node = declared
        for key in [*ALIASES[alias], *path]:
            if not isinstance(node, dict) or key not in node:
                problems.append(f"local.{alias}.{'.'.join(path)}")
                break
            node = node[key]
    return problems


@pytest.mark.parametrize("tf", sorted(INFRA.glob("*.tf")), ids=lambda p: p.name)
def test_overlay_reads_only_declared_attributes(tf):
    assert missing(topology.load(), tf.read_text()) == []


def test_the_check_catches_a_removed_key():
    text = "x = local.pipe.source.maximum_batching_window_seconds\ny = try(local.pipe.source.nope, 0)"
    assert missing(topology.load(), text) == ["local.pipe.source.maximum_batching_window_seconds"]
