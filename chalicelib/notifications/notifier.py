"""Notifier: target of the status rule; its input is the rule's input transformer output, not the event."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

from chalicelib.aws import topics
from chalicelib.idempotency import Once
from chalicelib.timestamps import utc_now

logger = Logger(service="notifier")


class StatusNotice(BaseModel):
    """What the input transformer hands the notifier."""

    model_config = ConfigDict(extra="forbid")

    orderId: str
    status: str
    email: str
    message: str
    # None only for events archived before events carried one (a replay), which still notify.
    correlationId: str | None = None


def publish(request: dict) -> dict:
    """Publish the notice with attributes subscribers can filter on."""
    notice: StatusNotice = request["notice"]
    message_id = topics.publish(
        "notifications",
        {
            "email": notice.email,
            "subject": f"Order update: {notice.orderId}",
            "body": notice.message,
            "timestamp": utc_now(),
        },
        subject=f"Order {notice.orderId} - {notice.status}",
        attributes={
            "email": notice.email,
            "status": notice.status,
            "orderId": notice.orderId,
            **({"correlationId": notice.correlationId} if notice.correlationId else {}),
        },
    )
    logger.info("notification sent", extra={"orderId": notice.orderId, "status": notice.status})
    return {"messageId": message_id}


publish_once = Once("notifier", publish)


def handle(event: dict, context) -> dict:
    """Validate the transformed input and publish it once per (order, status)."""
    notice = StatusNotice.model_validate(event)
    logger.set_correlation_id(notice.correlationId)
    return publish_once(f"{notice.orderId}:{notice.status}", {}, context, notice=notice)
