"""The three task handlers on moto in-process: what each writes, and that repeats write nothing new."""

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from chalicelib.orders.errors import VersionConflict
from chalicelib.orders.model import NewOrder, OrderStatus, new_order
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments import enricher, processor, validator
from chalicelib.payments.errors import PaymentRejected, PaymentTransientError
from chalicelib.payments.repository import PaymentsRepository, RecordMissing
from local_runtime.invoke import LambdaContext

RECEIVED = "2026-01-01T00:00:00.000Z"
# Powertools reads the remaining time from the context to expire an abandoned in-progress record.
CONTEXT = LambdaContext(
    "payment_processor", "req-1", "arn:aws:lambda:us-east-1:123456789012:function:p", _deadline=10**9
)


@pytest.fixture
def order(aws):
    created = new_order(
        NewOrder(customerId="c-1", customerEmail="a@example.com", items=[{"sku": "A", "qty": 1, "unitPrice": "12.50"}])
    )
    OrdersRepository().put_new(created)
    return created


@pytest.fixture
def state(order):
    payment = {
        "paymentId": "p-1",
        "orderId": order.orderId,
        "amount": "12.5",
        "currency": "USD",
        "method": "CARD",
        "occurredAt": "2026-01-01T00:00:00Z",
    }
    return {"payment": payment, "receivedAt": RECEIVED, "messageId": "m-1"}


def test_validator_passes_the_normal_form_on(state):
    out = validator.handle(state)
    assert out["payment"]["amount"] == "12.50"
    assert out["payment"]["occurredAt"] == "2026-01-01T00:00:00.000Z"
    assert out["receivedAt"] == RECEIVED


def test_validator_rejects_a_payment_for_an_unknown_order(state):
    state["payment"]["orderId"] = "nope"
    with pytest.raises(PaymentRejected, match="'nope' does not exist"):
        validator.handle(state)


def test_processor_records_once_and_pays_the_order(state, order):
    state = validator.handle(state)
    first = processor.handle(state, CONTEXT)
    again = processor.handle(state, CONTEXT)
    assert again == first
    assert first["order"]["status"] == "PAID"
    stored = OrdersRepository().get(order.orderId)
    assert stored.status == OrderStatus.PAID
    assert stored.version == 2  # one status change, not two
    record = PaymentsRepository().get("p-1")
    assert record["status"] == "RECORDED"
    assert record["amount"] == Decimal("12.50")


def test_a_throttled_processor_fails_transiently_and_its_retry_succeeds(state, order, monkeypatch):
    state = validator.handle(state)
    real = OrdersRepository.change_status
    calls = []

    def throttled_once(self, *args):
        calls.append(args)
        if len(calls) == 1:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "UpdateItem"
            )
        return real(self, *args)

    monkeypatch.setattr(OrdersRepository, "change_status", throttled_once)
    with pytest.raises(PaymentTransientError, match="ProvisionedThroughputExceeded"):
        processor.handle(state, CONTEXT)
    # The failed attempt left no idempotency record behind, so the retry really runs.
    assert processor.handle(state, CONTEXT)["order"]["status"] == "PAID"
    assert OrdersRepository().get(order.orderId).version == 2


def test_a_concurrent_order_change_is_transient(state, order, monkeypatch):
    state = validator.handle(state)

    def raced(self, order_id, status, version):
        raise VersionConflict(order_id, version, version + 1)

    monkeypatch.setattr(OrdersRepository, "change_status", raced)
    with pytest.raises(PaymentTransientError, match="re-read it"):
        processor.handle(state, CONTEXT)


def test_an_order_cancelled_after_validation_is_rejected_by_the_processor(state, order):
    state = validator.handle(state)
    OrdersRepository().change_status(order.orderId, OrderStatus.CANCELLED, 1)
    with pytest.raises(PaymentRejected, match="CANCELLED"):
        processor.handle(state, CONTEXT)


def test_a_non_transient_aws_error_stays_what_it_is(state, monkeypatch):
    def denied(self, *args):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetItem")

    monkeypatch.setattr(OrdersRepository, "get", denied)
    with pytest.raises(ClientError):
        processor.handle(state, CONTEXT)


def test_enricher_completes_the_record_once(state):
    state = processor.handle(validator.handle(state), CONTEXT)
    first = enricher.handle(state)
    assert first["status"] == "PROCESSED"
    assert first["reportingAmount"] == "12.50"
    assert first["highRisk"] is False
    assert first["processingLatencyMs"] > 0
    assert enricher.handle(state) == first  # a repeat does not recompute the latency


def test_enricher_without_a_recorded_payment_is_an_error(state):
    with pytest.raises(RecordMissing):
        enricher.handle(validator.handle(state))


def test_a_redelivery_after_processing_validates_and_changes_nothing(state, order):
    normal = validator.handle(state)
    record = enricher.handle(processor.handle(normal, CONTEXT))
    replay = {**state, "receivedAt": "2026-01-01T00:00:09.000Z", "messageId": "m-2"}
    assert enricher.handle(processor.handle(validator.handle(replay), CONTEXT)) == record
    assert OrdersRepository().get(order.orderId).version == 2
