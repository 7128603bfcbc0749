"""Stream records as plain Python: Powertools' data classes with the DynamoDB deserializer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord


def plain(value):
    """Decimals (how DynamoDB numbers deserialize) as JSON numbers; sets as sorted lists.

    A Decimal becomes a float only when the float's text is the same number (true for any
    amount of up to 15 significant digits); beyond that it stays exact, as a string.
    """
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


def creation_time(record: DynamoDBRecord) -> datetime:
    """The record's ApproximateCreationDateTime as an aware UTC datetime."""
    raw = record.dynamodb.raw_event.get("ApproximateCreationDateTime") if record.dynamodb else None
    return datetime.fromtimestamp(float(raw), tz=UTC) if raw is not None else datetime.now(UTC)


def change_of(record: DynamoDBRecord) -> dict:
    """The change-log shape: eventName, keys, old, new, approximateCreationTime."""
    stream = record.dynamodb
    return {
        "eventName": record.raw_event.get("eventName"),
        "keys": plain(stream.keys) if stream else None,
        "old": plain(stream.old_image) if stream and stream.old_image else None,
        "new": plain(stream.new_image) if stream and stream.new_image else None,
        "approximateCreationTime": creation_time(record).strftime("%Y-%m-%d %H:%M:%S"),
    }
