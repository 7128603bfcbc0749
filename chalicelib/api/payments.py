"""The Payments API's views: publish a payment event, read its record."""

from __future__ import annotations

from chalicelib.api import correlation
from chalicelib.api.errors import ApiError
from chalicelib.api.operations import BAD_BODY, Answer, Call, Link, Operation, operation
from chalicelib.api.requests import plausible_id
from chalicelib.api.responses import PaymentAccepted, PaymentRecord
from chalicelib.aws.topics import publish
from chalicelib.payments.model import PaymentEvent, PaymentStatus, record_to_api
from chalicelib.payments.repository import PaymentsRepository
from chalicelib.payments.trigger import CORRELATION_ATTRIBUTE

TOPIC = "payments"
TAG = "payments"


@operation(
    Operation(
        "POST",
        "/payments",
        "submitPayment",
        "Submit a payment: 202 PENDING once it is on the payments topic; the workflow decides, GET shows the outcome.",
        TAG,
        answers={202: PaymentAccepted},
        errors=BAD_BODY,
        body=PaymentEvent,
        answer_headers={202: ("Location",)},
        links={202: (Link("GetPayment", "getPayment", {"payment_id": "$response.body#/paymentId"}),)},
    )
)
def submit_payment(call: Call) -> Answer:
    payment: PaymentEvent = call.body
    # The correlation id rides as a message attribute: the payment itself is the message.
    message_id = publish(TOPIC, payment.to_message(), attributes={CORRELATION_ATTRIBUTE: correlation.current()})
    accepted = PaymentAccepted(paymentId=payment.paymentId, status=PaymentStatus.PENDING.value, messageId=message_id)
    return Answer(202, accepted, {"Location": f"/payments/{payment.paymentId}"})


@operation(
    Operation(
        "GET",
        "/payments/{payment_id}",
        "getPayment",
        "Read a payment's outcome (404 until its workflow has recorded one).",
        TAG,
        answers={200: PaymentRecord},
        errors={404: ("PAYMENT_NOT_FOUND",)},
        path_params={"payment_id": {"type": "string", "minLength": 1}},
    )
)
def get_payment(payment_id: str) -> Answer:
    item = PaymentsRepository().get(payment_id) if plausible_id(payment_id) else None
    if item is None:
        raise ApiError(
            404, "PAYMENT_NOT_FOUND", f"payment {payment_id[:64]!r} has no record (yet: processing takes a moment)"
        )
    return Answer(200, PaymentRecord.model_validate(record_to_api(item)))
