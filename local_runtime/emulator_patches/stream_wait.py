"""GetRecords may wait for a stream record, for the local runtime's own pollers only.

DynamoDB Streams has no long polling, so a poller must ask again and again; Lambda asks about
four times a second per shard. Locally that is most of the idle load on the emulator and up to
one polling interval of latency on every hop. The runtime's stream readers send
``X-Local-Wait-Seconds``: an empty GetRecords then waits (at most that long) for a record of its
shard before it answers. With ``X-Local-Gather-Seconds`` too, a read woken by a record answers that
much later, with what was written meanwhile: a poller sees a record some time after the write, as
on AWS, not in the middle of the write's own answer. A request without the headers (any user's, the
AWS CLI's) answers at once, exactly as AWS does. A stopping runtime ends the waits (wait_release.py).
"""

from __future__ import annotations

import threading
import time

from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from local_runtime.emulator_patches import GATHER_HEADER, WAIT_HEADER, wait_release

MAX_WAIT_SECONDS = 5.0
MAX_GATHER_SECONDS = 1.0

# Counts records added to any stream. A waiting read sleeps until it changes, then reads again; the
# lock is never held across a read, so a write's notify never waits for a reader's GetRecords.
_added = 0
_record_added = threading.Condition()


def _notifying(add):
    def add_and_notify(self, *args, **kwargs):
        global _added
        result = add(self, *args, **kwargs)
        with _record_added:
            _added += 1
            _record_added.notify_all()
        return result

    return add_and_notify


def _waiting(get_records):
    def get_records_or_wait(self):
        wait = _seconds(self.headers, WAIT_HEADER, MAX_WAIT_SECONDS)
        gather = _seconds(self.headers, GATHER_HEADER, MAX_GATHER_SECONDS)
        deadline = time.monotonic() + wait
        while True:
            seen = _added  # read before GetRecords, so a record added in between is not missed
            result = get_records(self)
            remaining = deadline - time.monotonic()
            if result.result.get("Records") or remaining <= 0 or wait_release.released.is_set():
                return result
            with _record_added:
                woken = _record_added.wait_for(
                    lambda seen=seen: _added != seen or wait_release.released.is_set(), remaining
                )
            if woken and gather and not wait_release.released.is_set():
                time.sleep(min(gather, max(0.0, deadline - time.monotonic())))
            # A record of another stream (or none: the wait ran out) reads empty; the loop then waits
            # on, rather than sending the poller round again.

    return get_records_or_wait


def _seconds(headers, name: str, most: float) -> float:
    try:
        return min(most, max(0.0, float((headers or {}).get(name, 0))))
    except (TypeError, ValueError):
        return 0.0


def _wake_waiting() -> None:
    with _record_added:
        _record_added.notify_all()


def install() -> None:
    wait_release.on_release(_wake_waiting)
    StreamShard.add = _notifying(StreamShard.add)
    DynamoDBStreamsHandler.get_records = _waiting(DynamoDBStreamsHandler.get_records)
