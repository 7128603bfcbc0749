"""The local DLQ warning: one console line per dead-lettered message, naming DLQ, source and reason."""

from __future__ import annotations

import json
import logging

import boto3
import pytest

from local_runtime import topology
from local_runtime.dlq_monitor import DlqMonitor, dead_letter_queues


@pytest.fixture
def monitor(aws, caplog):
    caplog.set_level(logging.WARNING, logger="dlq")
    running = DlqMonitor(aws)
    running.poll()  # primes: nothing is waiting yet
    assert caplog.messages == []
    return aws, running


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "dlq"]


def test_every_declared_and_redrive_dlq_is_watched_with_its_sender(aws):
    senders = dead_letter_queues(aws)
    declared = {k for k, q in topology.load()["queues"].items() if q.get("dead_letter")}
    redrive = {f"{k}-dlq" for k, q in topology.load()["queues"].items() if q["redrive"]}
    assert declared | redrive <= set(senders)
    assert senders["order-processor-dlq"] == "sqs:order-processor"
    assert senders["pipe-dlq"] == "pipe:orders-events"
    assert senders["payments-dlq"] == "stepfunctions:payments"
    assert senders["change-log-dlq"] == "stream mapping -> order_change_log"
    assert "order-processor" not in senders


def test_each_shape_of_dead_letter_gives_one_line_with_source_and_reason(monitor, caplog):
    resources, running = monitor
    sqs = boto3.client("sqs")
    urls = resources.queue_urls
    rule_arn = "arn:aws:events:us-east-1:123456789012:rule/orders-platform-dev-orders/orders-platform-dev-analytics"
    sqs.send_message(
        QueueUrl=urls["events-dlq"],
        MessageBody=json.dumps({"detail-type": "OrderCreated"}),
        MessageAttributes={
            "RULE_ARN": {"DataType": "String", "StringValue": rule_arn},
            "TARGET_ARN": {"DataType": "String", "StringValue": "arn:aws:lambda:us-east-1:1:function:analytics"},
            "ERROR_CODE": {"DataType": "String", "StringValue": "LambdaFunctionError"},
            "ERROR_MESSAGE": {"DataType": "String", "StringValue": "boom\nsecond line"},
        },
    )
    sqs.send_message(QueueUrl=urls["pipe-dlq"], MessageBody=json.dumps({"reason": "enrichment failed", "records": [1]}))
    sqs.send_message(
        QueueUrl=urls["payments-dlq"],
        # The shape infra/state_machines/payments.asl.json's SendToDeadLetterQueue writes.
        MessageBody=json.dumps(
            {
                "paymentId": "p1",
                "orderId": "o1",
                "reason": {"Error": "KeyError", "Cause": "orderId"},
                "execution": "arn:aws:states:us-east-1:1:express:payments:e1:x",
                "failedAt": "2026-01-01T00:00:00Z",
                "receivedAt": "2026-01-01T00:00:00Z",
                "payment": {"paymentId": "p1"},
            }
        ),
    )
    sqs.send_message(
        QueueUrl=urls["change-log-dlq"],
        MessageBody=json.dumps(
            {
                "requestContext": {
                    "condition": "RetryAttemptsExhausted",
                    "functionArn": "arn:aws:lambda:us-east-1:1:function:order_change_log",
                },
                "responseContext": {"functionError": "ValueError: bad image"},
            }
        ),
    )
    sqs.send_message(QueueUrl=urls["order-processor-dlq"], MessageBody="not an SNS notification")

    assert running.poll() is True
    assert sorted(warnings(caplog)) == sorted(
        [
            "WARNING dead letter in events-dlq from rule:orders-platform-dev-analytics -> analytics: "
            "LambdaFunctionError: boom second line",
            "WARNING dead letter in pipe-dlq from pipe:orders-events: enrichment failed (1 record(s))",
            "WARNING dead letter in payments-dlq from stepfunctions:payments: payment p1 of order o1: KeyError: orderId",
            "WARNING dead letter in change-log-dlq from stream mapping -> order_change_log: "
            "RetryAttemptsExhausted: ValueError: bad image",
            "WARNING dead letter in order-processor-dlq from sqs:order-processor: "
            "not processed after the queue's maxReceiveCount receives (redrive)",
        ]
    )

    # Announced once; and nothing is taken away from the DLQ.
    caplog.clear()
    assert running.poll() is False
    assert warnings(caplog) == []
    kept = sqs.receive_message(QueueUrl=urls["payments-dlq"], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["paymentId"] for m in kept] == ["p1"]


def test_messages_kept_from_an_earlier_run_are_counted_once_not_announced(aws, caplog):
    caplog.set_level(logging.WARNING, logger="dlq")
    boto3.client("sqs").send_message(QueueUrl=aws.queue_urls["events-dlq"], MessageBody="{}")
    running = DlqMonitor(aws)
    running.poll()
    assert warnings(caplog) == ["WARNING dead letter queue events-dlq holds 1 message(s) from before"]
    caplog.clear()
    running.poll()
    assert warnings(caplog) == []
