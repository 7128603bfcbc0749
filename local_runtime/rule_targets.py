"""Bus rule -> target delivery for targets moto cannot reach (functions, topics).

moto matches the rule's pattern and drops the event into a tap queue; this worker applies
the target's input transformer as AWS does, delivers it, retries per the retry policy,
and hands what still fails to the target's DLQ with AWS's error attributes.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from chalicelib.aws.clients import client
from local_runtime import trace
from local_runtime.eventbridge import InputTransformer, delivery
from local_runtime.eventbridge.delivery import TargetFunctionError, Undeliverable
from local_runtime.eventbridge.transformer import as_payload, rule_variables
from local_runtime.invoke import FunctionError, Invoker
from local_runtime.lambda_events import eventbridge_event
from local_runtime.worker import LONG_POLL_SECONDS, Worker

log = logging.getLogger("local")
# EventBridge delivers a rule's events to its target concurrently (no order between them); one at a
# time, a target whose call takes 30 ms falls behind at about 30 events/s.
DELIVERY_CONCURRENCY = 10
# A taken tap message stays hidden this long (the tap's own 1 s is for its redelivery of SNS events):
# longer than a batch's delivery under load, so a slow batch is never taken and delivered twice.
TAKEN_VISIBILITY_SECONDS = 30
# Delivered events leave the tap in one DeleteMessageBatch per 10, or after this long: the tap is
# the runtime's bookkeeping, and a delete per event was a quarter of the AWS calls per order.
DELETE_GATHER_SECONDS = 1.0
SQS_BATCH = 10


class RuleTarget(Worker):
    idle_seconds = 0.0  # ReceiveMessage long-polls instead

    def __init__(
        self,
        invoker: Invoker,
        rule: str,
        rule_arn: str,
        target_id: str,
        spec: dict,
        *,
        tap_url: str,
        retry_policy: dict,
        dlq_url: str | None,
        topic_arn: str | None = None,
        retry_delay: float = 0.2,
    ) -> None:
        super().__init__(f"rule:{rule}/{target_id}")
        self.invoker, self.rule, self.rule_arn, self.spec = invoker, rule, rule_arn, spec
        self.tap_url, self.dlq_url, self.topic_arn = tap_url, dlq_url, topic_arn
        self.max_retries = retry_policy.get("maximum_retry_attempts", delivery.DEFAULT_MAXIMUM_RETRY_ATTEMPTS)
        self.max_age = retry_policy.get("maximum_event_age_seconds", delivery.DEFAULT_MAXIMUM_EVENT_AGE_SECONDS)
        self.retry_delay = retry_delay
        self.target_arn = topic_arn or invoker.function_arn(spec["function"])
        transformer = spec.get("input_transformer")
        # Validated here as PutTargets validates it: a bad transformer stops the stack before it starts.
        self.transformer = (
            InputTransformer.for_rule(transformer.get("input_paths"), transformer["input_template"])
            if transformer
            else None
        )
        self._pool: ThreadPoolExecutor | None = None
        self._delivered: list[str] = []  # receipt handles not yet deleted from the tap
        self._gathering_since = 0.0

    def poll(self) -> bool:
        sqs = client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self.tap_url,
            MaxNumberOfMessages=SQS_BATCH,
            # With deletes gathered, wait at most until they are due.
            WaitTimeSeconds=round(DELETE_GATHER_SECONDS) if self._delivered else round(LONG_POLL_SECONDS),
            VisibilityTimeout=TAKEN_VISIBILITY_SECONDS,
            AttributeNames=["SentTimestamp"],
        ).get("Messages", [])
        if messages:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(DELIVERY_CONCURRENCY, thread_name_prefix=self.name)
            outcomes = list(self._pool.map(self._deliver_message, messages))
            if not self._delivered:
                self._gathering_since = time.monotonic()
            self._delivered += [m["ReceiptHandle"] for m, done in zip(messages, outcomes, strict=True) if done]
            undelivered = [m["ReceiptHandle"] for m, done in zip(messages, outcomes, strict=True) if not done]
            if undelivered:  # stopped first: visible again now, for the next run, not in 30 s
                entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(undelivered)]
                sqs.change_message_visibility_batch(
                    QueueUrl=self.tap_url, Entries=[{**e, "VisibilityTimeout": 0} for e in entries]
                )
        due = time.monotonic() - self._gathering_since >= DELETE_GATHER_SECONDS
        if self._delivered and (due or not messages or len(self._delivered) >= SQS_BATCH):
            self._delete_delivered(sqs)
        return bool(messages)

    def finish(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        if self._delivered:
            try:
                self._delete_delivered(client("sqs"))
            except Exception:  # the emulator is gone: those events come again in the next run, never lost
                log.warning("%s: %d delivered event(s) stay in the tap", self.name, len(self._delivered))

    def _deliver_message(self, message: dict) -> bool:
        # The event's age runs from when the bus took it (its tap received it), as on AWS.
        taken = int(message.get("Attributes", {}).get("SentTimestamp", time.time() * 1000)) / 1000
        return self.deliver(eventbridge_event(json.loads(message["Body"])), taken)

    def _delete_delivered(self, sqs) -> None:
        handles, self._delivered = self._delivered, []
        for start in range(0, len(handles), SQS_BATCH):
            chunk = handles[start : start + SQS_BATCH]
            entries = [{"Id": str(i), "ReceiptHandle": handle} for i, handle in enumerate(chunk)]
            sqs.delete_message_batch(QueueUrl=self.tap_url, Entries=entries)

    def target_input(self, event: dict) -> str | None:
        """The text the target receives (the event as JSON, or the transformer's output); None: AWS drops it."""
        if self.transformer is None:
            return json.dumps(event)
        # Templates see the deployed rule name (the ARN's last part), as on AWS, not the topology's logical one.
        deployed = self.rule_arn.rsplit("/", 1)[-1]
        return self.transformer.render(event, rule_variables(event, deployed, self.rule_arn))

    def deliver(self, event: dict, taken: float | None = None) -> bool:
        """Deliver with retries, then dead-letter; False if stopped first (the event stays queued)."""
        text = self.target_input(event)
        if text is None:
            # AWS drops such an event; here it is kept, in the target's DLQ, with the reason.
            failure = Undeliverable("an object or array placeholder in a JSON string", "InputTransformationFailed")
            self._dead_letter(event, failure)
            return True
        taken = time.time() if taken is None else taken
        for attempt in range(self.max_retries + 1):
            try:
                self._send(text)
                return True
            except FunctionError as error:
                failure: Exception = TargetFunctionError(str(error))
            except Exception as error:
                failure = error
            if time.time() - taken > self.max_age or attempt == self.max_retries:
                break
            if not self.sleep(delivery.retry_delay(attempt + 1, first=self.retry_delay)):
                return False  # shutting down: retries remain, so it is not dead yet
        self._dead_letter(event, failure)
        return True

    def _send(self, text: str) -> None:
        if self.topic_arn:
            started = time.perf_counter()
            client("sns").publish(TopicArn=self.topic_arn, Message=text)
            elapsed = (time.perf_counter() - started) * 1000
            trace.delivery(self.name, f"topic:{self.spec['topic']}", 1, "ok", elapsed, payload=text)
        else:
            self.invoker.invoke(self.spec["function"], as_payload(text), self.name)

    def _dead_letter(self, event: dict, failure: Exception) -> None:
        trace.delivery(self.name, "dlq", 1, "failed", 0.0, f"{delivery.error_code(failure)}: {failure}", payload=event)
        if not self.dlq_url:
            return
        client("sqs").send_message(
            QueueUrl=self.dlq_url,
            MessageBody=json.dumps(event),
            MessageAttributes=delivery.dead_letter_attributes(self.rule_arn, self.target_arn, failure),
        )
