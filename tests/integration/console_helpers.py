"""What the console tests share: a poison message on the order-processor queue and reads of the console's JSON."""

from __future__ import annotations

import json

PREFIX = "orders-platform-local"


def queue_url(stack, name: str) -> str:
    return stack.client("sqs").get_queue_url(QueueName=f"{PREFIX}-{name}")["QueueUrl"]


def send_poison(stack) -> str:
    """A message the order processor can never handle (no SNS envelope); returns its id."""
    body = json.dumps({"poison": True, "why": "not an SNS-wrapped EventBridge event"})
    return stack.client("sqs").send_message(QueueUrl=queue_url(stack, "order-processor"), MessageBody=body)["MessageId"]


def depth(stack, name: str) -> int:
    queues = {q["name"]: q for q in stack.get("/_console/api/queues").json()["queues"]}
    return queues[name]["depth"]


def delivered(stack, source: str, function: str) -> dict:
    """The console's counts for one delivery path (count 0 if none yet)."""
    for stat in stack.get("/_console/api/stats").json()["edges"]:
        if (stat["source"], stat["function"]) == (source, function):
            return stat
    return {"count": 0, "errors": 0}


def new_order(stack, sku: str = "CONSOLE-1") -> dict:
    body = {
        "customerId": "c-console",
        "customerEmail": "c@example.com",
        "items": [{"sku": sku, "qty": 1, "unitPrice": 3}],
    }
    response = stack.post("/orders", body)
    assert response.status_code == 201, response.text
    return response.json()
