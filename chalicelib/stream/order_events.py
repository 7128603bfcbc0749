"""The pipe's enrichment: turns a batch of stream records into domain events for the bus.

An enrichment function, not a filter plus input template: telling a status change from
any other MODIFY needs old and new images compared, which a template cannot express.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.orders.events import from_change
from chalicelib.stream.records import creation_time
from chalicelib.timestamps import iso

logger = Logger(service="order-events-enricher")


def enrich(records: list[dict]) -> list[dict]:
    """Pipe enrichment: stream records in, `[{"detailType", "detail"}, ...]` out."""
    outputs = []
    for raw in records:
        record = DynamoDBRecord(raw)
        stream = record.dynamodb
        # Images keep DynamoDB's Decimals, so money stays exact into the event.
        old = stream.old_image if stream and stream.old_image else None
        new = stream.new_image if stream and stream.new_image else None
        occurred = iso(creation_time(record))
        events = from_change(raw["eventName"], old, new, record.event_id, occurred)
        outputs.extend(e.to_pipe_output() for e in events)
    logger.debug("enriched", extra={"records": len(records), "events": len(outputs)})
    return outputs
