"""Change log: one structured JSON line per change to the orders table (seed 001)."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.stream.records import change_of

logger = Logger(service="order-change-log")


def _log_record(record: DynamoDBRecord) -> None:
    # The change is the message itself: Powertools drops top-level keys whose value is
    # None, and the seed's shape has "old": null on INSERT and "new": null on REMOVE.
    logger.info(change_of(record))


def handle(event: dict, context) -> dict:
    """Log every record; a record that cannot be logged is reported, not allowed to stall the shard."""
    return process_partial_response(
        event=event,
        record_handler=_log_record,
        processor=BatchProcessor(event_type=EventType.DynamoDBStreams),
        context=context,
    )
