"""Validator task: the payment's schema, then the business rules; a broken rule is PaymentRejected."""

from __future__ import annotations

from pydantic import ValidationError

from chalicelib.orders.errors import OrderNotFound
from chalicelib.orders.model import Order, OrderStatus
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments.errors import MalformedPayment, PaymentRejected
from chalicelib.payments.model import PaymentEvent, PaymentStatus, describe
from chalicelib.payments.rates import RATES
from chalicelib.payments.repository import PaymentsRepository, same_payment
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
        raise PaymentRejected(f"invalid payment: {describe(error)}") from None


def check_rules(payment: PaymentEvent, order: Order | None, existing: dict | None) -> None:
    """Raise PaymentRejected unless ``payment`` may pay ``order`` (``existing``: its stored record)."""
    if payment.amount <= 0:
        raise PaymentRejected(f"amount must be greater than 0, not {payment.amount}")
    if payment.currency not in RATES:
        raise PaymentRejected(f"currency {payment.currency} is not accepted; accepted: {', '.join(sorted(RATES))}")
    if order is None:
        raise PaymentRejected(f"order {payment.orderId!r} does not exist")
    if existing is not None and existing.get("status") != PaymentStatus.REJECTED.value:
        if same_payment(existing, payment):
            return  # a redelivery of a payment already taken: the processor replays, harmlessly
        raise PaymentRejected(f"paymentId {payment.paymentId!r} is already used by another payment")
    if order.status != OrderStatus.PENDING:
        raise PaymentRejected(f"order {order.orderId!r} is {order.status.value}; only a PENDING order can be paid")
    if payment.currency != order.currency:
        raise PaymentRejected(f"currency {payment.currency} does not match the order's currency {order.currency}")
    if payment.amount != order.total:
        raise PaymentRejected(f"amount {payment.amount} does not match the order total {order.total}")


@task
def handle(state: dict, context=None) -> dict:
    """Validate ``state["payment"]``; returns the state with the payment in its normal form."""
    payment = parse(state.get("payment"), state.get("receivedAt"))
    check_rules(payment, _order(payment.orderId), PaymentsRepository().get(payment.paymentId))
    return {**state, "payment": payment.to_message()}


def _order(order_id: str) -> Order | None:
    try:
        return OrdersRepository().get(order_id)
    except OrderNotFound:
        return None
