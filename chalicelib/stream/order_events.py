"""The pipe's enrichment: turns a batch of stream records into domain events for the bus.

An enrichment function, not a filter plus input template: telling a status change from
any other MODIFY needs old and new images compared, which a template cannot express.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.events import catalog
from chalicelib.orders.events import from_change
from chalicelib.orders.model import Order
from chalicelib.stream.records import creation_time
from chalicelib.timestamps import iso

logger = Logger(service="order-events-enricher")


def _order(image) -> Order | None:
    # Images keep DynamoDB's Decimals, so money stays exact into the event. An image that is not
    # an order fails here, and the pipe retries the batch, then hands it to its DLQ with the reason.
    return Order.model_validate(image) if image else None


def to_pipe_output(raw: dict) -> list[dict]:
    """One stream record's events as the pipe target reads them: ``{"detailType", "detail"}`` each."""
    record = DynamoDBRecord(raw)
    stream = record.dynamodb
    old = _order(stream.old_image if stream else None)
    new = _order(stream.new_image if stream else None)
    outputs = []
    for detail in from_change(raw["eventName"], old, new, record.event_id, iso(creation_time(record))):
        event_type, data = catalog.entry(detail)
        outputs.append({"detailType": event_type.detail_type, "detail": data})
    return outputs


def handle(event: list[dict], context) -> list[dict]:
    """Pipe enrichment: a batch of stream records in, their events out (in order)."""
    outputs = [output for raw in event for output in to_pipe_output(raw)]
    logger.debug("enriched", extra={"records": len(event), "events": len(outputs)})
    return outputs
