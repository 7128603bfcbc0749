"""The one way our queue consumers run a batch: Powertools partial batch responses.

Each effect makes itself happen once (a transactional marker in the read-models table), so
no second idempotency layer wraps it: one mechanism per guarantee.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.consumers.envelope import unwrap
from chalicelib.orders.events import OrderCreatedDetail


def consume(event: dict, context, *, name: str, logger: Logger, handle: Callable[[SQSRecord], dict]) -> dict:
    """Run ``handle`` (an idempotent effect) per record. Failures become batchItemFailures."""

    def record_handler(record: SQSRecord) -> dict:
        try:
            return handle(record)
        except Exception as error:
            # Logged with its reason; SQS redelivers it, then moves it to the queue's DLQ.
            logger.error(
                "record failed",
                extra={"messageId": record.message_id, "reason": f"{type(error).__name__}: {error}"},
            )
            raise

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def consume_order_created(
    event: dict, context, *, name: str, logger: Logger, act: Callable[[OrderCreatedDetail], dict]
):
    """A batch of fan-out messages, each an OrderCreated; ``act`` applies its effect once per order."""

    def one(record: SQSRecord) -> dict:
        _, order = unwrap(record, "OrderCreated", OrderCreatedDetail)
        return act(order)

    return consume(event, context, name=name, logger=logger, handle=one)
