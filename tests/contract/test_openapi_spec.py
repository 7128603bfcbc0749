"""The OpenAPI document: valid 3.1, made from the views' declarations, and in step with app.py's routes."""

from __future__ import annotations

import copy
import json

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

from chalicelib.api import operations
from chalicelib.api.openapi import build_spec
from chalicelib.api.responses import OrderView
from tests.conftest import TEST_PREFIX

# Views chalicelib/api/routing.py adds for every other method and path (405, 404): not operations.
ROUTING_VIEWS = {"method_not_allowed", "route_not_found"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return build_spec()


@pytest.fixture(scope="module")
def app_routes() -> set[tuple[str, str]]:
    """(method, path) of every route app.py defines, loaded with the test stage's environment."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RESOURCE_PREFIX", TEST_PREFIX)
        from app import app

    return {
        (method, path)
        for path, entries in app.routes.items()
        for method, entry in entries.items()
        if entry.view_name not in ROUTING_VIEWS
    }


def _spec_routes(spec: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item}


def test_spec_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema
    json.dumps(spec)  # and it is plain JSON


def test_every_route_of_app_py_is_in_the_spec_and_nothing_else(spec, app_routes):
    assert _spec_routes(spec) == app_routes


def test_route_comparison_notices_a_route_the_spec_lacks(spec, app_routes):
    # The check above reads the spec's operations: one route dropped from the spec is one route missing.
    lacking = copy.deepcopy(spec)
    del lacking["paths"]["/orders/{order_id}"]["patch"]
    assert app_routes - _spec_routes(lacking) == {("PATCH", "/orders/{order_id}")}


def test_each_app_route_has_exactly_one_declaring_view(app_routes):
    """Every (method, path) of app.py is declared by one view in chalicelib/api, and every declaration is a route."""
    from chalicelib.api import analytics, orders, payments

    declared = {
        (fn.operation.method, fn.operation.path): fn
        for module in (orders, payments, analytics)
        for fn in vars(module).values()
        if hasattr(fn, "operation")
    }
    assert set(declared) == app_routes
    assert {op.operation_id for op in operations.OPERATIONS.values()} == {
        fn.operation.operation_id for fn in declared.values()
    }


def test_request_bodies_and_answers_reference_the_pydantic_models(spec):
    create = spec["paths"]["/orders"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewOrder"}
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderView"
    }
    assert set(spec["components"]["schemas"]["OrderView"]["properties"]) == set(OrderView.model_fields)
    item = spec["components"]["schemas"]["OrderItemInput"]["properties"]
    assert item["qty"]["minimum"] == 1 and item["qty"]["maximum"] == 10_000
    money = item["unitPrice"]["anyOf"]
    assert money[0] == {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 1_000_000}
    assert money[1]["pattern"] == r"^[0-9]{1,6}(\.[0-9]{1,2})?$"


def test_no_pydantic_only_keyword_reaches_the_spec(spec):
    text = json.dumps(spec)
    for keyword in ('"ge":', '"le":', '"decimal_places":', '"max_digits":'):
        assert keyword not in text


def test_every_error_has_the_error_shape_and_its_codes(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
            assert errors, f"{method} {path} documents no error"
            for response in errors.values():
                schema = response["content"]["application/json"]["schema"]
                assert schema["allOf"] == [{"$ref": "#/components/schemas/ErrorResponse"}]
                assert schema["properties"]["error"]["properties"]["code"]["enum"]
    create = spec["paths"]["/orders"]["post"]["responses"]
    assert create["400"]["content"]["application/json"]["schema"]["properties"]["error"]["properties"]["code"] == {
        "enum": ["MALFORMED_JSON", "VALIDATION_ERROR"]
    }
    assert "IDEMPOTENCY_KEY_REUSED" in json.dumps(create["422"])
    assert "ROUTE_NOT_FOUND" in json.dumps(spec["paths"]["/orders/{order_id}"]["get"]["responses"]["404"])
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    assert spec["components"]["responses"]["MethodNotAllowed"]["headers"] == {
        "Allow": {"$ref": "#/components/headers/Allow"}
    }


def test_headers_idempotency_key_and_correlation_id(spec):
    params = spec["paths"]["/orders"]["post"]["parameters"]
    key = next(p for p in params if p.get("name") == "Idempotency-Key")
    assert key["in"] == "header" and key["schema"]["pattern"].startswith("^[!-~]")
    for item in spec["paths"].values():
        for op in item.values():
            assert {"$ref": "#/components/parameters/CorrelationId"} in op["parameters"]
            for response in op["responses"].values():
                assert "X-Correlation-Id" in response["headers"]
    assert spec["paths"]["/orders"]["post"]["responses"]["201"]["headers"]["Location"]


def test_list_query_parameters_come_from_list_query(spec):
    params = {p["name"]: p for p in spec["paths"]["/orders"]["get"]["parameters"] if p.get("in") == "query"}
    assert set(params) == {"customerId", "status", "limit", "nextToken"}
    assert params["limit"]["schema"]["minimum"] == 1 and params["limit"]["schema"]["maximum"] == 100
    assert params["status"]["schema"] == {"$ref": "#/components/schemas/OrderStatus"}


def test_create_links_to_read_change_and_delete(spec):
    links = spec["paths"]["/orders"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {"getOrder", "changeOrderStatus", "deleteOrder"}
    assert all(link["parameters"] == {"order_id": "$response.body#/orderId"} for link in links.values())


def test_an_answer_its_operation_does_not_declare_fails_loudly():
    class Other(BaseModel):
        x: int

    spec = operations.Operation("GET", "/x", "testOnlyX", "x", "t", answers={200: OrderView}, errors={})

    def view() -> operations.Answer:
        return operations.Answer(200, Other(x=1))

    run = operations.operation(spec)(view)
    try:
        with pytest.raises(TypeError, match="does not declare"):
            run()
    finally:
        operations.OPERATIONS.pop("testOnlyX")


def test_a_failed_payment_as_the_workflow_stores_it_is_a_failed_record():
    """FAILED records are written by the state machine (infra/state_machines/payments.asl.json), not by Python."""
    from chalicelib.api.responses import FailedPayment, PaymentRecord
    from chalicelib.payments.model import record_to_api

    stored = {
        "paymentId": "p-1",
        "status": "FAILED",
        "failure": json.dumps({"Error": "States.Timeout", "Cause": "took too long"}),
        "execution": "arn:aws:states:us-east-1:123456789012:execution:payments:p-1",
        "failedAt": "2026-01-02T03:04:05.678Z",
        "receivedAt": "2026-01-02T03:04:00.000Z",
        "payment": json.dumps({"paymentId": "p-1", "amount": "1.00"}),
    }
    record = PaymentRecord.model_validate(record_to_api(stored))
    assert isinstance(record.root, FailedPayment)
    assert record.model_dump(mode="json")["reason"] == "took too long"
