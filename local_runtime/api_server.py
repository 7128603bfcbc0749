"""The API on Chalice's local server, with a listen backlog for bursts and a drain on stop."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer, ThreadedHTTPServer

from local_runtime import start_gc
from local_runtime.http_serving import STOP_POLL_SECONDS, Gate

# The API's error shape (chalicelib/api/errors.py) for the one answer the server gives itself.
_STOPPING = json.dumps({"error": {"code": "SERVICE_UNAVAILABLE", "message": "the local stack is stopping"}}).encode()


class _Server(ThreadedHTTPServer):
    # Chalice's server inherits socketserver's backlog of 5: a burst of 20 connections is reset.
    request_queue_size = 256
    pool_size = 64

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pool = ThreadPoolExecutor(self.pool_size, thread_name_prefix="api")

    def process_request(self, request, client_address) -> None:
        # Pooled threads, not a new one per connection: handlers keep per-thread boto3
        # resources (chalicelib/aws/clients.py), which cost ~100 ms of CPU each to build.
        self._pool.submit(self.process_request_thread, request, client_address)

    def close_pool(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class _RequestHandler(ChaliceRequestHandler):
    """Chalice's handler, gated so a stop finishes what it admitted and admits nothing after."""

    http_log = False
    _admitted = False
    # An idle kept-alive connection gives its pooled thread back after this long.
    timeout = 5
    # Chalice writes the headers and the body in separate sends; on a kept-alive connection Nagle's
    # algorithm then holds the body for the client's delayed ACK, about 40 ms per request.
    disable_nagle_algorithm = True

    # (prefix, handle) pairs: dev-only pages served beside the API (e.g. the console at /_console);
    # handle(self) answers a request whose path is the prefix or under it.
    mounts: tuple = ()

    def _generic_handle(self) -> None:
        for prefix, handle in self.mounts:
            if self.path == prefix or self.path.startswith((prefix + "/", prefix + "?")):
                return handle(self)
        return super()._generic_handle()

    def _handle(self) -> None:
        self._generic_handle()

    # Chalice binds its do_* to its own _generic_handle; these reach the override above (and the mounts).
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _handle

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        self._admitted = self.server.gate.enter()
        if not self._admitted:
            # A request on a kept-alive connection after the stop began: refused, never half-served.
            body = _STOPPING
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
        return self._admitted

    def __getattr__(self, name: str):
        # http.server answers a method it has no do_<METHOD> for (TRACE, QUERY, ...) with a 501 HTML
        # page; the app answers it as any method its path does not take (405 with Allow, error shape).
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        finally:
            if self._admitted:
                self._admitted = False
                self.server.gate.leave()

    def log_message(self, format, *args) -> None:
        if self.http_log:
            super().log_message(format, *args)


class ApiServer:
    """Serves the app until stop(); stop() refuses new connections first, then lets requests finish."""

    def __init__(self, app, config, host: str, port: int, http_log: bool = False, mounts: tuple = ()) -> None:
        # What chalice.local.create_local_server does, with our server and handler classes.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
        handler = type("ApiRequestHandler", (_RequestHandler,), {"http_log": http_log, "mounts": tuple(mounts)})
        self._local = LocalDevServer(app, config, host, port, handler_cls=handler, server_cls=_Server)
        self._local.server.gate = Gate()
        self._thread = threading.Thread(
            target=self._local.server.serve_forever,
            kwargs={"poll_interval": STOP_POLL_SECONDS},
            name="api",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return self._local.server.server_address[1]

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10) -> int:
        """Returns how many requests were still running when ``timeout`` ran out."""
        server = self._local.server
        if self._thread.is_alive():
            server.shutdown()  # no more accept() calls
        server.socket.close()  # new connections are refused from here on
        unfinished = server.gate.close(timeout)
        server.close_pool()
        return unfinished


# The API's own process, started by local_runtime/api_process.py. Apart from the runtime's process, whose
# delivery threads and handlers held the GIL most of the time under load, a request waits for nobody's.
def main() -> int:
    """Serve the API (and /docs, /openapi.json; /_console forwarded) from the LOCAL_* settings until SIGTERM."""
    start_gc.pause()
    from chalicelib.aws import clients
    from local_runtime import api_docs
    from local_runtime.chalice_app import load_app
    from local_runtime.console.http import PREFIX as CONSOLE_PREFIX
    from local_runtime.console.proxy import ConsoleProxy
    from local_runtime.emulator import point_boto3_at
    from local_runtime.invoke import import_handler_modules
    from local_runtime.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)-8s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    settings = Settings.from_env()
    app, config = load_app(settings.stage, settings.handler_log_level)
    import_handler_modules()  # before the pooled threads import them side by side (see invoke.py)
    start_gc.resume()
    # The stack's go-ahead once the tables exist, on one line: where the console and DynamoDB are.
    go = sys.stdin.readline()
    if not go.strip():  # the stack stopped (or died) before the API was needed
        return 0
    addresses = json.loads(go)
    point_boto3_at(f"http://{settings.host}:{settings.aws_port}", addresses["dynamodb"])
    clients.reset()
    mounts = (
        (CONSOLE_PREFIX, ConsoleProxy(addresses["console"]).handle),
        (api_docs.SPEC_PATH, api_docs.handle),
        (api_docs.DOCS_PATH, api_docs.handle),
    )
    server = ApiServer(app, config, settings.host, settings.api_port, settings.http_log, mounts)
    server.start()
    # A signal wakes only the main thread's wait when it lands there; look often instead (see __main__.py).
    while not stopping.wait(0.2):
        pass
    unfinished = server.stop()
    logging.getLogger("local").info(
        "stopping: API closed%s", f" ({unfinished} requests unfinished)" if unfinished else ""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
