"""Monitoring as data: every queue failures end up in is marked, so it gets its alarm and local warning."""

from __future__ import annotations

from local_runtime import topology


def failure_destinations(declared: dict) -> set[str]:
    """Every queue the topology sends failures to."""
    named = {declared["event_bus"]["target_defaults"]["dead_letter_queue"], declared["async_dead_letter_queue"]}
    named |= {t["dead_letter_queue"] for r in declared["rules"].values() for t in r["targets"].values()}
    named.add(declared["pipe"]["source"]["dead_letter_queue"])
    named |= {m["on_failure"] for m in declared["stream_mappings"].values()}
    named |= {m["dead_letter_queue"] for m in declared["state_machines"].values() if m["dead_letter_queue"]}
    return named


def test_every_failure_destination_is_marked_dead_letter():
    declared = topology.load()
    marked = {k for k, q in declared["queues"].items() if q["dead_letter"]}
    assert failure_destinations(declared) == marked


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
