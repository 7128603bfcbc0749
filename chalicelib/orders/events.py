"""Domain events derived from changes to an order: what the pipe puts on the bus."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel

from chalicelib.money import to_wire


@dataclass(frozen=True)
class DomainEvent:
    detail_type: str
    detail: dict

    def to_pipe_output(self) -> dict:
        """The enrichment's output shape; the pipe target reads detailType and detail."""
        return {"detailType": self.detail_type, "detail": self.detail}


def _summary(image: dict) -> dict:
    return {
        "orderId": image["orderId"],
        "customerId": image.get("customerId"),
        "customerEmail": image.get("customerEmail"),
        "currency": image.get("currency"),
        "total": to_wire(Decimal(image["total"])) if "total" in image else None,
        "status": image.get("status"),
        "version": int(image["version"]) if "version" in image else None,
    }


def from_change(
    event_name: str, old: dict | None, new: dict | None, change_id: str, occurred_at: str
) -> list[DomainEvent]:
    """The domain events one stream record stands for (possibly none).

    ``change_id`` (the stream record's eventID) travels in every detail as ``eventId``,
    so consumers can deduplicate across redelivery and archive replay.
    """
    meta = {"eventId": change_id, "occurredAt": occurred_at}
    if event_name == "INSERT" and new:
        items = [
            {"sku": i["sku"], "qty": int(i["qty"]), "unitPrice": to_wire(Decimal(i["unitPrice"]))}
            for i in new.get("items", [])
        ]
        return [DomainEvent("OrderCreated", {**_summary(new), "items": items, **meta})]
    if event_name == "MODIFY" and old and new and old.get("status") != new.get("status"):
        detail = {**_summary(new), "previousStatus": old.get("status"), **meta}
        events = [DomainEvent("OrderStatusChanged", detail)]
        if new.get("status") == "CANCELLED":
            events.append(DomainEvent("OrderCancelled", {**_summary(new), **meta}))
        return events
    if event_name == "REMOVE" and old:
        return [DomainEvent("OrderDeleted", {**_summary(old), **meta})]
    # Other modifications (e.g. a re-put of an identical item) are not domain events.
    return []


class OrderCreatedItem(BaseModel):
    sku: str
    qty: int
    unitPrice: Decimal


class OrderCreatedDetail(BaseModel):
    """The detail of an OrderCreated event, as consumers read it."""

    eventId: str
    orderId: str
    customerId: str
    customerEmail: str
    currency: str
    total: Decimal
    items: list[OrderCreatedItem]
    occurredAt: str
