"""Validator task: the payment on its own (schema, static rules); it reads nothing.

Whether the order can take the payment is the processor's question: it is the one that
reads the order, and the answer must hold when it writes.
"""

from __future__ import annotations

from pydantic import ValidationError

from chalicelib.payments.errors import MalformedPayment, PaymentRejected, RejectionRule
from chalicelib.payments.model import PaymentEvent, describe
from chalicelib.payments.rates import RATES
from chalicelib.payments.state import ValidatedPayment, WorkflowInput, dump
from chalicelib.payments.task import task


def parse(raw, received_at: str | None = None) -> PaymentEvent:
    """The payment in ``raw`` (received at ``received_at``); MalformedPayment without a usable id, PaymentRejected if invalid."""
    if not isinstance(raw, dict) or not isinstance(raw.get("paymentId"), str):
        raise MalformedPayment("the message is not a payment: expected a JSON object with a string paymentId")
    try:
        return PaymentEvent.received(raw, received_at) if received_at else PaymentEvent.model_validate(raw)
    except ValidationError as error:
        if any(e["loc"] == ("paymentId",) for e in error.errors()):
            raise MalformedPayment(f"the message's paymentId is unusable: {describe(error)}") from None
        raise PaymentRejected(RejectionRule.INVALID_PAYMENT, f"invalid payment: {describe(error)}") from None


def check_rules(payment: PaymentEvent) -> None:
    """Raise PaymentRejected unless ``payment`` keeps the rules that need nothing but itself."""
    if payment.amount <= 0:
        raise PaymentRejected(RejectionRule.AMOUNT_NOT_POSITIVE, f"amount must be greater than 0, not {payment.amount}")
    if payment.currency not in RATES:
        raise PaymentRejected(
            RejectionRule.CURRENCY_NOT_ACCEPTED,
            f"currency {payment.currency} is not accepted; accepted: {', '.join(sorted(RATES))}",
        )


@task
def handle(event: dict, context=None) -> dict:
    """Validate the message; returns the state with the payment in its normal form."""
    state = WorkflowInput.model_validate(event)
    payment = parse(state.payment, state.receivedAt)
    check_rules(payment)
    fields = {**dict(state), "payment": payment, "paymentId": payment.paymentId, "orderId": payment.orderId}
    return dump(ValidatedPayment(**fields))
