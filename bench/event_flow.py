"""Event-flow benchmark: POST /orders -> last fan-out consumer's effect, on the local stack.

Each run starts its own stack on free ports in this process, sends orders at a fixed rate from
bench/load.py (the clients, in a process of their own), and prints human-readable figures, then one
JSON object as its last line. `put_item_p50_ms`, the floor a POST is compared with, is a bare
put_item sent by those clients between the orders at the same rate, so that both meet the same load
and the same idle gaps; the back-to-back figure on the idle stack is printed beside it. AWS calls are
counted where they arrive, at the embedded AWS (API, runtime and handlers alike); polling calls are
reported apart. The handlers log at WARNING (LOCAL_LOG_LEVEL). Run:
`.venv/bin/python bench/event_flow.py [--rate 10 --orders 100]` or `--rate 30 --duration 60`;
`make bench` runs both.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from chalice.app import SQSEventConfig

from bench import load
from local_runtime import topology
from local_runtime.emulator_patches import CALLS_PATH
from local_runtime.settings import Settings
from local_runtime.stack import LocalStack
from tests.integration.stack import free_port

POLLING = {"ReceiveMessage", "GetRecords", "GetShardIterator", "DescribeStream", "DescribeStreams"}
# The benchmark's own calls (reading effects back, the put_item floor) sign with load.BENCH_ACCESS_KEY
# (load.uncounted_client), so the embedded AWS's per-caller counts (GET /_local/calls) tell them apart.
BENCH_ACCESS_KEY, READ_MODELS = load.BENCH_ACCESS_KEY, load.READ_MODELS


def snapshot(endpoint: str) -> collections.Counter:
    """The system's AWS calls so far, by (service, operation), as the embedded AWS counted them."""
    rows = requests.get(f"{endpoint}{CALLS_PATH}", timeout=10).json()["calls"]
    counts: collections.Counter = collections.Counter()
    for row in rows:
        if row["accessKey"] != BENCH_ACCESS_KEY:
            counts[(row["service"], row["operation"])] += row["count"]
    return counts


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def batch_window_ms(app) -> int:
    """The largest batching window on the measured path (stream -> pipe -> bus -> SNS -> SQS consumers)."""
    windows = [s.maximum_batching_window_in_seconds or 0 for s in app.event_sources if isinstance(s, SQSEventConfig)]
    pipe = topology.load().get("pipe") or {}
    windows.append(pipe.get("source", {}).get("maximum_batching_window_in_seconds", 0))
    return int(max(windows) * 1000)


def effect_times(dynamodb, pending: dict[str, tuple[str, float]]) -> dict[str, float]:
    """For orders whose both consumer effects are stored: when the later one was (epoch seconds)."""
    done: dict[str, float] = {}
    ids = list(pending)
    for start in range(0, len(ids), 50):  # BatchGetItem takes 100 keys: two per order
        chunk = ids[start : start + 50]
        keys = []
        for order_id in chunk:
            keys.append({"pk": {"S": f"order#{order_id}"}, "sk": {"S": "fulfilment"}})
            keys.append({"pk": {"S": f"customer#{pending[order_id][0]}"}, "sk": {"S": f"outbox#{order_id}"}})
        request = {READ_MODELS: {"Keys": keys}}
        items = []
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            items += answer["Responses"].get(READ_MODELS, [])
            request = answer.get("UnprocessedKeys") or None
        stamps: dict[str, list[float]] = collections.defaultdict(list)
        for item in items:
            if item["sk"]["S"] == "fulfilment":
                stamps[item["pk"]["S"].removeprefix("order#")].append(epoch(item["reservedAt"]["S"]))
            else:
                stamps[item["sk"]["S"].removeprefix("outbox#")].append(epoch(item["sentAt"]["S"]))
        done.update({order_id: max(t) for order_id, t in stamps.items() if len(t) == 2})
    return done


def put_item_back_to_back_p50_ms(dynamodb, samples: int = 50) -> float:
    """Bare put_items one after another on an idle stack: the best case, which no request under load sees."""
    spent = []
    for i in range(samples):
        t0 = time.perf_counter()
        dynamodb.put_item(TableName=READ_MODELS, Item={"pk": {"S": "bench#probe"}, "sk": {"S": str(i)}})
        spent.append((time.perf_counter() - t0) * 1000)
    return statistics.median(spent)


def send_orders(
    api: str, dynamodb_endpoint: str, rate: float, orders: int
) -> tuple[dict[str, tuple[str, float]], list[float], list[float], list[str]]:
    """Run bench/load.py (the clients, in their own process); returns (sent, POST ms, put_item ms, errors)."""
    command = [sys.executable, str(Path(__file__).with_name("load.py")), "--api", api]
    senders = subprocess.run(
        [*command, "--rate", str(rate), "--orders", str(orders), "--dynamodb-endpoint", dynamodb_endpoint],
        capture_output=True,
        text=True,
        check=True,
    )
    sent: dict[str, tuple[str, float]] = {}
    post_ms: list[float] = []
    put_item_ms: list[float] = []
    errors: list[str] = []
    for line in map(json.loads, senders.stdout.splitlines()):
        if "putItemMs" in line:
            put_item_ms.append(line["putItemMs"])
        elif "error" in line:
            errors.append(line["error"])
        else:
            sent[line["orderId"]] = (line["customer"], line["sent"])
            post_ms.append(line["ms"])
    return sent, post_ms, put_item_ms, errors


def run(rate: float, orders: int, idle_seconds: float, settle_seconds: float) -> dict:
    # Its own empty state folder: a benchmark neither reads nor overwrites the developer's data.
    state_dir = Path(tempfile.mkdtemp(prefix="bench-state-"))
    settings = Settings(aws_port=free_port(), api_port=free_port(), state_dir=state_dir, handler_log_level="WARNING")
    stack = LocalStack(settings)
    stack.start()
    api = f"http://127.0.0.1:{stack.settings.api_port}"
    aws = stack.aws.endpoint
    dynamodb = load.uncounted_client("dynamodb")
    session = requests.Session()
    try:
        time.sleep(2)  # pollers settle
        idle_start, before = time.monotonic(), snapshot(aws)
        time.sleep(idle_seconds)
        idle_rate = sum((snapshot(aws) - before).values()) / (time.monotonic() - idle_start)

        # Warm every path once (first clients, STS) so a cold start does not skew p95.
        warm = session.post(f"{api}/orders", json=load.order_body(0, "warm"), timeout=10).json()
        while not effect_times(dynamodb, {warm["orderId"]: ("warm", 0.0)}):
            time.sleep(0.1)
        back_to_back = put_item_back_to_back_p50_ms(dynamodb)

        start_counts, run_start = snapshot(aws), time.monotonic()
        sent, post_ms, put_item_ms, errors = send_orders(api, stack.aws.dynamodb_endpoint, rate, orders)
        send_seconds = time.monotonic() - run_start

        latencies: dict[str, float] = {}
        pending = dict(sent)
        deadline = time.monotonic() + settle_seconds
        while pending and time.monotonic() < deadline:
            for order_id, done in effect_times(dynamodb, pending).items():
                latencies[order_id] = (done - pending.pop(order_id)[1]) * 1000
            time.sleep(0.25)
        used = snapshot(aws) - start_counts
        window = batch_window_ms(stack.app)
    finally:
        stack.stop()
        shutil.rmtree(state_dir, ignore_errors=True)

    values = sorted(latencies.values())
    work = collections.Counter({k: v for k, v in used.items() if k[1] not in POLLING})
    polls = collections.Counter({k: v for k, v in used.items() if k[1] in POLLING})
    per_order = sum(work.values()) / max(1, len(sent))
    # The floor a POST is held to: bare put_items sent by the same client process, between the
    # orders, at the same rate, so both meet the same load and the same idle gaps.
    floor = statistics.median(put_item_ms) if put_item_ms else float("nan")
    result = {
        "rate": rate,
        "orders": orders,
        "completed": len(values),
        "put_item_p50_ms": round(floor, 1),
        "post_p50_ms": round(percentile(post_ms, 50), 1),
        "effect_p50_ms": round(percentile(values, 50), 1),
        "effect_p95_ms": round(percentile(values, 95), 1),
        "batch_window_ms": window,
        "calls_per_order": round(per_order, 2),
        "idle_calls_per_s": round(idle_rate, 2),
    }
    print(
        f"orders: {orders} at {rate}/s (sent in {send_seconds:.1f} s); accepted: {len(sent)}; "
        f"completed: {len(values)}; not completed: {len(pending)}; POST errors: {len(errors)}"
    )
    print(
        f"bare put_item p50, between the orders at the same rate: {floor:.1f} ms "
        f"(p95 {percentile(put_item_ms, 95):.1f}; back to back on the idle stack: {back_to_back:.1f} ms)"
    )
    print(f"POST /orders: p50 {percentile(post_ms, 50):.0f} ms, p95 {percentile(post_ms, 95):.0f} ms")
    if values:
        print(
            f"POST -> last consumer effect: p50 {percentile(values, 50):.0f} ms, "
            f"p95 {percentile(values, 95):.0f} ms, max {values[-1]:.0f} ms (batching window {window} ms)"
        )
    print(f"idle polling: {idle_rate:.1f} AWS calls/s")
    print(f"AWS calls per order, excluding polling: {per_order:.1f}")
    for (service, operation), count in sorted(work.items(), key=lambda kv: -kv[1]):
        print(f"  {service:<16} {operation:<26} {count / max(1, len(sent)):5.2f}/order")
    print(f"polling calls per order under load: {sum(polls.values()) / max(1, len(sent)):.1f}")
    for (service, operation), count in sorted(polls.items(), key=lambda kv: -kv[1]):
        print(f"  {service:<16} {operation:<26} {count / max(1, len(sent)):5.2f}/order")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=10.0, help="orders per second")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--duration", type=float, help="seconds to send for (sets --orders to rate x duration)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds to measure idle polling")
    parser.add_argument("--settle", type=float, default=120.0, help="seconds to wait for the last effects")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    orders = int(args.rate * args.duration) if args.duration else args.orders
    result = run(args.rate, orders, args.idle, args.settle)
    print(json.dumps(result), flush=True)
    return 0 if result["completed"] == orders else 1


if __name__ == "__main__":
    sys.exit(main())
