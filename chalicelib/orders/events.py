"""Which domain events a change to an order item stands for (the pipe's enrichment puts them on the bus)."""

from __future__ import annotations

from chalicelib.events import catalog
from chalicelib.events.detail import EventDetail
from chalicelib.events.orders import OrderCancelled, OrderCreated, OrderDeleted, OrderLine, OrderStatusChanged
from chalicelib.orders.model import Order, OrderStatus

# Items written before orders carried a correlation id: their events still get one, this.
UNCORRELATED = "uncorrelated"


def _summary(order: Order, change_id: str, occurred_at: str) -> dict:
    return {
        "eventId": change_id,
        "correlationId": order.correlationId or UNCORRELATED,
        "occurredAt": occurred_at,
        "orderId": order.orderId,
        "customerId": order.customerId,
        "customerEmail": order.customerEmail,
        "currency": order.currency,
        "total": order.total,
        "status": order.status.value,
        "orderVersion": order.version,
    }


def from_change(
    event_name: str, old: Order | None, new: Order | None, change_id: str, occurred_at: str
) -> list[EventDetail]:
    """The domain events one stream record stands for (possibly none).

    ``change_id`` (the stream record's eventID) is every event's ``eventId``, so consumers can
    deduplicate across redelivery and archive replay.
    """
    if event_name == "INSERT" and new:
        lines = [OrderLine(sku=i["sku"], qty=int(i["qty"]), unitPrice=i["unitPrice"]) for i in new.items]
        return [catalog.new(OrderCreated, **_summary(new, change_id, occurred_at), items=lines)]
    if event_name == "MODIFY" and old and new and old.status != new.status:
        summary = _summary(new, change_id, occurred_at)
        events = [catalog.new(OrderStatusChanged, **summary, previousStatus=old.status.value)]
        if new.status == OrderStatus.CANCELLED:
            events.append(catalog.new(OrderCancelled, **summary))
        return events
    if event_name == "REMOVE" and old:
        return [catalog.new(OrderDeleted, **_summary(old, change_id, occurred_at))]
    # Other modifications (e.g. a re-put of an identical item) are not domain events.
    return []
