"""Bus rule -> target delivery for targets moto cannot reach (functions, topics).

moto matches the rule's pattern and drops the event into a tap queue; this worker applies
the target's input transformer as AWS does, delivers it, retries per the retry policy,
and hands what still fails to the target's DLQ with AWS's error attributes.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from chalicelib.aws.clients import client
from local_runtime import trace
from local_runtime.eventbridge import InputTransformer
from local_runtime.eventbridge.transformer import as_payload, rule_variables
from local_runtime.invoke import FunctionError, Invoker
from local_runtime.lambda_events import eventbridge_event
from local_runtime.worker import Worker


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
        self.max_retries = retry_policy.get("maximum_retry_attempts", 185)
        self.max_age = retry_policy.get("maximum_event_age_seconds", 86400)
        self.retry_delay = retry_delay
        self.target_arn = topic_arn or invoker.function_arn(spec["function"])
        transformer = spec.get("input_transformer")
        # Validated here as PutTargets validates it: a bad transformer stops the stack before it starts.
        self.transformer = (
            InputTransformer.for_rule(transformer.get("input_paths"), transformer["input_template"])
            if transformer
            else None
        )

    def poll(self) -> bool:
        sqs = client("sqs")
        messages = sqs.receive_message(QueueUrl=self.tap_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        for message in messages:
            if self.deliver(eventbridge_event(json.loads(message["Body"]))):
                sqs.delete_message(QueueUrl=self.tap_url, ReceiptHandle=message["ReceiptHandle"])
        return bool(messages)

    def target_input(self, event: dict) -> str | None:
        """The text the target receives (the event as JSON, or the transformer's output); None: AWS drops it."""
        if self.transformer is None:
            return json.dumps(event)
        # Templates see the deployed rule name (the ARN's last part), as on AWS, not the topology's logical one.
        deployed = self.rule_arn.rsplit("/", 1)[-1]
        return self.transformer.render(event, rule_variables(event, deployed, self.rule_arn))

    def deliver(self, event: dict) -> bool:
        """Deliver with retries, then dead-letter; False if stopped first (the event stays queued)."""
        text = self.target_input(event)
        if text is None:
            # AWS drops such an event; here it is kept, in the target's DLQ, with the reason.
            self._dead_letter(event, "InputTransformationFailed", "an object or array placeholder in a JSON string")
            return True
        born = _event_time(event)
        for attempt in range(self.max_retries + 1):
            try:
                self._send(text)
                return True
            except Exception as error:
                code, message = type(error).__name__, str(error)
            too_old = (datetime.now(UTC) - born).total_seconds() > self.max_age
            if too_old or attempt == self.max_retries:
                break
            if not self.sleep(self.retry_delay * 2**attempt):
                return False  # shutting down: retries remain, so it is not dead yet
        self._dead_letter(event, code, message)
        return True

    def _send(self, text: str) -> None:
        if self.topic_arn:
            started = time.perf_counter()
            client("sns").publish(TopicArn=self.topic_arn, Message=text)
            trace.delivery(self.name, f"topic:{self.spec['topic']}", 1, "ok", (time.perf_counter() - started) * 1000)
        else:
            self.invoker.invoke(self.spec["function"], as_payload(text), self.name)

    def _dead_letter(self, event: dict, code: str, message: str) -> None:
        trace.delivery(self.name, "dlq", 1, "failed", 0.0, f"{code}: {message}")
        if not self.dlq_url:
            return
        # The attributes EventBridge sets on messages it dead-letters.
        attributes = {
            "RULE_ARN": self.rule_arn,
            "TARGET_ARN": self.target_arn,
            "ERROR_CODE": code if code != FunctionError.__name__ else "LambdaFunctionError",
            "ERROR_MESSAGE": message[:1000] or code,
        }
        client("sqs").send_message(
            QueueUrl=self.dlq_url,
            MessageBody=json.dumps(event),
            MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        )


def _event_time(event: dict) -> datetime:
    try:
        return datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return datetime.now(UTC)
