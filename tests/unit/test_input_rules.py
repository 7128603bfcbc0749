"""Each strict input rule, through the models that use it: what passes, and the code of what does not."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from chalicelib.api.errors import validation_details
from chalicelib.api.orders import ListQuery
from chalicelib.orders.model import NewOrder, StatusChange
from chalicelib.payments.model import PaymentEvent
from chalicelib.payments.validator import parse

RECEIVED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ITEM = {"sku": "BOOK-1", "qty": 2, "unitPrice": "19.99"}
ORDER = {"customerId": "cust-1", "customerEmail": "ada@example.com", "items": [ITEM]}
PAYMENT = {
    "paymentId": "pay-1",
    "orderId": "order-1",
    "amount": "12.50",
    "currency": "USD",
    "method": "CARD",
    "occurredAt": "2026-06-01T11:59:00Z",
}


def codes(model, data, **kwargs) -> list[tuple[str, str]]:
    """(field, code) of every broken rule; [] when ``data`` is valid."""
    try:
        model.model_validate(data, **kwargs)
    except ValidationError as error:
        return [(d["field"], d["code"]) for d in validation_details(error)]
    return []


def item(**changes) -> dict:
    return {**ORDER, "items": [{**ITEM, **changes}]}


@pytest.mark.parametrize("price", [Decimal("19.99"), 19, "0.50", "7", Decimal("1E+2"), 0])
def test_money_as_exact_json_number_or_ascii_decimal_text_passes(price):
    assert codes(NewOrder, item(unitPrice=price)) == []


@pytest.mark.parametrize(
    "price",
    [
        "\u0661\u0662",
        "\u0661\u0662.\u0665\u0660",
        "\uff11\uff12",
        "1_000",
        " 12",
        "12 ",
        "12.",
        ".5",
        "+1",
        "1e2",
        "0x10",
        "NaN",
        "Infinity",
        "",
        12.5,
        True,
        None,
    ],
)
def test_money_in_any_other_form_is_invalid_money(price):
    assert codes(NewOrder, item(unitPrice=price)) == [("items.0.unitPrice", "INVALID_MONEY")]


def test_payment_amount_follows_the_same_money_rule():
    assert codes(PaymentEvent, {**PAYMENT, "amount": "\u0661\u0662.\u0665\u0660"}) == [("amount", "INVALID_MONEY")]
    assert codes(PaymentEvent, {**PAYMENT, "amount": 12.5}) == [("amount", "INVALID_MONEY")]
    # The sign stays a business rule of the workflow (a REJECTED payment, not a 400).
    assert codes(PaymentEvent, {**PAYMENT, "amount": "-5.00"}) == []


def test_money_precision_and_range_have_their_own_codes():
    assert codes(NewOrder, item(unitPrice="0.001")) == [("items.0.unitPrice", "TOO_MANY_DECIMAL_PLACES")]
    assert codes(NewOrder, item(unitPrice="-0.01")) == [("items.0.unitPrice", "OUT_OF_RANGE")]
    assert codes(PaymentEvent, {**PAYMENT, "amount": "1" * 13}) == [("amount", "OUT_OF_RANGE")]


@pytest.mark.parametrize("qty", [True, "2", 2.5, Decimal("2.0"), Decimal("2"), None, [2]])
def test_quantity_is_a_whole_json_number_only(qty):
    assert codes(NewOrder, item(qty=qty)) == [("items.0.qty", "INVALID_INTEGER")]


def test_quantity_range_is_out_of_range_and_version_is_strict_too():
    assert codes(NewOrder, item(qty=0)) == [("items.0.qty", "OUT_OF_RANGE")]
    assert codes(StatusChange, {"status": "PAID", "version": True}) == [("version", "INVALID_INTEGER")]
    assert codes(StatusChange, {"status": "PAID", "version": "1"}) == [("version", "INVALID_INTEGER")]


@pytest.mark.parametrize("limit", ["\u0661\u0660", " 5", "+5", "5_0", "5.0", "-1"])
def test_query_limit_is_ascii_digits(limit):
    assert codes(ListQuery, {"customerId": "c-1", "limit": limit}) == [("limit", "INVALID_INTEGER")]


def test_query_limit_in_ascii_digits_passes_its_range_check():
    assert codes(ListQuery, {"customerId": "c-1", "limit": "100"}) == []
    assert codes(ListQuery, {"customerId": "c-1", "limit": "101"}) == [("limit", "OUT_OF_RANGE")]


@pytest.mark.parametrize("value", ["cüst", "cust\u0661", "a b", "-lead", "", "x" * 65, 7, None])
def test_identifiers_are_ascii_within_the_pattern(value):
    assert codes(NewOrder, {**ORDER, "customerId": value}) == [("customerId", "INVALID_IDENTIFIER")]
    assert codes(PaymentEvent, {**PAYMENT, "orderId": value}) == [("orderId", "INVALID_IDENTIFIER")]


def test_sku_is_an_identifier_too():
    assert codes(NewOrder, item(sku="BOOK_\u0661")) == [("items.0.sku", "INVALID_IDENTIFIER")]


@pytest.mark.parametrize(
    "value",
    [
        0,
        1_780_000_000,
        "1780000000",
        "2026-06-01T11:59:00",  # no offset
        "2026-06-01 11:59:00Z",
        "2026-06-01T11:59Z",
        "20260601T115900Z",
        "2026-06-01t11:59:00z",
        "\u0662\u0660\u0662\u0666-06-01T11:59:00Z",
        "2026-06-01T11:59:00+0100",
        True,
        None,
    ],
)
def test_timestamps_are_rfc3339_strings_with_an_offset(value):
    assert codes(PaymentEvent, {**PAYMENT, "occurredAt": value}) == [("occurredAt", "INVALID_TIMESTAMP")]


def test_an_impossible_date_in_the_right_form_is_invalid_timestamp():
    assert codes(PaymentEvent, {**PAYMENT, "occurredAt": "2026-02-30T00:00:00Z"}) == [
        ("occurredAt", "INVALID_TIMESTAMP")
    ]


@pytest.mark.parametrize(
    "occurred",
    ["2026-06-01T12:00:00.000+01:00", "2026-06-01T11:59:00.123456789Z", "2026-05-02T12:00:00Z", "2026-06-01T12:05:00Z"],
)
def test_occurred_at_within_the_window_passes(occurred):
    assert codes(PaymentEvent, {**PAYMENT, "occurredAt": occurred}, context={"receivedAt": RECEIVED}) == []


@pytest.mark.parametrize(
    "occurred",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "2026-05-02T11:59:59.999Z",  # 30 days and a millisecond before receipt
        "2026-06-01T12:05:00.001Z",  # 5 minutes and a millisecond after
    ],
)
def test_occurred_at_outside_the_window_has_its_code(occurred):
    assert codes(PaymentEvent, {**PAYMENT, "occurredAt": occurred}, context={"receivedAt": RECEIVED}) == [
        ("occurredAt", "OCCURRED_AT_OUT_OF_WINDOW")
    ]


def test_window_is_measured_from_receipt_so_a_late_redelivery_gets_the_same_verdict():
    # Received on 1 June, redelivered or redriven months later: the state still says 1 June.
    state_received_at = "2026-06-01T12:00:00.000Z"
    assert parse(PAYMENT, state_received_at).paymentId == "pay-1"
    assert PaymentEvent.received(PAYMENT, state_received_at).occurredAt == datetime(2026, 6, 1, 11, 59, tzinfo=UTC)


def test_the_workflow_rejects_what_the_api_would_with_the_rule_named():
    from chalicelib.payments.errors import PaymentRejected

    with pytest.raises(PaymentRejected, match="OCCURRED_AT_OUT_OF_WINDOW"):
        parse({**PAYMENT, "occurredAt": "0001-01-01T00:00:00Z"}, "2026-06-01T12:00:00.000Z")
    with pytest.raises(PaymentRejected, match="INVALID_TIMESTAMP"):
        parse({**PAYMENT, "occurredAt": 0}, "2026-06-01T12:00:00.000Z")


def test_received_accepts_a_datetime_or_the_systems_timestamp_text():
    late = (RECEIVED + timedelta(days=31)).isoformat()
    assert codes(PaymentEvent, PAYMENT, context={"receivedAt": late}) == [("occurredAt", "OCCURRED_AT_OUT_OF_WINDOW")]
    assert codes(PaymentEvent, PAYMENT) == []  # no receipt time: schema only (e.g. the processor's re-read)
