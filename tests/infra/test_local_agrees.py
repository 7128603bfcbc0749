"""What the local runtime creates and runs agrees with the normalized topology, the document the module is built from."""

from __future__ import annotations

import json

import boto3
import pytest
import yaml

import topology as typed_topology
from chalicelib.resource_names import physical_name
from local_runtime import topology
from local_runtime.rule_targets import RuleTarget
from local_runtime.runtime import build_workers
from local_runtime.stream_reader import StreamReader

DECLARED = topology.load()


@pytest.fixture
def local(aws):
    """What the runtime provisioned (the `aws` fixture runs it) and the app to build workers for."""
    from app import app
    from local_runtime.invoke import Invoker

    return aws, Invoker(app, "orders-platform", "dev"), app


def attributes(logical: str) -> dict:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=physical_name(logical))["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_queues_have_declared_visibility_retention_and_redrive(aws):
    for logical, spec in DECLARED["queues"].items():
        found = attributes(logical)
        assert int(found["VisibilityTimeout"]) == spec["visibility_timeout_seconds"], logical
        assert int(found["MessageRetentionPeriod"]) == spec["message_retention_seconds"], logical
        assert ("RedrivePolicy" in found) == bool(spec["redrive"]), logical
        if spec["redrive"]:
            redrive = json.loads(found["RedrivePolicy"])
            assert redrive["maxReceiveCount"] == spec["redrive"]["max_receive_count"]
            assert redrive["deadLetterTargetArn"].endswith(":" + physical_name(f"{logical}-dlq"))
            assert int(attributes(f"{logical}-dlq")["MessageRetentionPeriod"]) == 14 * 24 * 3600


def test_subscribed_queues_accept_only_their_topic(aws):
    sns = boto3.client("sns")
    for topic, spec in DECLARED["topics"].items():
        for subscription in spec["subscriptions"].values():
            policy = json.loads(attributes(subscription["queue"])["Policy"])
            (statement,) = policy["Statement"]
            assert statement["Action"] == "sqs:SendMessage"
            assert statement["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(":" + physical_name(topic))
        arn = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(physical_name(topic)))
        endpoints = {s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
        wanted = {s["queue"] for s in spec["subscriptions"].values()}
        assert {e.rsplit(":", 1)[1] for e in endpoints} >= {physical_name(q) for q in wanted}


def test_rules_carry_declared_patterns_and_the_archive_its_retention(aws):
    events = boto3.client("events")
    bus = physical_name(DECLARED["event_bus"]["name"])
    for rule, spec in DECLARED["rules"].items():
        found = events.describe_rule(Name=physical_name(rule), EventBusName=bus)
        assert json.loads(found["EventPattern"]) == spec["event_pattern"], rule
    archive = events.describe_archive(ArchiveName=bus)
    assert archive["RetentionDays"] == DECLARED["event_bus"]["archive"]["retention_days"]


def _rule_targets(local) -> dict[str, RuleTarget]:
    resources, invoker, app = local
    return {w.name: w for w in build_workers(app, invoker, resources) if isinstance(w, RuleTarget)}


def test_rule_targets_run_with_declared_transformer_retry_and_dlq(local):
    workers = _rule_targets(local)
    defaults = DECLARED["event_bus"]["target_defaults"]
    for rule, spec in DECLARED["rules"].items():
        for target_id, target in spec["targets"].items():
            worker = workers[f"rule:{rule}/{target_id}"]
            assert worker.spec == target
            assert worker.max_retries == defaults["retry_policy"]["maximum_retry_attempts"]
            assert worker.max_age == defaults["retry_policy"]["maximum_event_age_seconds"]
            assert worker.dlq_url == local[0].queue_urls[defaults["dead_letter_queue"]]


def test_a_target_runs_with_its_own_retry_policy_and_dlq(local, monkeypatch):
    """A per-target setting overrides event_bus.target_defaults locally, as it does in Terraform (events.tf)."""
    raw = yaml.safe_load(topology.TOPOLOGY_FILE.read_text())
    raw["rules"]["analytics"]["targets"]["analytics"].update(
        retry_policy={"maximum_event_age_seconds": 120, "maximum_retry_attempts": 1}, dead_letter_queue="pipe-dlq"
    )
    declared = typed_topology.document(typed_topology.Topology.model_validate(raw))
    monkeypatch.setattr(topology, "load", lambda: declared)
    workers = _rule_targets(local)
    analytics, notifier = workers["rule:analytics/analytics"], workers["rule:order-status-notify/notifier"]
    assert (analytics.max_retries, analytics.max_age) == (1, 120)
    assert analytics.dlq_url == local[0].queue_urls["pipe-dlq"]
    assert (notifier.max_retries, notifier.dlq_url) == (3, local[0].queue_urls["events-dlq"]), (
        "others keep the defaults"
    )


def test_pipe_and_stream_mapping_run_with_declared_settings(local):
    resources, invoker, app = local
    workers = {w.name: w for w in build_workers(app, invoker, resources)}
    pipe = DECLARED["pipe"]
    running = workers[f"pipe:{pipe['name']}"]
    assert isinstance(running.reader, StreamReader)
    assert running.reader.batch_size == pipe["source"]["batch_size"]
    assert running.max_retries == pipe["source"]["maximum_retry_attempts"]
    assert running.dlq_url == resources.queue_urls[pipe["source"]["dead_letter_queue"]]
    for function, spec in DECLARED["stream_mappings"].items():
        mapping = workers[f"stream->{function}"]
        assert mapping.max_retries == spec["maximum_retry_attempts"]
        assert mapping.bisect == spec["bisect_batch_on_function_error"]
        assert mapping.on_failure_queue_url == resources.queue_urls[spec["on_failure"]]
