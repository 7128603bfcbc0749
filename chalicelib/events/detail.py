"""What every event's detail carries, whatever its type: identity, schema version, correlation, time."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

from chalicelib.money import to_wire

# Exact on the wire: a decimal string, never a JSON number a client reads as a float.
WireMoney = Annotated[Decimal, PlainSerializer(to_wire, return_type=str, when_used="json")]


class EventDetail(BaseModel):
    """The fields every detail starts with; each event type adds its own.

    Unknown fields are ignored, so a producer may add a field within a version.
    """

    model_config = ConfigDict(frozen=True)

    eventId: str  # the same on every redelivery and replay: consumers deduplicate on it
    version: int  # the detail's schema version (the catalog's), not the order's
    correlationId: str  # the request (or schedule run) this event follows from, hop after hop
    occurredAt: str

    def wire(self) -> dict:
        """The detail as JSON data."""
        return self.model_dump(mode="json")
