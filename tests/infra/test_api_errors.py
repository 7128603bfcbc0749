"""API Gateway's own answers (no route, throttled, too large, its faults) carry the API's error shape."""

from __future__ import annotations

import json

import hcl2
import pytest

from tests.infra.test_module import declarations

# API Gateway fills $context.error.messageString with its message, already in JSON quotes.
GATEWAY_MESSAGE = json.dumps("Missing Authentication Token")


def _plain(value):
    """python-hcl2's output with HCL string quoting removed (it keeps quotes on literals and keys)."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)  # HCL's string escapes for quotes and backslashes are JSON's
    return value


def _parsed(text: str) -> dict:
    return _plain(hcl2.loads(text))


@pytest.fixture(scope="module")
def api_errors(module_text) -> tuple[dict, dict]:
    """(the responses declared in locals, the gateway response resource) from the built module."""
    parsed = _parsed(module_text["api_errors.tf"])
    responses = next(block["api_error_responses"] for block in parsed["locals"] if "api_error_responses" in block)
    resource = parsed["resource"][0]["aws_api_gateway_gateway_response"]["api_error"]
    return responses, resource


def test_every_answer_api_gateway_gives_itself_has_a_response(api_errors):
    responses, resource = api_errors
    assert {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    assert resource["for_each"] == "${local.api_error_responses}"
    assert resource["response_type"] == "${each.key}"
    assert resource["status_code"] == "${each.value.status_code}"
    assert resource["response_templates"]["application/json"] == "${each.value.template}"
    assert resource["response_parameters"]["gatewayresponse.header.Content-Type"] == "'application/json'"


def test_no_route_is_404_route_not_found_not_403(api_errors):
    responses, _ = api_errors
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["status_code"] == "404"
    assert json.loads(missing["template"])["error"]["code"] == "ROUTE_NOT_FOUND"


@pytest.mark.parametrize(
    ("response_type", "code"),
    [
        ("MISSING_AUTHENTICATION_TOKEN", "ROUTE_NOT_FOUND"),
        ("THROTTLED", "THROTTLED"),
        ("REQUEST_TOO_LARGE", "PAYLOAD_TOO_LARGE"),
        ("DEFAULT_4XX", "REQUEST_REJECTED"),
        ("DEFAULT_5XX", "GATEWAY_ERROR"),
    ],
)
def test_each_body_is_the_error_shape_with_a_stable_code(api_errors, response_type, code):
    template = api_errors[0][response_type]["template"]
    body = json.loads(template.replace("$context.error.messageString", GATEWAY_MESSAGE))
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_defaults_keep_api_gateways_status(api_errors):
    responses, _ = api_errors
    assert responses["DEFAULT_4XX"]["status_code"] is None
    assert responses["DEFAULT_5XX"]["status_code"] is None


def test_responses_sit_on_chalices_rest_api_and_are_deployed(module_text):
    resource = _parsed(module_text["api_errors.tf"])["resource"][0]["aws_api_gateway_gateway_response"]["api_error"]
    assert resource["rest_api_id"] == "${aws_api_gateway_rest_api.rest_api.id}"
    assert "aws_api_gateway_rest_api.rest_api" in declarations(module_text)
    deployment = _parsed(module_text["chalice.tf"])["resource"]
    deployments = [b["aws_api_gateway_deployment"] for b in deployment if "aws_api_gateway_deployment" in b]
    assert deployments
    for named in deployments:
        for body in named.values():
            assert "${aws_api_gateway_gateway_response.api_error}" in body["depends_on"]
            assert "api_error_responses" in body["triggers"]["gateway_responses"]
