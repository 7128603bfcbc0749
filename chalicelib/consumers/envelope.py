"""Unwraps SQS body -> SNS notification -> EventBridge event -> typed detail."""

from __future__ import annotations

from typing import TypeVar

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SnsNotificationModel
from pydantic import BaseModel, ValidationError

DetailT = TypeVar("DetailT", bound=BaseModel)


class PoisonMessage(ValueError):
    """A message that no retry can make valid; it belongs in the DLQ."""


def unwrap(record: SQSRecord, detail_type: str, detail_model: type[DetailT]) -> tuple[EventBridgeModel, DetailT]:
    """The EventBridge event inside ``record`` and its detail as ``detail_model``."""
    try:
        notification = SnsNotificationModel.model_validate_json(record.body)
        event = EventBridgeModel.model_validate_json(notification.Message)
    except ValidationError as error:
        raise PoisonMessage(f"message {record.message_id} is not an SNS-wrapped EventBridge event: {error}") from None
    if event.detail_type != detail_type:
        raise PoisonMessage(f"message {record.message_id} carries {event.detail_type!r}, expected {detail_type!r}")
    try:
        return event, detail_model.model_validate(event.detail)
    except ValidationError as error:
        raise PoisonMessage(f"message {record.message_id} has an invalid {detail_type} detail: {error}") from None
