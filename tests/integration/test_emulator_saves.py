"""The embedded AWS saves its state while it serves, and a SIGKILL after a save keeps what that save held."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import boto3

from local_runtime.emulator import EmbeddedAws
from local_runtime.emulator_patches import DYNAMODB_ROLE
from local_runtime.emulator_patches.persistence import DYNAMODB_STATE_FILE
from tests.integration.stack import eventually, free_port


def dynamodb_of(aws: EmbeddedAws):
    return boto3.client(
        "dynamodb", endpoint_url=aws.endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def processes_serving(port: int) -> list[int]:
    """The emulator and any forked copy of it (same command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"-p\0{port}\0".encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # ended meanwhile
            continue
    return found


def test_a_periodic_save_made_while_serving_survives_a_sigkill(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_SAVE_SECONDS", "0.5")
    state = tmp_path / DYNAMODB_STATE_FILE  # the tables live in DynamoDB's own process
    first = EmbeddedAws("127.0.0.1", free_port(), state_dir=tmp_path, fresh=True)
    first.start()
    try:
        dynamodb = dynamodb_of(first)
        dynamodb.create_table(
            TableName="kept",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        writing, written = threading.Event(), []

        def write_until_told():
            writer = dynamodb_of(first)
            while writing.is_set():
                writer.put_item(TableName="kept", Item={"k": {"S": f"w{len(written)}"}, "v": {"S": "x" * 200}})
                written.append(1)

        writing.set()
        writer = threading.Thread(target=write_until_told)
        writer.start()
        eventually(lambda: len(written) >= 20)
        dynamodb.put_item(TableName="kept", Item={"k": {"S": "marker"}})
        stamps = [state.stat().st_mtime_ns if state.exists() else 0]

        def saved_again() -> bool:
            if state.exists() and state.stat().st_mtime_ns != stamps[-1]:
                stamps.append(state.stat().st_mtime_ns)
            return len(stamps) == 3  # the second of these saves forked after the marker was written

        served_before = len(written)
        eventually(saved_again, timeout=20)
        assert len(written) > served_before  # the writes went on through the saves
        writing.clear()
        writer.join(timeout=10)

        os.kill(first._processes[DYNAMODB_ROLE].pid, signal.SIGKILL)
        eventually(lambda: not processes_serving(first.dynamodb_port), timeout=5)  # a copy still pickling died with it
    finally:
        first.stop()

    second = EmbeddedAws("127.0.0.1", free_port(), state_dir=tmp_path, fresh=False)
    second.start()
    try:
        dynamodb = dynamodb_of(second)
        assert dynamodb.get_item(TableName="kept", Key={"k": {"S": "marker"}})["Item"] == {"k": {"S": "marker"}}
        assert dynamodb.get_item(TableName="kept", Key={"k": {"S": "w0"}})["Item"]["v"]["S"] == "x" * 200
    finally:
        second.stop()
