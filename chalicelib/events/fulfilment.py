"""Fulfilment events: what the order processor announces once an order's lines are reserved."""

from __future__ import annotations

from chalicelib.events.detail import EventDetail


class OrderReserved(EventDetail):
    orderId: str
    lines: int
