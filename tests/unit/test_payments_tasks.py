"""The three task handlers on moto in-process: what each writes, and that repeats write nothing new."""

import json
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from chalicelib.orders.model import NewOrder, OrderStatus, new_order
from chalicelib.orders.repository import OrdersRepository
from chalicelib.payments import enricher, processor, validator
from chalicelib.payments.errors import MalformedPayment, PaymentRejected, PaymentTransientError, RejectionRule
from chalicelib.payments.model import record_to_api
from chalicelib.payments.repository import PaymentsRepository

RECEIVED = "2026-01-01T00:00:00.000Z"
PAYMENT = {
    "paymentId": "p-1",
    "orderId": "o-1",
    "amount": "12.5",
    "currency": "USD",
    "method": "CARD",
    "occurredAt": "2026-01-01T00:00:00Z",
}


def workflow_input(**changes) -> dict:
    """An execution's input as the trigger writes it."""
    payment = {**PAYMENT, **changes}
    return {
        "payment": payment,
        "paymentId": payment["paymentId"],
        "orderId": payment["orderId"],
        "receivedAt": RECEIVED,
        "messageId": "m-1",
        "correlationId": "req-1",
        "rejection": None,
    }


def to_process(state: dict) -> dict:
    """What Process receives on the happy path: Validate, then Enrich."""
    return enricher.handle(validator.handle(state))


def caught(error: Exception) -> dict:
    """What Validate's Catch (ResultPath $.rejection) puts into the state for a Lambda error."""
    cause = {"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": []}
    return {"Error": type(error).__name__, "Cause": json.dumps(cause)}


def order_state(order_id: str):
    order, paid_by = OrdersRepository().get_with_payer(order_id)
    return order.status, order.version, paid_by


@pytest.fixture
def order(aws):
    created = new_order(
        NewOrder(customerId="c-1", customerEmail="a@example.com", items=[{"sku": "A", "qty": 1, "unitPrice": "12.50"}]),
        order_id="o-1",
    )
    OrdersRepository().put_new(created)
    return created


# --- Validate: the payment on its own, no reads ----------------------------------------------


def test_validator_passes_the_normal_form_on_without_reading_anything():
    # No moto here: a validator that read the order or the payments table would fail.
    out = validator.handle(workflow_input(orderId="no-such-order"))
    assert out["payment"]["amount"] == "12.50"
    assert out["payment"]["occurredAt"] == "2026-01-01T00:00:00.000Z"
    assert (out["paymentId"], out["orderId"], out["receivedAt"]) == ("p-1", "no-such-order", RECEIVED)


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"amount": "0"}, RejectionRule.AMOUNT_NOT_POSITIVE),
        ({"currency": "XYZ"}, RejectionRule.CURRENCY_NOT_ACCEPTED),
        ({"method": "CASH"}, RejectionRule.INVALID_PAYMENT),
    ],
)
def test_validator_rejects_static_rules_with_the_rule(changes, rule):
    with pytest.raises(PaymentRejected) as rejection:
        validator.handle(workflow_input(**changes))
    assert rejection.value.rule == rule
    assert json.loads(str(rejection.value)) == {"rule": rule.value, "reason": rejection.value.reason}


def test_validator_calls_a_message_without_a_usable_id_malformed():
    state = {**workflow_input(), "payment": "not json", "paymentId": None, "orderId": None}
    with pytest.raises(MalformedPayment):
        validator.handle(state)


def test_the_state_is_typed_a_task_refuses_an_unknown_field():
    with pytest.raises(ValueError, match="surprise"):
        validator.handle({**workflow_input(), "surprise": 1})


# --- Enrich: pure derivation -------------------------------------------------------------------


def test_enricher_adds_the_derived_fields_and_reads_nothing():
    out = enricher.handle(validator.handle(workflow_input(amount="100.00", currency="EUR")))
    assert out["enrichment"] == {
        "reportingCurrency": "USD",
        "exchangeRate": "1.08",
        "reportingAmount": "108.00",
        "highRisk": False,
    }
    assert out["payment"]["amount"] == "100.00"


# --- Process: the one writer ------------------------------------------------------------------


def test_processor_records_processed_and_pays_the_order_in_one_go(order):
    record = processor.handle(to_process(workflow_input()))
    assert record["status"] == "PROCESSED"
    assert (record["amount"], record["reportingAmount"], record["exchangeRate"]) == ("12.50", "12.50", "1")
    assert record["highRisk"] is False
    assert record["processingLatencyMs"] > 0
    assert order_state("o-1") == (OrderStatus.PAID, 2, "p-1")
    stored = PaymentsRepository().get("p-1")
    assert stored["status"] == "PROCESSED"
    assert stored["amount"] == Decimal("12.50")
    # The order's PAID (and so its OrderStatusChanged) follows from the payment's request.
    assert OrdersRepository().get("o-1").correlationId == "req-1"


def test_processor_run_again_changes_nothing(order):
    state = to_process(workflow_input())
    first = processor.handle(state)
    assert processor.handle(state) == first
    # A redelivery (new receipt time) replays too; the order was paid once.
    assert processor.handle(to_process({**workflow_input(), "receivedAt": "2026-01-01T00:00:09.000Z"})) == first
    assert order_state("o-1") == (OrderStatus.PAID, 2, "p-1")


def test_an_order_changed_between_read_and_write_leaves_nothing_written(order, monkeypatch):
    # The crash/race the old two-step write split: the order moves on after Process read it.
    real = OrdersRepository.get_with_payer
    raced = []

    def read_then_cancelled(self, order_id):
        read = real(self, order_id)
        if not raced:
            raced.append(OrdersRepository().change_status(order_id, OrderStatus.CANCELLED, 1))
        return read

    monkeypatch.setattr(OrdersRepository, "get_with_payer", read_then_cancelled)
    with pytest.raises(PaymentTransientError, match="changed"):
        processor.handle(to_process(workflow_input()))
    assert PaymentsRepository().get("p-1") is None  # no payment without its order's PAID
    assert order_state("o-1") == (OrderStatus.CANCELLED, 2, None)
    # The workflow retries: the second run reads the cancelled order and rejects.
    record = processor.handle(to_process(workflow_input()))
    assert (record["status"], record["rule"]) == ("REJECTED", "ORDER_NOT_PAYABLE")


def test_a_failed_transaction_is_raised_for_the_retry_and_writes_nothing(order, monkeypatch):
    client = PaymentsRepository()._table.meta.client
    original = type(client).transact_write_items

    def throttled(self, **kwargs):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "Tx")

    monkeypatch.setattr(type(client), "transact_write_items", throttled)
    state = to_process(workflow_input())
    with pytest.raises(ClientError):
        processor.handle(state)
    assert PaymentsRepository().get("p-1") is None
    assert order_state("o-1") == (OrderStatus.PENDING, 1, None)
    monkeypatch.setattr(type(client), "transact_write_items", original)
    assert processor.handle(state)["status"] == "PROCESSED"


def test_processor_records_validates_rejection_with_its_rule(order):
    with pytest.raises(PaymentRejected) as rejection:
        validator.handle(workflow_input(amount="-1.00"))
    record = processor.handle({**workflow_input(amount="-1.00"), "rejection": caught(rejection.value)})
    assert (record["status"], record["rule"]) == ("REJECTED", "AMOUNT_NOT_POSITIVE")
    assert record["reason"] == "amount must be greater than 0, not -1.00"
    assert record["payment"]["amount"] == "-1.00"
    assert order_state("o-1") == (OrderStatus.PENDING, 1, None)


def test_a_rejection_that_is_not_ours_is_still_recorded(order):
    # E.g. LOCAL_LAMBDA_FAULTS=payment_validator=1:PaymentRejected: the Cause is no rule JSON.
    injected = {"Error": "PaymentRejected", "Cause": json.dumps({"errorMessage": "injected", "errorType": "X"})}
    record = processor.handle({**workflow_input(), "rejection": injected})
    assert record["status"] == "REJECTED"
    assert PaymentsRepository().get("p-1")["status"] == "REJECTED"


@pytest.mark.parametrize(
    ("changes", "rule", "reason"),
    [
        ({"orderId": "nope"}, "ORDER_NOT_FOUND", "order 'nope' does not exist"),
        ({"amount": "12.49"}, "AMOUNT_MISMATCH", "amount 12.49 does not match the order total 12.50"),
        ({"currency": "EUR"}, "CURRENCY_MISMATCH", "currency EUR does not match the order's currency USD"),
    ],
)
def test_processor_rejects_what_the_order_cannot_take(order, changes, rule, reason):
    record = processor.handle(to_process(workflow_input(**changes)))
    assert (record["status"], record["rule"], record["reason"]) == ("REJECTED", rule, reason)
    assert PaymentsRepository().get("p-1")["rule"] == rule
    assert order_state("o-1") == (OrderStatus.PENDING, 1, None)


def test_an_order_paid_another_way_rejects_the_payment(order):
    OrdersRepository().change_status("o-1", OrderStatus.PAID, 1)  # PATCH /orders: no paidBy
    record = processor.handle(to_process(workflow_input()))
    assert (record["rule"], record["reason"]) == (
        "ORDER_NOT_PAYABLE",
        "order 'o-1' is PAID; only a PENDING order can be paid",
    )


def test_a_second_payment_for_a_paid_order_is_rejected_and_the_first_stays(order):
    processor.handle(to_process(workflow_input()))
    record = processor.handle(to_process(workflow_input(paymentId="p-2")))
    assert (record["status"], record["rule"]) == ("REJECTED", "ORDER_PAID_BY_ANOTHER_PAYMENT")
    assert PaymentsRepository().get("p-1")["status"] == "PROCESSED"
    assert order_state("o-1") == (OrderStatus.PAID, 2, "p-1")


def test_a_reused_payment_id_never_overwrites_the_processed_record(order):
    first = processor.handle(to_process(workflow_input()))
    other = new_order(
        NewOrder(customerId="c-1", customerEmail="a@example.com", items=[{"sku": "B", "qty": 1, "unitPrice": "12.50"}]),
        order_id="o-2",
    )
    OrdersRepository().put_new(other)
    # Another payment under p-1's id for o-2: the transaction finds p-1 PROCESSED and refuses both writes.
    assert processor.handle(to_process(workflow_input(orderId="o-2"))) == first
    assert order_state("o-2") == (OrderStatus.PENDING, 1, None)
    # And one for o-1 itself with another amount meets paidBy = p-1: still p-1's record.
    assert processor.handle(to_process(workflow_input(amount="99.00"))) == first


def test_the_payment_that_paid_an_order_replays_after_the_order_moved_on(order):
    first = processor.handle(to_process(workflow_input()))
    OrdersRepository().change_status("o-1", OrderStatus.SHIPPED, 2)
    assert processor.handle(to_process(workflow_input())) == first


def test_a_rejected_payment_may_later_be_processed(order):
    rejected = processor.handle(to_process(workflow_input(orderId="o-late")))
    assert rejected["rule"] == "ORDER_NOT_FOUND"
    late = new_order(
        NewOrder(customerId="c-1", customerEmail="a@example.com", items=[{"sku": "A", "qty": 1, "unitPrice": "12.50"}]),
        order_id="o-late",
    )
    OrdersRepository().put_new(late)
    assert processor.handle(to_process(workflow_input(orderId="o-late")))["status"] == "PROCESSED"


def test_a_failed_payment_is_processed_by_its_redrive(order):
    # What the ASL's RecordFailure writes once retries are exhausted.
    failed = {
        "paymentId": "p-1",
        "status": "FAILED",
        "failure": json.dumps({"Error": "RuntimeError", "Cause": json.dumps({"errorMessage": "boom"})}),
        "execution": "arn:aws:states:us-east-1:123456789012:express:x:y:z",
        "failedAt": RECEIVED,
        "receivedAt": RECEIVED,
        "payment": json.dumps(PAYMENT),
    }
    PaymentsRepository()._table.put_item(Item=failed)
    assert record_to_api(PaymentsRepository().get("p-1"))["reason"] == "boom"
    record = processor.handle(to_process(workflow_input()))
    assert record["status"] == "PROCESSED"
    assert "failure" not in PaymentsRepository().get("p-1")
    assert order_state("o-1") == (OrderStatus.PAID, 2, "p-1")
