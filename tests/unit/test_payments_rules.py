"""Payments domain without AWS: the event's schema, the business rules, derived fields, the trigger's input."""

import json
from decimal import Decimal

import pytest

from chalicelib.orders.model import NewOrder, OrderStatus, new_order
from chalicelib.payments.enricher import LARGE_AMOUNT, derive
from chalicelib.payments.errors import MalformedPayment, PaymentRejected
from chalicelib.payments.model import PaymentEvent, record_to_api
from chalicelib.payments.trigger import execution_name, workflow_input
from chalicelib.payments.validator import check_rules, parse

ORDER = new_order(
    NewOrder(customerId="c-1", customerEmail="a@example.com", items=[{"sku": "A", "qty": 2, "unitPrice": "6.25"}]),
    order_id="o-1",
)
EVENT = {
    "paymentId": "p-1",
    "orderId": "o-1",
    "amount": "12.50",
    "currency": "USD",
    "method": "CARD",
    "occurredAt": "2026-01-02T03:04:05.678+01:00",
}


def payment(**changes) -> PaymentEvent:
    return PaymentEvent.model_validate({**EVENT, **changes})


def test_wire_form_is_exact_and_utc():
    message = payment(amount=Decimal("12.5")).to_message()
    assert message["amount"] == "12.50"
    assert message["occurredAt"] == "2026-01-02T02:04:05.678Z"
    assert PaymentEvent.model_validate(message) == payment()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 12.5),  # a float has already lost exactness
        ("amount", True),
        ("amount", "1.005"),
        ("amount", "NaN"),
        ("currency", "usd"),
        ("method", "CASH"),
        ("occurredAt", "2026-01-02T03:04:05"),  # no time zone
        ("orderId", ""),
    ],
)
def test_schema_rejects_bad_fields(field, value):
    with pytest.raises(PaymentRejected, match=field):
        parse({**EVENT, field: value})


def test_unknown_field_is_a_rejection():
    with pytest.raises(PaymentRejected, match="unknown field"):
        parse({**EVENT, "tip": "1"})


@pytest.mark.parametrize(
    "raw", ["not json", ["p-1"], {"orderId": "o-1"}, {**EVENT, "paymentId": 7}, {**EVENT, "paymentId": "bad id!"}]
)
def test_no_usable_payment_id_is_malformed_not_rejected(raw):
    # A rejection is recorded under the paymentId; without one it can only go to the DLQ.
    with pytest.raises(MalformedPayment):
        parse(raw)


def test_a_payment_of_a_pending_order_for_its_total_passes():
    check_rules(payment(), ORDER, None)


@pytest.mark.parametrize(
    ("changes", "order", "reason"),
    [
        ({"amount": "0"}, ORDER, "greater than 0"),
        ({"amount": "-5.00"}, ORDER, "greater than 0"),
        ({"currency": "XYZ"}, ORDER, "not accepted"),
        ({}, None, "does not exist"),
        ({"currency": "EUR"}, ORDER, "does not match the order's currency"),
        ({"amount": "12.49"}, ORDER, "does not match the order total"),
        ({}, ORDER.model_copy(update={"status": OrderStatus.CANCELLED}), "CANCELLED"),
        ({}, ORDER.model_copy(update={"status": OrderStatus.PAID}), "only a PENDING order"),
    ],
)
def test_business_rules_reject_with_a_reason(changes, order, reason):
    with pytest.raises(PaymentRejected, match=reason):
        check_rules(payment(**changes), order, None)


def test_a_redelivered_payment_of_its_own_paid_order_passes():
    paid = ORDER.model_copy(update={"status": OrderStatus.PAID})
    stored = {"status": "PROCESSED", "orderId": "o-1", "currency": "USD", "amount": Decimal("12.50")}
    check_rules(payment(), paid, stored)


def test_a_reused_payment_id_is_rejected():
    stored = {"status": "PROCESSED", "orderId": "o-other", "currency": "USD", "amount": Decimal("12.50")}
    with pytest.raises(PaymentRejected, match="already used"):
        check_rules(payment(), ORDER, stored)


def test_a_previous_rejection_does_not_block_a_valid_retry():
    check_rules(payment(), ORDER, {"status": "REJECTED", "reason": "order did not exist yet"})


def test_derived_fields_convert_flag_and_time():
    derived = derive(payment(amount="100.00", currency="EUR"), "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.250Z")
    assert derived["reportingCurrency"] == "USD"
    assert derived["reportingAmount"] == Decimal("108.00")
    assert derived["highRisk"] is False
    assert derived["processingLatencyMs"] == 1250


def test_large_amounts_are_flagged_in_the_reporting_currency():
    at_limit = derive(payment(amount=str(LARGE_AMOUNT)), "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
    assert at_limit["highRisk"] is True
    # 10 000 JPY is far below the limit once converted.
    assert (
        derive(payment(amount="10000", currency="JPY"), "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")["highRisk"]
        is False
    )


def test_workflow_input_keeps_amounts_exact():
    sns = {"Message": '{"paymentId": "p-1", "amount": 0.1}', "Timestamp": "2026-01-01T00:00:00.000Z", "MessageId": "m"}
    payload = workflow_input(sns)
    assert payload["payment"]["amount"] == Decimal("0.1")
    assert json.loads(json.dumps(payload, default=str))["payment"]["amount"] == "0.1"


def test_workflow_input_passes_a_non_json_message_on_for_the_validator():
    assert workflow_input({"Message": "hello", "Timestamp": "t", "MessageId": "m"})["payment"] == "hello"


def test_execution_names_are_unique_valid_and_readable():
    first, second = execution_name({"paymentId": "p:1/x"}), execution_name({"paymentId": "p:1/x"})
    assert first != second
    assert first.startswith("p-1-x-")
    assert len(first) <= 80
    assert execution_name("not a dict").startswith("unknown-")


def test_api_form_of_records():
    processed = record_to_api(
        {"amount": Decimal("12.5"), "reportingAmount": Decimal("13"), "processingLatencyMs": Decimal("7")}
    )
    assert processed == {"amount": "12.50", "reportingAmount": "13.00", "processingLatencyMs": 7}
    rejected = record_to_api({"status": "REJECTED", "payment": '{"amount": "-1"}'})
    assert rejected["payment"] == {"amount": "-1"}
