"""Processor task: record the payment once and move its order to PAID."""

from __future__ import annotations

from chalicelib.idempotency import run_once
from chalicelib.orders.errors import InvalidTransition, OrderNotFound
from chalicelib.orders.model import OrderStatus, utc_now
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments.errors import PaymentRejected
from chalicelib.payments.model import PaymentEvent, PaymentStatus
from chalicelib.payments.repository import PaymentsRepository, same_payment
from chalicelib.payments.task import task


def process(payment: PaymentEvent, received_at: str, orders: OrdersRepository, payments: PaymentsRepository) -> dict:
    """Record ``payment`` and pay its order; every step is safe to repeat after a crash."""
    try:
        order = orders.get(payment.orderId)
    except OrderNotFound:
        raise PaymentRejected(f"order {payment.orderId!r} does not exist") from None
    stored = payments.record(payment, received_at, utc_now())
    if stored.get("status") == PaymentStatus.REJECTED.value or not same_payment(stored, payment):
        raise PaymentRejected(f"paymentId {payment.paymentId!r} is already used by another payment")
    if order.status == OrderStatus.PENDING:
        try:
            # The order stream carries this change to the bus as OrderStatusChanged.
            order = orders.change_status(order.orderId, OrderStatus.PAID, order.version)
        except InvalidTransition as error:
            raise PaymentRejected(str(error)) from None
    elif order.status != OrderStatus.PAID:
        raise PaymentRejected(f"order {order.orderId!r} is {order.status.value}; only a PENDING order can be paid")
    # PAID here means an earlier attempt of this payment paid it (the validator let it through).
    return {"recordedAt": stored["recordedAt"], "order": {"orderId": order.orderId, "status": order.status.value}}


@task
def handle(state: dict, context=None) -> dict:
    """Process once per paymentId: a retried or redelivered payment replays the first result."""
    payment = PaymentEvent.model_validate(state["payment"])

    def action() -> dict:
        return {**state, **process(payment, state["receivedAt"], OrdersRepository(), PaymentsRepository())}

    return run_once("payments.process", payment.paymentId, payment.to_message(), action, context)
