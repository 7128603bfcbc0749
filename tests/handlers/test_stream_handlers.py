"""Change log and pipe enrichment, fed real DynamoDB stream event shapes."""

import json
from decimal import Decimal

from local_runtime.lambda_events import stream_record

ORDER = {
    "orderId": "o-1",
    "customerId": "c-1",
    "customerEmail": "ada@example.com",
    "currency": "USD",
    "total": Decimal("40.48"),
    "status": "PENDING",
    "version": 1,
    "items": [{"sku": "A", "qty": 2, "unitPrice": Decimal("20.24")}],
    "createdAt": "2026-11-23T10:00:00.000Z",
    "updatedAt": "2026-11-23T10:00:00.000Z",
    "correlationId": "req-1",
}


def log_lines(caplog):
    """The change log's lines exactly as its Powertools formatter writes them."""
    from chalicelib.stream.change_log import logger

    formatter = logger.registered_formatter
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "order-change-log"]


def test_change_log_writes_seed_shape_with_plain_numbers(invoke, caplog):
    event = {
        "Records": [
            stream_record("INSERT", {"orderId": "o-1"}, new=ORDER, sequence=1),
            stream_record("MODIFY", {"orderId": "o-1"}, old=ORDER, new={**ORDER, "status": "PAID"}, sequence=2),
            stream_record("REMOVE", {"orderId": "o-1"}, old=ORDER, sequence=3),
        ]
    }
    assert invoke("order_change_log", event) == {"batchItemFailures": []}
    lines = [line["message"] for line in log_lines(caplog)]
    assert all(set(line) == {"eventName", "keys", "old", "new", "approximateCreationTime"} for line in lines)
    assert [line["eventName"] for line in lines] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = lines
    assert insert["keys"] == {"orderId": "o-1"}
    assert insert["old"] is None
    assert insert["new"]["total"] == 40.48
    assert insert["new"]["items"][0]["qty"] == 2
    assert (modify["old"]["status"], modify["new"]["status"]) == ("PENDING", "PAID")
    assert remove["new"] is None
    assert len(insert["approximateCreationTime"]) == len("2025-08-23 14:05:22")


def test_enricher_turns_records_into_domain_events(invoke):
    records = [
        stream_record("INSERT", {"orderId": "o-1"}, new=ORDER),
        stream_record("MODIFY", {"orderId": "o-1"}, old=ORDER, new={**ORDER, "status": "CANCELLED"}),
        stream_record("MODIFY", {"orderId": "o-1"}, old=ORDER, new=ORDER),
        stream_record("REMOVE", {"orderId": "o-1"}, old=ORDER),
    ]
    out = invoke("order_events_enricher", records)
    assert [o["detailType"] for o in out] == ["OrderCreated", "OrderStatusChanged", "OrderCancelled", "OrderDeleted"]
    assert out[0]["detail"]["eventId"] == records[0]["eventID"]
    assert out[1]["detail"]["previousStatus"] == "PENDING"
    assert {o["detail"]["correlationId"] for o in out} == {"req-1"}
    assert {o["detail"]["version"] for o in out} == {1}
    assert out[0]["detail"]["total"] == "40.48"
    json.dumps(out)  # the pipe sends it on as JSON: no Decimals may remain


def test_an_image_that_is_not_an_order_fails_the_enrichment(invoke):
    """The pipe retries it, then hands it to its DLQ with this reason: no event goes out half-formed."""
    import pytest

    from local_runtime.invoke import FunctionError

    broken = {k: v for k, v in ORDER.items() if k != "customerEmail"}
    with pytest.raises(FunctionError, match="customerEmail"):
        invoke("order_events_enricher", [stream_record("INSERT", {"orderId": "o-1"}, new=broken)])


def test_change_log_lines_carry_the_orders_correlation_id(invoke, caplog):
    invoke("order_change_log", {"Records": [stream_record("INSERT", {"orderId": "o-1"}, new=ORDER, sequence=1)]})
    (line,) = log_lines(caplog)
    assert line["correlation_id"] == "req-1"


def test_numbers_stay_exact_in_the_change_log():
    from chalicelib.stream.records import plain

    assert plain(Decimal("40.48")) == 40.48
    assert json.dumps(plain(Decimal("0.10"))) == "0.1"
    assert plain(Decimal("12345678901234567.89")) == "12345678901234567.89"  # a float would round it
    assert plain(Decimal("7")) == 7
