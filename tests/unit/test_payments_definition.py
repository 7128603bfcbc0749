"""The payments ASL and its topology entry: what Terraform and the local runtime both rely on."""

import json
import re

import pytest

from local_runtime import state_machines, topology
from local_runtime.invoke import Invoker

SPEC = topology.load()["state_machines"]["payments"]
RAW = (topology.PROJECT_DIR / SPEC["definition"]).read_text()


class _App:
    handler_map = {"payment_validator": None, "payment_processor": None, "payment_enricher": None}


@pytest.fixture
def rendered(monkeypatch):
    monkeypatch.setenv("RESOURCE_PREFIX", "orders-platform-local")
    invoker = Invoker(_App(), "orders-platform", "local")
    values = state_machines.substitutions(SPEC, invoker, lambda logical: f"http://queue/{logical}")
    return json.loads(state_machines.render(SPEC, values))


def test_every_placeholder_is_declared_in_the_topology():
    placeholders = set(re.findall(r"\$\{(\w+)\}", RAW))
    declared = set(SPEC["functions"]) | set(SPEC["tables"]) | set(SPEC["queues"])
    assert placeholders == declared


def test_tasks_resolve_to_local_lambda_arns(rendered):
    resources = {name: state["Resource"] for name, state in rendered["States"].items() if state["Type"] == "Task"}
    assert (
        resources["Validate"]
        == "arn:aws:lambda:us-east-1:123456789012:function:orders-platform-local-payment_validator"
    )
    assert resources["Process"].endswith(":function:orders-platform-local-payment_processor")
    assert resources["Enrich"].endswith(":function:orders-platform-local-payment_enricher")
    assert rendered["States"]["RecordFailure"]["Parameters"]["TableName"] == "orders-platform-local-payments"
    assert rendered["States"]["SendToDeadLetterQueue"]["Parameters"]["QueueUrl"] == "http://queue/payments-dlq"


def test_the_order_is_validate_enrich_process(rendered):
    states = rendered["States"]
    assert rendered["StartAt"] == "Validate"
    assert (states["Validate"]["Next"], states["Enrich"]["Next"], states["Process"].get("End")) == (
        "Enrich",
        "Process",
        True,
    )


BUSINESS = {"PaymentRejected", "MalformedPayment"}


def _retry_policy(state: dict, error: str) -> dict:
    """The retrier Step Functions applies to ``error``: the first whose ErrorEquals names it, or States.ALL."""
    for retrier in state.get("Retry", []):
        if error in retrier["ErrorEquals"] or retrier["ErrorEquals"] == ["States.ALL"]:
            return retrier
    return {"MaxAttempts": 0}


@pytest.mark.parametrize("task", ["Validate", "Enrich", "Process", "RecordFailure", "SendToDeadLetterQueue"])
@pytest.mark.parametrize("error", ["RuntimeError", "KeyError", "Lambda.ServiceException", "States.Timeout"])
def test_every_task_retries_every_error_with_backoff(rendered, task, error):
    retrier = _retry_policy(rendered["States"][task], error)
    assert retrier["MaxAttempts"] >= 3
    assert retrier["BackoffRate"] > 1
    # moto sleeps for real: a capped delay keeps a test that exhausts the retries short.
    assert retrier["MaxDelaySeconds"] <= 4
    assert retrier["JitterStrategy"] == "FULL"


@pytest.mark.parametrize("error", sorted(BUSINESS))
def test_business_rejections_are_never_retried(rendered, error):
    assert _retry_policy(rendered["States"]["Validate"], error)["MaxAttempts"] == 0


def test_a_rejection_goes_to_process_and_any_other_failure_is_described_for_the_dlq(rendered):
    states = rendered["States"]
    assert states["Validate"]["Catch"][0] == {
        "ErrorEquals": ["PaymentRejected"],
        "ResultPath": "$.rejection",
        "Next": "Process",
    }
    for name in ("Validate", "Enrich", "Process"):
        assert states[name]["Catch"][-1] == {
            "ErrorEquals": ["States.ALL"],
            "ResultPath": "$.failure",
            "Next": "DescribeFailure",
        }


def test_the_failure_names_payment_order_reason_and_execution(rendered):
    described = rendered["States"]["DescribeFailure"]["Parameters"]
    assert described["paymentId.$"] == "$.paymentId"
    assert described["orderId.$"] == "$.orderId"
    assert described["reason.$"] == "$.failure"
    assert described["execution.$"] == "$$.Execution.Id"
    assert described["payment.$"] == "$.payment"  # what the redrive republishes


def test_only_failed_records_are_written_by_the_workflow_and_never_over_processed(rendered):
    writers = {
        name: state
        for name, state in rendered["States"].items()
        if state.get("Resource", "").startswith("arn:aws:states:::dynamodb:")
    }
    assert list(writers) == ["RecordFailure"]  # PROCESSED and REJECTED: the processor alone
    record = writers["RecordFailure"]["Parameters"]
    assert record["Item"]["status"] == {"S": "FAILED"}
    assert record["ConditionExpression"] == "attribute_not_exists(paymentId) OR #status <> :processed"
    assert writers["RecordFailure"]["Catch"][0]["Next"] == "AlreadyProcessed"
    assert rendered["States"]["AlreadyProcessed"]["Type"] == "Succeed"
    # Without a usable paymentId there is nothing to record under: straight to the DLQ.
    assert rendered["States"]["Recordable"]["Default"] == "SendToDeadLetterQueue"
    assert rendered["States"]["SendToDeadLetterQueue"]["Next"] == "Failed"


def test_task_states_name_each_function_state(rendered):
    states = state_machines.task_states("payments", json.dumps(rendered))
    assert states == {
        "orders-platform-local-payment_validator": "payments/Validate",
        "orders-platform-local-payment_processor": "payments/Process",
        "orders-platform-local-payment_enricher": "payments/Enrich",
    }


def test_topology_declares_an_express_machine_with_its_dlq():
    assert SPEC["type"] == "EXPRESS"
    assert SPEC["dead_letter_queue"] == "payments-dlq"
    assert topology.load()["queues"]["payments-dlq"]["message_retention_seconds"] == 14 * 24 * 3600
    assert SPEC["logging"]["retention_days"] == 30
