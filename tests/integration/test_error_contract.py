"""The error contract over real HTTP: `make dev`'s server and `chalice local` answer alike."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.integration.stack import PROJECT_DIR, eventually, free_port

pytestmark = pytest.mark.stack

UNMATCHED = [("GET", "/"), ("GET", "/ORDERS"), ("GET", "/orders//x"), ("POST", "/orders/x/y"), ("DELETE", "/a/b/c/d")]
WRONG_METHOD = [
    ("PUT", "/orders", "GET, POST"),
    ("POST", "/orders/o-1", "DELETE, GET, PATCH"),
    ("GET", "/payments", "POST"),
]


def _error(response) -> dict:
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _check_contract(base: str) -> None:
    for method, path in UNMATCHED:
        response = requests.request(method, base + path, timeout=10)
        assert response.status_code == 404, (method, path, response.text)
        assert _error(response)["code"] == "ROUTE_NOT_FOUND"
    for method, path, allow in WRONG_METHOD:
        response = requests.request(method, base + path, data=b"{}", headers={"Content-Type": "text/plain"}, timeout=10)
        assert response.status_code == 405, (method, path, response.text)
        assert response.headers["Allow"] == allow
        assert _error(response)["code"] == "METHOD_NOT_ALLOWED"
    item = {"sku": "A", "qty": 1, "unitPrice": "\u0661\u0662"}
    order = {"customerId": "c-1", "customerEmail": "a@example.com", "items": [item]}
    response = requests.post(base + "/orders", json=order, timeout=10)
    assert response.status_code == 400
    assert [d["code"] for d in _error(response)["details"]] == ["INVALID_MONEY"]


def test_make_dev_answers_unmatched_routes_and_wrong_methods_in_the_error_shape(stack):
    _check_contract(stack.api)


def test_make_dev_refuses_lax_payments_before_publishing(stack):
    payment = {
        "paymentId": "pay-lax",
        "orderId": "o-1",
        "amount": "1.00",
        "currency": "USD",
        "method": "CARD",
    }
    for occurred, code in [(0, "INVALID_TIMESTAMP"), ("0001-01-01T00:00:00Z", "OCCURRED_AT_OUT_OF_WINDOW")]:
        response = stack.post("/payments", {**payment, "occurredAt": occurred})
        assert response.status_code == 400
        assert [d["code"] for d in _error(response)["details"]] == [code]
    assert stack.get("/payments/pay-lax").status_code == 404


@pytest.mark.parametrize(
    ("occurred", "rule"), [("0001-01-01T00:00:00Z", "OCCURRED_AT_OUT_OF_WINDOW"), (0, "INVALID_TIMESTAMP")]
)
def test_a_publisher_bypassing_the_api_meets_the_same_rules_in_the_workflow(stack, occurred, rule):
    order = stack.post(
        "/orders",
        {"customerId": "c-direct", "customerEmail": "d@example.com", "items": [{"sku": "A", "qty": 1, "unitPrice": 5}]},
    ).json()
    payment_id = f"pay-direct-{rule.lower()}"
    message = {
        "paymentId": payment_id,
        "orderId": order["orderId"],
        "amount": "5.00",
        "currency": "USD",
        "method": "CARD",
        "occurredAt": occurred,
    }
    topic = "arn:aws:sns:us-east-1:123456789012:orders-platform-local-payments"
    stack.client("sns").publish(TopicArn=topic, Message=json.dumps(message))

    def finished():
        response = stack.get(f"/payments/{payment_id}")
        return response.status_code == 200 and response.json()["status"] != "RECORDED" and response.json()

    record = eventually(finished, timeout=30)
    assert record["status"] == "REJECTED"
    assert f"[{rule}]" in record["reason"]
    assert stack.get(f"/orders/{order['orderId']}").json()["status"] == "PENDING"


@pytest.fixture(scope="module")
def chalice_local():
    """`chalice local --stage local` as the README runs it (these answers need no AWS behind it)."""
    port = free_port()
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chalice"),
            "local",
            "--stage",
            "local",
            "--no-autoreload",
            "--port",
            str(port),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(requests.ConnectionError):
                requests.get(base + "/", timeout=2)
                break
            assert process.poll() is None and time.monotonic() < deadline, "chalice local did not start"
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_chalice_local_gives_the_same_answers(chalice_local):
    _check_contract(chalice_local)
