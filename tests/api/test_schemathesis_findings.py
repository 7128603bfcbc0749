"""Regression tests for what schemathesis found (tests/integration/test_openapi_live.py runs it)."""

import json

import pytest

from tests.api.test_orders_api import ORDER, error_code, post


def _details(response) -> list[dict]:
    return json.loads(response.body)["error"]["details"]


@pytest.mark.parametrize("email", ["a\x85b@example.com", " ada@example.com", "ada@example.com\u2003"])
def test_email_with_whitespace_any_regex_engine_sees_is_refused(api, email):
    # U+0085 is whitespace to Python and pydantic's Rust regex but not to the spec's ECMA regex, and
    # surrounding spaces used to be stripped while the spec's pattern refused them.
    response = post(api, {**ORDER, "customerEmail": email})
    assert response.status_code == 400
    assert _details(response)[0]["field"] == "customerEmail"


def test_email_with_non_ascii_letters_is_still_accepted(api):
    assert post(api, {**ORDER, "customerEmail": "zoë@exämple.de"}).status_code == 201


@pytest.mark.parametrize("key", ["caf\xe9", "tab\tinside", "\x7f"])
def test_idempotency_key_outside_visible_ascii_is_refused(api, key):
    response = post(api, ORDER, {"Idempotency-Key": key})
    assert response.status_code == 400
    assert _details(response) == [
        {
            "field": "Idempotency-Key",
            "code": "INVALID_IDEMPOTENCY_KEY",
            "issue": "must be 1 to 128 visible ASCII characters (spaces only inside)",
        }
    ]


def test_idempotency_key_with_inner_spaces_is_accepted(api):
    assert post(api, ORDER, {"Idempotency-Key": "order 42 / try 1"}).status_code == 201


@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_a_method_no_route_takes_is_405_with_the_paths_own_allow(api, method):
    response = api.http.request(method, "/orders/some-id")
    assert response.status_code == 405
    assert error_code(response) == "METHOD_NOT_ALLOWED"
    # Chalice's own 405 listed every registered method, the 405 routes included.
    assert response.headers["Allow"] == "DELETE, GET, PATCH"
