"""The API server's path-prefix mounts (the console at /_console) and long-lived responses on stop."""

from __future__ import annotations

import threading
import time

import requests
from chalice import Chalice
from chalice.config import Config

from local_runtime.api_server import ApiServer


def _app():
    app = Chalice("mount-test")

    @app.route("/fast")
    def fast():
        return {"from": "app"}

    return app


def _mounted(request) -> None:
    body = f'{{"from": "mount", "path": "{request.path}"}}'.encode()
    request.send_response(200)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


def test_a_mount_answers_its_prefix_and_the_app_answers_everything_else():
    server = ApiServer(_app(), Config.create(), "127.0.0.1", 0, mounts=(("/_x", _mounted),))
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    try:
        assert requests.get(f"{url}/_x", timeout=5).json() == {"from": "mount", "path": "/_x"}
        assert requests.get(f"{url}/_x/a/b?q=1", timeout=5).json()["path"] == "/_x/a/b?q=1"
        assert requests.post(f"{url}/_x?q", timeout=5).json()["from"] == "mount"
        assert requests.get(f"{url}/fast", timeout=5).json() == {"from": "app"}
        # Only the prefix as a whole path segment: /_xy is the app's (which has no such route).
        assert requests.get(f"{url}/_xy", timeout=5).status_code != 200
    finally:
        server.stop(timeout=1)


def test_a_stream_that_watches_the_gate_ends_when_the_server_stops_and_stop_does_not_wait_for_it():
    started = threading.Event()

    def stream(request) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/event-stream")
        request.end_headers()
        request.close_connection = True
        started.set()
        while request.server.gate.is_open:
            request.wfile.write(b": tick\n\n")
            request.wfile.flush()
            time.sleep(0.1)

    server = ApiServer(_app(), Config.create(), "127.0.0.1", 0, mounts=(("/_s", stream),))
    server.start()
    viewer = requests.get(f"http://127.0.0.1:{server.port}/_s", stream=True, timeout=5)
    reading = threading.Thread(target=lambda: [None for _ in viewer.iter_content(64)], daemon=True)
    reading.start()
    assert started.wait(5)
    began = time.monotonic()
    unfinished = server.stop(timeout=10)
    assert unfinished == 0
    assert time.monotonic() - began < 2  # not the 10 s drain timeout
    reading.join(5)
    assert not reading.is_alive()  # the viewer saw its stream end
