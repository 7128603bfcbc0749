"""The API in a child process of its own (`python -m local_runtime.api_server`), started and stopped by the stack.

On AWS the API is a Lambda function of its own; here, sharing the runtime's process, each request
queued for the GIL behind the delivery threads and handlers (POST /orders took 7x a bare put_item at
10 orders/s). The console stays in the runtime's process, which has the trace: the API forwards
/_console there (console/proxy.py).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from local_runtime.emulator import describe_exit, die_with_parent
from local_runtime.settings import Settings
from local_runtime.topology import PROJECT_DIR

log = logging.getLogger("local")
READY_TIMEOUT_SECONDS = 30
# The API's own drain (api_server.ApiServer.stop) takes up to 10 s.
STOP_TIMEOUT_SECONDS = 15


class ApiProcess:
    """The API's child process: launch() early (it loads the app meanwhile), serve() once the tables exist."""

    def __init__(self, settings: Settings, on_death: Callable[[int], None] | None = None) -> None:
        self.settings, self.on_death = settings, on_death
        self._process: subprocess.Popen | None = None
        self._stopping = threading.Event()

    def launch(self) -> None:
        """Start the process; it loads the app and its modules (about a second), then waits for serve()."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_runtime.api_server"],
            env={**os.environ, **self.settings.as_environment()},
            cwd=PROJECT_DIR,
            stdin=subprocess.PIPE,
            # Ctrl-C reaches the terminal's process group: the stack decides when the API stops (first).
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def serve(self, console_url: str, dynamodb_endpoint: str) -> None:
        """Tell the process where the console and DynamoDB are; returns once the API listens."""
        # One line on its stdin: the go-ahead, with the addresses only known once the rest started.
        go = {"console": console_url, "dynamodb": dynamodb_endpoint}
        self._process.stdin.write(f"{json.dumps(go)}\n".encode())
        self._process.stdin.flush()
        self._wait_ready()
        threading.Thread(target=self._watch, name="api-watch", daemon=True).start()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        address = (self.settings.host, self.settings.api_port)
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise OSError(
                    f"the API exited with {describe_exit(self._process.returncode)} (is port {address[1]} free?)"
                )
            try:
                socket.create_connection(address, timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise OSError(f"the API did not listen on {address[0]}:{address[1]} within {READY_TIMEOUT_SECONDS} s")

    def _watch(self) -> None:
        code = self._process.wait()
        if self._stopping.is_set():
            return
        log.error("the API's process (pid %d) died: %s", self._process.pid, describe_exit(code))
        if self.on_death is not None:
            self.on_death(code)

    def stop(self) -> None:
        """SIGTERM: the API refuses new requests, finishes those in flight, and exits."""
        self._stopping.set()
        if self._process is None or self._process.poll() is not None:
            return
        self._process.stdin.close()  # not yet serving: it reads the end of its input and exits
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("the API did not stop in %d s; killed", STOP_TIMEOUT_SECONDS)
            self._process.kill()
            self._process.wait()
