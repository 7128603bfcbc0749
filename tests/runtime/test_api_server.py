"""The local API server: a listen backlog for bursts, and a stop that drains (issue 9, points 5 and 8)."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from chalice import Chalice
from chalice.config import Config

from local_runtime.api_server import ApiServer
from tests.integration.stack import eventually


@pytest.fixture
def app():
    app = Chalice("api-server-test")
    entered, release = threading.Event(), threading.Event()

    @app.route("/slow")
    def slow():
        entered.set()
        release.wait(10)
        return {"finished": True}

    @app.route("/fast")
    def fast():
        return {"ok": True}

    app.entered, app.release = entered, release
    return app


def test_100_connections_wait_in_the_backlog_while_none_is_accepted_yet(app):
    server = ApiServer(app, Config.create(), "127.0.0.1", 0)  # bound and listening, not accepting
    sockets = []
    try:
        for _ in range(100):
            # Chalice's own server (backlog 5) completes 6 of these; the rest time out or reset.
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=1))
    finally:
        for sock in sockets:
            sock.close()
        server.stop(timeout=1)
    assert len(sockets) == 100


def test_stop_refuses_new_connections_and_finishes_the_request_in_flight(app):
    server = ApiServer(app, Config.create(), "127.0.0.1", 0)
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    assert requests.get(f"{url}/fast", timeout=5).json() == {"ok": True}
    answer = {}
    in_flight = threading.Thread(target=lambda: answer.update(r=requests.get(f"{url}/slow", timeout=10)))
    in_flight.start()
    assert app.entered.wait(10)  # the slow request is being handled
    stopping = threading.Thread(target=server.stop)
    stopping.start()

    def refused() -> bool:
        try:
            requests.get(f"{url}/fast", timeout=5)
        except requests.ConnectionError:
            return True
        return False

    eventually(refused, timeout=10)  # once the stop has closed the socket, while the slow one still runs
    assert stopping.is_alive(), "stop() returned before the request in flight finished"
    app.release.set()
    in_flight.join(10)
    stopping.join(10)
    assert answer["r"].status_code == 200
    assert answer["r"].json() == {"finished": True}


def test_a_request_on_a_kept_alive_connection_after_the_stop_gets_a_json_503(app):
    server = ApiServer(app, Config.create(), "127.0.0.1", 0)
    server.start()
    with requests.Session() as session:
        assert session.get(f"http://127.0.0.1:{server.port}/fast", timeout=5).status_code == 200
        server.stop(timeout=1)
        response = session.get(f"http://127.0.0.1:{server.port}/fast", timeout=5)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
