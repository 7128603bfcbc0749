"""The Payments API through Chalice's test client, on moto in-process."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.aws.clients import client
from chalicelib.orders.model import NewOrder, new_order
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments import enricher, processor, validator
from chalicelib.payments.model import PaymentStatus
from chalicelib.resource_names import physical_name

JSON = {"Content-Type": "application/json"}
# occurredAt must be close to the time the API receives it (at most 30 days before).
OCCURRED = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0)
PAYMENT = {
    "paymentId": "pay-1",
    "orderId": "order-1",
    "amount": "40.48",
    "currency": "USD",
    "method": "CARD",
    "occurredAt": OCCURRED.strftime("%Y-%m-%dT%H:%M:%SZ"),
}


@pytest.fixture
def published(aws):
    """A queue subscribed (raw) to the payments topic: what POST /payments published."""
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name=physical_name("payments"))["TopicArn"]
    queue = sqs.create_queue(QueueName="payments-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    def messages():
        return [
            json.loads(m["Body"])
            for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        ]

    return messages


def post(api, body):
    return api.http.post("/payments", headers=JSON, body=body if isinstance(body, str) else json.dumps(body))


def test_post_publishes_the_exact_event_and_answers_202(api, published):
    response = post(api, {**PAYMENT, "amount": 40.48})  # a JSON number is read as an exact decimal
    assert response.status_code == 202
    body = json.loads(response.body)
    assert body["paymentId"] == "pay-1"
    assert body["status"] == PaymentStatus.PENDING  # a status of the enum, which GET's outcome then replaces
    assert response.headers["Location"] == "/payments/pay-1"
    assert published() == [{**PAYMENT, "occurredAt": OCCURRED.strftime("%Y-%m-%dT%H:%M:%S.000Z")}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PAYMENT, "amount": "1.001"}, "amount"),
        ({**PAYMENT, "method": "CASH"}, "method"),
        ({k: v for k, v in PAYMENT.items() if k != "orderId"}, "orderId"),
        ({**PAYMENT, "extra": 1}, "extra"),
    ],
)
def test_a_malformed_payment_is_400_and_publishes_nothing(api, published, body, field):
    response = post(api, body)
    assert response.status_code == 400
    error = json.loads(response.body)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == field
    assert published() == []


def test_bad_json_is_400_in_our_shape(api, published):
    response = post(api, "{nope")
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["code"] == "MALFORMED_JSON"


def test_get_unknown_payment_is_404(api):
    response = api.http.get("/payments/nope")
    assert response.status_code == 404
    assert json.loads(response.body)["error"]["code"] == "PAYMENT_NOT_FOUND"


def test_get_returns_the_record_with_exact_money(api):
    order = new_order(
        NewOrder(
            customerId="c-1",
            customerEmail="a@example.com",
            currency="EUR",
            items=[{"sku": "A", "qty": 1, "unitPrice": "40.48"}],
        ),
        order_id="order-1",
    )
    OrdersRepository().put_new(order)
    state = {
        "payment": {**PAYMENT, "paymentId": "pay-2", "currency": "EUR"},
        "paymentId": "pay-2",
        "orderId": "order-1",
        "receivedAt": (OCCURRED + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "messageId": "m-1",
        "correlationId": "req-1",
    }
    processor.handle(enricher.handle(validator.handle(state)))
    response = api.http.get("/payments/pay-2")
    assert response.status_code == 200
    record = json.loads(response.body)
    assert record["status"] == "PROCESSED"
    assert (record["amount"], record["currency"]) == ("40.48", "EUR")
    assert (record["reportingAmount"], record["reportingCurrency"], record["exchangeRate"]) == ("43.72", "USD", "1.08")
    assert record["processingLatencyMs"] > 0
