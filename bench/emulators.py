"""Embedded-AWS benchmark: moto (as the local stack runs it) against MiniStack, interleaved in one run.

Each emulator runs as its own process on a free port; the same boto3 calls go to each in turn,
round after round, so machine noise lands on both alike. Prints a table of medians, each
emulator's CPU per round (one call of each operation) and, as its last line, one JSON object.
MiniStack pins botocore exactly, so it lives in its own virtualenv: `--ministack PATH`
(default `.venv-rehearse/bin/ministack`, which `make rehearse` builds).
Run: `.venv/bin/python bench/emulators.py [--rounds 30]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import boto3
import requests
from botocore.config import Config

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from tests.integration.stack import free_port  # noqa: E402 (after the path insert)


class Emulator:
    def __init__(self, name: str, command: list[str], env: dict) -> None:
        self.name, self.port = name, free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **env, "GATEWAY_PORT": str(self.port), "MOTO_PORT": str(self.port)}
        env.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(self.port)] if name == "moto" else command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.endpoint, timeout=1)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise OSError(f"{name} did not start on {self.endpoint}") from None
                time.sleep(0.2)
        self._config = Config(retries={"max_attempts": 1}, max_pool_connections=16)

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=self._config,
        )

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU of the emulator and its reaped children (moto's forked saves) so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Setup:
    """The resources every operation uses, created once per emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.ddb, self.sqs, self.sns, self.events = (emulator.client(s) for s in ("dynamodb", "sqs", "sns", "events"))
        self.ddb.create_table(
            TableName="bench",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.queue = self._queue("plain")
        self.fan = [self._queue("fan-a"), self._queue("fan-b")]
        topic = self.sns.create_topic(Name="bench")["TopicArn"]
        for _url, arn in self.fan:
            self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        self.topic = topic
        self.bus_queue = self._queue("bus")
        self.events.create_event_bus(Name="bench")
        self.events.put_rule(Name="bench", EventBusName="bench", EventPattern=json.dumps({"source": ["bench"]}))
        self.events.put_targets(Rule="bench", EventBusName="bench", Targets=[{"Id": "q", "Arn": self.bus_queue[1]}])

    def _queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def _take(self, url: str) -> None:
        while True:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
            for message in got.get("Messages", []):
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                return

    # Each operation returns its own elapsed milliseconds.
    def put_item(self) -> float:
        t0 = time.perf_counter()
        self.ddb.put_item(TableName="bench", Item={"pk": {"S": uuid.uuid4().hex}, "n": {"N": "1"}})
        return (time.perf_counter() - t0) * 1000

    def receive_delete(self) -> float:
        self.sqs.send_message(QueueUrl=self.queue[0], MessageBody="x")
        t0 = time.perf_counter()
        self._take(self.queue[0])
        return (time.perf_counter() - t0) * 1000

    def publish_fan_out(self) -> float:
        t0 = time.perf_counter()
        self.sns.publish(TopicArn=self.topic, Message="x")
        for url, _ in self.fan:
            self._take(url)
        return (time.perf_counter() - t0) * 1000

    def put_events_to_queue(self) -> float:
        t0 = time.perf_counter()
        self.events.put_events(
            Entries=[{"Source": "bench", "DetailType": "d", "Detail": "{}", "EventBusName": "bench"}]
        )
        self._take(self.bus_queue[0])
        return (time.perf_counter() - t0) * 1000


def threaded_put_items(setup: Setup, threads: int = 4, seconds: float = 3.0) -> float:
    """put_item calls per second from several threads at once (the emulator's own capacity)."""
    done, stop = [0] * threads, time.monotonic() + seconds

    def loop(i: int) -> None:
        while time.monotonic() < stop:
            setup.put_item()
            done[i] += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / seconds


OPERATIONS = ("put_item", "receive_delete", "publish_fan_out", "put_events_to_queue")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--ministack", default=str(PROJECT_DIR / ".venv-rehearse" / "bin" / "ministack"))
    args = parser.parse_args()

    emulators = [Emulator("moto", [sys.executable, "-m", "local_runtime.emulator_server"], {})]
    if Path(args.ministack).exists():
        emulators.append(Emulator("ministack", [args.ministack], {"LOG_LEVEL": "WARNING"}))
    else:
        print(f"MiniStack not found at {args.ministack}: measuring moto alone (make rehearse builds it)")
    try:
        time.sleep(2)
        idle_rss = {e.name: e.rss_mb() for e in emulators}
        setups = {e.name: Setup(e) for e in emulators}
        samples: dict[tuple[str, str], list[float]] = {}
        for _ in range(2):  # warm-up: first clients and code paths
            for setup in setups.values():
                for op in OPERATIONS:
                    getattr(setup, op)()
        cpu_before = {e.name: e.cpu_seconds() for e in emulators}
        for _ in range(args.rounds):
            for op in OPERATIONS:
                for name, setup in setups.items():
                    samples.setdefault((name, op), []).append(getattr(setup, op)())
        cpu_per_round = {e.name: (e.cpu_seconds() - cpu_before[e.name]) * 1000 / args.rounds for e in emulators}
        throughput = {name: threaded_put_items(setup) for name, setup in setups.items()}
    finally:
        for e in emulators:
            e.stop()

    names = [e.name for e in emulators]
    print(f"{'operation (median ms)':<28}" + "".join(f"{n:>12}" for n in names))
    result: dict = {"rounds": args.rounds}
    for op in OPERATIONS:
        medians = {n: statistics.median(samples[(n, op)]) for n in names}
        print(f"{op:<28}" + "".join(f"{medians[n]:>12.1f}" for n in names))
        result.update({f"{n}_{op}_ms": round(medians[n], 1) for n in names})
    print(f"{'put_item, 4 threads (/s)':<28}" + "".join(f"{throughput[n]:>12.0f}" for n in names))
    print(f"{'idle RSS (MB)':<28}" + "".join(f"{idle_rss[n]:>12.0f}" for n in names))
    print(f"{'CPU per round (ms)':<28}" + "".join(f"{cpu_per_round[n]:>12.1f}" for n in names))
    result.update({f"{n}_put_item_4_threads_per_s": round(throughput[n]) for n in names})
    result.update({f"{n}_idle_rss_mb": round(idle_rss[n]) for n in names})
    result.update({f"{n}_cpu_ms_per_round": round(cpu_per_round[n], 1) for n in names})
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
