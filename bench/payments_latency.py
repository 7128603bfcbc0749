"""Local latency from POST /payments to the processed record, on the stack `make dev` runs.

    .venv/bin/python bench/payments_latency.py [--payments 60] [--warmup 3]

Sequential payments (one in flight at a time), each for its own order (all created first,
then left to settle). Each payment's OrderStatusChanged flow still runs behind it. The clock
starts before the POST and stops when GET /payments/{id} first shows PROCESSED
(polled every 5 ms, so figures are at most ~5 ms pessimistic).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration.stack import RunningStack

POLL_SECONDS = 0.005
SETTLE_SECONDS = 5


def new_order(stack: RunningStack) -> dict:
    body = {
        "customerId": "bench",
        "customerEmail": "b@example.com",
        "items": [{"sku": "B", "qty": 1, "unitPrice": "9.99"}],
    }
    return stack.post("/orders", body).json()


def one_payment(stack: RunningStack, order: dict) -> tuple[float, int]:
    """Seconds from POST to PROCESSED, and the record's own processingLatencyMs (SNS receipt -> enriched)."""
    payment = {
        "paymentId": f"bench-{uuid.uuid4().hex[:16]}",
        "orderId": order["orderId"],
        "amount": order["total"],
        "currency": order["currency"],
        "method": "CARD",
        "occurredAt": datetime.now(UTC).isoformat(),
    }
    started = time.perf_counter()
    stack.post("/payments", payment).raise_for_status()
    deadline = started + 30
    while time.perf_counter() < deadline:
        record = stack.get(f"/payments/{payment['paymentId']}")
        if record.status_code == 200 and record.json()["status"] == "PROCESSED":
            return time.perf_counter() - started, record.json()["processingLatencyMs"]
        if record.status_code == 200 and record.json()["status"] == "REJECTED":
            raise RuntimeError(f"benchmark payment rejected: {record.json()['reason']}")
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{payment['paymentId']} not processed in 30 s")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, round(p / 100 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=3, help="first payments not counted (cold imports)")
    args = parser.parse_args()

    stack = RunningStack()
    try:
        stack.wait_ready()
        # Orders first, so their own event flow (pipe, bus, fan-out) is done before the clock runs.
        orders = [new_order(stack) for _ in range(args.warmup + args.payments)]
        time.sleep(SETTLE_SECONDS)
        for order in orders[: args.warmup]:
            one_payment(stack, order)
        runs = [one_payment(stack, order) for order in orders[args.warmup :]]
    finally:
        stack.stop()
    total_ms = [seconds * 1000 for seconds, _ in runs]
    workflow_ms = [float(ms) for _, ms in runs]
    print(f"payments: {len(runs)} sequential (after {args.warmup} warm-up), local stack, one machine")
    print("                                    p50       p95       max")
    for label, values in (
        ("POST /payments -> PROCESSED record", total_ms),
        ("SNS receipt -> enriched (record)", workflow_ms),
    ):
        print(f"{label:<34} {percentile(values, 50):7.1f}ms {percentile(values, 95):7.1f}ms {max(values):7.1f}ms")
    print(f"mean POST -> PROCESSED: {statistics.fmean(total_ms):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
