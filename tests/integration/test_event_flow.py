"""The whole event chain on the running local stack: change log, pipe, bus rules, fan-out, notifier, analytics, schedule."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.handlers.event_shapes import bridge_event, order_created_detail, sns_wrapped
from tests.integration.stack import RunningStack, eventually

pytestmark = pytest.mark.stack
PREFIX = "orders-platform-local"


@pytest.fixture(scope="module")
def stack():
    # Failed messages come back after 2 s instead of the declared 60 s, so redrive is quick.
    running = RunningStack({"LOCAL_QUEUE_VISIBILITY_TIMEOUT": "2"})
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def read_model(stack, pk: str, sk: str) -> dict | None:
    item = stack.client("dynamodb").get_item(
        TableName=f"{PREFIX}-read-models", Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )
    return item.get("Item")


def number(item: dict | None, attribute: str) -> int:
    return int(item[attribute]["N"]) if item and attribute in item else 0


def today_counts(stack) -> dict:
    return stack.get(f"/analytics/events/{datetime.now(UTC).date()}").json()["counts"]


def watch_notifications(stack) -> str:
    sqs, sns = stack.client("sqs"), stack.client("sns")
    # Read, never deleted: a long visibility keeps a notice seen once from coming back later in the test.
    url = sqs.create_queue(QueueName=f"watch-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "600"})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name=f"{PREFIX}-notifications")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return url


def drain(stack, url: str) -> list[dict]:
    messages = stack.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_an_order_sets_off_the_chain_and_a_replay_does_not_double_it(stack):
    watch = watch_notifications(stack)
    sku, customer = f"SKU-{uuid.uuid4().hex[:6]}", f"cust-{uuid.uuid4().hex[:6]}"
    body = {
        "customerId": customer,
        "customerEmail": "e2e@example.com",
        "items": [{"sku": sku, "qty": 4, "unitPrice": 2.5}],
    }
    started = datetime.now(UTC) - timedelta(seconds=5)
    order = stack.post("/orders", body).json()
    order_id = order["orderId"]

    # Flow 2: the change log line for this order.
    eventually(lambda: f'"orderId":"{order_id}"' in stack.output() and "order-change-log" in stack.output())
    # Flow 4: both fan-out consumers acted, once.
    eventually(lambda: number(read_model(stack, f"sku#{sku}", "reserved"), "qty") == 4)
    eventually(lambda: number(read_model(stack, f"customer#{customer}", "outbox-count"), "messages") == 1)
    eventually(lambda: today_counts(stack).get("OrderCreated", 0) >= 1)

    # Flow 4: a status the rule matches reaches the notifier through the input transformer.
    assert stack.patch(f"/orders/{order_id}", {"status": "PAID", "version": 1}).status_code == 200
    assert stack.patch(f"/orders/{order_id}", {"status": "SHIPPED", "version": 2}).status_code == 200
    notices = eventually(
        lambda: [n for n in drain(stack, watch) if n["MessageAttributes"]["orderId"]["Value"] == order_id]
    )
    (notice,) = notices
    assert notice["MessageAttributes"]["status"]["Value"] == "SHIPPED"
    assert notice["MessageAttributes"]["email"]["Value"] == "e2e@example.com"
    assert json.loads(notice["Message"])["body"] == f"Your order {order_id} is now SHIPPED."
    eventually(lambda: today_counts(stack).get("OrderStatusChanged", 0) >= 2)

    # Replay everything archived since the order was created: every consumer sees it again.
    counts_before = today_counts(stack)
    deliveries = ("-> order_processor", "-> user_notification", "-> notifier", "-> analytics")
    before = {d: stack.output().count(d) for d in deliveries}
    events = stack.client("events")
    bus = events.describe_event_bus(Name=f"{PREFIX}-orders")
    archive = events.describe_archive(ArchiveName=f"{PREFIX}-orders")
    events.start_replay(
        ReplayName=f"e2e-{uuid.uuid4().hex[:8]}",
        EventSourceArn=archive["ArchiveArn"],
        EventStartTime=started,
        EventEndTime=datetime.now(UTC),
        Destination={"Arn": bus["Arn"]},
    )
    # Every consumer is handed the replayed copies again...
    for delivery in deliveries:
        eventually(lambda d=delivery: stack.output().count(d) > before[d], timeout=30)
    time.sleep(1)  # (stragglers of the same replay)
    # ...and none of their effects doubles.
    assert number(read_model(stack, f"sku#{sku}", "reserved"), "qty") == 4
    assert number(read_model(stack, f"customer#{customer}", "outbox-count"), "messages") == 1
    assert today_counts(stack) == counts_before
    assert [n for n in drain(stack, watch) if n["MessageAttributes"]["orderId"]["Value"] == order_id] == []


def trace_lines(stack, order_id: str) -> list[str]:
    return [line for line in stack.output().splitlines() if "trace" in line and f"order={order_id}" in line]


def test_one_correlation_id_follows_an_order_through_every_hop_and_trace_line(stack):
    """The request's X-Correlation-Id reaches every delivery of its order, and a payment's reaches the PAID chain."""
    created_by, paid_by = f"create-{uuid.uuid4().hex[:8]}", f"pay-{uuid.uuid4().hex[:8]}"
    body = {"customerId": "corr", "customerEmail": "c@example.com", "items": [{"sku": "C", "qty": 1, "unitPrice": "5"}]}
    response = stack.post("/orders", body, headers={"X-Correlation-Id": created_by})
    assert response.headers["X-Correlation-Id"] == created_by
    order_id = response.json()["orderId"]
    creation_hops = [
        "dynamodb:orders                    -> order_change_log",
        "pipe:orders-events                 -> order_events_enricher",
        "pipe:orders-events                 -> bus:orders",
        "rule:order-created/fanout          -> topic:order-created",
        "rule:analytics/analytics           -> analytics",
        "sqs:order-processor                -> order_processor",
        "sqs:user-notification              -> user_notification",
    ]
    eventually(lambda: all(any(hop in line for line in trace_lines(stack, order_id)) for hop in creation_hops))
    # The structured logs carry it too (Powertools' correlation_id).
    assert f'"correlation_id":"{created_by}"' in stack.output()

    payment = {
        "paymentId": f"pay-{order_id}",
        "orderId": order_id,
        "amount": "5.00",
        "currency": "USD",
        "method": "CARD",
        "occurredAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert stack.post("/payments", payment, headers={"X-Correlation-Id": paid_by}).status_code == 202
    payment_hops = ["-> payments_trigger", "-> payment_validator", "-> payment_enricher", "-> payment_processor"]
    eventually(
        lambda: all(
            any(hop in line and f"correlation={paid_by}" in line for line in trace_lines(stack, order_id))
            for hop in payment_hops
        ),
        timeout=30,
    )
    # The order's PAID is the payment's doing: its change and status event carry the payment's id.
    eventually(
        lambda: any(
            "-> bus:orders" in line and "OrderStatusChanged" in line and f"correlation={paid_by}" in line
            for line in trace_lines(stack, order_id)
        )
    )
    lines = trace_lines(stack, order_id)
    assert lines and all(f"correlation={created_by}" in line or f"correlation={paid_by}" in line for line in lines)


def test_poison_message_ends_in_dlq_while_batch_mates_are_processed_once(stack):
    sqs = stack.client("sqs")
    queue = sqs.get_queue_url(QueueName=f"{PREFIX}-order-processor")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=f"{PREFIX}-order-processor-dlq")["QueueUrl"]
    sku = f"SKU-{uuid.uuid4().hex[:6]}"
    bodies = []
    for n in range(3):
        detail = order_created_detail(f"poison-mate-{uuid.uuid4().hex[:6]}", qty=n + 1)
        detail["items"][0]["sku"] = sku
        bodies.append(sns_wrapped(json.dumps(bridge_event("OrderCreated", detail))))
    bodies.insert(1, "this is not an SNS notification")
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)])

    dead = eventually(
        lambda: sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages"),
        timeout=40,
    )
    assert [m["Body"] for m in dead] == ["this is not an SNS notification"]
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 3
    assert number(read_model(stack, f"sku#{sku}", "reserved"), "qty") == 1 + 2 + 3
    assert number(read_model(stack, f"sku#{sku}", "reserved"), "orders") == 3


def test_a_dead_lettered_message_prints_one_warning_line_in_the_console(stack):
    """The local stand-in for the DLQ alarms: the `make dev` console names the DLQ, source and reason."""
    sqs = stack.client("sqs")
    queue = sqs.get_queue_url(QueueName=f"{PREFIX}-user-notification")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=f"poison {uuid.uuid4().hex}")
    line = (
        "WARNING dead letter in user-notification-dlq from sqs:user-notification: "
        "not processed after the queue's maxReceiveCount receives (redrive)"
    )
    eventually(lambda: line in stack.output(), timeout=40)
    time.sleep(2)  # a few more monitor rounds: still one line
    assert stack.output().count(line) == 1


def test_schedule_fires_now_and_the_report_is_served(stack):
    body = {
        "customerId": "report",
        "customerEmail": "r@example.com",
        "items": [{"sku": "R", "qty": 1, "unitPrice": "9.99"}],
    }
    assert stack.post("/orders", body).status_code == 201
    tomorrow_nine = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT09:00:00Z")
    result = stack.fire_schedule("daily_report", tomorrow_nine)
    assert result.returncode == 0, result.stderr
    today = str(datetime.now(UTC).date())
    report = stack.get(f"/reports/daily/{today}").json()
    assert report["date"] == today
    assert report["byStatus"]["PENDING"]["count"] >= 1
    assert stack.get("/reports/daily/1999-01-01").json()["error"]["code"] == "REPORT_NOT_FOUND"
