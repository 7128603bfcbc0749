"""Processor task: the one authority on a payment's outcome and its order's payment.

It reads the order once, then writes exactly one outcome: PROCESSED, in one transaction
with the order's PENDING -> PAID (so neither exists without the other), or REJECTED. Every
write is conditional, so running it again (a retry, a redelivery, a redrive) changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.orders.errors import OrderNotFound
from chalicelib.orders.model import Order, OrderStatus
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments.errors import PaymentRejected, PaymentTransientError, RejectionRule
from chalicelib.payments.model import PaymentEvent, PaymentStatus, record_to_api
from chalicelib.payments.repository import PaymentsRepository, same_payment
from chalicelib.payments.state import EnrichedPayment, WorkflowInput
from chalicelib.payments.task import task
from chalicelib.timestamps import utc_now

logger = Logger(service="payments")


def settle(state: EnrichedPayment, orders: OrdersRepository, payments: PaymentsRepository) -> dict:
    """Pay the order with the payment and record it PROCESSED; PaymentRejected if a rule forbids it."""
    payment = state.payment
    try:
        order, paid_by = orders.get_with_payer(payment.orderId)
    except OrderNotFound:
        raise PaymentRejected(RejectionRule.ORDER_NOT_FOUND, f"order {payment.orderId!r} does not exist") from None
    if paid_by == payment.paymentId:
        return _replay(state, payments)  # an earlier run of this payment settled it
    check_order(payment, order, paid_by)
    processed_at = utc_now()
    record = {
        **payment.to_message(),
        "amount": payment.amount,
        **state.enrichment.model_dump(),
        "status": PaymentStatus.PROCESSED.value,
        "receivedAt": state.receivedAt,
        "processedAt": processed_at,
        "processingLatencyMs": latency_ms(state.receivedAt, processed_at),
    }
    refusal = payments.settle(record, orders.payment_write(order, payment.paymentId, state.correlationId))
    if refusal is None:
        return record
    if refusal.payment_taken:
        return _replay(state, payments)  # a concurrent run of this payment, or another payment's id
    # The order changed between our read and our write: the retry reads it again and decides.
    raise PaymentTransientError(f"order {order.orderId!r} changed while the payment was being processed")


def check_order(payment: PaymentEvent, order: Order, paid_by: str | None) -> None:
    """Raise PaymentRejected unless ``order`` (as read) can take ``payment``."""
    if order.status != OrderStatus.PENDING:
        if paid_by is not None:
            raise PaymentRejected(
                RejectionRule.ORDER_PAID_BY_ANOTHER_PAYMENT,
                f"order {order.orderId!r} is already paid by another payment; an order is paid once",
            )
        raise PaymentRejected(
            RejectionRule.ORDER_NOT_PAYABLE,
            f"order {order.orderId!r} is {order.status.value}; only a PENDING order can be paid",
        )
    if payment.currency != order.currency:
        raise PaymentRejected(
            RejectionRule.CURRENCY_MISMATCH,
            f"currency {payment.currency} does not match the order's currency {order.currency}",
        )
    if payment.amount != order.total:
        raise PaymentRejected(
            RejectionRule.AMOUNT_MISMATCH, f"amount {payment.amount} does not match the order total {order.total}"
        )


def latency_ms(received_at: str, processed_at: str) -> int:
    """Milliseconds from the topic's receipt of the payment to its processing."""
    elapsed = datetime.fromisoformat(processed_at) - datetime.fromisoformat(received_at)
    return max(0, round(elapsed.total_seconds() * 1000))


def _replay(state: EnrichedPayment, payments: PaymentsRepository) -> dict:
    """The PROCESSED record this payment's id already has: its own, or another payment's (rejected)."""
    stored = payments.get(state.paymentId)
    if stored is None or stored.get("status") != PaymentStatus.PROCESSED.value:
        # paidBy and the record are written together, so this is a bug or a hand edit: let it fail.
        raise RuntimeError(f"payment {state.paymentId!r} paid its order but has no PROCESSED record")
    if not same_payment(stored, state.payment):
        raise PaymentRejected(
            RejectionRule.PAYMENT_ID_REUSED, f"paymentId {state.paymentId!r} is already used by another payment"
        )
    return stored


def reject(state: WorkflowInput, rejection: PaymentRejected, payments: PaymentsRepository) -> dict:
    """Record the rejection (unless the id is already PROCESSED); returns the stored record."""
    logger.info("payment rejected", extra={"paymentId": state.paymentId, "rule": rejection.rule.value})
    # As received: Validate's rejections may be of messages that never became a PaymentEvent.
    received = state.payment.to_message() if isinstance(state.payment, PaymentEvent) else state.payment
    return payments.reject(state.paymentId, received, rejection.rule.value, rejection.reason, utc_now())


@task
def handle(event: dict, context=None) -> dict:
    """Settle or reject the payment (or record Validate's rejection); returns its record."""
    if event.get("rejection") is not None:
        state = WorkflowInput.model_validate(event)
        return record_to_api(reject(state, state.rejection.as_rejection(), PaymentsRepository()))
    state = EnrichedPayment.model_validate(event)
    payments = PaymentsRepository()
    try:
        return record_to_api(settle(state, OrdersRepository(), payments))
    except PaymentRejected as rejection:
        return record_to_api(reject(state, rejection, payments))
