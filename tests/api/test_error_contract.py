"""The error contract through Chalice's test client: unmatched routes, wrong methods, each input rule's code."""

import json
from datetime import UTC, datetime, timedelta

import pytest

JSON = {"Content-Type": "application/json"}
ORDER = {
    "customerId": "cust-7",
    "customerEmail": "ada@example.com",
    "items": [{"sku": "BOOK-1", "qty": 2, "unitPrice": "19.99"}],
}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def payment(**changes) -> dict:
    return {
        "paymentId": "pay-9",
        "orderId": "order-9",
        "amount": "39.98",
        "currency": "USD",
        "method": "CARD",
        "occurredAt": _iso(datetime.now(UTC) - timedelta(minutes=1)),
        **changes,
    }


def error_of(response) -> dict:
    assert response.headers["Content-Type"] == "application/json"
    body = json.loads(response.body)
    assert set(body) == {"error"}
    return body["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/ORDERS"),
        ("GET", "/orders//x"),
        ("GET", "/orders/x/y"),
        ("PUT", "/nope"),
        ("PATCH", "/payments/p-1/refunds"),
        ("OPTIONS", "/a/b/c/d/e/f"),
        ("GET", "/analytics/events"),
    ],
)
def test_unmatched_routes_are_404_route_not_found(api, method, path):
    response = api.http.request(method, path, headers={"Content-Type": "text/plain"}, body=b"x")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "ROUTE_NOT_FOUND"
    assert "/orders" in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/orders", "GET, POST"),
        ("HEAD", "/orders", "GET, POST"),
        ("POST", "/orders/o-1", "DELETE, GET, PATCH"),
        ("OPTIONS", "/orders/o-1", "DELETE, GET, PATCH"),
        ("GET", "/payments", "POST"),
        ("POST", "/reports/daily/2026-01-01", "GET"),
    ],
)
def test_a_known_path_with_a_wrong_method_is_405_with_allow(api, method, path, allow):
    response = api.http.request(method, path, headers={"Content-Type": "text/plain"}, body=b"x")
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    if method != "HEAD":
        error = error_of(response)
        assert error["code"] == "METHOD_NOT_ALLOWED"
        assert allow in error["message"]


def _post(api, path, body):
    return api.http.post(path, headers=JSON, body=json.dumps(body))


def _rule(response) -> tuple[str, str, str]:
    """(top-level code, field, rule code) of a 400 with one broken rule."""
    assert response.status_code == 400
    error = error_of(response)
    [detail] = error["details"]
    assert detail["issue"] and error["message"]
    return error["code"], detail["field"], detail["code"]


def _item(**changes) -> dict:
    return {**ORDER, "items": [{**ORDER["items"][0], **changes}]}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (_item(unitPrice="\u0661\u0662"), "items.0.unitPrice", "INVALID_MONEY"),
        (_item(unitPrice="0.001"), "items.0.unitPrice", "TOO_MANY_DECIMAL_PLACES"),
        (_item(unitPrice="2000000"), "items.0.unitPrice", "OUT_OF_RANGE"),
        (_item(qty="2"), "items.0.qty", "INVALID_INTEGER"),
        (_item(sku="BOOK é"), "items.0.sku", "INVALID_IDENTIFIER"),
        ({**ORDER, "customerId": "cust\u0661"}, "customerId", "INVALID_IDENTIFIER"),
        ({**ORDER, "currency": "XXX"}, "currency", "INVALID_CURRENCY"),
        ({**ORDER, "customerEmail": "nobody"}, "customerEmail", "INVALID_VALUE"),
        ({**ORDER, "items": "BOOK-1"}, "items", "WRONG_TYPE"),
        ({**ORDER, "items": []}, "items", "OUT_OF_RANGE"),
        ({k: v for k, v in ORDER.items() if k != "customerId"}, "customerId", "FIELD_REQUIRED"),
        ({**ORDER, "coupon": "X"}, "coupon", "UNKNOWN_FIELD"),
    ],
)
def test_each_order_rule_is_a_400_with_its_code_and_writes_nothing(api, body, field, code):
    assert _rule(_post(api, "/orders", body)) == ("VALIDATION_ERROR", field, code)
    assert json.loads(api.http.get("/orders?customerId=cust-7").body)["orders"] == []


def test_status_change_version_is_a_strict_integer(api):
    order_id = json.loads(_post(api, "/orders", ORDER).body)["orderId"]
    response = api.http.request("PATCH", f"/orders/{order_id}", headers=JSON, body='{"status": "PAID", "version": "1"}')
    assert _rule(response) == ("VALIDATION_ERROR", "version", "INVALID_INTEGER")


def test_list_limit_and_query_parameters_have_codes(api):
    assert _rule(api.http.get("/orders?customerId=c-1&limit=%D9%A1%D9%A0")) == (
        "VALIDATION_ERROR",
        "limit",
        "INVALID_INTEGER",
    )
    assert _rule(api.http.get("/orders?customerId=c-1&sort=asc")) == ("VALIDATION_ERROR", "sort", "UNKNOWN_FIELD")


def test_idempotency_key_rule_has_its_code(api):
    response = api.http.post("/orders", headers={**JSON, "Idempotency-Key": "k" * 200}, body=json.dumps(ORDER))
    assert _rule(response) == ("VALIDATION_ERROR", "Idempotency-Key", "INVALID_IDEMPOTENCY_KEY")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"occurredAt": 0}, "occurredAt", "INVALID_TIMESTAMP"),
        ({"occurredAt": "2026-06-01T11:59:00"}, "occurredAt", "INVALID_TIMESTAMP"),
        ({"occurredAt": "0001-01-01T00:00:00Z"}, "occurredAt", "OCCURRED_AT_OUT_OF_WINDOW"),
        ({"occurredAt": "9999-12-31T23:59:59Z"}, "occurredAt", "OCCURRED_AT_OUT_OF_WINDOW"),
        ({"occurredAt": _iso(datetime.now(UTC) - timedelta(days=31))}, "occurredAt", "OCCURRED_AT_OUT_OF_WINDOW"),
        # A day ahead, not minutes: the value is taken when the tests are collected, long before this one runs.
        ({"occurredAt": _iso(datetime.now(UTC) + timedelta(days=1))}, "occurredAt", "OCCURRED_AT_OUT_OF_WINDOW"),
        ({"amount": "\u0661\u0662"}, "amount", "INVALID_MONEY"),
        ({"amount": "1.001"}, "amount", "TOO_MANY_DECIMAL_PLACES"),
        ({"paymentId": "pay ment"}, "paymentId", "INVALID_IDENTIFIER"),
        ({"currency": "usd"}, "currency", "INVALID_CURRENCY"),
        ({"method": "CASH"}, "method", "NOT_ALLOWED_VALUE"),
    ],
)
def test_each_payment_rule_is_a_400_with_its_code(api, changes, field, code):
    assert _rule(_post(api, "/payments", payment(**changes))) == ("VALIDATION_ERROR", field, code)


def test_a_payment_a_day_old_is_accepted(api):
    response = _post(api, "/payments", payment(occurredAt=_iso(datetime.now(UTC) - timedelta(days=1))))
    assert response.status_code == 202


def test_every_path_answers_every_method_so_api_gateway_never_answers_for_us(api):
    from app import app
    from chalicelib.api.routing import CATCH_ALL, METHODS

    assert {"/", CATCH_ALL} <= set(app.routes)
    for path, entries in app.routes.items():
        assert sorted(entries) == sorted(METHODS), path
