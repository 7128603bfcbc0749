"""Reads a DynamoDB table's stream from its own position, as a Lambda or Pipes poller does."""

from __future__ import annotations

import boto3

from chalicelib.aws.clients import client
from local_runtime.emulator_patches import GATHER_HEADER, WAIT_HEADER
from local_runtime.lambda_events import dynamodb_record
from local_runtime.worker import LONG_POLL_SECONDS

# An empty read waits on the embedded AWS for a record (see emulator_patches/stream_wait.py): a record
# is delivered the moment it is written, and an idle reader asks once per wait.
READ_WAIT_SECONDS = LONG_POLL_SECONDS
# A read woken by a record answers this much later, with every record written meanwhile: the write's
# own answer (the API's POST) is sent before its consumers wake, and a burst of writes is one batch.
# AWS's pollers see a record later still: Lambda polls a shard about four times a second.
READ_GATHER_SECONDS = 0.05


def _waiting_streams_client():
    """A Streams client whose GetRecords asks the embedded AWS to wait for a record."""
    streams = boto3.session.Session().client("dynamodbstreams")

    def ask_to_wait(request, **_):
        request.headers[WAIT_HEADER] = str(READ_WAIT_SECONDS)
        request.headers[GATHER_HEADER] = str(READ_GATHER_SECONDS)

    streams.meta.events.register(
        f"before-send.{streams.meta.service_model.service_id.hyphenize()}.GetRecords", ask_to_wait
    )
    return streams


def stream_arn_of(table_name: str) -> str:
    """The table's current stream ARN."""
    return client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]


def table_of(stream_arn: str) -> str:
    """The table name inside a stream ARN (``...:table/<name>/stream/<label>``)."""
    return stream_arn.split(":table/", 1)[1].split("/stream/", 1)[0]


class StreamReader:
    """One consumer's position in every shard of a stream."""

    def __init__(self, stream_arn: str, starting_position: str, batch_size: int) -> None:
        self.stream_arn = stream_arn
        self.batch_size = batch_size
        self.shard_id: str | None = None  # the shard the last batch came from
        self._starting_position = starting_position
        self._iterators: dict[str, str | None] = {}
        self._started = False
        # shard -> last sequence number of a batch that was handed on and finished (see read()).
        self._done: dict[str, str] = {}
        self._handed: tuple[str, str] | None = None
        self._resume_from: dict[str, str] | None = None
        self._streams = None  # made on first read, once the runtime has pointed boto3 at the emulator

    def position(self) -> dict[str, str]:
        """Where a restarted reader should resume: per shard, the last record finished."""
        return dict(self._done)

    def resume(self, position: dict[str, str]) -> None:
        """Continue after ``position`` (from position()) instead of the starting position."""
        self._resume_from, self._done = dict(position), dict(position)

    def _refresh_shards(self) -> None:
        streams = client("dynamodbstreams")
        for shard in streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                # Shards there at the start honour the starting position; later ones (children
                # of a closed shard) are read from their beginning, so nothing is skipped.
                # A resumed reader starts after its last finished record, or (a shard it never
                # read) from the shard's beginning.
                where = {"ShardIteratorType": self._starting_position if not self._started else "TRIM_HORIZON"}
                if self._resume_from is not None:
                    done = self._resume_from.get(shard_id)
                    where = (
                        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": done}
                        if done
                        else {"ShardIteratorType": "TRIM_HORIZON"}
                    )
                self._iterators[shard_id] = streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, **where
                )["ShardIterator"]
        self._started = True

    def read(self) -> list[dict]:
        """The next batch (Lambda event record shape) from the first shard that has one.

        Asking for the next batch says the previous one is finished (delivered or dead-lettered):
        its consumer reads again only then. A batch cut short by a stop stays unfinished, so a
        restart delivers it again rather than skipping it.
        """
        if self._handed is not None:
            shard, sequence = self._handed
            self._done[shard] = sequence
            self._handed = None
        if not self._started or None in self._iterators.values():
            # First read, or a shard closed: look for shards we do not know yet.
            self._refresh_shards()
        if self._streams is None:
            self._streams = _waiting_streams_client()
        streams = self._streams
        for shard_id, iterator in self._iterators.items():
            if iterator is None:
                continue
            response = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            self._iterators[shard_id] = response.get("NextShardIterator")
            if response["Records"]:
                self.shard_id = shard_id
                self._handed = (shard_id, response["Records"][-1]["dynamodb"]["SequenceNumber"])
                return [dynamodb_record(r, self.stream_arn) for r in response["Records"]]
        return []
