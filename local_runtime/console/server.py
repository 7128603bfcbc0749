"""The console's HTTP server, in the runtime's process: the trace, the workers and the schedules live there.

The API runs in a process of its own (local_runtime/api_process.py) and forwards /_console here
(local_runtime/console/proxy.py), so the console stays on the API's address.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from local_runtime.console.http import Console
from local_runtime.http_serving import STOP_POLL_SECONDS, Gate


class ConsoleServer:
    """Serves ``console`` on loopback until stop(); stop() ends the live traces first."""

    def __init__(self, console: Console, host: str = "127.0.0.1") -> None:
        self._server = ThreadingHTTPServer((host, 0), _handler_class(console))
        self._server.daemon_threads = True
        self._server.gate = Gate()  # the live trace's streams end when it closes
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS}, name="console", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._server.gate.close(timeout)
        self._server.shutdown()
        self._server.server_close()


def _handler_class(console: Console):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            if not self.server.gate.enter():
                self.close_connection = True
                return
            try:
                console.handle(self)  # only /_console requests are forwarded here
            finally:
                self.server.gate.leave()

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

        def log_message(self, format, *args) -> None:  # the API process logs requests (LOCAL_HTTP_LOG)
            return

    return Handler
