"""Lambda's Invoke API on loopback, so moto's Step Functions tasks run our in-process handlers.

moto's state machines call ``POST /2015-03-31/functions/{name}/invocations`` (and any
other service integration, e.g. SQS SendMessage) on ``http://localhost:$MOTO_PORT``.
This endpoint answers invocations of our functions itself and forwards everything else
to the embedded AWS, so pointing MOTO_PORT here is enough.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import requests

from local_runtime.http_serving import HOP_BY_HOP, STOP_POLL_SECONDS, end_to_end
from local_runtime.invoke import FunctionError, Invoker

log = logging.getLogger("lambda")

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
# Besides the hop-by-hop headers: requests recomputes the length and host, and has decoded the body.
_NOT_FORWARDED = HOP_BY_HOP | {"content-length", "host", "content-encoding"}


class LambdaEndpoint:
    """An HTTP server answering Invoke for the app's functions and proxying the rest to moto."""

    def __init__(self, invoker: Invoker, aws_endpoint: str, host: str = "127.0.0.1", port: int = 0):
        self.invoker, self.aws_endpoint = invoker, aws_endpoint.rstrip("/")
        # Lambda name -> "<state machine>/<state>", so the trace names the state a call serves.
        self.task_states: dict[str, str] = {}
        self._session = requests.Session()
        # Warm "execution environments": handlers keep per-thread clients across invocations,
        # where the server's thread-per-connection would build new ones every time.
        self._workers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda")
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": STOP_POLL_SECONDS},
            name="lambda-endpoint",
            daemon=True,
        )
        self._thread.start()
        # moto reads MOTO_PORT on every task call, so this takes effect for every execution.
        os.environ["MOTO_PORT"] = str(self.port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._workers.shutdown(wait=False, cancel_futures=True)

    def invoke(self, lambda_name: str, payload: bytes) -> tuple[int, dict, bytes]:
        """Run one invocation; returns (status, headers, body) as Lambda's Invoke API would."""
        function = self.invoker.function_for(lambda_name)
        headers = {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": "application/json"}
        if function is None:
            body = {"Type": "User", "message": f"Function not found: {lambda_name}"}
            return 404, {**headers, "x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(body).encode()
        event = json.loads(payload or b"{}")
        state = self.task_states.get(self.invoker.lambda_name(function))
        # A workflow's task names its state; anything else is a plain Invoke (a user rule's Lambda target).
        source = f"stepfunctions:{state}" if state else "lambda:invoke"
        try:
            result = self._workers.submit(self.invoker.invoke, function, event, source=source).result()
        except FunctionError as failure:
            error = {
                "errorMessage": str(failure.error),
                # An injected fault names the error Lambda would report (Lambda.ServiceException...).
                "errorType": getattr(failure.error, "error_type", type(failure.error).__name__),
                "stackTrace": traceback.format_tb(failure.error.__traceback__),
            }
            return 200, {**headers, "X-Amz-Function-Error": "Unhandled"}, json.dumps(error).encode()
        return 200, {**headers, "X-Amz-Executed-Version": "$LATEST"}, json.dumps(result, default=str).encode()

    def forward(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        """Send a request on to the embedded AWS unchanged."""
        sent = dict(end_to_end(headers.items(), _NOT_FORWARDED))
        response = self._session.request(method, self.aws_endpoint + path, headers=sent, data=body, timeout=30)
        kept = dict(end_to_end(response.headers.items(), _NOT_FORWARDED))
        return response.status_code, kept, response.content

    def _handler_class(self):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _respond(self, status: int, headers: dict, body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                match = _INVOKE_PATH.match(self.path.split("?", 1)[0])
                try:
                    if self.command == "POST" and match:
                        result = endpoint.invoke(unquote(match["name"]), body)
                    else:
                        result = endpoint.forward(self.command, self.path, dict(self.headers), body)
                except Exception as error:  # the caller must get an answer, never a dropped socket
                    log.exception("lambda endpoint failed on %s %s", self.command, self.path)
                    message = json.dumps({"message": f"{type(error).__name__}: {error}"}).encode()
                    result = 500, {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": "application/json"}, message
                self._respond(*result)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

            def log_message(self, format, *args):  # the trace is the log; the access log is noise
                return

        return Handler


def port_from_env() -> int:
    """LOCAL_LAMBDA_PORT, or 0 for a free port."""
    return int(os.environ.get("LOCAL_LAMBDA_PORT", "0"))


def started(invoker: Invoker, aws_endpoint: str, host: str = "127.0.0.1") -> LambdaEndpoint:
    """A running endpoint configured from the environment."""
    endpoint = LambdaEndpoint(invoker, aws_endpoint, host=host, port=port_from_env())
    endpoint.start()
    log.info("Lambda Invoke endpoint on http://%s:%d (MOTO_PORT)", host, endpoint.port)
    return endpoint
