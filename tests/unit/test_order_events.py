"""Stream changes -> domain events (pure)."""

from decimal import Decimal

from chalicelib.orders.events import from_change

ORDER = {
    "orderId": "o-1",
    "customerId": "c-1",
    "customerEmail": "ada@example.com",
    "currency": "EUR",
    "total": Decimal("40.48"),
    "status": "PENDING",
    "version": Decimal(1),
    "items": [{"sku": "A", "qty": Decimal(2), "unitPrice": Decimal("20.24")}],
}


def types(events):
    return [e.detail_type for e in events]


def test_insert_is_order_created_with_exact_money_and_event_id():
    (event,) = from_change("INSERT", None, ORDER, "rec-1", "2026-11-23T10:00:00.000Z")
    assert event.detail_type == "OrderCreated"
    assert event.detail["total"] == "40.48"
    assert event.detail["items"] == [{"sku": "A", "qty": 2, "unitPrice": "20.24"}]
    assert event.detail["eventId"] == "rec-1"
    assert event.detail["version"] == 1


def test_status_change_carries_previous_status():
    new = {**ORDER, "status": "PAID", "version": Decimal(2)}
    (event,) = from_change("MODIFY", ORDER, new, "rec-2", "t")
    assert event.detail_type == "OrderStatusChanged"
    assert (event.detail["status"], event.detail["previousStatus"]) == ("PAID", "PENDING")


def test_cancellation_is_also_order_cancelled():
    new = {**ORDER, "status": "CANCELLED"}
    assert types(from_change("MODIFY", ORDER, new, "rec-3", "t")) == ["OrderStatusChanged", "OrderCancelled"]


def test_modify_without_status_change_is_no_event():
    assert from_change("MODIFY", ORDER, {**ORDER, "updatedAt": "later"}, "rec-4", "t") == []


def test_remove_is_order_deleted():
    (event,) = from_change("REMOVE", ORDER, None, "rec-5", "t")
    assert event.detail_type == "OrderDeleted"
    assert event.detail["orderId"] == "o-1"
