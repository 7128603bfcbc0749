"""EventBridge and Pipes on the running stack answer as AWS does, through boto3 as a user reaches them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.eventbridge_cases import BUS_ONLY, INVALID, MATCHING
from tests.integration.stack import PROJECT_DIR, eventually, free_port

pytestmark = pytest.mark.stack
PREFIX = "orders-platform-local"
BUS = f"{PREFIX}-orders"
# The AWS CLI the project installs (requirements-dev.txt), beside this interpreter.
AWS_CLI = str(Path(sys.executable).with_name("aws"))


def as_text(pattern) -> str:
    return pattern if isinstance(pattern, str) else json.dumps(pattern)


@pytest.mark.parametrize(("name", "pattern", "event", "expected"), MATCHING, ids=[c[0] for c in MATCHING])
def test_test_event_pattern_answers_as_aws(stack, name, pattern, event, expected):
    answer = stack.client("events").test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))
    assert answer["Result"] is expected


@pytest.mark.parametrize(("name", "pattern", "reason"), INVALID, ids=[c[0] for c in INVALID])
def test_test_event_pattern_rejects_what_aws_rejects(stack, name, pattern, reason):
    event = json.dumps(MATCHING[0][2])
    with pytest.raises(ClientError) as error:
        stack.client("events").test_event_pattern(EventPattern=as_text(pattern), Event=event)
    assert error.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert reason in error.value.response["Error"]["Message"]


def test_test_event_pattern_needs_the_envelope_fields(stack):
    with pytest.raises(ClientError) as error:
        stack.client("events").test_event_pattern(EventPattern='{"source": ["a"]}', Event='{"source": "a"}')
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "account" in error.value.response["Error"]["Message"]


def watch_queue(stack, name: str) -> tuple[str, str]:
    sqs = stack.client("sqs")
    url = sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def received(stack, url: str, count: int = 1, timeout: float = 15) -> list:
    sqs, messages = stack.client("sqs"), []

    def enough():
        found = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        )
        messages.extend(found.get("Messages", []))
        return len(messages) >= count

    eventually(enough, timeout=timeout)
    return messages


def put(stack, source: str, detail: dict, detail_type: str = "Probe") -> None:
    answer = stack.client("events").put_events(
        Entries=[{"EventBusName": BUS, "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}]
    )
    assert answer["FailedEntryCount"] == 0, answer


@pytest.mark.parametrize(("name", "pattern", "reason"), [c for c in INVALID if not isinstance(c[1], str)][:12])
def test_put_rule_rejects_an_invalid_pattern_naming_the_rule(stack, name, pattern, reason):
    rule = f"bad-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ClientError) as error:
        stack.client("events").put_rule(Name=rule, EventBusName=BUS, EventPattern=json.dumps(pattern))
    assert error.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert rule in error.value.response["Error"]["Message"] and reason in error.value.response["Error"]["Message"]


def test_an_invalid_rule_is_refused_and_put_events_to_the_bus_keeps_working(stack):
    events = stack.client("events")
    source = f"probe.{uuid.uuid4().hex[:6]}"
    # Each of these once got in and then failed every PutEvents on the bus (issue 10).
    for pattern in ({"source": [{"cidr": "10.0.0.0/33"}]}, {"source": [{"numeric": ["<", 1, ">", 5]}]}):
        with pytest.raises(ClientError, match="InvalidEventPatternException"):
            events.put_rule(Name="poison", EventBusName=BUS, EventPattern=json.dumps(pattern))
    url, arn = watch_queue(stack, "still-works")
    events.put_rule(Name=f"watch-{source}", EventBusName=BUS, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=f"watch-{source}", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    put(stack, source, {"n": 1})
    (message,) = received(stack, url)
    assert json.loads(message["Body"])["detail"] == {"n": 1}


def test_a_user_rule_matches_time_and_arrays_of_objects_and_transforms_as_aws(stack):
    events = stack.client("events")
    source, rule = f"probe.{uuid.uuid4().hex[:6]}", f"shape-{uuid.uuid4().hex[:6]}"
    pattern = {
        "source": [source],
        "time": [{"prefix": datetime.now(UTC).strftime("%Y-")}],
        "detail": {"items": {"sku": ["B"], "qty": [{"numeric": [">", 2]}]}},
    }
    events.put_rule(Name=rule, EventBusName=BUS, EventPattern=json.dumps(pattern))
    template = (
        '{"missing": <missing>, "sku": <sku>, "text": "first <sku> of <count>", "rule": "<aws.events.rule-name>",'
        ' "arn": "<aws.events.rule-arn>", "envelope": <aws.events.event>}'
    )
    transformed, transformed_arn = watch_queue(stack, "transformed")
    sentence, sentence_arn = watch_queue(stack, "sentence")
    fixed, fixed_arn = watch_queue(stack, "fixed")
    events.put_targets(
        Rule=rule,
        EventBusName=BUS,
        Targets=[
            {
                "Id": "t",
                "Arn": transformed_arn,
                "InputTransformer": {
                    "InputPathsMap": {
                        "missing": "$.detail.nope",
                        "sku": "$.detail.items[0].sku",
                        "count": "$.detail.n",
                    },
                    "InputTemplate": template,
                },
            },
            {
                "Id": "s",
                "Arn": sentence_arn,
                "InputTransformer": {"InputPathsMap": {"items": "$.detail.items"}, "InputTemplate": '"got <items>"'},
            },
            {"Id": "f", "Arn": fixed_arn, "Input": '{"fixed": true}'},
        ],
    )
    put(stack, source, {"items": [{"sku": "A", "qty": 9}], "n": 1})  # B is not in it: no match
    put(stack, source, {"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 3}], "n": 2})
    (message,) = received(stack, transformed)
    body = json.loads(message["Body"])
    assert body["missing"] == "" and body["sku"] == "A" and body["text"] == "first A of 2"
    assert body["rule"] == rule and body["arn"].endswith(f"rule/{BUS}/{rule}")
    assert body["envelope"]["source"] == source and "detail" not in body["envelope"]
    assert body["envelope"]["account"] and body["envelope"]["time"].endswith("Z")
    assert received(stack, sentence)[0]["Body"] == '"got [{sku:A,qty:1},{sku:B,qty:3}]"'
    assert json.loads(received(stack, fixed)[0]["Body"]) == {"fixed": True}


def test_put_targets_rejects_a_placeholder_with_no_input_paths_map_entry(stack):
    events = stack.client("events")
    rule = f"tpl-{uuid.uuid4().hex[:6]}"
    events.put_rule(Name=rule, EventBusName=BUS, EventPattern='{"source": ["x"]}')
    _, arn = watch_queue(stack, "never")
    target = {"Id": "t", "Arn": arn, "InputTransformer": {"InputPathsMap": {}, "InputTemplate": '{"a": <orderId>}'}}
    with pytest.raises(ClientError) as error:
        events.put_targets(Rule=rule, EventBusName=BUS, Targets=[target])
    assert error.value.response["Error"]["Code"] == "ValidationException"
    message = error.value.response["Error"]["Message"]
    assert rule in message and "<orderId>" in message


def test_undeliverable_targets_go_to_their_dlq_and_other_rules_still_deliver(stack):
    events = stack.client("events")
    source = f"probe.{uuid.uuid4().hex[:6]}"
    dlq, dlq_arn = watch_queue(stack, "target-dlq")
    ok, ok_arn = watch_queue(stack, "healthy")
    gone = ok_arn.rsplit(":", 1)[0] + ":no-such-queue"
    events.put_rule(Name=f"bad-{source}", EventBusName=BUS, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(
        Rule=f"bad-{source}",
        EventBusName=BUS,
        Targets=[
            # AWS drops an event whose template puts an object inside a JSON string; kept here, with the reason.
            {
                "Id": "object-in-string",
                "Arn": ok_arn,
                "InputTransformer": {"InputPathsMap": {"d": "$.detail"}, "InputTemplate": '{"m": "<d>"}'},
                "DeadLetterConfig": {"Arn": dlq_arn},
            },
            {
                "Id": "missing-queue",
                "Arn": gone,
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60},
                "DeadLetterConfig": {"Arn": dlq_arn},
            },
        ],
    )
    events.put_rule(Name=f"good-{source}", EventBusName=BUS, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=f"good-{source}", EventBusName=BUS, Targets=[{"Id": "q", "Arn": ok_arn}])
    put(stack, source, {"n": 7})
    healthy = received(stack, ok)
    assert [json.loads(m["Body"])["detail"] for m in healthy] == [{"n": 7}]
    dead = received(stack, dlq, count=2)
    by_target = {m["MessageAttributes"]["TARGET_ARN"]["StringValue"]: m for m in dead}
    assert set(by_target) == {ok_arn, gone}
    for message in dead:
        assert message["MessageAttributes"]["RULE_ARN"]["StringValue"].endswith(f"bad-{source}")
        assert json.loads(message["Body"])["detail"] == {"n": 7}
    assert by_target[ok_arn]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "InputTransformationFailed"
    assert by_target[ok_arn]["MessageAttributes"]["ERROR_MESSAGE"]["StringValue"].startswith("an object or array")


def test_a_user_rule_can_target_a_function_of_the_app(stack):
    events = stack.client("events")
    source, detail_type = f"probe.{uuid.uuid4().hex[:6]}", f"Probe{uuid.uuid4().hex[:6]}"
    events.put_rule(Name=f"fn-{source}", EventBusName=BUS, EventPattern=json.dumps({"source": [source]}))
    function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{PREFIX}-analytics"
    events.put_targets(Rule=f"fn-{source}", EventBusName=BUS, Targets=[{"Id": "fn", "Arn": function_arn}])
    put(stack, source, {"n": 1}, detail_type)
    day = datetime.now(UTC).date()
    eventually(lambda: stack.get(f"/analytics/events/{day}").json()["counts"].get(detail_type) == 1)


def pipe_request(stack, pattern) -> dict:
    return {
        "Name": f"pipe-{uuid.uuid4().hex[:6]}",
        "RoleArn": "arn:aws:iam::123456789012:role/pipe",
        "Source": "arn:aws:sqs:us-east-1:123456789012:src",
        "Target": f"arn:aws:events:us-east-1:123456789012:event-bus/{BUS}",
        "SourceParameters": {"FilterCriteria": {"Filters": [{"Pattern": json.dumps(pattern)}]}},
    }


@pytest.mark.parametrize(("name", "pattern"), BUS_ONLY, ids=[c[0] for c in BUS_ONLY])
def test_create_pipe_refuses_bus_only_operators(stack, name, pattern):
    with pytest.raises(ClientError) as error:
        stack.client("pipes").create_pipe(**pipe_request(stack, pattern))
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "pipes do not support" in error.value.response["Error"]["Message"]


def test_create_and_update_pipe_check_patterns_and_templates(stack):
    pipes = stack.client("pipes")
    request = pipe_request(stack, {"body": {"state": [{"anything-but": ["x"]}], "n": [{"numeric": [">", 1]}]}})
    pipes.create_pipe(**request)
    with pytest.raises(ClientError, match="unrecognized match type 'Prefix'"):
        pipes.create_pipe(**pipe_request(stack, {"body": [{"Prefix": "a"}]}))
    with pytest.raises(ClientError, match=r"<aws\.events\.rule-name>"):
        pipes.update_pipe(
            Name=request["Name"],
            RoleArn=request["RoleArn"],
            TargetParameters={"InputTemplate": '{"r": "<aws.events.rule-name>"}'},
        )


def test_a_pipe_batch_whose_enrichment_fails_lands_in_the_pipe_dlq(stack):
    poison = f"poison-{uuid.uuid4().hex[:8]}"
    # An order item the enrichment cannot read (a line without qty), written behind the API's back.
    stack.client("dynamodb").put_item(
        TableName=f"{PREFIX}-orders",
        Item={"orderId": {"S": poison}, "items": {"L": [{"M": {"sku": {"S": "X"}}}]}},
    )
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-pipe-dlq")["QueueUrl"]

    def dead_letter():
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(message["Body"])
            if any(r["dynamodb"]["Keys"]["orderId"]["S"] == poison for r in body["records"]):
                return body
        return None

    body = eventually(dead_letter, timeout=30)
    # The enrichment reads each image as an Order: the reason names what is not one.
    assert "ValidationError" in body["reason"] and "for Order" in body["reason"]


def test_an_invalid_pattern_in_the_topology_stops_make_dev_saying_which(tmp_path):
    declared = (PROJECT_DIR / "infra" / "topology.yaml").read_text()
    broken = tmp_path / "topology.yaml"
    broken.write_text(declared.replace('{prefix: "app."}', "{prefix: 5}"))
    env = {
        **os.environ,
        "LOCAL_TOPOLOGY": str(broken),
        "LOCAL_AWS_PORT": str(free_port()),
        "LOCAL_API_PORT": str(free_port()),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(["make", "-s", "dev"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "rule 'analytics'" in output and "'prefix' match pattern must be a string" in output
    assert "ready" not in output


def test_a_user_rule_delivers_to_a_topic_with_input_path(stack):
    events, sns = stack.client("events"), stack.client("sns")
    source = f"probe.{uuid.uuid4().hex[:6]}"
    url, arn = watch_queue(stack, "via-topic")
    topic = sns.create_topic(Name=f"topic-{uuid.uuid4().hex[:6]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    events.put_rule(Name=f"topic-{source}", EventBusName=BUS, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(
        Rule=f"topic-{source}", EventBusName=BUS, Targets=[{"Id": "t", "Arn": topic, "InputPath": "$.detail.order"}]
    )
    put(stack, source, {"order": {"id": "o-9", "lines": 2}})
    (message,) = received(stack, url)
    assert json.loads(message["Body"]) == {"id": "o-9", "lines": 2}


def test_a_disabled_rule_delivers_nothing(stack):
    events = stack.client("events")
    source = f"probe.{uuid.uuid4().hex[:6]}"
    url, arn = watch_queue(stack, "disabled")
    events.put_rule(
        Name=f"off-{source}", EventBusName=BUS, EventPattern=json.dumps({"source": [source]}), State="DISABLED"
    )
    events.put_targets(Rule=f"off-{source}", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    put(stack, source, {"n": 1})
    events.enable_rule(Name=f"off-{source}", EventBusName=BUS)
    put(stack, source, {"n": 2})
    (message,) = received(stack, url)
    assert json.loads(message["Body"])["detail"] == {"n": 2}


def test_the_aws_cli_test_event_pattern_answers(stack):
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": stack.aws,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }
    _, pattern, event, _ = next(c for c in MATCHING if c[0] == "array of objects, not across elements")
    done = subprocess.run(
        [AWS_CLI, "events", "test-event-pattern", "--event-pattern", json.dumps(pattern), "--event", json.dumps(event)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"Result": False}
