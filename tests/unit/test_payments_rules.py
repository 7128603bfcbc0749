"""Payments domain without AWS: the event's schema, the business rules, derived fields, the trigger's input."""

import json
from decimal import Decimal

import pytest

from chalicelib.orders.model import NewOrder, OrderStatus, new_order
from chalicelib.payments.enricher import LARGE_AMOUNT, derive
from chalicelib.payments.errors import MalformedPayment, PaymentRejected, RejectionRule
from chalicelib.payments.model import PaymentEvent, record_to_api
from chalicelib.payments.processor import check_order, latency_ms
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


def test_a_payment_keeping_the_static_rules_passes():
    check_rules(payment())


@pytest.mark.parametrize(
    ("changes", "rule", "reason"),
    [
        ({"amount": "0"}, RejectionRule.AMOUNT_NOT_POSITIVE, "greater than 0"),
        ({"amount": "-5.00"}, RejectionRule.AMOUNT_NOT_POSITIVE, "greater than 0"),
        ({"currency": "XYZ"}, RejectionRule.CURRENCY_NOT_ACCEPTED, "not accepted"),
    ],
)
def test_static_rules_reject_with_a_rule_and_reason(changes, rule, reason):
    with pytest.raises(PaymentRejected, match=reason) as rejection:
        check_rules(payment(**changes))
    assert rejection.value.rule == rule


@pytest.mark.parametrize(
    ("changes", "order", "rule"),
    [
        ({"currency": "EUR"}, ORDER, RejectionRule.CURRENCY_MISMATCH),
        ({"amount": "12.49"}, ORDER, RejectionRule.AMOUNT_MISMATCH),
        ({}, ORDER.model_copy(update={"status": OrderStatus.CANCELLED}), RejectionRule.ORDER_NOT_PAYABLE),
        ({}, ORDER.model_copy(update={"status": OrderStatus.PAID}), RejectionRule.ORDER_NOT_PAYABLE),
    ],
)
def test_order_rules_are_the_processors(changes, order, rule):
    with pytest.raises(PaymentRejected) as rejection:
        check_order(payment(**changes), order, None)
    assert rejection.value.rule == rule


def test_an_order_paid_by_another_payment_says_so():
    paid = ORDER.model_copy(update={"status": OrderStatus.PAID})
    with pytest.raises(PaymentRejected, match="already paid by another payment") as rejection:
        check_order(payment(), paid, "p-other")
    assert rejection.value.rule == RejectionRule.ORDER_PAID_BY_ANOTHER_PAYMENT


def test_derived_fields_convert_and_flag():
    derived = derive(payment(amount="100.00", currency="EUR"))
    assert derived.reportingCurrency == "USD"
    assert derived.reportingAmount == Decimal("108.00")
    assert derived.highRisk is False


def test_latency_runs_from_the_topics_receipt():
    assert latency_ms("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.250Z") == 1250


def test_large_amounts_are_flagged_in_the_reporting_currency():
    assert derive(payment(amount=str(LARGE_AMOUNT))).highRisk is True
    # 10 000 JPY is far below the limit once converted.
    assert derive(payment(amount="10000", currency="JPY")).highRisk is False


def test_workflow_input_keeps_amounts_exact_and_names_payment_and_order():
    sns = {
        "Message": '{"paymentId": "p-1", "orderId": "o-1", "amount": 0.1}',
        "Timestamp": "2026-01-01T00:00:00.000Z",
        "MessageId": "m",
    }
    payload = workflow_input(sns)
    assert payload["payment"]["amount"] == "0.1"  # a string: a JSON number would become a float downstream
    assert (payload["paymentId"], payload["orderId"], payload["receivedAt"]) == ("p-1", "o-1", sns["Timestamp"])
    assert json.loads(json.dumps(payload)) == payload


def test_workflow_input_carries_the_publishers_correlation_id_or_its_own_message_id():
    sns = {"Message": '{"paymentId": "p-1"}', "Timestamp": "t", "MessageId": "m-5"}
    assert workflow_input(sns)["correlationId"] == "m-5"
    attributes = {"correlationId": {"Type": "String", "Value": "req-42"}}
    assert workflow_input({**sns, "MessageAttributes": attributes})["correlationId"] == "req-42"


@pytest.mark.parametrize("message", ["hello", '["p-1"]', '{"paymentId": "bad id!", "orderId": 7}'])
def test_workflow_input_passes_what_is_not_a_payment_on_without_ids(message):
    payload = workflow_input({"Message": message, "Timestamp": "t", "MessageId": "m"})
    assert (payload["paymentId"], payload["orderId"]) == (None, None)
    assert payload["payment"] == (message if message == "hello" else json.loads(message))


def test_execution_names_are_unique_valid_and_readable():
    first, second = execution_name("p:1/x"), execution_name("p:1/x")
    assert first != second
    assert first.startswith("p-1-x-")
    assert len(first) <= 80
    assert execution_name(None).startswith("unknown-")


def test_api_form_of_a_failed_record_names_the_error_its_reason_and_the_execution():
    lambda_error = {"errorMessage": "boom", "errorType": "RuntimeError", "stackTrace": ["..."]}
    failed = record_to_api(
        {
            "status": "FAILED",
            "failure": json.dumps({"Error": "RuntimeError", "Cause": json.dumps(lambda_error)}),
            "execution": "arn:x",
            "payment": '{"paymentId": "p-1"}',
        }
    )
    assert failed == {
        "status": "FAILED",
        "error": "RuntimeError",
        "reason": "boom",
        "execution": "arn:x",
        "payment": {"paymentId": "p-1"},
    }
    # A service integration's Cause is plain text.
    plain = record_to_api({"failure": json.dumps({"Error": "States.Timeout", "Cause": "took too long"})})
    assert (plain["error"], plain["reason"]) == ("States.Timeout", "took too long")


def test_api_form_of_records():
    processed = record_to_api(
        {"amount": Decimal("12.5"), "reportingAmount": Decimal("13"), "processingLatencyMs": Decimal("7")}
    )
    assert processed == {"amount": "12.50", "reportingAmount": "13.00", "processingLatencyMs": 7}
    rejected = record_to_api({"status": "REJECTED", "payment": '{"amount": "-1"}'})
    assert rejected["payment"] == {"amount": "-1"}
