"""The console's HTTP surface under /_console: the page, its pinned assets, JSON endpoints and the live trace."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from local_runtime import trace
from local_runtime.console import graph
from local_runtime.console.errors import ConsoleError, not_found
from local_runtime.console.executions import Executions
from local_runtime.console.feed import TraceFeed
from local_runtime.console.queues import Queues
from local_runtime.console.replays import Archive, ReplayRequest
from local_runtime.schedules import Schedule

log = logging.getLogger("console")
PREFIX = "/_console"
STATIC = Path(__file__).parent / "static"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", "": "text/plain"}
# How often a live trace stream wakes to notice a stopping server, and sends a comment to keep proxies open.
SSE_WAKE_SECONDS = 0.5
SSE_KEEPALIVE_SECONDS = 15


class Console:
    """Mounted on the API server (local_runtime/api_server.py): ``handle`` answers every request under PREFIX."""

    def __init__(self, resources, workers) -> None:
        declared = graph.declaration()
        self.topology = graph.build(workers)
        self.queues = Queues(resources, declared)
        self.archive = Archive(resources.bus_arn)
        self.executions = Executions()
        self.schedules = {w.function: w for w in workers if isinstance(w, Schedule)}
        self.feed = TraceFeed()
        trace.subscribe(self.feed)
        # Only files shipped in static/ are served: the path never reaches the file system.
        self.assets = {str(p.relative_to(STATIC)): p for p in STATIC.rglob("*") if p.is_file()}
        self.routes = [
            ("GET", r"/?", self._page),
            ("GET", r"/static/(?P<path>.+)", self._asset),
            ("GET", r"/api/topology", lambda: self.topology),
            ("GET", r"/api/stats", lambda: {"edges": self.feed.stats()}),
            ("GET", r"/api/queues", lambda: {"queues": self.queues.depths()}),
            ("GET", r"/api/queues/(?P<name>[\w.-]+)/messages", lambda name: {"messages": self.queues.messages(name)}),
            ("POST", r"/api/queues/(?P<name>[\w.-]+)/redrive", self.queues.redrive),
            ("GET", r"/api/archive", self.archive.view),
            ("POST", r"/api/replays", self._replay, "body"),
            ("GET", r"/api/executions", lambda: {"executions": self.executions.recent()}),
            ("GET", r"/api/schedules", self._schedules),
            ("POST", r"/api/schedules/(?P<function>\w+)/fire", self._fire),
        ]

    # -- dispatch ---------------------------------------------------------------------------------

    def handle(self, request) -> None:
        """Answer one request (a BaseHTTPRequestHandler whose path starts with PREFIX)."""
        url = urlsplit(request.path)
        path = url.path[len(PREFIX) :]
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        try:
            if path == "/api/trace" and request.command == "GET":
                return self._stream(request, query)
            handler, arguments, takes_body = self._route(request.command, path)
            result = handler(**arguments, body=_json(body)) if takes_body else handler(**arguments)
        except ConsoleError as error:
            return _send_json(request, error.status, error.body())
        except ClientError as error:
            detail = error.response.get("Error", {})
            failure = ConsoleError(502, "AWS_ERROR", str(error), [{"code": detail.get("Code")}])
            return _send_json(request, 502, failure.body())
        except BotoCoreError as error:
            return _send_json(request, 502, ConsoleError(502, "AWS_UNREACHABLE", str(error)).body())
        except Exception as error:  # a console bug answers in the error shape; the API is unaffected
            log.exception("console: %s %s failed", request.command, request.path)
            return _send_json(request, 500, ConsoleError(500, "INTERNAL_ERROR", str(error)).body())
        if isinstance(result, tuple):
            return _send(request, 200, result[0], result[1])
        _send_json(request, 200, result)

    def _route(self, method: str, path: str):
        allowed = []
        for route_method, pattern, handler, *takes_body in self.routes:
            found = re.fullmatch(pattern, path)
            if found:
                if route_method == method:
                    return handler, found.groupdict(), bool(takes_body)
                allowed.append(route_method)
        if allowed:
            raise ConsoleError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here", [{"allowed": allowed}])
        raise ConsoleError(404, "NOT_FOUND", f"no console resource {PREFIX}{path}")

    # -- handlers ---------------------------------------------------------------------------------

    def _page(self):
        return _TYPES[".html"], (STATIC / "index.html").read_bytes()

    def _asset(self, path: str):
        if path not in self.assets:
            raise not_found("asset", path, self.assets)
        file = self.assets[path]
        return _TYPES.get(file.suffix, _TYPES[""]), file.read_bytes()

    def _replay(self, body) -> dict:
        try:
            request = ReplayRequest.model_validate(body)
        except ValidationError as error:
            details = [{"field": ".".join(map(str, e["loc"])), "issue": e["msg"]} for e in error.errors()]
            raise ConsoleError(400, "VALIDATION_ERROR", "the replay request is not valid", details) from None
        return self.archive.replay(request)

    def _schedules(self) -> dict:
        rows = [
            {"function": f, "expression": s.expression, "nextAt": s.next_at.isoformat()}
            for f, s in self.schedules.items()
        ]
        return {"schedules": rows}

    def _fire(self, function: str) -> dict:
        if function not in self.schedules:
            raise not_found("scheduled function", function, self.schedules)
        outcome = self.schedules[function].fire_now()
        return {"function": function, **outcome}

    def _stream(self, request, query: dict) -> None:
        """Server-Sent Events: the recent deliveries that pass the filter, then each new one, until the server stops."""
        subscription = self.feed.subscribe(query.get("orderId", ""), query.get("correlationId", ""))
        try:
            request.send_response(200)
            request.send_header("Content-Type", "text/event-stream")
            request.send_header("Cache-Control", "no-cache")
            request.send_header("Connection", "close")
            request.end_headers()
            request.close_connection = True
            idle, reported = 0.0, 0
            while request.server.gate.is_open:
                entries = subscription.take(SSE_WAKE_SECONDS)
                chunks = [f"id: {e['seq']}\ndata: {json.dumps(e)}\n\n" for e in entries]
                if subscription.dropped != reported:  # this viewer fell behind: say how many it missed
                    reported = subscription.dropped
                    chunks.append(f"event: dropped\ndata: {reported}\n\n")
                idle = 0.0 if chunks else idle + SSE_WAKE_SECONDS
                if idle >= SSE_KEEPALIVE_SECONDS:
                    chunks, idle = [": keep-alive\n\n"], 0.0
                if chunks:
                    request.wfile.write("".join(chunks).encode())
                    request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the viewer left
        finally:
            self.feed.unsubscribe(subscription)


def _json(body: bytes):
    try:
        return json.loads(body or b"{}")
    except ValueError as error:
        raise ConsoleError(400, "MALFORMED_JSON", f"the body is not JSON: {error}") from None


def _send_json(request, status: int, payload) -> None:
    _send(request, status, "application/json", json.dumps(payload, default=str).encode())


def _send(request, status: int, content_type: str, body: bytes) -> None:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
