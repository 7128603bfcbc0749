"""Event-flow benchmark: POST /orders -> last fan-out consumer's effect, on the local stack.

Prints p50/p95/max latency over N orders and the AWS API calls each order costs, counted at
botocore (every in-process client: API, runtime, handlers) with the idle polling rate of
the same run subtracted. Run: `.venv/bin/python bench/event_flow.py [--orders 100]`.
"""

from __future__ import annotations

import argparse
import collections
import logging
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import boto3
import botocore.client
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_runtime.stack import LocalStack, Settings
from tests.integration.stack import free_port

POLLING = {"ReceiveMessage", "GetRecords", "GetShardIterator", "DescribeStream"}
calls: collections.Counter = collections.Counter()
_lock = threading.Lock()
_original = botocore.client.BaseClient._make_api_call


def _counting(self, operation, params):
    if not getattr(self, "uncounted", False):
        with _lock:
            calls[(self.meta.service_model.service_name, operation)] += 1
    return _original(self, operation, params)


def snapshot() -> collections.Counter:
    with _lock:
        return collections.Counter(calls)


def parse_ms(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def effect_time(dynamodb, table: str, order_id: str, customer: str) -> float | None:
    """When the later of the two consumers recorded its effect for the order (epoch seconds)."""
    fulfilment = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"order#{order_id}"}, "sk": {"S": "fulfilment"}})
    outbox = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": {"S": f"customer#{customer}"}, ":sk": {"S": "outbox#"}},
    )
    if "Item" not in fulfilment or not outbox["Items"]:
        return None
    return max(parse_ms(fulfilment["Item"]["reservedAt"]["S"]), parse_ms(outbox["Items"][0]["sentAt"]["S"]))


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="orders per second")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds to measure idle polling")
    args = parser.parse_args()

    botocore.client.BaseClient._make_api_call = _counting
    # Its own empty state folder: a benchmark neither reads nor overwrites the developer's data.
    state_dir = Path(tempfile.mkdtemp(prefix="bench-state-"))
    stack = LocalStack(Settings(aws_port=free_port(), api_port=free_port(), state_dir=state_dir))
    logging.basicConfig(level=logging.WARNING)
    stack.start()
    api = f"http://127.0.0.1:{stack.settings.api_port}"
    # The benchmark's own completion checks are not the system's calls.
    dynamodb = boto3.client("dynamodb")
    dynamodb.uncounted = True
    table = "orders-platform-local-read-models"
    try:
        time.sleep(2)  # warm-up: pollers settle
        idle_start, before = time.monotonic(), snapshot()
        time.sleep(args.idle)
        idle_seconds, idle = time.monotonic() - idle_start, snapshot() - before
        idle_rate = sum(idle.values()) / idle_seconds

        # Warm every path once (first boto3 clients, STS) so cold start does not skew p95.
        warm = requests.post(
            f"{api}/orders",
            json={
                "customerId": "warm",
                "customerEmail": "w@example.com",
                "items": [{"sku": "W", "qty": 1, "unitPrice": 1}],
            },
            timeout=10,
        ).json()
        while effect_time(dynamodb, table, warm["orderId"], "warm") is None:
            time.sleep(0.1)

        start_counts, run_start = snapshot(), time.monotonic()
        sent, post_ms = [], []
        for i in range(args.orders):
            customer = f"bench-{i}"
            body = {
                "customerId": customer,
                "customerEmail": "b@example.com",
                "items": [{"sku": f"S{i % 7}", "qty": 1, "unitPrice": "3.10"}],
            }
            t0 = time.time()
            response = requests.post(f"{api}/orders", json=body, timeout=10)
            post_ms.append((time.time() - t0) * 1000)
            sent.append((response.json()["orderId"], customer, t0))
            time.sleep(max(0.0, 1 / args.rate - (time.time() - t0)))

        latencies, pending = {}, {order_id: (c, t0) for order_id, c, t0 in sent}
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            for order_id, (customer, t0) in list(pending.items()):
                done = effect_time(dynamodb, table, order_id, customer)
                if done is not None:
                    latencies[order_id] = (done - t0) * 1000
                    del pending[order_id]
            time.sleep(0.2)
        run_seconds = time.monotonic() - run_start
        used = snapshot() - start_counts
    finally:
        stack.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
        botocore.client.BaseClient._make_api_call = _original

    values = sorted(latencies.values())
    work = collections.Counter({k: v for k, v in used.items() if k[1] not in POLLING})
    total = sum(used.values()) - idle_rate * run_seconds
    print(f"orders: {len(sent)} at {args.rate}/s; completed: {len(values)}; lost: {len(pending)}")
    print(
        f"POST /orders (baseline, same run): p50 {percentile(post_ms, 50):.0f} ms, p95 {percentile(post_ms, 95):.0f} ms"
    )
    print(
        f"POST -> last consumer effect: p50 {percentile(values, 50):.0f} ms, p95 {percentile(values, 95):.0f} ms, "
        f"max {values[-1]:.0f} ms  (ratio p50 to POST p50: {percentile(values, 50) / percentile(post_ms, 50):.1f}x)"
    )
    print(f"idle polling: {idle_rate:.1f} AWS calls/s")
    print(f"AWS calls per order, polling included (idle rate subtracted): {total / len(sent):.1f}")
    print(f"AWS calls per order, excluding polling: {sum(work.values()) / len(sent):.1f}")
    for (service, operation), count in sorted(work.items(), key=lambda kv: -kv[1]):
        print(f"  {service:<16} {operation:<26} {count / len(sent):5.2f}/order")
    return 0 if not pending else 1


if __name__ == "__main__":
    sys.exit(main())
