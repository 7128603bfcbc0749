"""The payments ASL and its topology entry: what Terraform and the local runtime both rely on."""

import json
import re

import pytest

from local_runtime import state_machines, topology
from local_runtime.invoke import Invoker
from local_runtime.lambda_endpoint import Faults

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
    assert rendered["States"]["RecordRejection"]["Parameters"]["TableName"] == "orders-platform-local-payments"
    assert rendered["States"]["SendToDeadLetterQueue"]["Parameters"]["QueueUrl"] == "http://queue/payments-dlq"


def test_lambda_tasks_retry_transient_errors_with_backoff_and_catch_everything(rendered):
    for name in ("Validate", "Process", "Enrich"):
        state = rendered["States"][name]
        retry = state["Retry"][0]
        assert "PaymentTransientError" in retry["ErrorEquals"]
        assert "Lambda.ServiceException" in retry["ErrorEquals"]
        assert retry["BackoffRate"] > 1
        assert state["Catch"][-1] == {
            "ErrorEquals": ["States.ALL"],
            "ResultPath": "$.failure",
            "Next": "SendToDeadLetterQueue",
        }
    for name in ("Validate", "Process"):
        assert rendered["States"][name]["Catch"][0]["ErrorEquals"] == ["PaymentRejected"]
        assert rendered["States"][name]["Catch"][0]["Next"] == "DescribeRejection"


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


def test_faults_fail_the_first_n_invocations_then_run():
    faults = Faults("payment_processor=2, payment_enricher=1:PaymentTransientError")
    assert [faults.take("payment_processor") for _ in range(3)] == ["Lambda.ServiceException"] * 2 + [None]
    assert faults.take("payment_enricher") == "PaymentTransientError"
    assert faults.take("payment_validator") is None
