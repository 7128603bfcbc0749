"""Stream changes -> the catalog's domain events (pure)."""

from decimal import Decimal

from chalicelib.events import catalog
from chalicelib.orders.events import UNCORRELATED, from_change
from chalicelib.orders.model import Order

ORDER = Order.model_validate(
    {
        "orderId": "o-1",
        "customerId": "c-1",
        "customerEmail": "ada@example.com",
        "currency": "EUR",
        "total": Decimal("40.48"),
        "status": "PENDING",
        "version": Decimal(1),
        "items": [{"sku": "A", "qty": Decimal(2), "unitPrice": Decimal("20.24")}],
        "createdAt": "2026-11-23T10:00:00.000Z",
        "updatedAt": "2026-11-23T10:00:00.000Z",
        "correlationId": "req-1",
    }
)


def changed(**fields) -> Order:
    return Order.model_validate({**ORDER.model_dump(), **fields})


def types(events):
    return [catalog.type_of(type(e)).detail_type for e in events]


def test_insert_is_order_created_with_exact_money_ids_and_versions():
    (event,) = from_change("INSERT", None, ORDER, "rec-1", "2026-11-23T10:00:00.000Z")
    event_type, detail = catalog.entry(event)
    assert (event_type.source, event_type.detail_type) == ("app.orders", "OrderCreated")
    assert detail["total"] == "40.48"
    assert detail["items"] == [{"sku": "A", "qty": 2, "unitPrice": "20.24"}]
    assert detail["eventId"] == "rec-1"
    assert detail["correlationId"] == "req-1"
    assert detail["version"] == event_type.version == 1  # the schema's version ...
    assert detail["orderVersion"] == 1  # ... and the order's, apart


def test_status_change_carries_previous_status():
    (event,) = from_change("MODIFY", ORDER, changed(status="PAID", version=2), "rec-2", "t")
    assert types([event]) == ["OrderStatusChanged"]
    assert (event.status, event.previousStatus, event.orderVersion) == ("PAID", "PENDING", 2)


def test_cancellation_is_also_order_cancelled():
    assert types(from_change("MODIFY", ORDER, changed(status="CANCELLED"), "rec-3", "t")) == [
        "OrderStatusChanged",
        "OrderCancelled",
    ]


def test_modify_without_status_change_is_no_event():
    assert from_change("MODIFY", ORDER, changed(updatedAt="later"), "rec-4", "t") == []


def test_remove_is_order_deleted():
    (event,) = from_change("REMOVE", ORDER, None, "rec-5", "t")
    assert types([event]) == ["OrderDeleted"]
    assert event.orderId == "o-1"


def test_an_order_written_before_correlation_ids_still_gets_one():
    (event,) = from_change("INSERT", None, changed(correlationId=None), "rec-6", "t")
    assert event.correlationId == UNCORRELATED
