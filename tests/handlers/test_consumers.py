"""Fan-out consumers: envelope unwrapping, partial batch responses, idempotency."""

import json

import pytest

from chalicelib.aws import read_models_table
from local_runtime.invoke import FunctionError
from tests.handlers.event_shapes import bridge_event, order_created_detail, sns_wrapped, sqs_batch


def order_created_body(order_id: str, qty: int = 2) -> str:
    return sns_wrapped(json.dumps(bridge_event("OrderCreated", order_created_detail(order_id, qty=qty))))


def reserved_qty() -> int:
    item = read_models_table.get("sku#SKU-1", "reserved")
    return int(item["qty"]) if item else 0


def test_order_processor_reserves_stock_for_each_order(invoke):
    event = sqs_batch([order_created_body("o-1", qty=2), order_created_body("o-2", qty=3)])
    assert invoke("order_processor", event) == {"batchItemFailures": []}
    assert reserved_qty() == 5
    assert read_models_table.get("order#o-1", "fulfilment")["lines"] == 1


def test_poison_message_fails_alone(invoke):
    event = sqs_batch([order_created_body("o-1"), "not json at all", order_created_body("o-2")])
    poison_id = event["Records"][1]["messageId"]
    result = invoke("order_processor", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": poison_id}]}
    assert reserved_qty() == 4


def test_wrong_detail_type_is_reported_as_that_records_failure(invoke):
    wrong = sns_wrapped(json.dumps(bridge_event("OrderDeleted", {"orderId": "o-1"})))
    event = sqs_batch([order_created_body("o-1"), wrong])
    result = invoke("user_notification", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_a_batch_where_every_record_fails_fails_whole(invoke):
    # Powertools raises when nothing succeeded, so Lambda retries the batch as a unit.
    with pytest.raises(FunctionError):
        invoke("order_processor", sqs_batch(["poison-1", "poison-2"]))
    assert reserved_qty() == 0


def test_redelivered_message_has_no_second_effect(invoke):
    body = order_created_body("o-1", qty=2)
    invoke("order_processor", sqs_batch([body]))
    # Same domain event again: a redelivery, or a replay from the archive (new EventBridge id).
    invoke("order_processor", sqs_batch([body]))
    invoke("order_processor", sqs_batch([order_created_body("o-1", qty=2)]))
    assert reserved_qty() == 2


def test_user_notification_writes_one_confirmation(invoke):
    body = order_created_body("o-9")
    invoke("user_notification", sqs_batch([body]))
    invoke("user_notification", sqs_batch([body]))
    outbox = read_models_table.query("customer#c-1", "outbox#")
    assert len(outbox) == 1
    assert outbox[0]["to"] == "ada@example.com"
    assert "10.00 USD" in outbox[0]["body"]


def test_a_retry_after_a_later_failure_reserves_nothing_twice(invoke, monkeypatch):
    from chalicelib.aws import event_publisher

    real_publish, calls = event_publisher.publish, []

    def throttled_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise event_publisher.PublishFailed([{"ErrorCode": "ThrottlingException"}])
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(event_publisher, "publish", throttled_once)
    body = order_created_body("o-retry", qty=3)
    first = invoke("order_processor", sqs_batch([body, order_created_body("o-other", qty=1)]))
    assert len(first["batchItemFailures"]) == 1  # the reservation happened, its announcement did not
    assert invoke("order_processor", sqs_batch([body])) == {"batchItemFailures": []}
    assert reserved_qty() == 4
    assert len(calls) == 3


def test_lines_of_one_sku_are_reserved_together(invoke):
    detail = order_created_detail("o-two-lines")
    detail["items"] = [{"sku": "SKU-1", "qty": 2, "unitPrice": "1"}, {"sku": "SKU-1", "qty": 5, "unitPrice": "1"}]
    invoke("order_processor", sqs_batch([sns_wrapped(json.dumps(bridge_event("OrderCreated", detail)))]))
    assert reserved_qty() == 7
    assert int(read_models_table.get("sku#SKU-1", "reserved")["orders"]) == 1


@pytest.mark.parametrize("function", ["order_processor", "user_notification"])
def test_a_consumer_keeps_no_second_idempotency_record(invoke, function):
    # One mechanism per guarantee: the effect's own transactional marker, not Powertools records too.
    import boto3

    from chalicelib.resource_names import physical_name

    invoke(function, sqs_batch([order_created_body("o-7")]))
    invoke(function, sqs_batch([order_created_body("o-7")]))
    records = boto3.client("dynamodb").scan(TableName=physical_name("idempotency"))["Items"]
    assert records == []


def test_a_failed_record_is_logged_with_its_reason_and_a_good_one_with_its_correlation_id(invoke):
    import io

    from chalicelib.consumers.order_processor import logger

    written = io.StringIO()  # the lines exactly as Powertools writes them, when it writes them
    previous = logger.registered_handler.setStream(written)
    try:
        event = sqs_batch([order_created_body("o-log"), "not json at all"])
        invoke("order_processor", event)
    finally:
        logger.registered_handler.setStream(previous)
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    (failed,) = [line for line in lines if line["message"] == "record failed"]
    assert failed["messageId"] == event["Records"][1]["messageId"]
    assert failed["reason"].startswith("PoisonMessage: ")
    assert "correlation_id" not in failed  # not the previous record's
    (reserved,) = [line for line in lines if line["message"] == "order reserved"]
    assert reserved["correlation_id"] == "corr-o-log"


def test_a_detail_of_another_version_is_a_poison_message(invoke):
    detail = {**order_created_detail("o-v2"), "version": 2}
    event = sqs_batch([sns_wrapped(json.dumps(bridge_event("OrderCreated", detail))), order_created_body("o-v1")])
    result = invoke("user_notification", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_the_record_handler_and_processor_are_made_once():
    from chalicelib.consumers import order_processor, user_notification

    for module in (order_processor, user_notification):
        assert module.processor.__class__.__name__ == "LoggingBatchProcessor"
        assert callable(module.record_handler) and module.record_handler.__module__ == module.__name__
