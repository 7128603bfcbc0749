"""Timestamps as the system writes them: ISO 8601, UTC, milliseconds, `Z` (sortable as text)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """``moment`` in the system's timestamp format."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    """Now, in the system's timestamp format."""
    return iso(datetime.now(UTC))
