"""Order processor: reserves stock for each new order and records that it did."""

from __future__ import annotations

from collections import defaultdict

from aws_lambda_powertools import Logger

from chalicelib.aws import event_publisher, read_models_table
from chalicelib.consumers.batch import consume_order_created
from chalicelib.orders.events import OrderCreatedDetail
from chalicelib.timestamps import utc_now

logger = Logger(service="order-processor")
SOURCE = "app.fulfilment"


def reserve(order: OrderCreatedDetail) -> dict:
    """Reserve every line and record it, atomically and once; then announce it."""
    record = {"orderId": order.orderId, "eventId": order.eventId, "lines": len(order.items), "reservedAt": utc_now()}
    per_sku: dict[str, int] = defaultdict(int)
    for item in order.items:
        per_sku[item.sku] += item.qty
    counts = [(f"sku#{sku}", "reserved", {"qty": qty, "orders": 1}) for sku, qty in per_sku.items()]
    # One transaction guarded by the order's fulfilment record: a retry after a later failure
    # (say, PutEvents throttled) finds the record and reserves nothing twice.
    if read_models_table.put_once_with_counts((f"order#{order.orderId}", "fulfilment", record), counts):
        logger.info("order reserved", extra=record)
    event_publisher.publish(SOURCE, [("OrderReserved", {"orderId": order.orderId, "eventId": order.eventId})])
    return record


def handle(event: dict, context) -> dict:
    """SQS batch of OrderCreated events; returns the partial batch response."""
    return consume_order_created(event, context, name="order-processor", logger=logger, act=reserve)
