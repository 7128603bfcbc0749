"""The console's JSON endpoints over HTTP against the running local stack."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from local_runtime import topology
from tests.integration.console_helpers import delivered, depth, new_order, send_poison
from tests.integration.stack import RunningStack, eventually, payment_for

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack():
    running = RunningStack({"LOCAL_QUEUE_VISIBILITY_TIMEOUT": "1"})
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    return error


def test_the_stack_prints_the_console_address_and_serves_the_page_with_its_pinned_assets(stack):
    assert f"console on http://127.0.0.1:{stack.api_port}/_console" in stack.output()
    page = stack.get("/_console")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "/_console/static/vendor/cytoscape-3.34.4.min.js" in page.text
    library = stack.get("/_console/static/vendor/cytoscape-3.34.4.min.js")
    assert library.status_code == 200 and "The Cytoscape Consortium" in library.text[:400]
    assert stack.get("/_console/static/console.js").status_code == 200
    # Only shipped files: no path reaches the file system.
    assert error_of(stack.get("/_console/static/..%2F..%2Fhttp.py"), 404)["code"] == "NOT_FOUND"
    assert error_of(stack.get("/_console/static/../http.py"), 404)["code"] == "NOT_FOUND"


def test_the_topology_graph_has_every_declared_resource_and_the_paths_to_both_consumers(stack):
    graph = stack.get("/_console/api/topology").json()
    nodes = {n["id"]: n for n in graph["nodes"]}
    declared = topology.load()
    expected = (
        [f"table:{t}" for t in declared["tables"]]
        + [f"queue:{q}" for q in declared["queues"]]
        + [f"topic:{t}" for t in declared["topics"]]
        + [f"rule:{r}" for r in declared["rules"]]
        + [f"sm:{m}" for m in declared["state_machines"]]
        + ["stream:orders", f"pipe:{declared['pipe']['name']}", "bus:orders", "archive:orders"]
    )
    assert set(expected) <= set(nodes)
    assert not [n for n in nodes.values() if n["kind"] == "undeclared"]
    for rule, spec in declared["rules"].items():
        assert nodes[f"rule:{rule}"]["pattern"] == spec["event_pattern"]
    edges = {e["id"]: e for e in graph["edges"]}
    for queue, function in (("order-processor", "order_processor"), ("user-notification", "user_notification")):
        path = ["bus:orders", "rule:order-created", "topic:order-created", f"queue:{queue}", f"fn:{function}"]
        for step in itertools.pairwise(path):
            assert f"{step[0]}->{step[1]}" in edges
        assert edges[f"queue:{queue}->fn:{function}"]["litBy"] == [{"source": f"sqs:{queue}", "function": function}]
        assert edges[f"queue:{queue}->queue:{queue}-dlq"]["kind"] == "dead-letter"
    assert "schedule:daily_report->fn:daily_report" in edges
    assert "sm:payments->fn:payment_processor" in edges


def test_an_order_shows_in_the_counts_of_both_consumers_and_in_the_live_trace(stack):
    before = {f: delivered(stack, f"sqs:{q}", f)["count"] for q, f in ORDER_CONSUMERS}
    events = []

    def both(entries):
        return {"order_processor", "user_notification"} <= {e["function"] for e in entries}

    reader = threading.Thread(target=read_trace, args=(stack, "", events, 20, both), daemon=True)
    reader.start()
    time.sleep(0.5)
    new_order(stack)
    for queue, function in ORDER_CONSUMERS:
        eventually(lambda q=queue, f=function: delivered(stack, f"sqs:{q}", f)["count"] > before[f])
        assert delivered(stack, f"sqs:{queue}", function)["lastMs"] > 0
    reader.join(20)
    assert both(events)
    assert all({"source", "function", "records", "result", "ms", "seq", "at"} <= set(e) for e in events)


def test_the_trace_filter_admits_only_deliveries_of_that_order_or_correlation_id(stack):
    body = {
        "customerId": "c-filter",
        "customerEmail": "f@example.com",
        "items": [{"sku": "F-1", "qty": 1, "unitPrice": 2}],
    }
    ours, other = (f"filter-{uuid.uuid4().hex[:12]}" for _ in range(2))
    order = stack.post("/orders", body, headers={"X-Correlation-Id": ours}).json()["orderId"]
    stack.post("/orders", body, headers={"X-Correlation-Id": other})

    def both(entries):
        return {"order_processor", "user_notification"} <= {e["function"] for e in entries}

    # The live stream replays recent deliveries first, so waiting on it sees this order's whole journey.
    for query, key, wanted in (
        (f"?orderId={order}", "order_ids", order),
        (f"?correlationId={ours}", "correlation_ids", ours),
    ):
        events: list = []
        eventually(lambda q=query, e=events: read_trace(stack, q, e, 3, both) or both(e), timeout=30)
        assert all(wanted in e[key] for e in events), events
        assert not [e for e in events if other in e["correlation_ids"] and ours not in e["correlation_ids"]]
        assert {"pipe:orders-events", "sqs:order-processor", "sqs:user-notification"} <= {e["source"] for e in events}
    events = []
    read_trace(stack, f"?orderId=no-such-order-{uuid.uuid4().hex}", events, 1.5)
    assert events == []


def test_a_poison_message_is_listed_in_the_dlq_with_its_reason_and_the_redrive_moves_it_back(stack):
    message_id = send_poison(stack)
    eventually(lambda: depth(stack, "order-processor-dlq") >= 1, timeout=30)
    messages = stack.get("/_console/api/queues/order-processor-dlq/messages").json()["messages"]
    poison = next(m for m in messages if json.loads(m["body"]).get("poison"))
    assert poison["source"] == "sqs:order-processor"
    assert "maxReceiveCount" in poison["reason"]
    assert poison["receiveCount"] >= 1
    errors_before = delivered(stack, "sqs:order-processor", "order_processor")["errors"]

    moved = requests.post(f"{stack.api}/_console/api/queues/order-processor-dlq/redrive", timeout=30)
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"queue": "order-processor-dlq", "to": "queue:order-processor", "moved": len(messages)}
    assert depth(stack, "order-processor-dlq") == 0
    # Back in its queue, the consumer gets it again (and fails it again: it is poison).
    eventually(lambda: delivered(stack, "sqs:order-processor", "order_processor")["errors"] > errors_before)
    assert message_id  # SQS gives a moved message a new id; the body is what identifies it
    eventually(lambda: depth(stack, "order-processor-dlq") >= 1, timeout=30)


def test_a_dlq_of_failure_records_is_not_redriven_and_unknown_queues_are_named(stack):
    refused = error_of(requests.post(f"{stack.api}/_console/api/queues/events-dlq/redrive", timeout=10), 409)
    assert refused["code"] == "NOT_REDRIVABLE"
    assert refused["details"][0]["hint"] == "replay the bus archive instead"
    missing = error_of(stack.get("/_console/api/queues/nope/messages"), 404)
    assert missing["code"] == "NOT_FOUND" and "order-processor" in missing["details"][0]["known"]
    assert error_of(stack.get("/_console/api/queues/events-dlq/redrive"), 405)["code"] == "METHOD_NOT_ALLOWED"
    assert error_of(stack.get("/_console/api/nothing"), 404)["code"] == "NOT_FOUND"


def test_a_replay_sends_archived_events_through_the_rules_again(stack):
    started = datetime.now(UTC) - timedelta(seconds=5)
    new_order(stack, sku="REPLAY-1")
    eventually(lambda: stack.get("/_console/api/archive").json()["archives"][0]["eventCount"] > 0)
    time.sleep(1)
    before = delivered(stack, "rule:order-created/fanout", "topic:order-created")["count"]
    window = {"start": started.isoformat(), "end": (datetime.now(UTC) + timedelta(seconds=1)).isoformat()}
    replay = requests.post(f"{stack.api}/_console/api/replays", json=window, timeout=30)
    assert replay.status_code == 200, replay.text
    assert replay.json()["archive"] == "orders-platform-local-orders"
    # Replayed OrderCreated events match the fan-out rule again.
    eventually(lambda: delivered(stack, "rule:order-created/fanout", "topic:order-created")["count"] > before)
    replays = stack.get("/_console/api/archive").json()["replays"]
    assert replay.json()["name"] in {r["name"] for r in replays}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, ""),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "colour": "red"}, "colour"),
        ({"start": "2026-01-01T00:00:00", "end": "2026-01-02T00:00:00Z"}, "start"),
        ({"end": "2026-01-02T00:00:00Z"}, "start"),
    ],
)
def test_a_bad_replay_request_is_a_validation_error_naming_the_field(stack, body, field):
    error = error_of(requests.post(f"{stack.api}/_console/api/replays", json=body, timeout=10), 400)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in error["details"]]


def test_a_replay_body_that_is_not_json_is_refused(stack):
    response = requests.post(f"{stack.api}/_console/api/replays", data=b"{nope", timeout=10)
    assert error_of(response, 400)["code"] == "MALFORMED_JSON"


def test_executions_show_the_payment_workflow_with_its_state_path(stack):
    order = new_order(stack, sku="PAY-1")
    payment = payment_for(order)
    assert stack.post("/payments", payment).status_code == 202

    def finished():
        rows = stack.get("/_console/api/executions").json()["executions"]
        return [r for r in rows if r["status"] == "SUCCEEDED"]

    execution = eventually(finished, timeout=30)[0]
    assert execution["stateMachine"] == "orders-platform-local-payments"
    states = [step["state"] for step in execution["path"]]
    assert len(states) >= 3, execution
    assert all(step["outcome"] == "exited" for step in execution["path"]), execution


def test_fire_now_runs_the_scheduled_function_and_traces_it(stack):
    schedules = stack.get("/_console/api/schedules").json()["schedules"]
    assert [s["function"] for s in schedules] == ["daily_report"]
    fired = requests.post(f"{stack.api}/_console/api/schedules/daily_report/fire", timeout=30)
    assert fired.status_code == 200, fired.text
    assert fired.json()["ok"] is True and "date" in fired.json()["result"]
    assert delivered(stack, f"schedule:{schedules[0]['expression']}", "daily_report")["count"] >= 1
    unknown = requests.post(f"{stack.api}/_console/api/schedules/order_processor/fire", timeout=10)
    assert error_of(unknown, 404)["code"] == "NOT_FOUND"


ORDER_CONSUMERS = (("order-processor", "order_processor"), ("user-notification", "user_notification"))


def read_trace(stack, query: str, into: list, seconds: float, until=lambda entries: False) -> None:
    """Collect the live trace's entries for ``seconds``, or until ``until(entries)``."""
    deadline = time.monotonic() + seconds
    with requests.get(f"{stack.api}/_console/api/trace{query}", stream=True, timeout=(5, seconds)) as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        lines = response.iter_lines(chunk_size=1)  # larger chunks wait for more bytes than a quiet stream sends
        while time.monotonic() < deadline:
            try:
                line = next(lines)
            except (requests.exceptions.ConnectionError, StopIteration):
                return  # no data within the read timeout: the stream is idle
            if line.startswith(b"data: "):
                into.append(json.loads(line[6:]))
                if until(into):
                    return
