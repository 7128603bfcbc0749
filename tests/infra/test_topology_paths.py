"""Every attribute the overlay reads from the normalized topology exists in it, with no try/can guard.

The document is fully defaulted (topology/model.py), so a read either names a key the model has or is
a mistake; Terraform's `validate` cannot tell, since jsondecode's result has no declared type.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from local_runtime import topology

INFRA = Path(__file__).resolve().parents[2] / "infra"
# Overlay locals that alias a part of the topology.
ALIASES = {"topology": [], "pipe": ["pipe"], "bus": ["event_bus"], "target_defaults": ["event_bus", "target_defaults"]}
_READ = re.compile(r"\blocal\.(" + "|".join(ALIASES) + r")((?:\.[a-z_][a-z0-9_]*)+)")


def missing(declared: dict, text: str) -> list[str]:
    problems = []
    for alias, path in _READ.findall(text):
        node = declared
        for key in [*ALIASES[alias], *path.strip(".").split(".")]:
            if not isinstance(node, dict) or key not in node:
                problems.append(f"local.{alias}{path}")
                break
            node = node[key]
    return problems


@pytest.mark.parametrize("tf", sorted(INFRA.glob("*.tf")), ids=lambda p: p.name)
def test_overlay_reads_only_attributes_of_the_normalized_topology(tf):
    text = tf.read_text()
    assert missing(topology.load(), text) == []
    assert not re.search(r"(try|can)\(\s*(each\.value|local\.(topology|pipe|bus|target_defaults))", text), (
        "the normalized topology has every key: read it directly"
    )


def test_the_check_catches_a_key_the_model_lacks():
    text = "x = local.pipe.source.maximum_batching_window_seconds\ny = local.pipe.source.nope"
    assert missing(topology.load(), text) == ["local.pipe.source.nope"]
