"""The Payments API's views: publish a payment event, read its record."""

from __future__ import annotations

from datetime import UTC, datetime

from chalice import Response

from chalicelib.api import correlation
from chalicelib.api.errors import ApiError, json_errors
from chalicelib.api.requests import json_body, plausible_id
from chalicelib.aws.topics import publish
from chalicelib.payments.model import PaymentEvent, PaymentStatus, record_to_api
from chalicelib.payments.repository import PaymentsRepository
from chalicelib.payments.trigger import CORRELATION_ATTRIBUTE

TOPIC = "payments"


@json_errors
def submit_payment(request) -> Response:
    """202 PENDING: the event is on the topic; the workflow decides, and GET shows the outcome."""
    payment = PaymentEvent.received(json_body(request), datetime.now(UTC))
    # The correlation id rides as a message attribute: the payment itself is the message.
    message_id = publish(TOPIC, payment.to_message(), attributes={CORRELATION_ATTRIBUTE: correlation.current()})
    location = f"/payments/{payment.paymentId}"
    return Response(
        body={"paymentId": payment.paymentId, "status": PaymentStatus.PENDING.value, "messageId": message_id},
        status_code=202,
        headers={"Location": location, "Content-Type": "application/json"},
    )


@json_errors
def get_payment(payment_id: str) -> dict:
    item = PaymentsRepository().get(payment_id) if plausible_id(payment_id) else None
    if item is None:
        raise ApiError(
            404, "PAYMENT_NOT_FOUND", f"payment {payment_id[:64]!r} has no record (yet: processing takes a moment)"
        )
    return record_to_api(item)
