"""An error reported after a handler's effect (a Lambda timeout) is retried without doubling the effect."""

from __future__ import annotations

import pytest

from local_runtime.faults import FaultInjector
from local_runtime.invoke import FunctionError, Invoker
from tests.handlers.test_bus_targets import NOTICE, notifications_queue, received  # noqa: F401 (fixture)


def test_a_notifier_retried_after_its_publish_publishes_once(aws, notifications_queue):  # noqa: F811
    from app import app

    invoker = Invoker(app, "orders-platform", "dev", faults=FaultInjector("notifier=1@after"))
    with pytest.raises(FunctionError, match=r"Sandbox\.Timedout"):
        invoker.invoke("notifier", dict(NOTICE), source="rule:order-status-notify/notifier")
    # The rule target retries: Powertools' idempotency record (DynamoDB) answers with the first result.
    invoker.invoke("notifier", dict(NOTICE), source="rule:order-status-notify/notifier")
    assert len(received(notifications_queue)) == 1
