"""The console's queue views and redrive, on moto in-process with every declared queue."""

from __future__ import annotations

import json

import pytest

from chalicelib.aws.clients import client
from local_runtime import topology
from local_runtime.console.errors import ConsoleError
from local_runtime.console.queues import Queues


@pytest.fixture
def queues(aws):
    return Queues(aws, topology.load()), aws


def drain(url: str) -> list[dict]:
    sqs, messages = client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
        "Messages"
    ):
        for message in batch:
            messages.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def test_depths_list_the_declared_queues_and_where_each_dlq_sends_back(queues):
    view, resources = queues
    client("sqs").send_message(QueueUrl=resources.queue_urls["order-processor-dlq"], MessageBody="x")
    rows = {row["name"]: row for row in view.depths()}
    assert not [name for name in rows if name.startswith("local-")]  # the runtime's taps are internals
    assert set(topology.load()["queues"]) <= set(rows)
    assert rows["order-processor-dlq"]["depth"] == 1
    assert rows["order-processor-dlq"]["redrive"] == "queue:order-processor"
    assert rows["payments-dlq"]["redrive"] == "topic:payments"
    assert rows["events-dlq"]["deadLetter"] and rows["events-dlq"]["redrive"] is None
    assert not rows["order-processor"]["deadLetter"]


def test_a_redrive_moves_every_message_with_its_attributes_back_to_its_queue(queues):
    view, resources = queues
    sqs = client("sqs")
    for n in range(13):  # more than one receive's worth
        attributes = {"n": {"DataType": "Number", "StringValue": str(n)}}
        sqs.send_message(
            QueueUrl=resources.queue_urls["order-processor-dlq"], MessageBody=f"m{n}", MessageAttributes=attributes
        )
    assert view.redrive("order-processor-dlq") == {
        "queue": "order-processor-dlq",
        "to": "queue:order-processor",
        "moved": 13,
    }
    assert drain(resources.queue_urls["order-processor-dlq"]) == []
    back = drain(resources.queue_urls["order-processor"])
    assert sorted(m["Body"] for m in back) == sorted(f"m{n}" for n in range(13))
    assert {m["Body"]: m["MessageAttributes"]["n"]["StringValue"] for m in back}["m7"] == "7"


def test_the_payments_dlq_is_redriven_through_its_topic_as_make_redrive_payments_does(queues):
    view, resources = queues
    sqs, sns = client("sqs"), client("sns")
    probe = sqs.create_queue(QueueName="probe")["QueueUrl"]
    probe_arn = sqs.get_queue_attributes(QueueUrl=probe, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=resources.topic_arns["payments"],
        Protocol="sqs",
        Endpoint=probe_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    payment = {"paymentId": "p-1", "orderId": "o-1", "amount": "1.00"}
    failure = {
        "paymentId": "p-1",
        "orderId": "o-1",
        "reason": {"Error": "E", "Cause": "c"},
        "execution": "x",
        "payment": payment,
    }
    sqs.send_message(QueueUrl=resources.queue_urls["payments-dlq"], MessageBody=json.dumps(failure))
    result = view.redrive("payments-dlq")
    assert (result["to"], result["moved"], result["left"]) == ("topic:payments", 1, [])
    assert [json.loads(m["Body"]) for m in drain(probe)] == [payment]
    assert drain(resources.queue_urls["payments-dlq"]) == []


def test_a_dlq_of_failure_records_is_refused_and_left_as_it_is(queues):
    view, resources = queues
    client("sqs").send_message(QueueUrl=resources.queue_urls["events-dlq"], MessageBody="{}")
    with pytest.raises(ConsoleError) as refused:
        view.redrive("events-dlq")
    assert (refused.value.status, refused.value.code) == (409, "NOT_REDRIVABLE")
    assert len(drain(resources.queue_urls["events-dlq"])) == 1
    with pytest.raises(ConsoleError) as missing:
        view.messages("no-such-queue")
    assert missing.value.code == "NOT_FOUND"


def test_a_dlq_message_is_shown_with_its_source_and_reason_and_stays(queues):
    view, resources = queues
    sqs = client("sqs")
    attributes = {
        "RULE_ARN": {"DataType": "String", "StringValue": "arn:aws:events:us-east-1:1:rule/bus/analytics"},
        "TARGET_ARN": {"DataType": "String", "StringValue": "arn:aws:lambda:us-east-1:1:function:analytics"},
        "ERROR_CODE": {"DataType": "String", "StringValue": "LambdaFunctionError"},
        "ERROR_MESSAGE": {"DataType": "String", "StringValue": "boom"},
    }
    sqs.send_message(QueueUrl=resources.queue_urls["events-dlq"], MessageBody="{}", MessageAttributes=attributes)
    [message] = view.messages("events-dlq")
    assert message["source"] == "rule:analytics -> analytics"
    assert message["reason"] == "LambdaFunctionError: boom"
    assert len(view.messages("events-dlq")) == 1  # peeking leaves it where it is
