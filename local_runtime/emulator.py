"""The embedded AWS: moto's server, in a child process of its own.

A child process rather than moto's in-process ThreadedMotoServer: moto's request handling
is CPU-bound Python, and sharing one interpreter (one GIL) with the API and the delivery
workers leaves the second core idle and every hop slower.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from local_runtime.emulator_patches import INVOKE_PORT_VARIABLE, UNREADABLE_STATE_EXIT
from local_runtime.topology import PROJECT_DIR

log = logging.getLogger("local")
READY_TIMEOUT_SECONDS = 30
# A graceful stop saves every table and queue first (emulator_patches/persistence.py).
STOP_TIMEOUT_SECONDS = 30


class EmbeddedAws:
    """moto's server on loopback, configured for in-process execution (no Docker)."""

    def __init__(
        self,
        host: str,
        port: int,
        lambda_port: int | None = None,
        *,
        state_dir: Path | None = None,
        fresh: bool = False,
        on_death: Callable[[int], None] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.state_dir, self.fresh, self.on_death = state_dir, fresh, on_death
        self._stopping = threading.Event()
        self.endpoint = f"http://{host}:{port}"
        # moto's Step Functions call Lambda's Invoke on localhost:$MOTO_PORT; pointing it at
        # the runtime's Invoke endpoint runs the tasks in our process (see lambda_endpoint.py).
        self._lambda_port = lambda_port
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "MOTO_PORT": str(self._lambda_port or self.port)}
        # Where the runtime answers Invoke for user rules' Lambda targets; absent under `make aws`.
        env.pop(INVOKE_PORT_VARIABLE, None)
        if self._lambda_port:
            env[INVOKE_PORT_VARIABLE] = str(self._lambda_port)
        env.pop("AWS_ENDPOINT_URL", None)
        env.pop("LOCAL_STATE_DIR", None)
        if self.state_dir is not None:
            env["LOCAL_STATE_DIR"] = str(self.state_dir)
        env["LOCAL_FRESH"] = "1" if self.fresh else "0"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_runtime.emulator_server", "-H", self.host, "-p", str(self.port)],
            env=env,
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            # Its own log (state restored and saved) joins the console; werkzeug's is silenced there.
            stderr=None,
            # Ctrl-C reaches the terminal's process group; moto must outlive the workers polling
            # it and stop when stop() says so, or each in-flight poll ends in a traceback.
            # (moto installs its own SIGINT handler, so ignoring the signal is not enough.)
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self._wait_ready()
        threading.Thread(target=self._watch, name="emulator-watch", daemon=True).start()
        # Settings switch moto's storage backends, so they go in before any resource exists.
        requests.post(
            f"{self.endpoint}/moto-api/config",
            json={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        ).raise_for_status()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                if self._process.returncode == UNREADABLE_STATE_EXIT:
                    raise OSError("the embedded AWS could not read its saved state (see the line above)")
                raise OSError(f"moto's server exited with {self._process.returncode} (is port {self.port} free?)")
            try:
                requests.get(f"{self.endpoint}/moto-api/data.json", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise OSError(f"moto's server did not answer on {self.endpoint} within {READY_TIMEOUT_SECONDS} s")

    def _watch(self) -> None:
        """Say at once, in one line, when the child dies without being asked to."""
        code = self._process.wait()
        if self._stopping.is_set():
            return
        log.error("embedded AWS (moto, pid %d) died: %s", self._process.pid, describe_exit(code))
        if self.on_death is not None:
            self.on_death(code)

    def stop(self) -> None:
        self._stopping.set()
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()  # SIGTERM: the emulator saves its state, then exits
        try:
            self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("embedded AWS did not stop in %d s; killed (state: its last periodic save)", STOP_TIMEOUT_SECONDS)
            self._process.kill()
            self._process.wait()


def describe_exit(code: int) -> str:
    """``exit code 1`` or ``killed by SIGKILL`` (Popen's negative return codes are signals)."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"


def die_with_parent() -> None:
    """Linux: SIGTERM this child when the stack's process dies, even by SIGKILL."""
    # Not Linux (no libc.so.6): stop() still ends it.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


def point_boto3_at(endpoint: str) -> None:
    """Make every boto3 client of this process talk to ``endpoint`` with fake credentials."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
