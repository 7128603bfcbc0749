"""Processor task: record the payment once and move its order to PAID."""

from __future__ import annotations

from typing import NoReturn

from chalicelib.idempotency import run_once
from chalicelib.orders.errors import InvalidTransition, OrderNotFound
from chalicelib.orders.model import Order, OrderStatus
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments.errors import PaymentRejected
from chalicelib.payments.model import PaymentEvent, PaymentStatus
from chalicelib.payments.repository import PaymentsRepository, same_payment
from chalicelib.payments.task import task
from chalicelib.timestamps import utc_now


def process(payment: PaymentEvent, received_at: str, orders: OrdersRepository, payments: PaymentsRepository) -> dict:
    """Record ``payment`` and pay its order; every step is safe to repeat after a crash.

    An order is paid once: the payment that pays it is stored on it (``paidBy``), and only
    that payment succeeds once the order has left PENDING. A payment the order cannot take
    is rejected, and a RECORDED record an earlier attempt of it left behind becomes REJECTED.
    """
    try:
        order = orders.get(payment.orderId)
    except OrderNotFound:
        _reject(payment, payments, f"order {payment.orderId!r} does not exist")
    if order.status != OrderStatus.PENDING:
        # PENDING is never re-entered, so once the order has left it its paidBy is final.
        paid_by = orders.paid_by(order.orderId)
        if paid_by != payment.paymentId:
            _reject(payment, payments, _why_not(order, paid_by))
        # Else an earlier attempt of this payment paid the order: replay its result.
    stored = payments.record(payment, received_at, utc_now())
    if stored.get("status") == PaymentStatus.REJECTED.value or not same_payment(stored, payment):
        raise PaymentRejected(f"paymentId {payment.paymentId!r} is already used by another payment")
    if order.status == OrderStatus.PENDING:
        try:
            # The order stream carries this change to the bus as OrderStatusChanged.
            order = orders.change_status(order.orderId, OrderStatus.PAID, order.version, paid_by=payment.paymentId)
        except InvalidTransition as error:
            _reject(payment, payments, str(error))
    return {"recordedAt": stored["recordedAt"], "order": {"orderId": order.orderId, "status": order.status.value}}


def _why_not(order: Order, paid_by: str | None) -> str:
    if paid_by is not None:
        return f"order {order.orderId!r} is already paid by another payment; an order is paid once"
    return f"order {order.orderId!r} is {order.status.value}; only a PENDING order can be paid"


def _reject(payment: PaymentEvent, payments: PaymentsRepository, reason: str) -> NoReturn:
    """Raise PaymentRejected; first turn this payment's RECORDED record, if any, into a REJECTED one.

    The workflow's RecordRejection never overwrites a RECORDED record (that would undo a
    payment in flight), so without this an earlier attempt's record would stay RECORDED.
    """
    payments.reject_recorded(payment, reason, utc_now())
    raise PaymentRejected(reason)


@task
def handle(state: dict, context=None) -> dict:
    """Process once per paymentId: a retried or redelivered payment replays the first result."""
    payment = PaymentEvent.model_validate(state["payment"])

    def action() -> dict:
        return {**state, **process(payment, state["receivedAt"], OrdersRepository(), PaymentsRepository())}

    return run_once("payments.process", payment.paymentId, payment.to_message(), action, context)
