"""`make package` writes the API's OpenAPI document beside the module, and it describes the REST API it deploys."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from chalicelib.api.openapi import build_spec
from chalicelib.api.routing import CATCH_ALL, METHODS


@pytest.fixture(scope="module")
def rest_api(built) -> dict:
    """The REST API's Swagger body as Chalice exported it (aws_api_gateway_rest_api.body)."""
    module, _ = built
    return json.loads(module.export["locals"]["chalice_api_swagger"])


def test_module_has_the_spec(module_dir):
    written = json.loads((module_dir / "openapi.json").read_text())
    validate(written)
    assert written == build_spec()


def test_every_operation_of_the_spec_is_a_method_of_the_deployed_rest_api(rest_api):
    spec = build_spec()
    for path, item in spec["paths"].items():
        for method in item:
            deployed = rest_api["paths"][path][method]
            assert deployed["x-amazon-apigateway-integration"]["type"] == "aws_proxy", (method, path)


def test_the_rest_api_has_nothing_the_spec_does_not_describe(rest_api):
    """Its other methods are the 405 answers and `/`, `/{proxy+}` the 404 ones the spec's description names."""
    spec = build_spec()
    assert set(rest_api["paths"]) - set(spec["paths"]) == {"/", CATCH_ALL}
    for path, item in spec["paths"].items():
        extra = {m.upper() for m in rest_api["paths"][path]} - {m.upper() for m in item}
        assert extra == set(METHODS) - {m.upper() for m in item}


def test_the_rest_api_leaves_request_validation_to_the_function(rest_api):
    # A gateway validator would answer in its own words (no details[], no MALFORMED_JSON): see infra/api_spec.py.
    assert "x-amazon-apigateway-request-validators" not in rest_api
    assert all(
        "x-amazon-apigateway-request-validator" not in op for item in rest_api["paths"].values() for op in item.values()
    )
