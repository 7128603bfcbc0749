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


class OnePoll(QueueMapping):
    """A queue mapping whose poll() returns once the batch it took is delivered."""

    def poll(self) -> bool:
        took = super().poll()
        self.finish()
        return took


def mapping(invoker, url, batch_size=10, window=0.0):
    return OnePoll(invoker, "f", url, "arn:aws:sqs:us-east-1:123456789012:deliveries", batch_size, window, "test")


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


class OneBatch:
    """A StreamReader stand-in that yields one batch."""

    stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/1"
    shard_id = "shard-0"
    batch_size = 10

    def __init__(self, records):
        self.records = records

    def read(self):
        records, self.records = self.records, []
        return records


def records(n):
    from local_runtime.lambda_events import stream_record

    return [stream_record("INSERT", {"orderId": f"o-{i}"}, new={"orderId": f"o-{i}"}, sequence=i + 1) for i in range(n)]


def sequences(event):
    return [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]


def stream_mapping(invoker, batch, dlq_url=None, bisect=False, retries=2):
    from local_runtime.event_source_mappings import StreamMapping

    return StreamMapping(
        invoker,
        "f",
        OneBatch(batch),
        "test",
        maximum_retry_attempts=retries,
        bisect_on_error=bisect,
        on_failure_queue_url=dlq_url,
        retry_delay=0.001,
    )


def test_stream_partial_failure_resumes_at_the_first_failed_record(aws):
    batch = records(3)
    failed_once = []

    def respond(event):
        second = batch[1]["dynamodb"]["SequenceNumber"]
        if second in sequences(event) and not failed_once:
            failed_once.append(second)
            return {"batchItemFailures": [{"itemIdentifier": second}]}
        return {"batchItemFailures": []}

    invoker = RecordingInvoker(respond)
    stream_mapping(invoker, batch).poll()
    assert [sequences(e) for e in invoker.events] == [sequences({"Records": batch}), sequences({"Records": batch[1:]})]


def test_stream_failure_ids_not_in_the_batch_fail_it_whole_then_reach_the_on_failure_queue(queue):
    sqs, dlq = queue
    invoker = RecordingInvoker(lambda event: {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]})
    stream_mapping(invoker, records(3), dlq_url=dlq, retries=2).poll()
    assert [len(e["Records"]) for e in invoker.events] == [3, 3, 3]
    (message,) = sqs.receive_message(QueueUrl=dlq)["Messages"]
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    assert (info["batchSize"], info["shardId"]) == (3, "shard-0")
    assert info["startSequenceNumber"] < info["endSequenceNumber"]


def test_stream_bisects_on_error_so_only_the_poison_record_is_dead_lettered(queue):
    sqs, dlq = queue
    batch = records(4)
    poison = batch[2]["dynamodb"]["SequenceNumber"]
    delivered = []

    def respond(event):
        if poison in sequences(event):
            raise ValueError("poison")
        delivered.extend(sequences(event))

    stream_mapping(RecordingInvoker(respond), batch, dlq_url=dlq, bisect=True).poll()
    assert sorted(delivered) == sorted(s for s in sequences({"Records": batch}) if s != poison)
    (message,) = sqs.receive_message(QueueUrl=dlq)["Messages"]
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poison


def test_pipe_filters_then_dead_letters_what_enrichment_cannot_handle(queue):
    from local_runtime import topology
    from local_runtime.pipes import Pipe

    sqs, dlq = queue
    other_table = records(1)
    other_table[0]["dynamodb"]["Keys"] = {"id": {"S": "x"}}  # not an order: the filter drops it
    invoker = RecordingInvoker(lambda event: 1 / 0)
    Pipe(invoker, topology.load()["pipe"], OneBatch(records(2) + other_table), dlq, retry_delay=0.001).poll()
    attempts = topology.load()["pipe"]["source"]["maximum_retry_attempts"] + 1
    assert len(invoker.events) == attempts
    assert all(len(event) == 2 for event in invoker.events)
    (message,) = sqs.receive_message(QueueUrl=dlq)["Messages"]
    body = json.loads(message["Body"])
    assert len(body["records"]) == 2
    assert "ZeroDivisionError" in body["reason"]


def test_rule_target_dead_letters_an_event_its_transformer_cannot_handle(queue):
    sqs, dlq = queue
    # An object inside a JSON string: AWS drops the event; here it is kept in the DLQ with the reason.
    spec = {
        "function": "notifier",
        "input_transformer": {"input_paths": {"x": "$.detail"}, "input_template": '{"m": "<x>"}'},
    }
    target = RuleTarget(
        RecordingInvoker(),
        "r",
        "arn:aws:events:us-east-1:123456789012:rule/bus/r",
        "notifier",
        spec,
        tap_url=dlq,
        retry_policy={"maximum_retry_attempts": 1},
        dlq_url=dlq,
        retry_delay=0.001,
    )
    assert target.deliver({"id": "e", "time": "2999-01-01T00:00:00Z", "detail": {}}) is True
    (dead,) = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"])["Messages"]
    assert dead["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "InputTransformationFailed"


def meeting(count: int):
    """A respond() that returns once ``count`` invocations are inside it together; ``.met`` says whether each saw that.

    Concurrency shown by the invocations meeting, not by a clock: one after another, the first waits in vain.
    """
    barrier, met = threading.Barrier(count, timeout=10), []

    def respond(event):
        try:
            barrier.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)

    respond.met = met
    return respond


def test_a_queue_mapping_delivers_several_batches_at_once(queue):
    sqs, url = queue
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    invoker = RecordingInvoker(meeting(3))
    consumer = QueueMapping(invoker, "f", url, "arn:aws:sqs:us-east-1:123456789012:deliveries", 1, 0.0, "test")
    assert all(consumer.poll() for _ in range(3))  # each takes a batch of one and hands it on
    consumer.finish()
    assert invoker.respond.met == [True, True, True]
    assert sorted(e["Records"][0]["body"] for e in invoker.events) == ["0", "1", "2"]
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (left["ApproximateNumberOfMessages"], left["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def tap_target(invoker, tap: str, dlq: str) -> RuleTarget:
    return RuleTarget(
        invoker,
        "analytics",
        "arn:aws:events:us-east-1:123456789012:rule/bus/analytics",
        "analytics",
        {"function": "analytics"},
        tap_url=tap,
        retry_policy={"maximum_retry_attempts": 3, "maximum_event_age_seconds": 3600},
        dlq_url=dlq,
        retry_delay=0.2,
    )


def put_on_tap(sqs, tap: str, count: int) -> None:
    for i in range(count):
        event = {"id": f"e-{i}", "time": "2999-01-01T00:00:00Z", "detail-type": "X", "source": "app.t", "detail": {}}
        sqs.send_message(QueueUrl=tap, MessageBody=json.dumps(event))


def tap_counts(sqs, tap: str) -> tuple[str, str]:
    attributes = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["All"])["Attributes"]
    return attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]


def test_a_rule_target_delivers_a_batch_concurrently_and_deletes_it_in_one_gathered_call(queue):
    sqs, dlq = queue
    tap = sqs.create_queue(QueueName="tap", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    put_on_tap(sqs, tap, 5)
    invoker = RecordingInvoker(meeting(5))
    target = tap_target(invoker, tap, dlq)
    assert target.poll()
    assert invoker.respond.met == [True] * 5
    assert sorted(e["id"] for e in invoker.events) == [f"e-{i}" for i in range(5)]
    # Delivered, not yet deleted (gathered for one call), and hidden past the tap's own 1 s meanwhile.
    time.sleep(1.1)
    assert tap_counts(sqs, tap) == ("0", "5")
    assert not target.poll()  # nothing new within the gathering wait: the gathered deletes go out
    assert tap_counts(sqs, tap) == ("0", "0")


def test_a_rule_target_stopped_mid_retry_leaves_the_event_visible_for_the_next_run(queue):
    sqs, dlq = queue
    tap = sqs.create_queue(QueueName="tap", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    put_on_tap(sqs, tap, 1)
    target = tap_target(RecordingInvoker(lambda event: 1 / 0), tap, dlq)
    threading.Timer(0.1, target.stop).start()  # during the first retry's wait
    target.poll()
    target.finish()
    assert tap_counts(sqs, tap) == ("1", "0")  # visible at once, not after the 30 s a taken event hides
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq)  # not dead: its retries remain
