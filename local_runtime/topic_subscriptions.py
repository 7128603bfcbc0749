"""SNS -> function subscriptions, which moto can only run through Docker.

A tap queue subscribed to the topic receives each notification; this worker hands it to
the function in the SNS event shape. A failed invocation is left in the tap, which
redelivers it (Lambda's async retries) and then dead-letters it.
"""

from __future__ import annotations

import json

from chalicelib.aws.clients import client
from local_runtime.invoke import FunctionError, Invoker
from local_runtime.lambda_events import sns_event
from local_runtime.worker import LONG_POLL_SECONDS, Worker


class TopicSubscription(Worker):
    idle_seconds = 0.0  # ReceiveMessage long-polls instead

    def __init__(self, invoker: Invoker, function: str, topic: str, tap_url: str, subscription_arn: str) -> None:
        super().__init__(f"sns:{topic}")
        self.invoker, self.function, self.tap_url, self.subscription_arn = invoker, function, tap_url, subscription_arn

    def poll(self) -> bool:
        sqs = client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self.tap_url, MaxNumberOfMessages=10, WaitTimeSeconds=round(LONG_POLL_SECONDS)
        ).get("Messages", [])
        for message in messages:
            event = sns_event(json.loads(message["Body"]), self.subscription_arn)
            try:
                self.invoker.invoke(self.function, event, self.name)
            except FunctionError:
                continue  # visible again after the tap's 1 s timeout; DLQ after 3 receives
            sqs.delete_message(QueueUrl=self.tap_url, ReceiptHandle=message["ReceiptHandle"])
        return bool(messages)
