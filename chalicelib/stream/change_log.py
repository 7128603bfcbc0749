"""Change log: one structured JSON line per change to the orders table, `{eventName, keys, old, new, approximateCreationTime}`."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.consumers.batch import LoggingBatchProcessor
from chalicelib.stream.records import change_of

logger = Logger(service="order-change-log")
processor = LoggingBatchProcessor(EventType.DynamoDBStreams, logger)


def record_handler(record: DynamoDBRecord) -> None:
    change = change_of(record)
    image = change["new"] or change["old"] or {}
    logger.set_correlation_id(image.get("correlationId"))
    # The change is the message itself: Powertools drops top-level keys whose value is
    # None, and the log shape has "old": null on INSERT and "new": null on REMOVE.
    logger.info(change)


def handle(event: dict, context) -> dict:
    """Log every record; a record that cannot be logged is reported, not allowed to stall the shard."""
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
