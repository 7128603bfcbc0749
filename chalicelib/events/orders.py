"""Order lifecycle events: what the pipe puts on the bus for each change of an order item."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib.events.detail import EventDetail, WireMoney


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    qty: int
    unitPrice: WireMoney


class OrderSummary(EventDetail):
    """The order as it stands after the change (before it, for a deletion)."""

    orderId: str
    customerId: str
    customerEmail: str
    currency: str
    total: WireMoney
    status: str
    orderVersion: int  # the order's optimistic-locking version after the change


class OrderCreated(OrderSummary):
    items: list[OrderLine]


class OrderStatusChanged(OrderSummary):
    previousStatus: str


class OrderCancelled(OrderSummary):
    pass


class OrderDeleted(OrderSummary):
    pass
