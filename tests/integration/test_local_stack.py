"""Starts the stack as `make dev` does and drives it over real HTTP."""

import os
import signal
import socket
import time

import pytest
import requests

from tests.integration.stack import RunningStack

pytestmark = pytest.mark.stack


def test_order_lifecycle_over_http(stack):
    body = {
        "customerId": "c-http",
        "customerEmail": "h@example.com",
        "items": [{"sku": "A", "qty": 3, "unitPrice": 1.1}],
    }
    created = stack.post("/orders", body)
    assert created.status_code == 201
    order = created.json()
    assert order["total"] == "3.30"
    assert created.headers["Location"] == f"/orders/{order['orderId']}"

    assert stack.get(f"/orders/{order['orderId']}").json() == order
    paid = stack.patch(f"/orders/{order['orderId']}", {"status": "PAID", "version": 1})
    assert paid.json()["status"] == "PAID"
    cancelled = stack.patch(f"/orders/{order['orderId']}", {"status": "CANCELLED", "version": 2})
    assert cancelled.json()["status"] == "CANCELLED"
    listed = stack.get("/orders", params={"customerId": "c-http", "status": "CANCELLED"}).json()
    assert [o["orderId"] for o in listed["orders"]] == [order["orderId"]]
    assert requests.delete(f"{stack.api}/orders/{order['orderId']}", timeout=10).status_code == 204


def test_bad_input_is_a_json_4xx_over_http(stack):
    response = requests.post(
        f"{stack.api}/orders", data="{oops", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_JSON"


def test_ctrl_c_stops_every_process_and_frees_ports():
    running = RunningStack()
    running.wait_ready()
    assert running.stop() == 0
    for port in (running.aws_port, running.api_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still served after Ctrl-C"


def test_a_killed_stack_takes_the_embedded_aws_and_the_api_with_it():
    running = RunningStack()
    running.wait_ready()
    os.kill(running.process.pid, signal.SIGKILL)  # no chance to clean up
    running.process.wait(timeout=10)
    for name, port in (("moto's server", running.aws_port), ("the API's process", running.api_port)):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) != 0:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError(f"{name} outlived the stack that started it")
    running.stop()
