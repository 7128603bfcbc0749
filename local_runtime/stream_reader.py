"""Reads a DynamoDB table's stream from its own position, as a Lambda or Pipes poller does."""

from __future__ import annotations

from chalicelib.aws.clients import client
from local_runtime.lambda_events import dynamodb_record


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

    def _refresh_shards(self) -> None:
        streams = client("dynamodbstreams")
        for shard in streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                # Shards there at the start honour the starting position; later ones (children
                # of a closed shard) are read from their beginning, so nothing is skipped.
                position = self._starting_position if not self._started else "TRIM_HORIZON"
                self._iterators[shard_id] = streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
                )["ShardIterator"]
        self._started = True

    def read(self) -> list[dict]:
        """The next batch (Lambda event record shape) from the first shard that has one."""
        if not self._started or None in self._iterators.values():
            # First read, or a shard closed: look for shards we do not know yet.
            self._refresh_shards()
        streams = client("dynamodbstreams")
        for shard_id, iterator in self._iterators.items():
            if iterator is None:
                continue
            response = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            self._iterators[shard_id] = response.get("NextShardIterator")
            if response["Records"]:
                self.shard_id = shard_id
                return [dynamodb_record(r, self.stream_arn) for r in response["Records"]]
        return []
