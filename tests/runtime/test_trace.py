"""Trace entries name the orders and correlation ids their delivery carried, whatever the event shape."""

import json

from local_runtime import trace
from local_runtime.lambda_events import sqs_event, stream_record
from tests.handlers.event_shapes import bridge_event, order_created_detail, sns_wrapped


def test_ids_are_found_in_a_fan_out_batch_through_every_envelope():
    bodies = [sns_wrapped(json.dumps(bridge_event("OrderCreated", order_created_detail(o)))) for o in ("o-1", "o-2")]
    event = sqs_event([{"MessageId": str(i), "ReceiptHandle": "r", "Body": b} for i, b in enumerate(bodies)], "arn:q")
    assert trace.ids_in(event) == (["o-1", "o-2"], ["corr-o-1", "corr-o-2"])


def test_ids_are_found_in_typed_stream_images_and_message_attributes():
    record = stream_record("MODIFY", {"orderId": "o-3"}, new={"orderId": "o-3", "correlationId": "req-3"})
    assert trace.ids_in({"Records": [record]}) == (["o-3"], ["req-3"])
    sns = {
        "Records": [
            {
                "Sns": {
                    "Message": '{"orderId": "o-4"}',
                    "MessageAttributes": {"correlationId": {"Type": "String", "Value": "req-4"}},
                }
            }
        ]
    }
    assert trace.ids_in(sns) == (["o-4"], ["req-4"])


def test_nothing_to_find_is_empty_and_never_raises():
    assert trace.ids_in({"time": "2026-11-23T09:00:00Z", "detail": {}}) == ([], [])
    assert trace.ids_in(["{not json", "", "[", None, 3]) == ([], [])


def test_listeners_get_the_ids_and_the_console_line_shows_them(caplog):
    entries = []
    trace.subscribe(entries.append)
    caplog.set_level("INFO", logger="trace")
    payload = {"orderId": "o-5", "correlationId": "req-5", "payment": {"orderId": "o-5"}}
    trace.delivery("stepfunctions:payments/Process", "payment_processor", 1, "ok", 3.0, payload=payload)
    entry = entries[-1]
    assert (entry["order_ids"], entry["correlation_ids"]) == (["o-5"], ["req-5"])
    assert {"source", "function", "records", "result", "ms"} <= set(entry)
    assert caplog.records[-1].getMessage().endswith("correlation=req-5  order=o-5")


def test_a_batch_of_many_orders_shows_every_order_and_correlation_id(caplog):
    caplog.set_level("INFO", logger="trace")
    bodies = [json.dumps({"orderId": f"o{i}", "correlationId": f"c{i}"}) for i in range(10)]
    trace.delivery(
        "sqs:order-processor", "order_processor", 10, "ok", 4.0, payload={"Records": [{"body": b} for b in bodies]}
    )
    line = caplog.records[-1].getMessage()
    for i in range(10):
        assert f"o{i}" in line.split("order=")[1].split(",")
        assert f"c{i}" in line.split("correlation=")[1].split("  ")[0].split(",")
