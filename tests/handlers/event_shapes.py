"""Builders for the nested envelopes our consumers receive (SQS <- SNS <- EventBridge)."""

from __future__ import annotations

import json
import uuid

from local_runtime.lambda_events import sqs_event


def order_created_detail(order_id: str = "o-1", event_id: str | None = None, qty: int = 2) -> dict:
    return {
        "eventId": event_id or f"rec-{order_id}",
        "orderId": order_id,
        "customerId": "c-1",
        "customerEmail": "ada@example.com",
        "currency": "USD",
        "total": "10.00",
        "status": "PENDING",
        "version": 1,
        "orderVersion": 1,
        "correlationId": f"corr-{order_id}",
        "items": [{"sku": "SKU-1", "qty": qty, "unitPrice": "5.00"}],
        "occurredAt": "2026-11-23T10:00:00.000Z",
    }


def bridge_event(detail_type: str, detail: dict, source: str = "app.orders") -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def order_event_detail(order_id: str = "o-1", status: str = "PENDING", previous: str = "PENDING") -> dict:
    """A detail that reads as any of the order lifecycle events (each model ignores the fields it lacks)."""
    return {**order_created_detail(order_id), "status": status, "previousStatus": previous}


def sns_wrapped(message: str) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders-platform-dev-order-created",
            "Message": message,
            "Timestamp": "2026-11-23T10:00:00.000Z",
            "SignatureVersion": "1",
            "Signature": "x",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/x.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }
    )


def sqs_batch(bodies: list[str]) -> dict:
    """An SQS event whose records each have their own messageId (Chalice's generator reuses one)."""
    messages = [
        {"MessageId": str(uuid.uuid4()), "ReceiptHandle": f"rh-{i}", "Body": body, "Attributes": {}}
        for i, body in enumerate(bodies)
    ]
    return sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:q")
