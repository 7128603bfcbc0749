"""Order processor: reserves stock for each new order and records that it did."""

from __future__ import annotations

from collections import defaultdict

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.aws import event_publisher, read_models_table
from chalicelib.consumers.batch import LoggingBatchProcessor, order_created
from chalicelib.events import catalog
from chalicelib.events.fulfilment import OrderReserved
from chalicelib.events.orders import OrderCreated
from chalicelib.timestamps import utc_now

logger = Logger(service="order-processor")


def reserve(order: OrderCreated) -> dict:
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
    # An order is reserved once, so its id names the event: a retry republishes the same eventId.
    reserved = catalog.new(
        OrderReserved,
        eventId=f"OrderReserved:{order.orderId}",
        correlationId=order.correlationId,
        occurredAt=record["reservedAt"],
        orderId=order.orderId,
        lines=record["lines"],
    )
    event_publisher.publish([reserved])
    return record


processor = LoggingBatchProcessor(EventType.SQS, logger)


def record_handler(record: SQSRecord) -> dict:
    return reserve(order_created(record, logger))


def handle(event: dict, context) -> dict:
    """SQS batch of OrderCreated events; returns the partial batch response."""
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
