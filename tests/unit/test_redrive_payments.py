"""The payments redrive on moto in-process: what it republishes, deletes and leaves."""

import json
import os

import pytest

from chalicelib.aws.arns import topic_arn
from chalicelib.aws.clients import client
from chalicelib.resource_names import physical_name
from ops import redrive_payments


def failure(payment_id, execution="arn:aws:states:us-east-1:123456789012:express:p:e1:1") -> dict:
    """A DLQ message as the workflow's SendToDeadLetterQueue writes it."""
    payment = {"paymentId": payment_id, "orderId": "o-1", "amount": "1.00"} if payment_id else "not a payment"
    return {
        "paymentId": payment_id,
        "orderId": "o-1" if payment_id else None,
        "reason": {"Error": "RuntimeError", "Cause": "boom"},
        "execution": execution,
        "failedAt": "2026-01-01T00:00:00Z",
        "receivedAt": "2026-01-01T00:00:00Z",
        "payment": payment,
    }


@pytest.fixture
def queues(aws):
    """The DLQ, the payments topic, and a raw tap on the topic to see what was republished."""
    sqs, sns = client("sqs"), client("sns")
    dlq = sqs.get_queue_url(QueueName=physical_name("payments-dlq"))["QueueUrl"]
    topic = topic_arn("payments")
    tap = sqs.create_queue(QueueName="tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tap_arn, Attributes={"RawMessageDelivery": "true"})

    def drain(url):
        bodies = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                bodies.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    return sqs, sns, dlq, topic, tap, drain


def test_each_payment_is_republished_once_and_its_messages_deleted(queues):
    sqs, sns, dlq, topic, tap, drain = queues
    for body in (failure("p-1"), failure("p-1"), failure("p-2"), failure(None)):
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(body))
    result = redrive_payments.republish(sqs, sns, dlq, topic)
    assert sorted(result.republished) == ["p-1", "p-2"]
    assert sorted(m["paymentId"] for m in drain(tap)) == ["p-1", "p-2"]  # the messages as published
    # Not a payment: left in the queue, visible again for a person.
    assert [m["paymentId"] for m in result.left] == [None]
    assert drain(dlq) == [failure(None)]


def test_a_message_is_deleted_only_once_republished(queues, monkeypatch):
    sqs, sns, dlq, topic, *_ = queues
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(failure("p-1")))

    def unreachable(**kwargs):
        raise ConnectionError("topic unreachable")

    monkeypatch.setattr(sns, "publish", unreachable)
    with pytest.raises(ConnectionError):
        redrive_payments.republish(sqs, sns, dlq, topic)
    attributes = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_outcomes_wait_for_a_new_execution_of_a_failed_payment():
    result = redrive_payments.Redrive(republished={"p-1": "exec-1", "p-2": "exec-1", "p-3": "exec-1"})
    records = {
        "p-1": {"status": "PROCESSED"},
        "p-2": {"status": "FAILED", "execution": "exec-2"},  # failed again, in the new execution
        "p-3": {"status": "FAILED", "execution": "exec-1"},  # the old failure: not done yet
    }
    redrive_payments.await_outcomes(result, records.get, timeout=0.6)
    assert result.outcomes == {"p-1": "PROCESSED", "p-2": "FAILED", "p-3": "UNFINISHED"}
    assert not result.finished


def test_the_stage_names_the_resources(monkeypatch):
    for name in ("RESOURCE_PREFIX", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    monkeypatch.delenv("AWS_DISABLE_HOST_PREFIX_INJECTION", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    redrive_payments.use_stage("local")
    assert physical_name("payments-dlq") == "orders-platform-local-payments-dlq"
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"  # what the caller set wins
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"  # the stage's, where the caller set none


def test_a_redriven_payment_keeps_its_first_receipt_time_and_correlation_id(queues):
    # The occurredAt window is measured from receipt: a redrive days later must not move it.
    from chalicelib.payments.trigger import workflow_input

    sqs, sns, dlq, topic, _, _ = queues
    wrapped = sqs.create_queue(QueueName="wrapped")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=wrapped, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)  # the SNS envelope, as the trigger sees it
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({**failure("p-3"), "correlationId": "checkout-3"}))
    redrive_payments.republish(sqs, sns, dlq, topic)
    envelope = json.loads(sqs.receive_message(QueueUrl=wrapped)["Messages"][0]["Body"])
    attributes = {k: {"Type": v["Type"], "Value": v["Value"]} for k, v in envelope["MessageAttributes"].items()}
    state = workflow_input({**envelope, "MessageAttributes": attributes})
    assert (state["receivedAt"], state["correlationId"]) == ("2026-01-01T00:00:00Z", "checkout-3")


def test_a_receipt_time_later_than_the_topics_own_is_ignored():
    from chalicelib.payments.trigger import received_at

    sns = {"Timestamp": "2026-01-02T00:00:00.000Z", "MessageAttributes": {}}
    later = {"receivedAt": {"Type": "String", "Value": "2026-01-03T00:00:00Z"}}
    assert received_at({**sns, "MessageAttributes": later}) == "2026-01-02T00:00:00.000Z"
    assert received_at({**sns, "MessageAttributes": {"receivedAt": {"Value": "junk"}}}) == sns["Timestamp"]
    assert received_at(sns) == sns["Timestamp"]
