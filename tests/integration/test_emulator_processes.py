"""The embedded AWS is two moto processes: DynamoDB in its own, reached directly or through the main endpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import boto3
import requests

from local_runtime.emulator import EmbeddedAws
from local_runtime.emulator_patches import CALLS_PATH
from local_runtime.topology import PROJECT_DIR
from tests.integration.stack import free_port


def _client(service: str, endpoint: str, key: str = "x"):
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key="x"
    )


def _table(dynamodb, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )


def _started(state_dir) -> EmbeddedAws:
    aws = EmbeddedAws("127.0.0.1", free_port(), state_dir=state_dir)
    aws.start()
    return aws


def test_a_user_on_the_main_endpoint_and_the_stack_on_dynamodbs_own_see_the_same_tables_and_streams(tmp_path):
    aws = _started(tmp_path)
    try:
        direct, forwarded = _client("dynamodb", aws.dynamodb_endpoint), _client("dynamodb", aws.endpoint, "cli")
        _table(forwarded, "shared")
        direct.put_item(TableName="shared", Item={"k": {"S": "from-the-stack"}})
        forwarded.put_item(TableName="shared", Item={"k": {"S": "from-the-cli"}})
        assert sorted(i["k"]["S"] for i in forwarded.scan(TableName="shared")["Items"]) == [
            "from-the-cli",
            "from-the-stack",
        ]
        # Streams too: the records of both writes, read through the main endpoint.
        streams = _client("dynamodbstreams", aws.endpoint)
        arn = forwarded.describe_table(TableName="shared")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        assert len(records) == 2
        # A forwarded call is counted once, where it is answered; the main endpoint answers for both.
        calls = requests.get(f"{aws.endpoint}{CALLS_PATH}", timeout=5).json()["calls"]
        puts = {r["accessKey"]: r["count"] for r in calls if r["operation"] == "PutItem"}
        assert puts == {"x": 1, "cli": 1}
    finally:
        aws.stop()
    assert sorted(p.name for p in tmp_path.glob("*.pickle")) == ["emulator-dynamodb.pickle", "emulator.pickle"]


def test_each_process_restores_its_own_state(tmp_path):
    aws = _started(tmp_path)
    try:
        _table(_client("dynamodb", aws.endpoint), "kept")
        _client("dynamodb", aws.endpoint).put_item(TableName="kept", Item={"k": {"S": "1"}})
        _client("sqs", aws.endpoint).create_queue(QueueName="kept")
    finally:
        aws.stop()
    again = _started(tmp_path)
    try:
        assert _client("dynamodb", again.endpoint).scan(TableName="kept")["Count"] == 1
        assert _client("sqs", again.endpoint).get_queue_url(QueueName="kept")["QueueUrl"]
    finally:
        again.stop()


def test_a_state_saved_when_dynamodb_shared_the_main_process_moves_to_its_own(tmp_path):
    # The layout before the split: one moto process, its tables in emulator.pickle.
    port = free_port()
    env = {**os.environ, "LOCAL_STATE_DIR": str(tmp_path), "LOCAL_FRESH": "0"}
    for variable in ("LOCAL_DYNAMODB_ENDPOINT", "LOCAL_EMULATOR_ROLE", "AWS_ENDPOINT_URL"):
        env.pop(variable, None)
    single = subprocess.Popen(
        [sys.executable, "-m", "local_runtime.emulator_server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        cwd=PROJECT_DIR,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{endpoint}{CALLS_PATH}", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the single emulator did not start"
                time.sleep(0.1)
        _table(_client("dynamodb", endpoint), "old")
        _client("dynamodb", endpoint).put_item(TableName="old", Item={"k": {"S": "kept"}})
    finally:
        single.send_signal(signal.SIGTERM)
        single.wait(timeout=30)
    assert [p.name for p in tmp_path.glob("*.pickle")] == ["emulator.pickle"]

    aws = _started(tmp_path)
    try:
        assert _client("dynamodb", aws.endpoint).scan(TableName="old")["Items"] == [{"k": {"S": "kept"}}]
        assert (tmp_path / "emulator-dynamodb.pickle").exists()  # saved at once in its own file
    finally:
        aws.stop()
    again = _started(tmp_path)  # and from its own file from now on
    try:
        assert _client("dynamodb", again.dynamodb_endpoint).scan(TableName="old")["Count"] == 1
    finally:
        again.stop()
