"""Unwraps SQS body -> SNS notification -> EventBridge event -> the catalog's typed detail."""

from __future__ import annotations

from typing import TypeVar

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SnsNotificationModel
from pydantic import ValidationError

from chalicelib.events import catalog
from chalicelib.events.detail import EventDetail

DetailT = TypeVar("DetailT", bound=EventDetail)


class PoisonMessage(ValueError):
    """A message that no retry can make valid; it belongs in the DLQ."""


def unwrap(record: SQSRecord, expected: type[DetailT]) -> DetailT:
    """The detail of the EventBridge event inside ``record``, which must be an ``expected`` event."""
    try:
        notification = SnsNotificationModel.model_validate_json(record.body)
        event = EventBridgeModel.model_validate_json(notification.Message)
    except ValidationError as error:
        raise PoisonMessage(f"message {record.message_id} is not an SNS-wrapped EventBridge event: {error}") from None
    try:
        return catalog.read_as(expected, event.source, event.detail_type, event.detail)
    except (catalog.UnknownEvent, ValidationError) as error:
        raise PoisonMessage(f"message {record.message_id}: {error}") from None
