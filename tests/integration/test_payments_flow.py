"""Payments end to end on the local stack: HTTP -> SNS -> trigger -> Step Functions -> DynamoDB."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import boto3
import pytest

from tests.integration.stack import PROJECT_DIR, RunningStack, eventually, payment_for

pytestmark = pytest.mark.stack

PREFIX = "orders-platform-local"


def new_order(stack, unit_price="12.50") -> dict:
    body = {
        "customerId": "c-pay",
        "customerEmail": "p@example.com",
        "items": [{"sku": "A", "qty": 2, "unitPrice": unit_price}],
    }
    response = stack.post("/orders", body)
    assert response.status_code == 201
    return response.json()


def outcome(stack, payment_id: str, timeout: float = 30) -> dict:
    """The payment's record once the workflow has finished with it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = stack.get(f"/payments/{payment_id}")
        if response.status_code == 200 and response.json()["status"] in ("PROCESSED", "REJECTED", "FAILED"):
            return response.json()
        time.sleep(0.1)
    raise AssertionError(f"payment {payment_id} not finished in {timeout}s:\n{stack.output()[-4000:]}")


def aws(stack, service: str):
    return boto3.client(
        service, endpoint_url=stack.aws, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def publish(stack, message: dict) -> None:
    """Publish as any other publisher would: straight to the topic, not through the API."""
    topic = f"arn:aws:sns:us-east-1:123456789012:{PREFIX}-payments"
    aws(stack, "sns").publish(TopicArn=topic, Message=json.dumps(message))


def processed_count(stack) -> int:
    return sum("stepfunctions:payments/Process" in line and " ok " in line for line in stack.output().splitlines())


def dead_letters(stack) -> list[dict]:
    """Every message in the payments DLQ (read, then released for the next reader)."""
    sqs = aws(stack, "sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-payments-dlq")["QueueUrl"]
    found, handles = [], []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages"):
        found += [json.loads(m["Body"]) for m in batch]
        handles += [m["ReceiptHandle"] for m in batch]
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    return found


def letters_for(stack, key: str, value: str, timeout: float = 30) -> list[dict]:
    """The DLQ messages whose ``key`` is ``value``, once there is one: the workflow records FAILED before it sends."""
    return eventually(lambda: [m for m in dead_letters(stack) if m.get(key) == value], timeout=timeout, interval=0.2)


def test_a_good_payment_is_processed_and_pays_the_order(stack):
    order = new_order(stack)
    payment = payment_for(order)
    accepted = stack.post("/payments", payment)
    assert accepted.status_code == 202
    assert accepted.headers["Location"] == f"/payments/{payment['paymentId']}"
    assert accepted.json()["status"] == "PENDING"

    record = outcome(stack, payment["paymentId"])
    assert record["status"] == "PROCESSED"
    assert (record["amount"], record["reportingAmount"], record["reportingCurrency"]) == ("25.00", "25.00", "USD")
    assert record["highRisk"] is False
    assert record["processingLatencyMs"] >= 0
    paid = stack.get(f"/orders/{order['orderId']}").json()
    assert (paid["status"], paid["version"]) == ("PAID", 2)
    # The live trace shows each state's function call, in workflow order (a line follows the call's return).
    output = eventually(lambda: "stepfunctions:payments/Process" in stack.output() and stack.output())
    positions = [output.find(f"stepfunctions:payments/{state}") for state in ("Validate", "Enrich", "Process")]
    assert -1 not in positions and positions == sorted(positions)
    for function in ("payment_validator", "payment_enricher", "payment_processor"):
        assert function in output


def test_an_invalid_payment_becomes_a_rejected_record_with_its_reason(stack):
    order = new_order(stack)
    payment = payment_for(order, amount="24.99")
    assert stack.post("/payments", payment).status_code == 202
    record = outcome(stack, payment["paymentId"])
    assert (record["status"], record["rule"]) == ("REJECTED", "AMOUNT_MISMATCH")
    assert record["reason"] == f"amount 24.99 does not match the order total {order['total']}"
    assert record["payment"]["amount"] == "24.99"
    assert stack.get(f"/orders/{order['orderId']}").json()["status"] == "PENDING"
    assert [m for m in dead_letters(stack) if m.get("paymentId") == payment["paymentId"]] == []


def test_another_publishers_invalid_payment_is_rejected_the_same_way(stack):
    payment = payment_for({"orderId": "no-such-order", "total": "-3", "currency": "USD"})
    publish(stack, payment)
    record = outcome(stack, payment["paymentId"])
    assert (record["status"], record["rule"]) == ("REJECTED", "AMOUNT_NOT_POSITIVE")
    assert record["reason"] == "amount must be greater than 0, not -3"


def test_a_message_that_is_not_a_payment_is_dead_lettered_with_its_reason(stack):
    marker = uuid.uuid4().hex
    publish(stack, {"orderId": f"o-{marker}", "note": "no paymentId"})

    found = letters_for(stack, "orderId", f"o-{marker}")
    assert len(found) == 1
    assert found[0]["paymentId"] is None
    assert found[0]["reason"]["Error"] == "MalformedPayment"
    assert found[0]["execution"].startswith("arn:aws:states:")


def test_a_redelivered_message_creates_no_second_record(stack):
    order = new_order(stack)
    payment = payment_for(order)
    publish(stack, payment)
    first = outcome(stack, payment["paymentId"])
    before = processed_count(stack)
    publish(stack, payment)  # the same message again: a second execution runs the whole workflow
    deadline = time.monotonic() + 30
    while processed_count(stack) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processed_count(stack) == before + 1
    assert stack.get(f"/payments/{payment['paymentId']}").json() == first
    assert stack.get(f"/orders/{order['orderId']}").json()["version"] == 2  # paid once
    items = aws(stack, "dynamodb").scan(TableName=f"{PREFIX}-payments")["Items"]
    assert [i["paymentId"]["S"] for i in items].count(payment["paymentId"]) == 1


def test_any_error_is_retried_and_the_payment_ends_processed():
    # The first processor invocation fails with an error no retry list names (issue 9: it went to the DLQ).
    running = RunningStack(extra_env={"LOCAL_LAMBDA_FAULTS": "payment_processor=1:RuntimeError"})
    try:
        running.wait_ready()
        order = new_order(running)
        payment = payment_for(order)
        assert running.post("/payments", payment).status_code == 202
        record = outcome(running, payment["paymentId"])
        assert record["status"] == "PROCESSED"
        paid = running.get(f"/orders/{order['orderId']}").json()
        assert (paid["status"], paid["version"]) == ("PAID", 2)

        def process_lines():
            return [line for line in running.output().splitlines() if "stepfunctions:payments/Process" in line]

        eventually(lambda: len(process_lines()) >= 2)  # the trace line follows the call that wrote PROCESSED
        assert [("RuntimeError" in line, "ok" in line.split()) for line in process_lines()] == [
            (True, False),
            (False, True),
        ]

        # A rejection is an outcome, not a failure: recorded with its rule, never dead-lettered.
        rejected = payment_for(order, amount="1.00", paymentId=f"pay-{uuid.uuid4().hex[:12]}")
        assert running.post("/payments", rejected).status_code == 202
        record = outcome(running, rejected["paymentId"])
        assert (record["status"], record["rule"]) == ("REJECTED", "ORDER_PAID_BY_ANOTHER_PAYMENT")
        assert dead_letters(running) == []
    finally:
        running.stop()


def test_exhausted_retries_end_failed_in_the_dlq_and_the_redrive_completes_the_payment():
    # 6 failures: the first attempt and all 5 retries of Process.
    running = RunningStack(extra_env={"LOCAL_LAMBDA_FAULTS": "payment_processor=6:RuntimeError"})
    try:
        running.wait_ready()
        order = new_order(running)
        payment = payment_for(order)
        assert running.post("/payments", payment).status_code == 202
        record = outcome(running, payment["paymentId"], timeout=60)
        assert record["status"] == "FAILED"
        assert (record["error"], record["reason"]) == ("RuntimeError", "injected before the handler")
        assert record["execution"].startswith("arn:aws:states:us-east-1:")
        assert running.get(f"/orders/{order['orderId']}").json()["status"] == "PENDING"

        letters = letters_for(running, "paymentId", payment["paymentId"])
        assert len(letters) == 1
        assert dead_letters(running) == letters
        (letter,) = letters
        assert (letter["paymentId"], letter["orderId"], letter["execution"]) == (
            payment["paymentId"],
            order["orderId"],
            record["execution"],
        )
        assert letter["reason"]["Error"] == "RuntimeError"
        assert "injected before the handler" in letter["reason"]["Cause"]

        # The documented redrive, as an operator runs it against this stack.
        redrive = subprocess.run(
            ["make", "-s", "redrive-payments", f"LOCAL_AWS_PORT={running.aws_port}"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert redrive.returncode == 0, redrive.stdout + redrive.stderr
        assert f"{payment['paymentId']}: PROCESSED" in redrive.stdout
        record = running.get(f"/payments/{payment['paymentId']}").json()
        assert record["status"] == "PROCESSED"
        assert "error" not in record
        paid = running.get(f"/orders/{order['orderId']}").json()
        assert (paid["status"], paid["version"]) == ("PAID", 2)
        assert dead_letters(running) == []
    finally:
        running.stop()
