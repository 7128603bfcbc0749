"""Monitoring as data: every queue failures end up in is marked, so it gets its alarm and local warning."""

from __future__ import annotations

from infra.build import load_yaml
from local_runtime import topology
from tests.infra.conftest import PROJECT


def failure_destinations(declared: dict, settings: dict) -> set[str]:
    """Every queue the topology or functions.yaml sends failures to."""
    named = {declared["event_bus"]["target_defaults"]["dead_letter_queue"], settings["async_dead_letter_queue"]}
    named.add(declared["pipe"]["source"]["dead_letter_queue"])
    named |= {m["on_failure"] for m in (declared.get("stream_mappings") or {}).values()}
    named |= {m["dead_letter_queue"] for m in (declared.get("state_machines") or {}).values()}
    return named


def test_every_failure_destination_is_marked_dead_letter():
    declared = topology.load()
    settings = load_yaml(PROJECT / "infra" / "functions.yaml")
    marked = {k for k, q in declared["queues"].items() if q.get("dead_letter")}
    assert failure_destinations(declared, settings) == marked


def test_every_alarm_watches_a_known_set_with_a_complete_definition():
    monitoring = topology.load()["monitoring"]
    assert monitoring["period_seconds"] > 0
    alarms = monitoring["alarms"]
    assert {a["watch"] for a in alarms.values()} == {"dead_letter_queues", "functions", "state_machines", "pipes"}
    for name, alarm in alarms.items():
        assert set(alarm) == {"watch", "namespace", "metric", "statistic", "threshold"}, name
    watched = {(a["watch"], a["metric"]) for a in alarms.values()}
    assert {
        ("dead_letter_queues", "ApproximateNumberOfMessagesVisible"),
        ("functions", "Errors"),
        ("functions", "Throttles"),
        ("state_machines", "ExecutionsFailed"),
        ("pipes", "ExecutionFailed"),
    } <= watched
