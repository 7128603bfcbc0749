"""Payments end to end on the local stack: HTTP -> SNS -> trigger -> Step Functions -> DynamoDB."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import boto3
import pytest

from tests.integration.stack import RunningStack

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


def payment_for(order: dict, **changes) -> dict:
    return {
        "paymentId": f"pay-{uuid.uuid4().hex[:12]}",
        "orderId": order["orderId"],
        "amount": order["total"],
        "currency": order["currency"],
        "method": "CARD",
        "occurredAt": datetime.now(UTC).isoformat(),
        **changes,
    }


def outcome(stack, payment_id: str, timeout: float = 30) -> dict:
    """The payment's record once the workflow has finished with it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = stack.get(f"/payments/{payment_id}")
        if response.status_code == 200 and response.json()["status"] in ("PROCESSED", "REJECTED"):
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


def enriched_count(stack) -> int:
    return sum("stepfunctions:payments/Enrich" in line and " ok " in line for line in stack.output().splitlines())


def test_a_good_payment_is_processed_and_pays_the_order(stack):
    order = new_order(stack)
    payment = payment_for(order)
    accepted = stack.post("/payments", payment)
    assert accepted.status_code == 202
    assert accepted.headers["Location"] == f"/payments/{payment['paymentId']}"

    record = outcome(stack, payment["paymentId"])
    assert record["status"] == "PROCESSED"
    assert (record["amount"], record["reportingAmount"], record["reportingCurrency"]) == ("25.00", "25.00", "USD")
    assert record["highRisk"] is False
    assert record["processingLatencyMs"] >= 0
    paid = stack.get(f"/orders/{order['orderId']}").json()
    assert (paid["status"], paid["version"]) == ("PAID", 2)
    # The live trace shows each state's function call.
    for state, function in (
        ("Validate", "payment_validator"),
        ("Process", "payment_processor"),
        ("Enrich", "payment_enricher"),
    ):
        assert f"stepfunctions:payments/{state}" in stack.output()
        assert function in stack.output()


def test_an_invalid_payment_becomes_a_rejected_record_with_its_reason(stack):
    order = new_order(stack)
    payment = payment_for(order, amount="24.99")
    assert stack.post("/payments", payment).status_code == 202
    record = outcome(stack, payment["paymentId"])
    assert record["status"] == "REJECTED"
    assert record["reason"] == f"amount 24.99 does not match the order total {order['total']}"
    assert record["payment"]["amount"] == "24.99"
    assert stack.get(f"/orders/{order['orderId']}").json()["status"] == "PENDING"


def test_another_publishers_invalid_payment_is_rejected_the_same_way(stack):
    payment = payment_for({"orderId": "no-such-order", "total": "-3", "currency": "USD"})
    publish(stack, payment)
    record = outcome(stack, payment["paymentId"])
    assert record["status"] == "REJECTED"
    assert record["reason"] == "amount must be greater than 0, not -3"


def test_a_redelivered_message_creates_no_second_record(stack):
    order = new_order(stack)
    payment = payment_for(order)
    publish(stack, payment)
    first = outcome(stack, payment["paymentId"])
    before = enriched_count(stack)
    publish(stack, payment)  # the same message again: a second execution runs the whole workflow
    deadline = time.monotonic() + 30
    while enriched_count(stack) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert enriched_count(stack) == before + 1
    assert stack.get(f"/payments/{payment['paymentId']}").json() == first
    assert stack.get(f"/orders/{order['orderId']}").json()["version"] == 2  # paid once
    items = aws(stack, "dynamodb").scan(TableName=f"{PREFIX}-payments")["Items"]
    assert [i["paymentId"]["S"] for i in items].count(payment["paymentId"]) == 1


def test_a_processor_that_fails_transiently_is_retried_and_succeeds():
    # The first two processor invocations fail as Lambda's service would (Lambda.ServiceException).
    running = RunningStack(extra_env={"LOCAL_LAMBDA_FAULTS": "payment_processor=2"})
    try:
        running.wait_ready()
        order = new_order(running)
        payment = payment_for(order)
        assert running.post("/payments", payment).status_code == 202
        assert outcome(running, payment["paymentId"])["status"] == "PROCESSED"
        assert running.get(f"/orders/{order['orderId']}").json()["status"] == "PAID"
        process_lines = [line for line in running.output().splitlines() if "stepfunctions:payments/Process" in line]
        assert [("error" in line, "ok" in line.split()) for line in process_lines] == [
            (True, False),
            (True, False),
            (False, True),
        ]
    finally:
        running.stop()
