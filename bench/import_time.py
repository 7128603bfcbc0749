"""Cold import cost of the app (what a Lambda cold start pays) against its floor, boto3 + chalice.

Each sample is a fresh interpreter; cases are interleaved so machine noise hits them alike. Run: `.venv/bin/python bench/import_time.py [--runs 15]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TIMED = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


# What each kind of function loads before its first event (app.py imports a handler's module lazily).
CASES = {
    "baseline: import boto3, chalice": "import boto3, chalice",
    "import app": "import app",
    "API function: app + chalicelib.api.orders": "import app, chalicelib.api.errors, chalicelib.api.orders",
    "queue consumer: app + chalicelib.consumers.order_processor": "import app, chalicelib.consumers.order_processor",
}


def sample(statement: str) -> float:
    env = {**os.environ, "RESOURCE_PREFIX": "orders-platform-dev", "PYTHONDONTWRITEBYTECODE": "0"}
    out = subprocess.run(
        [sys.executable, "-c", TIMED.format(stmt=statement)], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    out.check_returncode()
    return float(out.stdout.strip().splitlines()[-1]) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for statement in CASES.values():
        sample(statement)  # compile bytecode once, as a deployed package has it
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.runs):
        for name, statement in CASES.items():
            samples[name].append(sample(statement))
    base = statistics.median(samples["baseline: import boto3, chalice"])
    print(f"runs: {args.runs} fresh interpreters per case, cases interleaved")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:<58} median {median:6.0f} ms  min {min(values):5.0f}  ratio {median / base:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
