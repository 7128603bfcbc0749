"""Analytics: counts every app.* event per UTC day and detail-type."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from chalicelib.aws import read_models_table

logger = Logger(service="analytics")


def _pk(day: str) -> str:
    return f"analytics#{day}"


def handle(event: dict, context) -> dict:
    """Count the event once, even when EventBridge retries it or the archive replays it."""
    bridge = EventBridgeEvent(event)
    day = bridge.time[:10]
    detail = bridge.detail if isinstance(bridge.detail, dict) else {}
    logger.set_correlation_id(detail.get("correlationId"))
    # A replayed event gets a new id; the domain eventId (when present) stays the same.
    key = f"{bridge.detail_type}:{detail.get('eventId') or bridge.get_id}"

    # The seen-marker and the count change in one transaction: a repeat finds the marker and adds nothing.
    counted = read_models_table.put_once_with_counts(
        (f"{_pk(day)}#seen", key, {}), [(_pk(day), bridge.detail_type, {"count": 1})]
    )
    return {"day": day, "detailType": bridge.detail_type, "counted": counted}


def counts_for(day: str) -> dict[str, int]:
    """Events counted on ``day`` (YYYY-MM-DD), by detail-type."""
    return {item["sk"]: int(item["count"]) for item in read_models_table.query(_pk(day))}
