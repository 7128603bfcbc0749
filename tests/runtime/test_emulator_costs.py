"""The embedded AWS's cost patches answer exactly as moto does (emulator_patches/service_costs, server_path)."""

from __future__ import annotations

import base64
import json
import logging
import time

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from moto.core import DEFAULT_ACCOUNT_ID, serialize
from moto.core.base_backend import BackendDict
from moto.core.responses import ActionResult
from moto.core.utils import method_names_from_class
from moto.dynamodb.responses import DynamoHandler
from moto.events.responses import EventsHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import create_backend_app
from moto.sns import models as sns_models
from moto.sns.models import sns_backends
from moto.sns.responses import SNSResponse
from moto.sqs.models import Queue, SQSBackend, sqs_backends
from moto.sqs.responses import SQSResponse
from werkzeug import serving

from local_runtime.emulator_patches import request_costs, server_path, service_costs, sns_signing

MOTO_ATTRIBUTES = Queue.attributes.fget
MOTO_RETENTION_CHECK = SQSBackend.is_message_valid_based_on_retention_period
MOTO_SEND_MESSAGE = SQSBackend.send_message
MOTO_POST_DATA = sns_models.Subscription.get_post_data
MOTO_POSSIBLE_KEYS = serialize.XFormedAttributePicker.get_possible_keys
MOTO_EXECUTE_RESULT = ActionResult.execute_result
MOTO_GET_VALUE = serialize.ResponseSerializer.get_value


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


def signed_text(post: dict) -> bytes:
    """What SNS signs for a Notification (moto's and AWS's order of fields)."""
    fields = ("Message", "MessageId", "Timestamp", "TopicArn", "Type")
    return "".join(f"{name}\n{post[name]}\n" for name in fields).encode()


def verify(post: dict) -> x509.Certificate:
    """The check a subscriber makes: the certificate at SigningCertURL verifies the Signature."""
    pem = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]._message_public_keys[post["SigningCertURL"].rsplit("/", 1)[1]]
    certificate = x509.load_pem_x509_certificate(pem)
    certificate.public_key().verify(
        base64.b64decode(post["Signature"]), signed_text(post), padding.PKCS1v15(), hashes.SHA256()
    )
    return certificate


def test_notifications_signed_by_one_certificate_carry_moto_s_fields_and_verify(aws, monkeypatch):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="signed")["TopicArn"]
    queue = sqs.create_queue(QueueName="signed")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    subscription = next(iter(backend.subscriptions.values()))
    attributes = {"kind": {"Type": "String", "Value": "k"}}

    theirs = MOTO_POST_DATA(subscription, "hello", "id-1", "subject", message_attributes=attributes)
    ours = sns_signing._get_post_data(subscription, "hello", "id-1", "subject", message_attributes=attributes)
    volatile = ("Timestamp", "Signature", "SigningCertURL")  # moto's differ from one notification to the next too
    assert list(ours) == list(theirs)
    assert {k: v for k, v in ours.items() if k not in volatile} == {
        k: v for k, v in theirs.items() if k not in volatile
    }
    assert verify(ours).subject == verify(theirs).subject
    assert verify(ours).issuer == verify(theirs).issuer

    monkeypatch.setattr(sns_models.Subscription, "get_post_data", sns_signing._get_post_data)
    certificates = len(backend._message_public_keys)
    for i in range(3):
        sns.publish(TopicArn=topic, Message=f"m{i}")
    delivered = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(post["Message"] for post in delivered) == ["m0", "m1", "m2"]
    assert len({post["SigningCertURL"] for post in delivered}) == 1
    assert len({post["Signature"] for post in delivered}) == 3  # each signs its own fields
    for post in delivered:
        verify(post)
    assert len(backend._message_public_keys) <= certificates + 1  # not one per message


def exercise_the_stacks_services(aws) -> None:
    """The calls the stack makes, with results of every shape: lists, maps, nested structures."""
    dynamodb, sqs, sns = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("sns")
    orders = aws.tables["orders"]
    dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": orders, "Item": {"orderId": {"S": "o-1"}, "n": {"N": "1"}}}}]
    )
    dynamodb.put_item(TableName=orders, Item={"orderId": {"S": "o-2"}, "m": {"M": {"l": {"L": [{"S": "x"}]}}}})
    dynamodb.get_item(TableName=orders, Key={"orderId": {"S": "o-2"}})
    dynamodb.batch_get_item(RequestItems={orders: {"Keys": [{"orderId": {"S": "o-1"}}, {"orderId": {"S": "o-2"}}]}})
    for table in aws.tables.values():
        dynamodb.describe_table(TableName=table)
    dynamodb.list_tables()
    queue = aws.queue_urls["events-dlq"]
    sqs.send_message(
        QueueUrl=queue, MessageBody="m", MessageAttributes={"a": {"DataType": "String", "StringValue": "v"}}
    )
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)])
    received = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )
    sqs.delete_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received["Messages"])],
    )
    for url in aws.queue_urls.values():
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    sqs.list_queues()
    for topic in aws.topic_arns.values():
        sns.publish(TopicArn=topic, Message="{}", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
        sns.get_topic_attributes(TopicArn=topic)
        sns.list_subscriptions_by_topic(TopicArn=topic)
    sns.list_topics()


def test_responses_serialized_with_cached_keys_are_moto_s(aws, monkeypatch):
    """Each answer is serialized twice, by moto's value lookup and by the cached one; they must agree."""
    answers = []

    def both(self, context):
        monkeypatch.setattr(serialize.XFormedAttributePicker, "get_possible_keys", MOTO_POSSIBLE_KEYS)
        monkeypatch.setattr(serialize.ResponseSerializer, "get_value", MOTO_GET_VALUE)
        theirs = MOTO_EXECUTE_RESULT(self, context)
        monkeypatch.setattr(serialize.XFormedAttributePicker, "get_possible_keys", request_costs.possible_keys)
        monkeypatch.setattr(serialize.ResponseSerializer, "get_value", request_costs.get_value)
        ours = MOTO_EXECUTE_RESULT(self, context)
        answers.append(((ours[0], dict(ours[1]), ours[2]), theirs))  # the caller adds headers to ours
        return ours

    monkeypatch.setattr(ActionResult, "execute_result", both)
    request_costs._possible_keys.clear()
    exercise_the_stacks_services(aws)
    exercise_the_stacks_services(aws)  # the second time, from the cache
    assert len(answers) > 40
    for ours, theirs in answers:
        assert ours == theirs
    lookups = []
    monkeypatch.setattr(request_costs, "_moto_possible_keys", lambda *a: lookups.append(a) or MOTO_POSSIBLE_KEYS(*a))
    exercise_the_stacks_services(aws)
    assert lookups == []  # a third time asks moto nothing


def test_the_cached_method_names_are_moto_s():
    for handler in (DynamoHandler, SQSResponse, SNSResponse, EventsHandler):
        assert request_costs._method_names(handler) == set(method_names_from_class(handler))
    assert request_costs._method_names(DynamoHandler) is request_costs._method_names(DynamoHandler)


def test_a_backend_lookup_without_the_lock_registers_as_moto_s_does(aws):
    lookup = request_costs._backends_of(BackendDict.__getitem__)
    account = sqs_backends[DEFAULT_ACCOUNT_ID]
    assert lookup(sqs_backends, DEFAULT_ACCOUNT_ID) is account
    BackendDict.reset()  # what mock_aws does between tests: every registration goes with the accounts
    assert sqs_backends not in BackendDict._instances
    fresh = lookup(sqs_backends, "111111111111")  # a new account takes moto's own path
    assert sqs_backends in BackendDict._instances
    assert lookup(sqs_backends, "111111111111") is fresh is sqs_backends["111111111111"]


def test_the_access_line_is_formatted_only_when_werkzeug_would_log_it(monkeypatch, caplog):
    handler = server_path.KeepAliveRequestHandler.__new__(server_path.KeepAliveRequestHandler)
    handler.command, handler.path, handler.request_version = "POST", "/a%20b", "HTTP/1.1"
    handler.client_address = ("127.0.0.1", 5000)
    formatted = []
    monkeypatch.setattr(serving, "uri_to_iri", lambda path: formatted.append(path) or path)
    with caplog.at_level(logging.ERROR, logger="werkzeug"):  # what emulator_server sets
        handler.log_request(200, 10)
    assert formatted == []
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(200, 10)
    assert formatted == ["/a%20b"]
    assert '"POST /a%20b HTTP/1.1" 200 10' in caplog.text


def sent_fields(message) -> dict:
    """What a sent message holds, less what differs between any two sends (id, clock, random digits)."""
    volatile = {"id", "sent_timestamp", "visible_at", "delayed_until", "sequence_number"}
    fields = {k: v for k, v in vars(message).items() if k not in volatile}
    return {
        **fields,
        "delayed": message.delayed_until > message.sent_timestamp,
        "numbered": bool(message.sequence_number),
    }


@pytest.mark.parametrize(
    "call",
    [
        {"message_body": "plain"},
        {"message_body": "attrs", "message_attributes": {"a": {"data_type": "String", "string_value": "v"}}},
        {"message_body": "delayed", "delay_seconds": 5},
        {"message_body": "now", "delay_seconds": 0},
        {"message_body": "grouped", "group_id": "g", "deduplication_id": "d", "system_attributes": {"x": 1}},
        {"message_body": "too late", "delay_seconds": 901},
        {"message_body": "x" * 300_000},
    ],
    ids=["plain", "attributes", "delayed", "not-delayed", "group-and-dedup", "delay-too-long", "too-big"],
)
@pytest.mark.parametrize("fifo", [False, True], ids=["standard", "fifo"])
def test_send_message_answers_as_moto_s(aws, call, fifo):
    sqs = boto3.client("sqs")
    backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    # The standard queue delays by default: a message without DelaySeconds takes the queue's.
    suffix, attributes = (
        (".fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"}) if fifo else ("", {"DelaySeconds": "3"})
    )
    for name in ("theirs", "ours"):
        sqs.create_queue(QueueName=name + suffix, Attributes=attributes)
    if fifo:
        call = {"group_id": "g", **call}
    outcomes = []
    for name, send in (("theirs", MOTO_SEND_MESSAGE), ("ours", service_costs._send_message)):
        try:
            outcomes.append(sent_fields(send(backend, name + suffix, **call)))
        except Exception as error:  # the same refusal, worded the same
            outcomes.append((type(error), str(error)))
    assert outcomes[0] == outcomes[1]
    queued = [[sent_fields(m) for m in backend_queue(n + suffix)._messages] for n in ("theirs", "ours")]
    assert queued[0] == queued[1]
