"""Lambda event source mappings: DynamoDB stream -> function and SQS queue -> function."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from chalicelib.aws.clients import client
from local_runtime.invoke import FunctionError, Invoker
from local_runtime.lambda_events import dynamodb_event, sqs_event
from local_runtime.stream_reader import StreamReader
from local_runtime.worker import LONG_POLL_SECONDS, Worker

log = logging.getLogger("local")
SQS_MAX_RECEIVE = 10  # ReceiveMessage's limit per call
# Lambda's SQS poller runs up to five batches at once before it scales further: one at a time, a
# consumer whose batch takes 0.5 s under load falls behind at about 20 messages/s.
SQS_CONCURRENT_BATCHES = 5


def _failed_ids(result) -> list[str]:
    if isinstance(result, dict):
        return [f["itemIdentifier"] for f in result.get("batchItemFailures") or []]
    return []


class StreamMapping(Worker):
    """Stream -> function, with partial batch responses, retries, bisect and an on-failure queue."""

    def __init__(
        self,
        invoker: Invoker,
        function: str,
        reader: StreamReader,
        source: str,
        *,
        maximum_retry_attempts: int = 3,
        bisect_on_error: bool = False,
        on_failure_queue_url: str | None = None,
        retry_delay: float = 0.2,
    ) -> None:
        super().__init__(f"stream->{function}")
        self.invoker, self.function, self.reader, self.source = invoker, function, reader, source
        self.max_retries, self.bisect = maximum_retry_attempts, bisect_on_error
        self.on_failure_queue_url, self.retry_delay = on_failure_queue_url, retry_delay

    def poll(self) -> bool:
        records = self.reader.read()
        if records:
            try:
                self.deliver(records)
            except Exception as error:
                # The reader has moved past these records: they must not vanish into a log line.
                self._give_up(records, f"delivery failed: {type(error).__name__}: {error}")
        return bool(records)

    def deliver(self, records: list[dict]) -> None:
        """Deliver until every record succeeded or was handed to the on-failure queue."""
        attempts = 0
        while records and not self._stopping.is_set():
            try:
                result = self.invoker.invoke(
                    self.function, dynamodb_event(records, self.reader.stream_arn), self.source, len(records)
                )
            except FunctionError as error:
                if self.bisect and len(records) > 1:
                    half = len(records) // 2
                    self.deliver(records[:half])
                    self.deliver(records[half:])
                    return
                reason = str(error)
            else:
                failed = set(_failed_ids(result))
                if not failed:
                    return
                positions = [i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failed]
                if len(positions) == len(failed):
                    # Like Lambda: resume from the first failed record; the ones before it are done.
                    records, reason = records[positions[0] :], f"{len(failed)} record(s) reported failed"
                else:
                    # An identifier that is not in the batch: Lambda fails the whole batch.
                    reason = f"batchItemFailures names records not in the batch: {sorted(failed)}"
            attempts += 1
            if attempts > self.max_retries:
                self._give_up(records, reason)
                return
            self.sleep(self.retry_delay * 2 ** (attempts - 1))

    def _give_up(self, records: list[dict], reason: str) -> None:
        log.error("%s: %d record(s) failed after %d retries: %s", self.name, len(records), self.max_retries, reason)
        if self.on_failure_queue_url is None:
            return
        # Lambda's on-failure record for stream sources: where the batch is, and why.
        info = {
            "requestContext": {
                "condition": "RetryAttemptsExhausted",
                "functionArn": self.invoker.function_arn(self.function),
            },
            "responseContext": {"functionError": reason},
            "DDBStreamBatchInfo": {
                "shardId": self.reader.shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": self.reader.stream_arn,
            },
        }
        client("sqs").send_message(QueueUrl=self.on_failure_queue_url, MessageBody=json.dumps(info))


class QueueMapping(Worker):
    """SQS -> function: batch size, batching window, partial batch responses.

    Failed messages are left alone: they reappear after the visibility timeout, and the
    queue's redrive policy moves them to its DLQ after maxReceiveCount receives (moto does that).
    One loop receives; up to SQS_CONCURRENT_BATCHES batches are delivered at once, so an idle
    queue costs one long poll, not one per batch slot.
    """

    idle_seconds = 0.0  # ReceiveMessage long-polls instead

    def __init__(
        self,
        invoker: Invoker,
        function: str,
        queue_url: str,
        queue_arn: str,
        batch_size: int,
        window: float,
        source: str,
    ) -> None:
        super().__init__(f"sqs->{function}")
        self.invoker, self.function, self.source = invoker, function, source
        self.queue_url, self.queue_arn = queue_url, queue_arn
        self.batch_size, self.window = batch_size, window
        self._slots = threading.BoundedSemaphore(SQS_CONCURRENT_BATCHES)
        self._pool = ThreadPoolExecutor(SQS_CONCURRENT_BATCHES, thread_name_prefix=self.name)

    def _receive(self, count: int, wait: int) -> list[dict]:
        return (
            client("sqs")
            .receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(SQS_MAX_RECEIVE, count),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            .get("Messages", [])
        )

    def poll(self) -> bool:
        # A free slot first: messages are taken only when a delivery can start at once.
        while not self._slots.acquire(timeout=LONG_POLL_SECONDS):
            if self._stopping.is_set():
                return False
        try:
            messages = self._gather()
        except BaseException:
            self._slots.release()
            raise
        if not messages:
            self._slots.release()
            return False
        self._pool.submit(self._deliver_in_slot, messages)
        return True

    def finish(self) -> None:
        """Batches in flight finish (their messages are handed over) before the thread ends."""
        self._pool.shutdown(wait=True)

    def _deliver_in_slot(self, messages: list[dict]) -> None:
        try:
            self.deliver(messages)
        except Exception:  # the messages reappear after their visibility timeout: retried, never lost
            log.exception("%s: delivering %d message(s) failed", self.name, len(messages))
        finally:
            self._slots.release()

    def _gather(self) -> list[dict]:
        messages = self._receive(self.batch_size, wait=round(LONG_POLL_SECONDS))
        if not messages:
            return []
        deadline = time.monotonic() + self.window
        # Gather until the batch is full or the batching window closes, as Lambda does.
        while len(messages) < self.batch_size and time.monotonic() < deadline:
            more = self._receive(self.batch_size - len(messages), wait=0)
            if more:
                messages.extend(more)
            elif not self.sleep(min(0.05, max(0.0, deadline - time.monotonic()))):
                break
        return messages

    def deliver(self, messages: list[dict]) -> None:
        try:
            result = self.invoker.invoke(self.function, sqs_event(messages, self.queue_arn), self.source, len(messages))
        except FunctionError:
            return  # the whole batch becomes visible again
        failed = set(_failed_ids(result))
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), SQS_MAX_RECEIVE):
            chunk = done[start : start + SQS_MAX_RECEIVE]
            client("sqs").delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
