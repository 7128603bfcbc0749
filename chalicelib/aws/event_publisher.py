"""PutEvents to our bus: batches of 10, failed entries retried alone, then raised."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from chalicelib.aws.clients import client
from chalicelib.events import catalog
from chalicelib.events.detail import EventDetail
from chalicelib.resource_names import physical_name

MAX_BATCH = 10  # PutEvents' limit on entries per call
ATTEMPTS = 3


class PublishFailed(Exception):
    """Some entries were still refused after every attempt."""

    def __init__(self, failures: list[dict]) -> None:
        codes = sorted({f.get("ErrorCode", "?") for f in failures})
        super().__init__(f"{len(failures)} event(s) not published after {ATTEMPTS} attempts: {', '.join(codes)}")
        self.failures = failures


def publish(details: Iterable[EventDetail], bus: str = "orders", backoff: float = 0.1) -> int:
    """Publish catalog events (source and detail-type from the catalog); returns how many were accepted."""
    by_source: dict[str, list[tuple[str, dict]]] = {}
    for detail in details:
        event_type, data = catalog.entry(detail)
        by_source.setdefault(event_type.source, []).append((event_type.detail_type, data))
    return sum(put(source, pairs, bus, backoff) for source, pairs in by_source.items())


def put(source: str, events: Iterable[tuple[str, dict]], bus: str = "orders", backoff: float = 0.1) -> int:
    """Put ``(detail_type, detail)`` pairs from ``source`` as they are (the pipe's target does this)."""
    entries = [
        {"EventBusName": physical_name(bus), "Source": source, "DetailType": t, "Detail": json.dumps(d, default=str)}
        for t, d in events
    ]
    for start in range(0, len(entries), MAX_BATCH):
        _put_batch(entries[start : start + MAX_BATCH], backoff)
    return len(entries)


def _put_batch(entries: list[dict], backoff: float) -> None:
    pending = entries
    for attempt in range(ATTEMPTS):
        response = client("events").put_events(Entries=pending)
        if not response.get("FailedEntryCount"):
            return
        # Results line up with the request; only the entries that carry an ErrorCode failed.
        failed = [(e, r) for e, r in zip(pending, response["Entries"], strict=True) if r.get("ErrorCode")]
        pending = [e for e, _ in failed]
        if attempt + 1 < ATTEMPTS:
            time.sleep(backoff * 2**attempt)
    raise PublishFailed([r for _, r in failed])
