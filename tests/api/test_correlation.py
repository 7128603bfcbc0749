"""X-Correlation-Id: taken from the request or made, answered on every response, written onto what a request causes."""

import json

import boto3
import pytest

from chalicelib.orders.repository import OrdersRepository
from chalicelib.resource_names import physical_name
from tests.api.test_orders_api import ORDER, post
from tests.api.test_payments_api import PAYMENT

HEADER = "X-Correlation-Id"


def stored_correlation(order_id: str) -> str | None:
    return OrdersRepository().get(order_id).correlationId


def test_the_callers_id_is_answered_and_written_onto_the_order(api):
    response = post(api, ORDER, {HEADER: "req-abc-1"})
    assert response.status_code == 201
    assert response.headers[HEADER] == "req-abc-1"
    assert stored_correlation(json.loads(response.body)["orderId"]) == "req-abc-1"


def test_without_one_the_api_makes_one_and_uses_it_the_same_way(api):
    first, second = post(api, ORDER), post(api, ORDER)
    made = first.headers[HEADER]
    assert made and made != second.headers[HEADER]
    assert stored_correlation(json.loads(first.body)["orderId"]) == made


def test_a_status_change_carries_its_own_requests_id(api):
    order_id = json.loads(post(api, ORDER, {HEADER: "create-1"}).body)["orderId"]
    response = api.http.request(
        "PATCH",
        f"/orders/{order_id}",
        headers={"Content-Type": "application/json", HEADER: "pay-by-hand-2"},
        body=json.dumps({"status": "PAID", "version": 1}),
    )
    assert response.status_code == 200
    assert response.headers[HEADER] == "pay-by-hand-2"
    assert stored_correlation(order_id) == "pay-by-hand-2"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/orders/nope", 404), ("GET", "/no/such/path", 404), ("PUT", "/orders", 405)],
)
def test_errors_answer_it_too(api, method, path, status):
    response = api.http.request(method, path, headers={HEADER: "req-err-1"})
    assert response.status_code == status
    assert response.headers[HEADER] == "req-err-1"


@pytest.mark.parametrize("bad", ["", " leading-space", "a" * 129, "semi;colon", "-starts-with-dash"])
def test_an_unusable_id_is_replaced_by_a_fresh_one_that_the_order_carries(api, bad):
    response = post(api, ORDER, {HEADER: bad})
    assert response.status_code == 201, response.body
    made = response.headers[HEADER]
    assert made not in ("", bad)
    orders = boto3.client("dynamodb").scan(TableName=physical_name("orders"))["Items"]
    assert [o["correlationId"]["S"] for o in orders] == [made]


def test_a_payment_is_published_with_its_requests_id(api, aws):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name=physical_name("payments"))["TopicArn"]
    queue = sqs.create_queue(QueueName="payments-enveloped")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    response = api.http.post(
        "/payments", headers={"Content-Type": "application/json", HEADER: "checkout-77"}, body=json.dumps(PAYMENT)
    )
    assert response.status_code == 202
    assert response.headers[HEADER] == "checkout-77"
    (message,) = sqs.receive_message(QueueUrl=queue).get("Messages", [])
    attributes = json.loads(message["Body"])["MessageAttributes"]
    assert attributes["correlationId"]["Value"] == "checkout-77"
