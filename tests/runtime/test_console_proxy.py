"""The API process's /_console forwards to the runtime's console server: answers as they are, streams as they come."""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests
from chalice import Chalice
from chalice.config import Config

from local_runtime.api_server import ApiServer
from local_runtime.console.proxy import ConsoleProxy
from tests.integration.stack import free_port

STREAM_GAP_SECONDS = 1.5  # wide enough that a loaded machine still reads the first event alone


class _Upstream(BaseHTTPRequestHandler):
    """Stands in for the console server: echoes requests, and streams two events apart in time."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/_console/api/trace"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for n in (1, 2):
                self.wfile.write(f"data: {n}\n\n".encode())
                self.wfile.flush()
                time.sleep(STREAM_GAP_SECONDS)
            self.close_connection = True
            return
        self._echo(404 if self.path.endswith("/missing") else 200, b"")

    def do_POST(self) -> None:
        self._echo(201, self.rfile.read(int(self.headers["Content-Length"])))

    def _echo(self, status: int, body: bytes) -> None:
        answer = json.dumps(
            {"method": self.command, "path": self.path, "body": body.decode(), "type": self.headers["Content-Type"]}
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "console")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        return


@pytest.fixture
def proxied():
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    proxy = ConsoleProxy(f"http://127.0.0.1:{upstream.server_address[1]}")
    api = ApiServer(Chalice("proxy-test"), Config.create(), "127.0.0.1", 0, mounts=(("/_console", proxy.handle),))
    api.start()
    yield f"http://127.0.0.1:{api.port}", upstream
    api.stop(timeout=1)
    upstream.shutdown()


def test_requests_and_answers_pass_through_unchanged(proxied):
    url, _ = proxied
    read = requests.get(f"{url}/_console/api/queues?x=1", timeout=5)
    assert read.status_code == 200 and read.headers["X-Upstream"] == "console"
    assert read.json()["path"] == "/_console/api/queues?x=1"

    posted = requests.post(f"{url}/_console/api/replays", json={"from": "a"}, timeout=5)
    assert posted.status_code == 201
    assert posted.json() == {
        "method": "POST",
        "path": "/_console/api/replays",
        "body": '{"from": "a"}',
        "type": "application/json",
    }
    assert requests.get(f"{url}/_console/missing", timeout=5).status_code == 404


def test_a_live_trace_reaches_the_viewer_event_by_event(proxied):
    url, _ = proxied
    connection = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=5)
    started = time.monotonic()
    connection.request("GET", "/_console/api/trace")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    first = response.read1(1024)  # what has arrived so far, as a browser's EventSource reads it
    first_at = time.monotonic() - started
    rest = response.read()
    connection.close()
    assert (first, rest) == (b"data: 1\n\n", b"data: 2\n\n")
    # The first event is forwarded as it comes, not once the stream ends.
    assert first_at < STREAM_GAP_SECONDS * 2 * 0.8, first_at


def test_a_console_that_is_not_running_is_a_json_503():
    proxy = ConsoleProxy(f"http://127.0.0.1:{free_port()}")
    api = ApiServer(Chalice("proxy-test"), Config.create(), "127.0.0.1", 0, mounts=(("/_console", proxy.handle),))
    api.start()
    try:
        answer = requests.get(f"http://127.0.0.1:{api.port}/_console/api/queues", timeout=5)
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "CONSOLE_UNAVAILABLE"
    finally:
        api.stop(timeout=1)
