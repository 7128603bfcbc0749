"""The running stack under a dead emulator, restarts, Ctrl-C and concurrency."""

from __future__ import annotations

import ctypes
import os
import re
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.integration.stack import RunningStack, eventually

pytestmark = pytest.mark.stack
PREFIX = "orders-platform-local"
# The last deliveries of an order: its consumers, its analytics count and its notification.
SETTLED_SOURCES = ("sqs:order-processor", "sqs:user-notification", "rule:analytics/analytics")
SYS_TGKILL = {"x86_64": 234, "aarch64": 131}[os.uname().machine]  # tgkill(2): signal one thread
ORDER = {
    "customerId": "c-res",
    "customerEmail": "r@example.com",
    "items": [{"sku": "R", "qty": 1, "unitPrice": "3.00"}],
}


def child_pid(stack: RunningStack, *words: str) -> int:
    """The stack's child process whose command line has each of ``words``."""
    for task in Path(f"/proc/{stack.process.pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            arguments = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if all(word.encode() in arguments for word in words):
                return int(child)
    raise AssertionError(f"no process {words} under the stack")


def emulator_pid(stack: RunningStack) -> int:
    """The embedded AWS's main process (the one on the AWS port; DynamoDB's has its own)."""
    return child_pid(stack, "local_runtime.emulator_server", str(stack.aws_port))


def dynamodb_pid(stack: RunningStack) -> int:
    """The embedded AWS's DynamoDB process: the other emulator_server child."""
    main = emulator_pid(stack)
    for task in Path(f"/proc/{stack.process.pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if int(child) != main and b"local_runtime.emulator_server" in Path(f"/proc/{child}/cmdline").read_bytes():
                return int(child)
    raise AssertionError("no DynamoDB emulator process under the stack")


@pytest.mark.parametrize(("find", "name"), [(emulator_pid, "moto"), (dynamodb_pid, "moto, DynamoDB")])
def test_a_dead_embedded_aws_process_is_reported_at_once_and_stops_the_stack(find, name):
    stack = RunningStack()
    try:
        stack.wait_ready()
        order_id = stack.post("/orders", ORDER).json()["orderId"]

        def settled() -> bool:  # every delivery of that order done: none is in flight when the process dies
            lines = [line for line in stack.output().splitlines() if order_id in line and " -> " in line]
            return all(any(f"{source} " in line for line in lines) for source in SETTLED_SOURCES)

        eventually(settled)
        time.sleep(0.5)
        pid = find(stack)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        line = eventually(
            lambda: re.search(rf"embedded AWS \({name}, pid {pid}\) died: killed by SIGKILL", stack.output()), timeout=5
        )
        # Noticed at once (a thread waits on the process); the margin is for a loaded machine.
        assert time.monotonic() - killed < 4, "the death was noticed late"
        assert line.group(0).count("died") == 1
        # The outcome: everything stops, with a non-zero exit, and the console stays readable.
        assert stack.process.wait(timeout=20) == 3
        after = stack.output()[stack.output().index("died: killed by SIGKILL") :]
        assert stack.output().count("died: killed by SIGKILL") == 1
        assert len(after.splitlines()) < 40, after
        assert "Traceback" not in after, after
    finally:
        stack.stop()


def test_a_dead_api_process_is_reported_at_once_and_stops_the_stack():
    stack = RunningStack()
    try:
        stack.wait_ready()
        assert stack.post("/orders", ORDER).status_code == 201
        os.kill(child_pid(stack, "local_runtime.api_server"), signal.SIGKILL)
        assert eventually(lambda: re.search(r"the API's process \(pid \d+\) died: killed by SIGKILL", stack.output()))
        # Everything stops (the embedded AWS saves as usual), with the API's exit code.
        assert stack.process.wait(timeout=30) == 5
        assert "Traceback" not in stack.output(), stack.output()
    finally:
        stack.stop()


def deliveries(stack, hop: str, order_id: str) -> int:
    """How many trace lines show ``hop`` delivering the order."""
    return sum(hop in line and f"order={order_id}" in line for line in stack.output().splitlines())


def test_data_survives_a_restart_and_fresh_starts_empty(tmp_path):
    first = RunningStack(state_dir=tmp_path)
    try:
        first.wait_ready()
        order = first.post("/orders", ORDER).json()
        # A message waiting in a queue nobody consumes, and the bus archive holding the order's events.
        sqs = first.client("sqs")
        dlq = sqs.get_queue_url(QueueName=f"{PREFIX}-events-dlq")["QueueUrl"]
        sqs.send_message(QueueUrl=dlq, MessageBody="kept across the restart")
        # The order's chain has ended: the notification sent, the processor's event through analytics.
        eventually(
            lambda: (
                deliveries(first, "-> user_notification", order["orderId"]) >= 1
                and deliveries(first, "-> analytics", order["orderId"]) >= 2
            )
        )
        archive = f"{PREFIX}-orders"
        eventually(lambda: first.client("events").describe_archive(ArchiveName=archive)["EventCount"] >= 1)
        assert first.stop() == 0
    finally:
        first.stop()

    second = RunningStack(state_dir=first.state_dir)
    try:
        second.wait_ready()
        assert second.get(f"/orders/{order['orderId']}").json() == order
        sqs = second.client("sqs")
        kept = sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName=f"{PREFIX}-events-dlq")["QueueUrl"])
        assert [m["Body"] for m in kept["Messages"]] == ["kept across the restart"]
        assert second.client("events").describe_archive(ArchiveName=archive)["EventCount"] >= 1
        # The stream readers resumed where they stopped: the old order is not delivered again.
        newer = second.post("/orders", ORDER).json()
        eventually(lambda: newer["orderId"] in second.output() and "order_change_log" in second.output())
        time.sleep(1)
        assert order["orderId"] not in second.output()
        assert second.stop() == 0
    finally:
        second.stop()

    fresh = RunningStack({"LOCAL_FRESH": "1"}, state_dir=first.state_dir)
    try:
        fresh.wait_ready()
        assert fresh.get(f"/orders/{order['orderId']}").status_code == 404
    finally:
        fresh.stop()


def test_ctrl_c_stops_the_api_first_and_loses_no_acknowledged_order(tmp_path):
    stack = RunningStack(state_dir=tmp_path)
    acknowledged, refused, other = [], [], []
    stop_posting = threading.Event()

    def post_until_stopped():
        session = requests.Session()
        while not stop_posting.is_set():
            try:
                response = session.post(f"{stack.api}/orders", json=ORDER, timeout=10)
            except requests.ConnectionError:
                refused.append(time.monotonic())
                time.sleep(0.05)
                continue
            (acknowledged if response.status_code == 201 else other).append(response)

    try:
        stack.wait_ready()
        posters = [threading.Thread(target=post_until_stopped) for _ in range(4)]
        for poster in posters:
            poster.start()
        eventually(lambda: len(acknowledged) >= 10)
        os.killpg(stack.process.pid, signal.SIGINT)
        interrupted = time.monotonic()
        assert stack.process.wait(timeout=30) == 0
        stop_posting.set()
        for poster in posters:
            poster.join()
    finally:
        stop_posting.set()
        stack.stop()
    output = stack.output()
    # The API closed first, deliveries next, the emulator (which saves) last.
    order = [output.index(s) for s in ("API closed", "deliveries finished", "embedded AWS stopped")]
    assert order == sorted(order), output[-2000:]
    assert refused and min(refused) > interrupted - 0.01, "no connection was refused after Ctrl-C"
    # A request the server admitted was finished (201); one after the stop began got a clean 503.
    assert all(r.status_code == 503 and r.json()["error"]["code"] == "SERVICE_UNAVAILABLE" for r in other), [
        (r.status_code, r.text) for r in other
    ]

    # Every order acknowledged before the stop is there after a restart.
    again = RunningStack(state_dir=stack.state_dir)
    try:
        again.wait_ready()
        missing = [
            r.json()["orderId"] for r in acknowledged if again.get(f"/orders/{r.json()['orderId']}").status_code != 200
        ]
        assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged orders lost"
    finally:
        again.stop()


def test_ctrl_c_lets_a_payment_in_its_retries_end_in_its_outcome(tmp_path):
    # The processor fails 4 times: at Ctrl-C the execution is in its retries (seconds of backoff, longer
    # than the 1 s the delivery loops take to stop here), and must still finish.
    faults = {"LOCAL_LAMBDA_FAULTS": "payment_processor=4:RuntimeError", "LOCAL_LONG_POLL_SECONDS": "1"}
    stack = RunningStack(faults, state_dir=tmp_path)
    try:
        stack.wait_ready()
        order = stack.post("/orders", ORDER).json()
        payment = {
            "paymentId": f"pay-{uuid.uuid4().hex[:8]}",
            "orderId": order["orderId"],
            "amount": order["total"],
            "currency": order["currency"],
            "method": "CARD",
            "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        assert stack.post("/payments", payment).status_code == 202
        # The first attempt failed (the startup line names payment_processor too, so not that name).
        eventually(lambda: "stepfunctions:payments/Process " in stack.output(), timeout=20)
    finally:
        assert stack.stop() == 0
    assert "waiting for 1 workflow execution(s) to finish" in stack.output()
    again = RunningStack(state_dir=stack.state_dir)
    try:
        again.wait_ready()
        assert again.get(f"/payments/{payment['paymentId']}").json()["status"] == "PROCESSED"
        assert again.get(f"/orders/{order['orderId']}").json()["status"] == "PAID"
    finally:
        again.stop()


def test_concurrent_conditional_patches_have_exactly_one_winner(stack):
    doubles = []
    with ThreadPoolExecutor(20) as pool:
        for _ in range(50):
            order = stack.post("/orders", ORDER).json()
            barrier = threading.Barrier(20)

            def pay(_, oid=order["orderId"], barrier=barrier):
                barrier.wait()
                return stack.patch(f"/orders/{oid}", {"status": "PAID", "version": 1}).status_code

            codes = list(pool.map(pay, range(20)))
            assert set(codes) <= {200, 409}, codes
            if codes.count(200) != 1:
                doubles.append(codes.count(200))
    assert doubles == [], f"rounds with other than one winner: {doubles}"


def test_the_api_takes_100_concurrent_connections_without_a_reset(stack):
    barrier = threading.Barrier(100)

    def request(_):
        barrier.wait()
        try:
            return requests.get(f"{stack.api}/orders/{uuid.uuid4()}", timeout=30).status_code
        except requests.ConnectionError as error:
            return type(error.args[0]).__name__ if error.args else "ConnectionError"

    with ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(request, range(100)))
    assert statuses == [404] * 100, {s: statuses.count(s) for s in set(statuses)}


def test_ctrl_c_stops_the_stack_even_when_the_kernel_hands_the_signal_to_another_thread(tmp_path):
    # A process-directed signal may be delivered to any thread; a main thread blocked in a bare
    # wait would then never run the Python handler. tgkill aims the SIGINT at a worker thread.
    stack = RunningStack(state_dir=tmp_path)
    try:
        stack.wait_ready()
        pid = stack.process.pid
        worker = next(int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid)
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(SYS_TGKILL, pid, worker, signal.SIGINT) == 0, ctypes.get_errno()
        assert stack.process.wait(timeout=20) == 0
        assert "stopped" in stack.output()
    finally:
        stack.stop()
