"""The embedded AWS's state and the runtime's positions survive a restart (issue 9, point 4)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import boto3
from moto.core.base_backend import BackendDict

from local_runtime import positions
from local_runtime.emulator_patches import persistence
from local_runtime.emulator_patches.forked_save import ForkedSaves
from local_runtime.schedules import Schedule
from tests.integration.stack import eventually


def test_a_snapshot_restores_tables_queued_messages_and_the_archive(aws):
    dynamodb, sqs, events = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("events")
    orders = aws.tables["orders"]
    dynamodb.put_item(TableName=orders, Item={"orderId": {"S": "kept"}})
    queue = aws.queue_urls["events-dlq"]
    sqs.send_message(QueueUrl=queue, MessageBody="waiting")  # SQS queues hold locks: the pickler swaps them
    bus = aws.bus_arn.rsplit("/", 1)[1]
    events.put_events(Entries=[{"Source": "app.t", "DetailType": "T", "Detail": "{}", "EventBusName": bus}])

    data = persistence.snapshot()
    BackendDict.reset()  # what a new emulator process starts with
    assert dynamodb.list_tables()["TableNames"] == []
    persistence.restore(data)

    assert dynamodb.get_item(TableName=orders, Key={"orderId": {"S": "kept"}})["Item"]["orderId"]["S"] == "kept"
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=queue)["Messages"]] == ["waiting"]
    assert events.describe_archive(ArchiveName=bus)["EventCount"] == 1
    sqs.send_message(QueueUrl=queue, MessageBody="the restored queue takes more")  # its fresh lock works


def test_positions_round_trip_through_the_state_folder(aws, tmp_path):
    schedule = Schedule(invoker=None, function="daily_report", expression="cron(0 9 * * ? *)", rule_arn="arn")
    schedule.fired_through = datetime(2026, 1, 1, 9, tzinfo=UTC)
    positions.save(tmp_path, [schedule])
    assert json.loads((tmp_path / positions.FILE).read_text()) == {
        "schedule:daily_report": {"firedThrough": "2026-01-01T09:00:00+00:00"}
    }
    again = Schedule(invoker=None, function="daily_report", expression="cron(0 9 * * ? *)", rule_arn="arn")
    assert positions.resume(tmp_path, [again]) == 1
    # Missed while down: due at once (fires once), not a day from now.
    assert again.next_at == datetime(2026, 1, 2, 9, tzinfo=UTC)
    positions.forget(tmp_path)
    assert positions.resume(tmp_path, [again]) == 0


def test_a_schedule_down_for_days_catches_up_once(monkeypatch):
    fired = []

    class Invoker:
        def invoke(self, function, event, source):
            fired.append(event["time"])

    schedule = Schedule(Invoker(), "daily_report", "cron(0 9 * * ? *)", "arn")
    schedule.resume({"firedThrough": "2020-01-01T09:00:00+00:00"})
    schedule.poll()
    assert len(fired) == 1
    assert schedule.next_at > datetime.now(UTC)


def test_stream_cursors_are_not_saved_so_the_state_does_not_grow_with_polling(aws):
    # moto's in-process Streams API is "not yet implemented": its backend stands in for the readers' calls.
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    dynamodb = boto3.client("dynamodb")
    orders = aws.tables["orders"]
    dynamodb.put_item(TableName=orders, Item={"orderId": {"S": "o-1"}})
    arn = dynamodb.describe_table(TableName=orders)["Table"]["LatestStreamArn"]
    shard = dynamodb_backends["123456789012"]["us-east-1"].get_table(orders).stream_shard.id
    streams = dynamodbstreams_backends["123456789012"]["us-east-1"]

    def poll(times: int) -> None:
        for _ in range(times):
            streams.get_shard_iterator(arn, shard, "TRIM_HORIZON", None)

    poll(1)
    before = len(persistence.snapshot())
    poll(500)  # what a few minutes of an idle stack's readers ask for
    assert len(streams.shard_iterators) == 501
    assert len(persistence.snapshot()) == before


PICKLE_SECONDS = 2.0  # long enough that a put on a loaded 2-core machine still ends inside it


def test_a_forked_save_holds_no_lock_while_it_pickles_and_keeps_the_state_of_the_fork(aws, tmp_path):
    dynamodb = boto3.client("dynamodb")
    orders = aws.tables["orders"]
    dynamodb.put_item(TableName=orders, Item={"orderId": {"S": "before"}})
    path, saves, outcome = tmp_path / persistence.STATE_FILE, ForkedSaves(), {}

    def slow_pickle() -> bytes:  # runs in the child: the copy takes its time, the parent must not notice
        time.sleep(PICKLE_SECONDS)
        return persistence._pickled_backends()

    saver = threading.Thread(
        target=lambda: outcome.update(result=saves.save(path, slow_pickle, persistence._consistency_locks()))
    )
    saver.start()
    eventually(lambda: saves._child is not None, timeout=5)
    started = time.perf_counter()
    assert persistence.write_lock.acquire(timeout=0.2)  # DynamoDB's writes would wait on this
    persistence.write_lock.release()
    dynamodb.put_item(TableName=orders, Item={"orderId": {"S": "during"}})  # takes moto's backend_lock
    # Served while the child still pickles: a held lock would make it wait nearly PICKLE_SECONDS.
    during = time.perf_counter() - started
    assert saver.is_alive() and during < PICKLE_SECONDS / 2, during
    saver.join(timeout=30)

    result = outcome["result"]
    assert result.written, result.error
    assert result.seconds >= PICKLE_SECONDS
    assert result.paused_ms < 1000  # the fork pauses the writers briefly; a held lock would be the 2 s pickle
    assert result.size == path.stat().st_size
    BackendDict.reset()
    persistence.restore(path.read_bytes())
    assert "Item" in dynamodb.get_item(TableName=orders, Key={"orderId": {"S": "before"}})
    assert "Item" not in dynamodb.get_item(TableName=orders, Key={"orderId": {"S": "during"}})  # after the fork


def test_a_forked_save_that_fails_or_hangs_leaves_the_previous_file(tmp_path):
    path = tmp_path / persistence.STATE_FILE
    path.write_bytes(b"previous")
    saves = ForkedSaves()

    def broken() -> bytes:
        raise TypeError("cannot pickle 'socket' object")

    failed = saves.save(path, broken, ())
    assert not failed.written
    assert failed.error == "TypeError: cannot pickle 'socket' object"
    hung = saves.save(path, lambda: time.sleep(60) or b"never", (), timeout=0.5)
    assert not hung.written
    assert "killed" in hung.error
    assert path.read_bytes() == b"previous"


def test_closing_kills_a_save_in_progress_and_refuses_new_ones(tmp_path):
    path, saves, outcome = tmp_path / persistence.STATE_FILE, ForkedSaves(), {}
    saver = threading.Thread(target=lambda: outcome.update(result=saves.save(path, lambda: time.sleep(60) or b"x", ())))
    saver.start()
    eventually(lambda: saves._child is not None, timeout=5)
    started = time.monotonic()
    saves.close()
    assert time.monotonic() - started < 5
    saver.join(timeout=5)
    assert not outcome["result"].written
    assert not path.exists()
    assert saves.save(path, lambda: b"x", ()) is None
