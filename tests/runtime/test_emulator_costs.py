"""The embedded AWS's cost patches answer exactly as moto does (emulator_patches/service_costs, server_path)."""

from __future__ import annotations

import time

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import create_backend_app
from moto.sqs.models import Queue, SQSBackend, sqs_backends

from local_runtime.emulator_patches import server_path, service_costs

MOTO_ATTRIBUTES = Queue.attributes.fget
MOTO_RETENTION_CHECK = SQSBackend.is_message_valid_based_on_retention_period


def backend_queue(name: str) -> Queue:
    return sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues[name]


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        {"FifoQueue": "true", "ContentBasedDeduplication": "true", "KmsMasterKeyId": "alias/k"},
        {"DelaySeconds": "30", "Policy": '{"Version": "2012-10-17", "Statement": []}'},
    ],
    ids=["standard", "fifo-kms", "delayed-with-policy"],
)
def test_queue_attributes_in_one_scan_equal_moto_s(aws, attributes):
    sqs = boto3.client("sqs")
    name = "counted.fifo" if "FifoQueue" in attributes else "counted"
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    extra = {"MessageGroupId": "g"} if "FifoQueue" in attributes else {}
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=str(i), **extra)
    if "FifoQueue" not in attributes:
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)  # two in flight (if visible)
    queue = backend_queue(name)
    assert service_costs._attributes(queue) == MOTO_ATTRIBUTES(queue)
    counts = {k: v for k, v in service_costs._attributes(queue).items() if k.startswith("Approximate")}
    assert sum(counts.values()) >= 4  # the scan counted what is there


def test_the_retention_check_answers_as_moto_s(aws):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="kept", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="fresh")
    sqs.send_message(QueueUrl=url, MessageBody="old")
    backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    fresh, old = backend_queue("kept")._messages
    old.sent_timestamp = int((time.time() - 61) * 1000)
    for message, expected in ((fresh, True), (old, False)):
        assert service_costs._is_message_valid_based_on_retention_period(backend, "kept", message) is expected
        assert MOTO_RETENTION_CHECK(backend, "kept", message) is expected


def test_the_cached_backend_lookup_answers_as_moto_s():
    moto_lookup = DomainDispatcherApplication.get_backend_for_host
    dispatcher = DomainDispatcherApplication(create_backend_app)
    cached = server_path._cached(moto_lookup)
    hosts = ["sqs.us-east-1.amazonaws.com", "dynamodb", "dynamodbstreams", "events.eu-west-1.amazonaws.com", None]
    for host in hosts * 2:  # the second round comes from the cache
        assert cached(dispatcher, host) == moto_lookup(dispatcher, host)
    assert cached(dispatcher, "sqs.us-east-1.amazonaws.com") == "sqs"
