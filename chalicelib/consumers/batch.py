"""The one way our queue and stream consumers run a batch: Powertools' BatchProcessor, partial batch responses.

Each consumer module defines its processor and record handler once, at module level, and its
``handle(event, context)`` is ``process_partial_response`` over them. Each effect makes itself
happen once (a transactional marker, chalicelib/aws/once.py), so no second idempotency layer wraps it.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.consumers.envelope import unwrap
from chalicelib.events.orders import OrderCreated


class LoggingBatchProcessor(BatchProcessor):
    """A BatchProcessor that logs each failed record with its reason before reporting it failed."""

    def __init__(self, event_type: EventType, logger: Logger) -> None:
        super().__init__(event_type=event_type)
        self._logger = logger

    def failure_handler(self, record, exception):
        _, error, _ = exception
        # SQS redelivers it, then moves it to the queue's DLQ; the reason is here, in the log.
        self._logger.error(
            "record failed",
            extra={"messageId": getattr(record, "message_id", None), "reason": f"{type(error).__name__}: {error}"},
        )
        return super().failure_handler(record, exception)


def order_created(record: SQSRecord, logger: Logger) -> OrderCreated:
    """The OrderCreated in a fan-out message; the consumer's log lines carry its correlation id from here on."""
    logger.set_correlation_id(None)  # not the previous record's, if this one is unreadable
    order = unwrap(record, OrderCreated)
    logger.set_correlation_id(order.correlationId)
    return order
