"""Creates the declared resources in the embedded AWS, from the normalized topology (infra/topology.yaml).

Beside the declared resources it makes "taps": runtime-owned queues through which moto
hands over what it cannot deliver itself (rule targets other than SQS, SNS -> Lambda).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from chalicelib.aws.clients import client
from chalicelib.resource_names import physical_name
from local_runtime import topology
from topology.model import Redrive

# The runtime's own tap queues keep their dead letters as long as the topology's DLQs do.
DLQ_RETENTION_SECONDS = Redrive.model_fields["dead_letter_retention_seconds"].default
# Tests shorten the visibility timeout so redelivery takes seconds, not a minute.
VISIBILITY_OVERRIDE = "LOCAL_QUEUE_VISIBILITY_TIMEOUT"


@dataclass
class Resources:
    """What provisioning made: logical name -> URL / ARN."""

    tables: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    topic_arns: dict[str, str] = field(default_factory=dict)
    bus_arn: str = ""
    rule_arns: dict[str, str] = field(default_factory=dict)
    # (rule, target) -> tap queue logical name
    rule_taps: dict[tuple[str, str], str] = field(default_factory=dict)


def table_request(logical: str, spec: dict) -> dict:
    """CreateTable arguments for a table declared in the topology."""
    keys = [{"AttributeName": spec["hash_key"], "KeyType": "HASH"}]
    if spec["range_key"]:
        keys.append({"AttributeName": spec["range_key"], "KeyType": "RANGE"})
    request = {
        "TableName": physical_name(logical),
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in spec["attributes"].items()],
    }
    indexes = spec["global_secondary_indexes"]
    if indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": index["hash_key"], "KeyType": "HASH"},
                    *([{"AttributeName": index["range_key"], "KeyType": "RANGE"}] if index["range_key"] else []),
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, index in indexes.items()
        ]
    if spec["stream_view_type"]:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec["stream_view_type"]}
    return request


def create_tables() -> dict[str, str]:
    """Create every declared table that is missing; returns logical name -> physical name."""
    dynamodb = client("dynamodb")
    existing = set(dynamodb.list_tables()["TableNames"])
    names = {}
    for logical, spec in topology.load()["tables"].items():
        request = table_request(logical, spec)
        names[logical] = request["TableName"]
        if request["TableName"] in existing:
            continue
        dynamodb.create_table(**request)
        if spec["ttl_attribute"]:
            dynamodb.update_time_to_live(
                TableName=request["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec["ttl_attribute"]},
            )
    return names


def queue_attributes(spec: dict, dlq_arn: str | None = None) -> dict[str, str]:
    """SetQueueAttributes for a queue declared in the topology."""
    attributes = {}
    visibility = os.environ.get(VISIBILITY_OVERRIDE) or spec.get("visibility_timeout_seconds")
    if visibility is not None:
        attributes["VisibilityTimeout"] = str(visibility)
    if spec.get("message_retention_seconds"):
        attributes["MessageRetentionPeriod"] = str(spec["message_retention_seconds"])
    if dlq_arn:
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec["redrive"]["max_receive_count"]}
        attributes["RedrivePolicy"] = json.dumps(redrive)
    return attributes


def declared_queues() -> dict[str, dict]:
    """Every queue the topology implies: declared ones and their redrive dead-letter queues."""
    queues = {}
    for logical, spec in topology.load()["queues"].items():
        if spec["redrive"]:
            redrive = spec["redrive"]
            queues[redrive["dead_letter_queue"]] = {
                "message_retention_seconds": redrive["dead_letter_retention_seconds"]
            }
        queues[logical] = spec
    return queues


def _create_queue(resources: Resources, logical: str, attributes: dict[str, str]) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=physical_name(logical), Attributes=attributes)["QueueUrl"]
    resources.queue_urls[logical] = url
    resources.queue_arns[logical] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def create_queues(resources: Resources) -> None:
    # DLQs come first in declared_queues(), so a redrive target always exists already.
    for logical, spec in declared_queues().items():
        dlq = resources.queue_arns.get(spec["redrive"]["dead_letter_queue"]) if spec.get("redrive") else None
        _create_queue(resources, logical, queue_attributes(spec, dlq))


def only_topic_may_send(queue_arn: str, topic_arn: str) -> str:
    """The queue policy of a subscribed queue: SendMessage from that topic alone."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowTopicToSend",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            ],
        }
    )


def subscribe_queue(resources: Resources, topic: str, queue: str, raw: bool = False) -> str:
    sns = client("sns")
    attributes = {"RawMessageDelivery": "true"} if raw else {}
    response = sns.subscribe(
        TopicArn=resources.topic_arns[topic],
        Protocol="sqs",
        Endpoint=resources.queue_arns[queue],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    client("sqs").set_queue_attributes(
        QueueUrl=resources.queue_urls[queue],
        Attributes={"Policy": only_topic_may_send(resources.queue_arns[queue], resources.topic_arns[topic])},
    )
    return response["SubscriptionArn"]


def create_topics(resources: Resources) -> None:
    sns = client("sns")
    declared = topology.load()["topics"]
    for logical in declared:
        resources.topic_arns[logical] = sns.create_topic(Name=physical_name(logical))["TopicArn"]
    for logical, spec in declared.items():
        for subscription in spec["subscriptions"].values():
            subscribe_queue(resources, logical, subscription["queue"], subscription["raw_message_delivery"])


def tap_queue(resources: Resources, name: str, max_receive_count: int | None = None) -> str:
    """A runtime-owned queue (with its own DLQ when redelivery is wanted)."""
    logical = f"local-{name}"
    attributes = {"VisibilityTimeout": "1"}
    if max_receive_count:
        _create_queue(resources, f"{logical}-dlq", {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)})
        redrive = {"deadLetterTargetArn": resources.queue_arns[f"{logical}-dlq"], "maxReceiveCount": max_receive_count}
        attributes["RedrivePolicy"] = json.dumps(redrive)
    _create_queue(resources, logical, attributes)
    return logical


def create_bus(resources: Resources) -> None:
    """The bus, its archive and its rules; each rule target is fed through a tap queue."""
    events = client("events")
    declared = topology.load()
    bus = declared["event_bus"]
    bus_name = physical_name(bus["name"])
    # A restored emulator (emulator_patches/persistence.py) already has the bus and its archive.
    try:
        resources.bus_arn = events.create_event_bus(Name=bus_name)["EventBusArn"]
    except events.exceptions.ResourceAlreadyExistsException:
        resources.bus_arn = events.describe_event_bus(Name=bus_name)["Arn"]
    archives = {a["ArchiveName"] for a in events.list_archives(EventSourceArn=resources.bus_arn)["Archives"]}
    if bus_name not in archives:
        events.create_archive(
            ArchiveName=bus_name,
            EventSourceArn=resources.bus_arn,
            RetentionDays=bus["archive"]["retention_days"],
        )
    for rule, spec in declared["rules"].items():
        resources.rule_arns[rule] = events.put_rule(
            Name=physical_name(rule),
            EventBusName=bus_name,
            EventPattern=json.dumps(spec["event_pattern"]),
            Description=spec["description"],
        )["RuleArn"]
        targets = []
        for target in spec["targets"]:
            tap = tap_queue(resources, f"{rule}-{target}")
            resources.rule_taps[(rule, target)] = tap
            targets.append({"Id": target, "Arn": resources.queue_arns[tap]})
        events.put_targets(Rule=physical_name(rule), EventBusName=bus_name, Targets=targets)


def provision() -> Resources:
    """Everything infra/topology.yaml declares, plus the runtime's taps."""
    resources = Resources()
    resources.tables = create_tables()
    create_queues(resources)
    create_topics(resources)
    create_bus(resources)
    return resources
