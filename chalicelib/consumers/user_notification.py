"""User notification: writes an order confirmation to the customer's outbox."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.aws import read_models_table
from chalicelib.consumers.batch import LoggingBatchProcessor, order_created
from chalicelib.events.orders import OrderCreated
from chalicelib.money import to_wire
from chalicelib.timestamps import utc_now

logger = Logger(service="user-notification")


def confirmation(order: OrderCreated) -> dict:
    """The confirmation message for a new order."""
    return {
        "orderId": order.orderId,
        "to": order.customerEmail,
        "subject": f"We received your order {order.orderId}",
        "body": f"Thank you! Your order of {len(order.items)} line(s) totals {to_wire(order.total)} {order.currency}.",
        "sentAt": utc_now(),
    }


def notify(order: OrderCreated) -> dict:
    """Queue the confirmation and count it, atomically and once per order."""
    message = confirmation(order)
    outbox = (f"customer#{order.customerId}", f"outbox#{order.orderId}", message)
    counter = (f"customer#{order.customerId}", "outbox-count", {"messages": 1})
    if read_models_table.put_once_with_counts(outbox, [counter]):
        logger.info("confirmation queued", extra={"orderId": order.orderId, "to": order.customerEmail})
    return message


processor = LoggingBatchProcessor(EventType.SQS, logger)


def record_handler(record: SQSRecord) -> dict:
    return notify(order_created(record, logger))


def handle(event: dict, context) -> dict:
    """SQS batch of OrderCreated events; returns the partial batch response."""
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
