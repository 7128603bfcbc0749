"""What the embedded AWS adds for the runtime alone, through its public API."""

from __future__ import annotations

import http.client
import json
import threading
import time

import boto3
import pytest
import requests

from local_runtime.emulator import EmbeddedAws
from local_runtime.emulator_patches import GATHER_HEADER, WAIT_HEADER
from tests.integration.stack import free_port


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("LOCAL_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    aws = EmbeddedAws("127.0.0.1", free_port())
    aws.start()
    try:
        yield aws
    finally:
        aws.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def aws_client(endpoint: str, service: str, key: str = "x"):
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key="x"
    )


def clients(endpoint: str):
    return aws_client(endpoint, "dynamodb"), aws_client(endpoint, "dynamodbstreams")


def create_streamed_table(dynamodb, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )


def first_shard(dynamodb, streams, table: str) -> tuple[str, str]:
    """The table's stream ARN and its first shard's id."""
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    return arn, streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]


@pytest.fixture(scope="module")
def stream(emulator):
    dynamodb, streams = clients(emulator.endpoint)
    create_streamed_table(dynamodb, "waits")
    return dynamodb, streams, *first_shard(dynamodb, streams, "waits")


def latest(streams, arn, shard) -> str:
    return streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]


def test_get_records_answers_at_once_as_on_aws_without_the_runtimes_header(emulator, stream):
    _, _, arn, shard = stream
    _, streams = clients(emulator.endpoint)  # its own client: the others send the wait header
    iterator = latest(streams, arn, shard)
    started = time.monotonic()
    assert streams.get_records(ShardIterator=iterator)["Records"] == []
    assert time.monotonic() - started < 2  # a wait would last the 5 s the emulator allows


def test_with_the_header_an_empty_read_waits_for_the_next_record(stream):
    dynamodb, streams, arn, shard = stream
    iterator = latest(streams, arn, shard)
    asking(streams, **{WAIT_HEADER: "5"})

    def put_later(mark):
        time.sleep(0.5)
        mark()
        dynamodb.put_item(TableName="waits", Item={"k": {"S": "late"}})

    keys, after = read_while_writing(streams, iterator, put_later)
    assert keys == ["late"]
    assert after < 3  # answered when the record came, not when the wait ran out (4.5 s after the mark)


def read_while_writing(streams, iterator, write) -> tuple[list[str], float]:
    """GetRecords while ``write(mark)`` runs in a thread (``mark()`` notes when its awaited write starts).

    Returns the keys read and how long after the mark the read answered.
    """
    marks: list[float] = []
    writer = threading.Thread(target=write, args=(lambda: marks.append(time.monotonic()),))
    writer.start()
    records = streams.get_records(ShardIterator=iterator)["Records"]
    answered = time.monotonic()
    writer.join()
    return [r["dynamodb"]["Keys"]["k"]["S"] for r in records], answered - marks[0]


def asking(streams, **headers):
    """Sends ``headers`` with every GetRecords of ``streams``."""
    streams.meta.events.register(
        "before-send.dynamodb-streams.GetRecords", lambda request, **_: request.headers.update(headers)
    )


def test_a_read_woken_by_a_record_gathers_what_follows_into_one_batch(emulator, stream):
    dynamodb, _, arn, shard = stream
    _, streams = clients(emulator.endpoint)
    asking(streams, **{WAIT_HEADER: "5", GATHER_HEADER: "1.0"})
    iterator = latest(streams, arn, shard)

    def put_burst(mark):
        time.sleep(0.3)
        mark()
        for key in ("g1", "g2", "g3"):
            dynamodb.put_item(TableName="waits", Item={"k": {"S": key}})

    keys, after = read_while_writing(streams, iterator, put_burst)
    # Not the first record alone: the writes within the gather came along, and the answer came after it.
    assert keys == ["g1", "g2", "g3"]
    assert 1.0 <= after < 3


def test_a_record_of_another_stream_does_not_end_the_wait(emulator, stream):
    dynamodb, _, arn, shard = stream
    _, streams = clients(emulator.endpoint)
    asking(streams, **{WAIT_HEADER: "5"})
    create_streamed_table(dynamodb, "other-stream")
    iterator = latest(streams, arn, shard)

    def put_elsewhere_then_here(mark):
        time.sleep(0.3)
        dynamodb.put_item(TableName="other-stream", Item={"k": {"S": "elsewhere"}})
        time.sleep(0.7)
        mark()
        dynamodb.put_item(TableName="waits", Item={"k": {"S": "here"}})

    keys, after = read_while_writing(streams, iterator, put_elsewhere_then_here)
    # The other table's record woke the read, which found nothing of its own shard and waited on.
    assert keys == ["here"]
    assert after < 3  # the record's wake, not the wait's end (4 s after the mark)


def test_a_cancelled_transaction_writes_nothing_and_the_stream_goes_on(stream):
    dynamodb, streams, arn, shard = stream
    iterator = latest(streams, arn, shard)
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "waits", "Item": {"k": {"S": "first"}}}},
                {
                    "Put": {
                        "TableName": "waits",
                        "Item": {"k": {"S": "second"}},
                        "ConditionExpression": "attribute_exists(k)",
                    }
                },
            ]
        )
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in dynamodb.get_item(TableName="waits", Key={"k": {"S": "first"}})
    dynamodb.put_item(TableName="waits", Item={"k": {"S": "after"}})
    records = streams.get_records(ShardIterator=iterator)["Records"]
    # No record of the cancelled write, and the open iterator still sees what came after it.
    assert [r["dynamodb"]["Keys"]["k"]["S"] for r in records] == ["after"]


def test_a_transaction_that_holds_writes_every_item(stream):
    dynamodb, _, _, _ = stream
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": "waits",
                    "Item": {"k": {"S": "t1"}},
                    "ConditionExpression": "attribute_not_exists(k)",
                }
            },
            {
                "Update": {
                    "TableName": "waits",
                    "Key": {"k": {"S": "t2"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    assert dynamodb.get_item(TableName="waits", Key={"k": {"S": "t1"}})["Item"]["k"]["S"] == "t1"
    assert dynamodb.get_item(TableName="waits", Key={"k": {"S": "t2"}})["Item"]["n"]["N"] == "1"


def test_the_embedded_aws_keeps_a_connection_for_the_next_request(emulator):
    """werkzeug closes every connection; the emulator keeps it, even when a body was left unread."""
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    sockets = []
    for body in (b"", b"x" * 100_000, b""):  # moto never reads a body here: it is drained, not taken as a request
        connection.request("GET", "/moto-api/data.json", body=body)
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())
        assert response.getheader("Connection") != "close"
        sockets.append(connection.sock)
    assert sockets[0] is not None and sockets == [sockets[0]] * 3  # one connection served all three
    connection.close()
    sqs = aws_client(emulator.endpoint, "sqs")
    queue = sqs.create_queue(QueueName="kept-alive")["QueueUrl"]
    answers = [sqs.send_message(QueueUrl=queue, MessageBody=str(i))["ResponseMetadata"] for i in range(3)]
    assert all(a["HTTPHeaders"].get("connection") != "close" for a in answers)
    counted = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert counted["Attributes"] == {"ApproximateNumberOfMessages": "3"}


def test_a_chunked_request_is_answered_and_then_its_connection_closed(emulator):
    def body():
        yield b"Action=ListQueues"

    response = requests.post(
        f"{emulator.endpoint}/",
        data=body(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, "
            "Signature=x",
        },
        timeout=10,
    )
    assert response.status_code == 200 and "ListQueuesResponse" in response.text
    assert response.headers["Connection"] == "close"


def test_the_emulator_counts_the_calls_it_answers_per_caller_and_operation(emulator):
    def counts() -> dict:
        rows = requests.get(f"{emulator.endpoint}/_local/calls", timeout=10).json()["calls"]
        return {(r["accessKey"], r["service"], r["operation"]): r["count"] for r in rows}

    before = counts()
    sqs, sns = aws_client(emulator.endpoint, "sqs", "counted"), aws_client(emulator.endpoint, "sns", "other")
    url = sqs.create_queue(QueueName="counted")["QueueUrl"]
    for _ in range(3):
        sqs.send_message(QueueUrl=url, MessageBody="m")  # JSON protocol: X-Amz-Target
    topic = sns.create_topic(Name="counted")["TopicArn"]
    sns.publish(TopicArn=topic, Message="m")  # query protocol: the Action form field, body handed on intact
    after = counts()

    def added(key):
        return after.get(key, 0) - before.get(key, 0)

    assert added(("counted", "sqs", "SendMessage")) == 3
    assert added(("counted", "sqs", "CreateQueue")) == 1
    assert added(("other", "sns", "Publish")) == 1
    assert added(("other", "sqs", "SendMessage")) == 0  # per caller: the other key's calls are its own
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "3"
    }


def test_a_release_ends_the_waiting_reads_now_and_later_ones_at_once(tmp_path):
    # Its own emulator: a release lasts until the process stops, as it does in a stopping stack.
    aws = EmbeddedAws("127.0.0.1", free_port(), state_dir=tmp_path)
    aws.start()
    try:
        dynamodb, streams = clients(aws.endpoint)
        asking(streams, **{WAIT_HEADER: "5"})
        create_streamed_table(dynamodb, "released")
        arn, shard = first_shard(dynamodb, streams, "released")
        sqs = aws_client(aws.endpoint, "sqs")
        url = sqs.create_queue(QueueName="released")["QueueUrl"]
        answers: dict[str, tuple[list, float]] = {}

        def wait_on(name, read):
            answers[name] = (read(), time.monotonic())

        readers = [
            threading.Thread(
                target=wait_on, args=("sqs", lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20))
            ),
            threading.Thread(
                target=wait_on,
                args=("stream", lambda: streams.get_records(ShardIterator=latest(streams, arn, shard))),
            ),
        ]
        for reader in readers:
            reader.start()
        time.sleep(1.0)  # both are waiting now
        assert answers == {}
        released = time.monotonic()
        aws.release_waits()
        for reader in readers:
            reader.join(timeout=10)
        assert answers["sqs"][0].get("Messages", []) == []
        assert answers["stream"][0]["Records"] == []
        assert answers["stream"][1] - released < 2  # not the 5 s it asked to wait
        # moto's receive looks again every second by itself: only a woken wait answers well inside that.
        assert answers["sqs"][1] - released < 0.5

        started = time.monotonic()
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", []) == []
        assert time.monotonic() - started < 2
        sqs.send_message(QueueUrl=url, MessageBody="still delivered")
        (message,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]
        assert message["Body"] == "still delivered"
    finally:
        aws.stop()
