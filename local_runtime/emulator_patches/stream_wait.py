"""GetRecords may wait for a stream record, for the local runtime's own pollers only.

DynamoDB Streams has no long polling, so a poller must ask again and again; Lambda asks about
four times a second per shard. Locally that is most of the idle load on the emulator and up to
one polling interval of latency on every hop. The runtime's stream readers send
``X-Local-Wait-Seconds``: an empty GetRecords then waits (at most that long) for the next record
of any stream before it answers. A request without the header (any user's, the AWS CLI's)
answers at once, exactly as AWS does.
"""

from __future__ import annotations

import threading

from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

WAIT_HEADER = "X-Local-Wait-Seconds"
MAX_WAIT_SECONDS = 5.0
_record_added = threading.Condition()


def _notifying(add):
    def add_and_notify(self, *args, **kwargs):
        result = add(self, *args, **kwargs)
        with _record_added:
            _record_added.notify_all()
        return result

    return add_and_notify


def _waiting(get_records):
    def get_records_or_wait(self):
        with _record_added:  # taken before the read, so a record added in between is not missed
            result = get_records(self)
            wait = _requested_wait(self.headers)
            if wait and not result.result.get("Records"):
                _record_added.wait(wait)
            else:
                return result
        # Read again outside the condition: a request answers with what is there now.
        return get_records(self)

    return get_records_or_wait


def _requested_wait(headers) -> float:
    try:
        return min(MAX_WAIT_SECONDS, max(0.0, float((headers or {}).get(WAIT_HEADER, 0))))
    except (TypeError, ValueError):
        return 0.0


def install() -> None:
    StreamShard.add = _notifying(StreamShard.add)
    DynamoDBStreamsHandler.get_records = _waiting(DynamoDBStreamsHandler.get_records)
