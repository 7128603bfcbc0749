"""The runtime's delivery semantics on moto in-process, with a recording stand-in for Lambda."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest

from local_runtime.event_source_mappings import QueueMapping
from local_runtime.invoke import FunctionError
from local_runtime.rule_targets import RuleTarget


class RecordingInvoker:
    """Answers invocations with ``respond(event)`` and keeps every event it was given."""

    def __init__(self, respond=lambda event: None) -> None:
        self.events, self.respond = [], respond

    def invoke(self, function, event, source, records=1, *, traced=True):
        self.events.append(event)
        try:
            return self.respond(event)
        except Exception as error:
            raise FunctionError(function, error) from error

    def function_arn(self, function):
        return f"arn:aws:lambda:us-east-1:123456789012:function:{function}"


@pytest.fixture
def queue(aws):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="deliveries", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    return sqs, url


def mapping(invoker, url, batch_size=10, window=0.0):
    return QueueMapping(invoker, "f", url, "arn:aws:sqs:us-east-1:123456789012:deliveries", batch_size, window, "test")


def test_batching_window_gathers_messages_sent_while_it_is_open(queue):
    sqs, url = queue
    invoker = RecordingInvoker()
    sqs.send_message(QueueUrl=url, MessageBody="first")
    later = threading.Timer(0.3, lambda: sqs.send_message(QueueUrl=url, MessageBody="second"))
    later.start()
    started = time.monotonic()
    assert mapping(invoker, url, window=1.0).poll()
    assert time.monotonic() - started >= 0.9  # a batch short of its size waits out the window
    (event,) = invoker.events
    assert [r["body"] for r in event["Records"]] == ["first", "second"]
    assert all(r["eventSource"] == "aws:sqs" for r in event["Records"])


def test_batch_size_caps_an_invocation(queue):
    sqs, url = queue
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    invoker = RecordingInvoker()
    mapping(invoker, url, batch_size=2, window=0.5).poll()
    assert len(invoker.events[0]["Records"]) == 2


def test_only_reported_failures_stay_on_the_queue(queue):
    sqs, url = queue
    for body in ("good-1", "bad", "good-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    def respond(event):
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    mapping(RecordingInvoker(respond), url, window=0.3).poll()
    counts = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    # The two successes were deleted; the failure waits out its visibility timeout.
    assert counts == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}


def test_a_function_error_leaves_the_whole_batch(queue):
    sqs, url = queue
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    mapping(RecordingInvoker(lambda event: 1 / 0), url, window=0.3).poll()
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert visible["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "2"


def test_rule_target_retries_then_dead_letters_with_aws_attributes(queue):
    sqs, dlq = queue
    calls = []
    target = RuleTarget(
        RecordingInvoker(lambda event: calls.append(event) or 1 / 0),
        "order-status-notify",
        "arn:aws:events:us-east-1:123456789012:rule/bus/r",
        "notifier",
        {"function": "notifier"},
        tap_url=dlq,
        retry_policy={"maximum_retry_attempts": 2, "maximum_event_age_seconds": 3600},
        dlq_url=dlq,
        retry_delay=0.01,
    )
    event = {"id": "e-1", "time": "2999-01-01T00:00:00Z", "detail-type": "X", "source": "app.t", "detail": {}}
    target.deliver(event)
    assert len(calls) == 3  # the first try and two retries
    (dead,) = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(dead["Body"]) == event
    attributes = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "LambdaFunctionError"
    assert attributes["RULE_ARN"].endswith("rule/bus/r")
    assert attributes["TARGET_ARN"].endswith("function:notifier")
    assert "ZeroDivisionError" in attributes["ERROR_MESSAGE"]
