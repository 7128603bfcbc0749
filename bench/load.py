"""The benchmark's clients: POST /orders at a fixed rate, from a process of their own.

`bench/event_flow.py` runs this as its child, as a load test's clients are never inside the system
under test: in the stack's own process, 32 sending threads took an eighth of its GIL. Prints one
JSON line per order: {"orderId", "customer", "sent" (epoch s), "ms"} or {"error"}. With
--dynamodb-endpoint, a bare put_item goes out between each two orders, at the same rate: the floor
a POST is compared with, measured under the same load, from the same process, on a connection
kept alive as the POSTs' are. One line each: {"putItemMs"}.
Run: `.venv/bin/python bench/load.py --api http://127.0.0.1:8000 --rate 10 --orders 100`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import requests

# The floor's writes sign with the benchmark's key: the embedded AWS's counts leave them out.
BENCH_ACCESS_KEY = "bench"
READ_MODELS = "orders-platform-local-read-models"
# Enough senders that a slow answer never lowers the rate (30/s x a p99 near 1 s).
SENDERS = 32


def uncounted_client(service: str, endpoint_url: str | None = None):
    """A client whose calls the figures leave out: the benchmark's own, not the system's."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        aws_access_key_id=BENCH_ACCESS_KEY,
        aws_secret_access_key=BENCH_ACCESS_KEY,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    )


def order_body(i: int, customer: str) -> dict:
    return {
        "customerId": customer,
        "customerEmail": "b@example.com",
        "items": [{"sku": f"S{i % 7}", "qty": 1, "unitPrice": "3.10"}],
    }


def send(api: str, rate: float, orders: int, dynamodb_endpoint: str | None = None) -> None:
    """POST ``orders`` orders at ``rate`` per second; one JSON line each on stdout (and the floor's, see above)."""
    printing = threading.Lock()
    local = threading.local()

    def post(i: int) -> None:
        # A kept-alive connection per sender, as load-test tools keep them (and as the put_item floor does).
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        customer = f"bench-{i}"
        sent = time.time()
        try:
            response = session.post(f"{api}/orders", json=order_body(i, customer), timeout=30)
            response.raise_for_status()
            line = {"orderId": response.json()["orderId"], "customer": customer, "sent": sent}
            line["ms"] = (time.time() - sent) * 1000
        except requests.RequestException as error:
            line = {"error": str(error)}
        with printing:
            print(json.dumps(line), flush=True)

    def floor(start: float) -> None:
        dynamodb = uncounted_client("dynamodb", dynamodb_endpoint)
        for i in range(orders):
            time.sleep(max(0.0, start + (i + 0.5) / rate - time.monotonic()))
            t0 = time.perf_counter()
            dynamodb.put_item(TableName=READ_MODELS, Item={"pk": {"S": "bench#floor"}, "sk": {"S": str(i)}})
            line = {"putItemMs": (time.perf_counter() - t0) * 1000}
            with printing:
                print(json.dumps(line), flush=True)

    start = time.monotonic() + 0.5  # the floor's client is made meanwhile
    prober = threading.Thread(target=floor, args=(start,)) if dynamodb_endpoint else None
    if prober:
        prober.start()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        for i in range(orders):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            pool.submit(post, i)
    if prober:
        prober.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--dynamodb-endpoint", help="also measure a bare put_item there, between the orders")
    args = parser.parse_args()
    send(args.api, args.rate, args.orders, args.dynamodb_endpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
