"""Order processor: reserves stock for each new order and records that it did."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from chalicelib.aws import event_publisher, read_models_table
from chalicelib.consumers.batch import consume_order_created
from chalicelib.orders.events import OrderCreatedDetail
from chalicelib.orders.model import utc_now

logger = Logger(service="order-processor")
SOURCE = "app.fulfilment"


def reserve(order: OrderCreatedDetail) -> dict:
    """Add each line to its SKU's reserved count; record the reservation on the order."""
    for item in order.items:
        read_models_table.add(f"sku#{item.sku}", "reserved", {"qty": item.qty, "orders": 1})
    record = {"orderId": order.orderId, "lines": len(order.items), "reservedAt": utc_now()}
    read_models_table.put(f"order#{order.orderId}", "fulfilment", record)
    event_publisher.publish(SOURCE, [("OrderReserved", {"orderId": order.orderId, "eventId": order.eventId})])
    logger.info("order reserved", extra=record)
    return record


def handle(event: dict, context) -> dict:
    """SQS batch of OrderCreated events; returns the partial batch response."""
    return consume_order_created(event, context, name="order-processor", logger=logger, act=reserve)
