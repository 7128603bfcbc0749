"""The API process's /_console: each request forwarded to the console server in the runtime's process.

Streamed as it arrives, so the live trace (Server-Sent Events) reaches the browser event by event.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from local_runtime.http_serving import end_to_end

# The live trace sends a keep-alive comment every 15 s; silence for this long means the upstream is gone.
_READ_TIMEOUT_SECONDS = 60
_UNAVAILABLE = json.dumps(
    {"error": {"code": "CONSOLE_UNAVAILABLE", "message": "the console is not running (the stack is stopping?)"}}
).encode()


class ConsoleProxy:
    """Mounted on the API server: ``handle(request)`` answers a /_console request from ``upstream``."""

    def __init__(self, upstream: str) -> None:
        url = urlsplit(upstream)
        self._host, self._port = url.hostname, url.port

    def handle(self, request) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        headers = dict(end_to_end(request.headers.items()))
        connection = http.client.HTTPConnection(self._host, self._port, timeout=_READ_TIMEOUT_SECONDS)
        try:
            try:
                connection.request(request.command, request.path, body=body or None, headers=headers)
                response = connection.getresponse()
            except OSError:
                return _answer(request, 503, _UNAVAILABLE)
            request.send_response(response.status)
            for key, value in end_to_end(response.getheaders()):
                request.send_header(key, value)
            if response.getheader("Content-Length") is None:
                # A stream (the live trace): it ends when the upstream closes it, and so does this connection.
                request.send_header("Connection", "close")
                request.close_connection = True
            request.end_headers()
            # read1 returns what has arrived (at most one read of the socket), never waiting for a full buffer.
            while chunk := response.read1(65536):
                request.wfile.write(chunk)
                request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            request.close_connection = True  # the viewer or the console left mid-answer
        finally:
            connection.close()


def _answer(request, status: int, body: bytes) -> None:
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
