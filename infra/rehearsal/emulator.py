"""MiniStack on a free loopback port, in its own process group so stopping it also stops its Lambda workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

HEALTH_PATH = "/_ministack/health"


class EmulatorFailed(Exception):
    """The emulator did not start, or died."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MiniStack:
    """``python`` is the rehearsal virtualenv's interpreter: MiniStack pins botocore, and runs each
    Python function with its own interpreter, which (like Lambda's runtime) provides boto3."""

    def __init__(self, python: Path, workdir: Path) -> None:
        self.python = python
        self.workdir = workdir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "ministack.log"
        self.process: subprocess.Popen | None = None

    def version(self) -> str:
        out = subprocess.run(
            [str(self.python), "-c", "from importlib.metadata import version; print(version('ministack'))"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    def start(self, timeout: float = 60) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "GATEWAY_PORT": str(self.port),
            "BIND_HOST": "127.0.0.1",
            "MINISTACK_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            # Its PID file and detached logs go here, not to the shared /tmp.
            "TMPDIR": str(self.workdir),
        }
        env.pop("AWS_ENDPOINT_URL", None)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(self.python), "-m", "ministack"],
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorFailed(f"MiniStack exited with {self.process.returncode} (see {self.log})")
            try:
                with urllib.request.urlopen(self.endpoint + HEALTH_PATH, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise EmulatorFailed(f"MiniStack did not answer on {self.endpoint} within {timeout:.0f} s (see {self.log})")

    def stop(self, grace: float = 10) -> None:
        """Stops MiniStack and every process it started (function workers), then reaps it."""
        if not self.process:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        # Workers may outlive MiniStack's own exit; the whole group goes.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=grace)
        self.process = None
