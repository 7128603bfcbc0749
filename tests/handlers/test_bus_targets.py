"""Notifier, analytics and the daily report."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import boto3
import pytest
from pydantic import ValidationError

from chalicelib.analytics import daily_report_job, event_counts
from chalicelib.orders.model import NewOrder, new_order
from chalicelib.orders.repository import OrdersRepository
from chalicelib.resource_names import physical_name
from local_runtime.invoke import FunctionError
from local_runtime.lambda_events import scheduled_event
from tests.handlers.event_shapes import bridge_event


@pytest.fixture
def notifications_queue(aws):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name=physical_name("notifications"))["TopicArn"]
    url = sqs.create_queue(QueueName="watch")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return url


def received(url):
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


NOTICE = {
    "orderId": "o-1",
    "status": "SHIPPED",
    "email": "ada@example.com",
    "correlationId": "req-9",
    "message": "Your order o-1 is now SHIPPED.",
}


def test_notifier_publishes_with_attributes_once(invoke, notifications_queue):
    invoke("notifier", NOTICE)
    invoke("notifier", NOTICE)  # EventBridge retried it: no second message
    (notification,) = received(notifications_queue)
    attributes = {k: v["Value"] for k, v in notification["MessageAttributes"].items()}
    assert attributes == {"email": "ada@example.com", "status": "SHIPPED", "orderId": "o-1", "correlationId": "req-9"}
    assert json.loads(notification["Message"])["body"] == NOTICE["message"]


def test_notifier_rejects_input_that_is_not_a_notice(invoke, notifications_queue):
    with pytest.raises(FunctionError) as caught:
        invoke("notifier", {"orderId": "o-1"})
    assert isinstance(caught.value.error, ValidationError)
    assert received(notifications_queue) == []


def test_analytics_counts_per_day_and_type_once_per_domain_event(invoke):
    created = bridge_event("OrderCreated", {"eventId": "rec-1", "orderId": "o-1"})
    invoke("analytics", created)
    invoke("analytics", {**created, "id": "replayed-id", "replay-name": "r1"})
    invoke("analytics", bridge_event("OrderStatusChanged", {"eventId": "rec-2", "orderId": "o-1"}))
    assert event_counts.counts_for("2026-11-23") == {"OrderCreated": 1, "OrderStatusChanged": 1}


def test_daily_report_sums_yesterdays_orders_by_status(invoke):
    repository = OrdersRepository()
    body = {"customerId": "c", "customerEmail": "a@b.co", "items": [{"sku": "A", "qty": 3, "unitPrice": "0.10"}]}
    for when in ("2026-11-22T08:00:00.000Z", "2026-11-22T23:59:59.999Z", "2026-11-23T00:00:00.000Z"):
        repository.put_new(new_order(NewOrder.model_validate(body), now=when))
    paid = new_order(NewOrder.model_validate({**body, "currency": "EUR"}), now="2026-11-22T12:00:00.000Z")
    repository.put_new(paid)
    repository.change_status(paid.orderId, paid.status.__class__("PAID"), 1)

    report = invoke("daily_report", scheduled_event("arn:rule", datetime(2026, 11, 23, 9, tzinfo=UTC)))
    assert report["date"] == "2026-11-22"
    assert report["orders"] == 3
    assert report["byStatus"] == {
        "PAID": {"count": 1, "revenue": {"EUR": "0.30"}},
        "PENDING": {"count": 2, "revenue": {"USD": "0.60"}},
    }
    stored = daily_report_job.get(datetime(2026, 11, 22).date())
    assert stored["byStatus"]["PENDING"]["revenue"]["USD"] == "0.60"
    assert Decimal(stored["byStatus"]["PAID"]["revenue"]["EUR"]) == Decimal("0.30")


def test_analytics_counts_once_without_a_powertools_record(invoke):
    import boto3

    from chalicelib.resource_names import physical_name

    created = bridge_event("OrderCreated", {"eventId": "rec-3", "orderId": "o-3"})
    invoke("analytics", created)
    invoke("analytics", created)
    assert event_counts.counts_for("2026-11-23") == {"OrderCreated": 1}
    assert boto3.client("dynamodb").scan(TableName=physical_name("idempotency"))["Items"] == []
