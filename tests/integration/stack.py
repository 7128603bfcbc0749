"""Starts `python -m local_runtime up` (what `make dev` runs) on free ports, for tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningStack:
    def __init__(
        self, extra_env: dict | None = None, state_dir: Path | None = None, project_dir: Path = PROJECT_DIR
    ) -> None:
        """``project_dir``: the project whose app and topology the stack runs (a copy, in the recipe test)."""
        self.aws_port, self.api_port = free_port(), free_port()
        # Each stack keeps its state apart (never the developer's .local-state); pass a folder to restart on it.
        self.state_dir = state_dir or PROJECT_DIR / "build" / f"state-{self.api_port}"
        self._own_state = state_dir is None  # a folder of our own is removed when the stack stops
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.aws = f"http://127.0.0.1:{self.aws_port}"
        self.log_path = PROJECT_DIR / "build" / f"stack-{self.api_port}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self.log_path.unlink(missing_ok=True)
        env = {
            **os.environ,
            "LOCAL_AWS_PORT": str(self.aws_port),
            "LOCAL_API_PORT": str(self.api_port),
            "PYTHONUNBUFFERED": "1",
            "LOCAL_STATE_DIR": str(self.state_dir),
            **(extra_env or {}),
        }
        env.pop("AWS_ENDPOINT_URL", None)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_runtime", "up"],
            cwd=project_dir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"stack exited early:\n{self.output()}")
            if "ready: press Ctrl-C" in self.output():
                return
            time.sleep(0.2)
        raise TimeoutError(f"stack not ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        """Ctrl-C the stack's process group, as a user would; returns its exit code."""
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
            self._log.close()
            if self._own_state:
                shutil.rmtree(self.state_dir, ignore_errors=True)

    def fire_schedule(self, function: str, at: str) -> subprocess.CompletedProcess:
        """`python -m local_runtime fire <function> --at <at>` against this stack, as a user runs it."""
        return subprocess.run(
            [sys.executable, "-m", "local_runtime", "fire", function, "--at", at],
            cwd=PROJECT_DIR,
            env={"LOCAL_AWS_PORT": str(self.aws_port), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def get(self, path: str, **kwargs):
        return requests.get(self.api + path, timeout=10, **kwargs)

    def post(self, path: str, body, **kwargs):
        return requests.post(self.api + path, json=body, timeout=10, **kwargs)

    def patch(self, path: str, body, **kwargs):
        return requests.patch(self.api + path, json=body, timeout=10, **kwargs)

    def client(self, service: str):
        """A boto3 client on the stack's embedded AWS."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.aws,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )


def eventually(check, timeout: float = 20, interval: float = 0.1):
    """Poll ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {getattr(check, '__name__', check)}")
        time.sleep(interval)


def payment_for(order: dict, **changes) -> dict:
    """A valid payment of ``order`` (as POST /orders answered it), occurring now; ``changes`` override fields."""
    return {
        "paymentId": f"pay-{uuid.uuid4().hex[:12]}",
        "orderId": order["orderId"],
        "amount": order["total"],
        "currency": order["currency"],
        "method": "CARD",
        "occurredAt": datetime.now(UTC).isoformat(),
        **changes,
    }
