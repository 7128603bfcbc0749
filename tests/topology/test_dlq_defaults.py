"""The topology owns a redrive queue's dead-letter queue name and retention; the local runtime reads them."""

from __future__ import annotations

import json

import pytest

import topology
from local_runtime import provision
from tests.topology.test_model import PROJECT, RAW, write


def test_the_document_names_each_redrive_dead_letter_queue_and_its_retention():
    queues = topology.document(topology.default())["queues"]
    redriven = {k: q["redrive"] for k, q in queues.items() if q["redrive"]}
    assert redriven
    for key, redrive in redriven.items():
        assert redrive["dead_letter_queue"] == f"{key}-dlq"
        assert redrive["dead_letter_retention_seconds"] == 14 * 24 * 3600


def test_a_declared_retention_reaches_the_document_and_the_local_runtime(tmp_path, monkeypatch):
    raw = json.loads(json.dumps(RAW))
    key = next(k for k, q in raw["queues"].items() if q.get("redrive"))
    raw["queues"][key]["redrive"]["dead_letter_retention_seconds"] = 86400
    declared = topology.document(topology.load(write(tmp_path, raw), project_dir=PROJECT))
    assert declared["queues"][key]["redrive"]["dead_letter_retention_seconds"] == 86400
    monkeypatch.setattr(provision.topology, "load", lambda: declared)
    queues = provision.declared_queues()
    assert queues[f"{key}-dlq"] == {"message_retention_seconds": 86400}
    assert provision.queue_attributes(queues[key], "arn:dlq")["RedrivePolicy"]


def test_a_redrive_dead_letter_queue_keeps_the_suffix_the_console_relies_on(tmp_path):
    raw = json.loads(json.dumps(RAW))
    key = next(k for k, q in raw["queues"].items() if q.get("redrive"))
    raw["queues"][key]["redrive"]["dead_letter_queue"] = "elsewhere"
    with pytest.raises(topology.TopologyError, match=f"queues.{key}.redrive.dead_letter_queue: must be '{key}-dlq'"):
        topology.load(write(tmp_path, raw), project_dir=PROJECT)
