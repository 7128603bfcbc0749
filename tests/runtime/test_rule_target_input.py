"""What a provisioned rule's function target receives: AWS's transformer rules, the deployed rule name."""

import pytest

from local_runtime.eventbridge import InvalidTransformer
from local_runtime.rule_targets import RuleTarget
from tests.runtime.test_delivery import RecordingInvoker

RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/orders-platform-local-orders/orders-platform-local-notify"
EVENT = {"id": "e-1", "time": "2999-01-01T00:00:00Z", "source": "app.orders", "detail": {"orderId": "o-1"}}


def target(invoker, template: str, paths: dict | None = None) -> RuleTarget:
    spec = {"function": "notifier", "input_transformer": {"input_paths": paths or {}, "input_template": template}}
    return RuleTarget(invoker, "notify", RULE_ARN, "notifier", spec, tap_url="", retry_policy={}, dlq_url=None)


def test_templates_see_the_deployed_rule_name_and_arn():
    invoker = RecordingInvoker()
    rule = target(
        invoker, '{"name": "<aws.events.rule-name>", "arn": <aws.events.rule-arn>, "o": <o>}', {"o": "$.detail.orderId"}
    )
    assert rule.deliver(EVENT) is True
    assert invoker.events == [{"name": "orders-platform-local-notify", "arn": RULE_ARN, "o": "o-1"}]


def test_a_missing_path_reaches_the_function_as_an_empty_string():
    invoker = RecordingInvoker()
    target(invoker, '{"x": <x>}', {"x": "$.detail.nope"}).deliver(EVENT)
    assert invoker.events == [{"x": ""}]


def test_a_transformer_aws_rejects_is_refused_when_the_target_is_built():
    with pytest.raises(InvalidTransformer, match="<y>"):
        target(RecordingInvoker(), '{"x": <y>}')
