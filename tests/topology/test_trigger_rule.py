"""A state machine's trigger must be subscribed to its topic: one rule, which the build and the local runtime both apply."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from chalice.app import SNSEventConfig

import topology
from chalicelib.resource_names import physical_name
from local_runtime import runtime
from local_runtime.provision import Resources


def test_the_trigger_subscribed_to_its_topic_passes_and_anything_else_is_named():
    declared = topology.default()
    assert declared.trigger_problems({"payments_trigger": "payments"}) == []
    for subscribed in ({"payments_trigger": "notifications"}, {}):
        (problem,) = declared.trigger_problems(subscribed)
        assert (
            problem
            == "state_machines.payments.trigger: payments_trigger is not subscribed to topic 'payments' in app.py"
        )


@pytest.mark.parametrize("events", [[("payments_trigger", "notifications")], []])
def test_the_local_runtime_refuses_a_trigger_off_its_topic_or_subscribed_nowhere(events, monkeypatch):
    monkeypatch.setenv("RESOURCE_PREFIX", "t")
    topics = {t: f"arn:aws:sns:us-east-1:123456789012:{physical_name(t)}" for t in topology.default().topics}
    app = SimpleNamespace(event_sources=[SNSEventConfig(fn, f"app.{fn}", physical_name(t)) for fn, t in events])
    with pytest.raises(runtime.ConfigurationError, match="payments_trigger is not subscribed to topic 'payments'"):
        runtime.build_workers(app, invoker=None, resources=Resources(topic_arns=topics))
