"""The three task handlers on moto in-process: what each writes, and that repeats write nothing new."""

import json
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from chalicelib.aws.clients import client
from chalicelib.orders.errors import VersionConflict
from chalicelib.orders.model import NewOrder, OrderStatus, new_order
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments import enricher, processor, validator
from chalicelib.payments.errors import PaymentRejected, PaymentTransientError
from chalicelib.payments.model import PaymentEvent
from chalicelib.payments.repository import PaymentsRepository, RecordMissing
from chalicelib.resource_names import physical_name
from local_runtime import topology
from local_runtime.invoke import LambdaContext

RECEIVED = "2026-01-01T00:00:00.000Z"
# Powertools reads the remaining time from the context to expire an abandoned in-progress record.
CONTEXT = LambdaContext(
    "payment_processor", "req-1", "arn:aws:lambda:us-east-1:123456789012:function:p", _deadline=10**9
)

ASL = json.loads((topology.PROJECT_DIR / "infra" / "state_machines" / "payments.asl.json").read_text())


def record_rejection(state: dict, error: PaymentRejected) -> str:
    """Run the ASL's DescribeRejection -> RecordRejection on moto; the state it ends in."""
    described = {
        "paymentId": state["payment"]["paymentId"],
        "payment": json.dumps(state["payment"]),
        "error": {"errorType": "PaymentRejected", "errorMessage": str(error)},
        "rejectedAt": "2026-01-01T00:00:05.000Z",
        "execution": "arn:aws:states:us-east-1:123456789012:express:payments:x:y",
    }
    params = ASL["States"]["RecordRejection"]["Parameters"]
    item = {}
    for name, value in params["Item"].items():
        ((key, raw),) = value.items()
        if key.endswith(".$"):
            resolved = described
            for part in raw.removeprefix("$.").split("."):
                resolved = resolved[part]
            item[name] = {key.removesuffix(".$"): resolved}
        else:
            item[name] = value
    try:
        client("dynamodb").put_item(
            TableName=physical_name("payments"),
            Item=item,
            ConditionExpression=params["ConditionExpression"],
            ExpressionAttributeNames=params["ExpressionAttributeNames"],
            ExpressionAttributeValues=params["ExpressionAttributeValues"],
        )
    except ClientError as failure:
        assert failure.response["Error"]["Code"] == "ConditionalCheckFailedException"
        return ASL["States"]["RecordRejection"]["Catch"][0]["Next"]
    return ASL["States"]["RecordRejection"]["Next"]


def other_payment(state: dict, payment_id: str) -> dict:
    return {**state, "payment": {**state["payment"], "paymentId": payment_id}, "messageId": f"m-{payment_id}"}


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

    def throttled_once(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "UpdateItem"
            )
        return real(self, *args, **kwargs)

    monkeypatch.setattr(OrdersRepository, "change_status", throttled_once)
    with pytest.raises(PaymentTransientError, match="ProvisionedThroughputExceeded"):
        processor.handle(state, CONTEXT)
    # The failed attempt left no idempotency record behind, so the retry really runs.
    assert processor.handle(state, CONTEXT)["order"]["status"] == "PAID"
    assert OrdersRepository().get(order.orderId).version == 2


def test_a_concurrent_order_change_is_transient(state, order, monkeypatch):
    state = validator.handle(state)

    def raced(self, order_id, status, version, **kwargs):
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


def test_a_second_payment_racing_the_first_is_rejected_and_recorded_as_rejected(state, order, monkeypatch):
    # Both payments pass the validator while the order is PENDING.
    first = validator.handle(state)
    second = validator.handle(other_payment(state, "p-2"))
    real = OrdersRepository.change_status

    def first_wins(self, *args, **kwargs):
        # p-2 has recorded itself and read the PENDING order; p-1 pays it in between.
        if kwargs.get("paid_by") == "p-2" and OrdersRepository().get(order.orderId).status == OrderStatus.PENDING:
            processor.handle(first, CONTEXT)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(OrdersRepository, "change_status", first_wins)
    with pytest.raises(PaymentTransientError, match="re-read it"):
        processor.handle(second, CONTEXT)
    # The Process step retries the transient error: the order is PAID, but not by p-2.
    with pytest.raises(PaymentRejected, match="already paid by another payment") as rejection:
        processor.handle(second, CONTEXT)
    assert record_rejection(second, rejection.value) == "Rejected"
    rejected = PaymentsRepository().get("p-2")
    assert rejected["status"] == "REJECTED"
    assert "already paid by another payment" in rejected["reason"]
    with pytest.raises(RecordMissing):
        enricher.handle(second)
    # p-1, the payment that paid the order, completes; the order was paid once.
    assert enricher.handle(processor.handle(first, CONTEXT))["status"] == "PROCESSED"
    stored = OrdersRepository().get(order.orderId)
    assert (stored.status, stored.version) == (OrderStatus.PAID, 2)
    assert OrdersRepository().paid_by(order.orderId) == "p-1"


def test_a_payment_for_an_order_another_payment_paid_is_rejected(state, order):
    first, second = validator.handle(state), validator.handle(other_payment(state, "p-2"))
    enricher.handle(processor.handle(first, CONTEXT))
    with pytest.raises(PaymentRejected, match="already paid by another payment") as rejection:
        processor.handle(second, CONTEXT)
    assert record_rejection(second, rejection.value) == "Rejected"
    assert PaymentsRepository().get("p-2")["status"] == "REJECTED"
    assert PaymentsRepository().get("p-1")["status"] == "PROCESSED"


def test_a_payment_for_an_order_paid_another_way_is_rejected(state, order):
    state = validator.handle(state)
    OrdersRepository().change_status(order.orderId, OrderStatus.PAID, 1)  # PATCH /orders: no paidBy
    with pytest.raises(PaymentRejected, match="is PAID; only a PENDING order"):
        processor.handle(state, CONTEXT)
    assert PaymentsRepository().get("p-1") is None


def test_an_order_cancelled_during_processing_leaves_a_rejected_record_with_its_reason(state, order, monkeypatch):
    state = validator.handle(state)
    real = OrdersRepository.change_status

    def cancelled_meanwhile(self, order_id, status, version, **kwargs):
        if status == OrderStatus.PAID:
            real(self, order_id, OrderStatus.CANCELLED, version)
        return real(self, order_id, status, version, **kwargs)

    monkeypatch.setattr(OrdersRepository, "change_status", cancelled_meanwhile)
    with pytest.raises(PaymentTransientError):
        processor.handle(state, CONTEXT)
    assert PaymentsRepository().get("p-1")["status"] == "RECORDED"  # the first attempt's record
    with pytest.raises(PaymentRejected, match="CANCELLED") as rejection:
        processor.handle(state, CONTEXT)
    assert record_rejection(state, rejection.value) == "Rejected"
    record = PaymentsRepository().get("p-1")
    assert record["status"] == "REJECTED"
    assert "is CANCELLED; only a PENDING order can be paid" in record["reason"]
    assert json.loads(record["payment"]) == state["payment"]
    # A redelivery of the rejected payment is rejected again, by the validator this time.
    with pytest.raises(PaymentRejected, match="CANCELLED"):
        validator.handle(state)


def test_the_payment_that_paid_an_order_still_replays_after_the_order_moved_on(state, order):
    state = validator.handle(state)
    first = processor.process(
        PaymentEvent.model_validate(state["payment"]), RECEIVED, OrdersRepository(), PaymentsRepository()
    )
    OrdersRepository().change_status(order.orderId, OrderStatus.SHIPPED, 2)
    # A retry past the idempotency record (e.g. a crash before it was saved) must not undo the payment.
    again = processor.process(
        PaymentEvent.model_validate(state["payment"]), RECEIVED, OrdersRepository(), PaymentsRepository()
    )
    assert again["recordedAt"] == first["recordedAt"]
    assert again["order"]["status"] == "SHIPPED"
    assert PaymentsRepository().get("p-1")["status"] == "RECORDED"
    assert enricher.handle(state)["status"] == "PROCESSED"


def test_a_rejection_never_overwrites_another_payments_record(state, order):
    # p-1 is in flight (RECORDED, order PAID); a different payment reusing its id is rejected.
    state = processor.handle(validator.handle(state), CONTEXT)
    reuse = {**state, "payment": {**state["payment"], "amount": "99.00"}}
    with pytest.raises(PaymentRejected, match="already used") as rejection:
        validator.handle(reuse)
    assert not PaymentsRepository().reject_recorded(
        PaymentEvent.model_validate(reuse["payment"]), "no", "2026-01-01T00:00:05.000Z"
    )
    assert record_rejection(reuse, rejection.value) == "AlreadyRecorded"
    assert enricher.handle(state)["status"] == "PROCESSED"
    assert record_rejection(state, rejection.value) == "AlreadyRecorded"  # PROCESSED stays PROCESSED
