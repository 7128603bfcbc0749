"""`make dev` refuses to start on what it cannot honour, in one line that says what to do."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.integration.stack import PROJECT_DIR, RunningStack, free_port


def start(state_dir, **env) -> tuple[int, str]:
    """`make dev` as RunningStack starts it, expected to refuse: its exit code and its console."""
    stack = RunningStack(env, state_dir=state_dir)
    try:
        code = stack.process.wait(timeout=60)
    finally:
        stack.stop()
    return code, stack.output()


def test_an_unreadable_state_file_stops_the_stack_with_what_to_do(tmp_path):
    (tmp_path / "emulator.pickle").write_bytes(b"not a pickle")
    code, output = start(tmp_path)
    assert code != 0
    assert "cannot be read" in output and "FRESH=1" in output, output
    assert "Traceback" not in output, output


def test_a_fault_rule_for_a_function_the_app_lacks_is_refused(tmp_path):
    code, output = start(tmp_path, LOCAL_LAMBDA_FAULTS="notifer=2")
    assert code == 2
    assert "notifer, not a function of this app" in output, output
    assert "Traceback" not in output, output


def test_a_malformed_fault_rule_is_refused(tmp_path):
    code, output = start(tmp_path, LOCAL_LAMBDA_FAULTS="notifier=abc")
    assert code == 2
    assert "the amount is a count (2) or a rate (10%)" in output, output
    assert "Traceback" not in output, output


def test_under_make_aws_a_user_rules_lambda_target_dead_letters_at_once_as_lambda_unavailable(tmp_path):
    import time

    import boto3

    port = free_port()
    env = {**os.environ, "LOCAL_STATE_DIR": str(tmp_path), "LOCAL_AWS_PORT": str(port)}
    aws = subprocess.Popen(
        [sys.executable, "-m", "local_runtime", "aws"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in aws.stdout:  # until the embedded AWS is provisioned
            if "ready" in line:
                break
        make = {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1"}
        keys = {"aws_access_key_id": "x", "aws_secret_access_key": "x"}
        events, sqs = boto3.client("events", **make, **keys), boto3.client("sqs", **make, **keys)
        dlq = sqs.create_queue(QueueName="lambda-target-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = "orders-platform-local-orders"
        events.put_rule(Name="to-function", EventBusName=bus, EventPattern='{"source": ["t.lambda"]}')
        function = "arn:aws:lambda:us-east-1:123456789012:function:orders-platform-local-analytics"
        target = {"Id": "f", "Arn": function, "DeadLetterConfig": {"Arn": dlq_arn}}
        events.put_targets(Rule="to-function", EventBusName=bus, Targets=[target])
        started = time.monotonic()
        entry = {"Source": "t.lambda", "DetailType": "T", "Detail": "{}", "EventBusName": bus}
        assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
        got = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=10, MessageAttributeNames=["All"])["Messages"]
        assert got[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "LambdaUnavailable"
        assert time.monotonic() - started < 10  # not after the default policy's 185 retries
    finally:
        aws.terminate()
        aws.wait(timeout=30)
