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
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from local_runtime.emulator_patches import (
    CALLS_PATH,
    DYNAMODB_ENDPOINT_VARIABLE,
    DYNAMODB_ROLE,
    INVOKE_PORT_VARIABLE,
    MAIN_ROLE,
    PROCESS_ROLE_VARIABLE,
    RELEASE_WAITS_PATH,
    UNREADABLE_STATE_EXIT,
)
from local_runtime.topology import PROJECT_DIR

log = logging.getLogger("local")
READY_TIMEOUT_SECONDS = 30
# A graceful stop saves every table and queue first (emulator_patches/persistence.py).
STOP_TIMEOUT_SECONDS = 30


class EmbeddedAws:
    """moto's server on loopback, configured for in-process execution (no Docker), in two processes.

    The main process answers every service at ``endpoint``; DynamoDB and its streams live in a second
    one (``dynamodb_endpoint``) that the main one forwards to (emulator_patches/dynamodb_forwarding.py),
    so the two busiest halves of the work each have a GIL, and a core, of their own.
    """

    def __init__(
        self,
        host: str,
        port: int,
        lambda_port: int | None = None,
        *,
        state_dir: Path | None = None,
        fresh: bool = False,
        on_death: Callable[[int], None] | None = None,
        dynamodb_port: int = 0,
    ) -> None:
        self.host, self.port = host, port
        self.state_dir, self.fresh, self.on_death = state_dir, fresh, on_death
        self._stopping = threading.Event()
        self.endpoint = f"http://{host}:{port}"
        self.dynamodb_port = dynamodb_port or _free_port(host)
        self.dynamodb_endpoint = f"http://{host}:{self.dynamodb_port}"
        # moto's Step Functions call Lambda's Invoke on localhost:$MOTO_PORT; pointing it at
        # the runtime's Invoke endpoint runs the tasks in our process (see lambda_endpoint.py).
        self._lambda_port = lambda_port
        self._processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        env = {**os.environ, "MOTO_PORT": str(self._lambda_port or self.port)}
        # Where the runtime answers Invoke for user rules' Lambda targets; absent under `make aws`.
        env.pop(INVOKE_PORT_VARIABLE, None)
        if self._lambda_port:
            env[INVOKE_PORT_VARIABLE] = str(self._lambda_port)
        for variable in ("AWS_ENDPOINT_URL", "LOCAL_STATE_DIR", DYNAMODB_ENDPOINT_VARIABLE, PROCESS_ROLE_VARIABLE):
            env.pop(variable, None)
        if self.state_dir is not None:
            env["LOCAL_STATE_DIR"] = str(self.state_dir)
        env["LOCAL_FRESH"] = "1" if self.fresh else "0"
        # Both start at once (each takes about a second); the main one forwards DynamoDB to the other.
        self._spawn(DYNAMODB_ROLE, self.dynamodb_port, {**env, PROCESS_ROLE_VARIABLE: DYNAMODB_ROLE})
        self._spawn(MAIN_ROLE, self.port, {**env, DYNAMODB_ENDPOINT_VARIABLE: self.dynamodb_endpoint})
        for role, port in ((DYNAMODB_ROLE, self.dynamodb_port), (MAIN_ROLE, self.port)):
            self._wait_ready(role, port)
        for role in self._processes:
            threading.Thread(target=self._watch, args=(role,), name=f"emulator-watch-{role}", daemon=True).start()
        # Settings switch moto's storage backends, so they go in before any resource exists.
        requests.post(
            f"{self.endpoint}/moto-api/config",
            json={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        ).raise_for_status()

    def _spawn(self, role: str, port: int, env: dict) -> None:
        self._processes[role] = subprocess.Popen(
            [sys.executable, "-m", "local_runtime.emulator_server", "-H", self.host, "-p", str(port)],
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

    def _wait_ready(self, role: str, port: int) -> None:
        process, endpoint = self._processes[role], f"http://{self.host}:{port}"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                if process.returncode == UNREADABLE_STATE_EXIT:
                    raise OSError("the embedded AWS could not read its saved state (see the line above)")
                raise OSError(f"moto's server ({role}) exited with {process.returncode} (is port {port} free?)")
            try:
                # Cheap to answer (moto's data.json describes every resource), and a busy machine may
                # take its time: a slow answer is "not yet", not a failure.
                requests.get(f"{endpoint}{CALLS_PATH}", timeout=2)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise OSError(f"moto's server ({role}) did not answer on {endpoint} within {READY_TIMEOUT_SECONDS} s")

    def _watch(self, role: str) -> None:
        """Say at once, in one line, when a child dies without being asked to."""
        process = self._processes[role]
        code = process.wait()
        if self._stopping.is_set():
            return
        what = "moto" if role == MAIN_ROLE else "moto, DynamoDB"
        log.error("embedded AWS (%s, pid %d) died: %s", what, process.pid, describe_exit(code))
        if self.on_death is not None:
            self.on_death(code)

    def release_waits(self) -> None:
        """End the delivery loops' long polls and stream waits now, in both processes (a stop's first step)."""
        for endpoint in (self.endpoint, self.dynamodb_endpoint):
            # A dead process holds no wait; its death is reported by _watch.
            with contextlib.suppress(requests.RequestException):
                requests.post(f"{endpoint}{RELEASE_WAITS_PATH}", timeout=5)

    def stop(self) -> None:
        self._stopping.set()
        running = [p for p in self._processes.values() if p.poll() is None]
        for process in running:
            process.terminate()  # SIGTERM: each saves its state, then exits
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error(
                    "embedded AWS did not stop in %d s; killed (state: its last periodic save)", STOP_TIMEOUT_SECONDS
                )
                process.kill()
                process.wait()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


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


def point_boto3_at(endpoint: str, dynamodb_endpoint: str | None = None) -> None:
    """Make every boto3 client of this process talk to ``endpoint`` (DynamoDB to its own) with fake credentials."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    # Straight to the DynamoDB process; without it, the main endpoint forwards there.
    for variable in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"):
        if dynamodb_endpoint:
            os.environ[variable] = dynamodb_endpoint
        else:
            os.environ.pop(variable, None)
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
