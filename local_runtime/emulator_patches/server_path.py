"""moto's server path costs less per request: kept-alive connections, a cached backend lookup, no Nagle.

werkzeug's dev server answers every request with `Connection: close` (http.server cannot find the
next request line if the application left part of a body unread), so each AWS call cost a new TCP
connection and a new server thread: under load, a tenth of the emulator's CPU went to starting
threads, and a fifth of an API request's time to connecting. Here a request's body is read through
a stream bounded by its Content-Length, and whatever the application left unread is drained after
the reply, so the connection can serve the next request. A chunked body still closes it.
werkzeug's own drain (read whatever arrives within 10 ms of the reply) would swallow the next
request, and held each request's thread 10 ms; it is replaced by that exact drain. The access
line werkzeug formats for every request is not formatted when its logger would drop it.

Profiled under load (30 orders/s), about a fifth of the emulator's CPU went to finding the backend for
each request: `get_backend_for_host` lists moto's package folder from disk (`list_of_moto_modules`)
and tries some hundred URL patterns, under one lock, on every request. The answer depends on the
host alone and the patterns never change while the server runs, so one lookup per host is enough.
"""

from __future__ import annotations

import functools
import logging

from moto import server as server_module
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
from werkzeug import serving
from werkzeug.wsgi import LimitedStream

_werkzeug_log = logging.getLogger("werkzeug")


class _NoDrainSelectors:
    """Stands in for `selectors` in werkzeug.serving, whose only use is the post-reply drain."""

    EVENT_READ = 1

    class DefaultSelector:
        def register(self, *args) -> None:
            pass

        def select(self, timeout=None) -> list:
            return []

        def close(self) -> None:
            pass


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's handler; a request with a Content-Length (or none) leaves its connection open."""

    # werkzeug writes a reply's headers and body in separate sends; with Nagle's algorithm on, the
    # body can wait for the client's delayed ACK (up to 40 ms on Linux loopback).
    disable_nagle_algorithm = True
    _body: LimitedStream | None = None

    def make_environ(self) -> dict:
        environ = super().make_environ()
        self._body = None
        if not environ.get("wsgi.input_terminated"):  # werkzeug marks a chunked body so
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return environ
            self._body = environ["wsgi.input"] = LimitedStream(self.rfile, length)
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if self._body is not None and keyword.lower() == "connection" and value.lower() == "close":
            return  # werkzeug's blanket close; the client's own `Connection: close` still applies
        super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # werkzeug decodes and styles each request's line before its logger drops it (emulator_server
        # sets it to ERROR): a few percent of the emulator's CPU. A level left unset means INFO to werkzeug.
        if _werkzeug_log.level == logging.NOTSET or _werkzeug_log.isEnabledFor(logging.INFO):
            super().log_request(code, size)

    def run_wsgi(self) -> None:
        super().run_wsgi()
        if self._body is None:
            self.close_connection = True
        elif not self.close_connection:
            self._body.exhaust()


def _cached(get_backend_for_host):
    cache: dict[str | None, object] = {}

    @functools.wraps(get_backend_for_host)
    def cached_backend_for_host(self, host):
        # Called with the dispatcher's lock held, so the dict needs no lock of its own.
        try:
            return cache[host]
        except KeyError:
            backend = cache[host] = get_backend_for_host(self, host)
            return backend

    return cached_backend_for_host


def install() -> None:
    DomainDispatcherApplication.get_backend_for_host = _cached(DomainDispatcherApplication.get_backend_for_host)
    serving.selectors = _NoDrainSelectors
    # moto.server.main hands this class to werkzeug's run_simple by name.
    server_module.MotoRequestHandler = KeepAliveRequestHandler
