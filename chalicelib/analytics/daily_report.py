"""Daily report: yesterday's orders, counted and summed by status (exact money)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from chalicelib.money import to_wire
from chalicelib.orders.model import Order


def report_day(fired_at: datetime) -> date:
    """A report fired at ``fired_at`` covers the UTC day before."""
    return (fired_at - timedelta(days=1)).date()


def summarize(day: date, orders: list[Order]) -> dict:
    """Count and revenue per status (revenue per currency: currencies never mix)."""
    by_status: dict[str, dict] = defaultdict(lambda: {"count": 0, "revenue": defaultdict(Decimal)})
    for order in orders:
        bucket = by_status[order.status.value]
        bucket["count"] += 1
        bucket["revenue"][order.currency] += order.total
    return {
        "date": day.isoformat(),
        "orders": len(orders),
        "byStatus": {
            status: {"count": b["count"], "revenue": {c: to_wire(v) for c, v in sorted(b["revenue"].items())}}
            for status, b in sorted(by_status.items())
        },
    }
