"""DynamoDB (and its streams) live in an emulator process of their own; the main one forwards their calls there.

One moto process answers every service under one GIL; at 30 orders/s it held that GIL nearly all
the time. DynamoDB takes about half of the calls, so it gets a process (and a core) of its own. The
stack's clients reach it directly (AWS_ENDPOINT_URL_DYNAMODB, see emulator.point_boto3_at); anyone
else (the AWS CLI, `chalice local`, Step Functions' dynamodb:putItem tasks) calls the main endpoint,
and this forwards those calls unchanged. Installed only where LOCAL_DYNAMODB_ENDPOINT is set.
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import threading
from urllib.parse import urlsplit

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from werkzeug.wsgi import get_input_stream

from local_runtime.emulator_patches import CALLS_PATH, DYNAMODB_ENDPOINT_VARIABLE
from local_runtime.http_serving import HOP_BY_HOP, end_to_end

# The JSON protocols' X-Amz-Target prefixes of DynamoDB and DynamoDB Streams.
_TARGETS = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")
# Besides the hop-by-hop headers: http.client sets the length and host of what it sends.
_NOT_FORWARDED = HOP_BY_HOP | {"content-length", "host"}
# GetRecords may wait up to 5 s (stream_wait.py); anything longer means the process is gone.
_TIMEOUT_SECONDS = 30
_per_thread = threading.local()


def _connection(address: tuple[str, int]) -> http.client.HTTPConnection:
    # One kept-alive connection per server thread: moto's server keeps each client's thread too.
    connection = getattr(_per_thread, "connection", None)
    if connection is None:
        connection = _per_thread.connection = http.client.HTTPConnection(*address, timeout=_TIMEOUT_SECONDS)
    return connection


def _headers(environ: dict) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return dict(end_to_end(headers.items(), _NOT_FORWARDED))


def _forward(address: tuple[str, int], environ: dict) -> tuple[int, str, list[tuple[str, str]], bytes]:
    body = get_input_stream(environ).read()
    path = environ.get("PATH_INFO") or "/"
    if environ.get("QUERY_STRING"):
        path += "?" + environ["QUERY_STRING"]
    for attempt in (1, 2):  # a kept-alive connection the other side closed is opened again, once
        connection = _connection(address)
        try:
            connection.request(environ["REQUEST_METHOD"], path, body=body, headers=_headers(environ))
            response = connection.getresponse()
            payload = response.read()
            break
        except (ConnectionError, http.client.HTTPException):
            connection.close()
            _per_thread.connection = None
            if attempt == 2:
                raise
    headers = end_to_end(response.getheaders(), _NOT_FORWARDED)
    return response.status, response.reason, headers, payload


def _merged_counts(address: tuple[str, int], own: list[dict]) -> bytes:
    """This process's call counts plus the DynamoDB process's: one answer for the whole embedded AWS."""
    connection = _connection(address)
    connection.request("GET", CALLS_PATH)
    theirs = json.loads(connection.getresponse().read())["calls"]
    total: collections.Counter = collections.Counter()
    for row in own + theirs:
        total[(row["accessKey"], row["service"], row["operation"])] += row["count"]
    rows = [{"accessKey": k, "service": s, "operation": o, "count": n} for (k, s, o), n in total.items()]
    return json.dumps({"calls": rows}).encode()


def _forwarding(call, address: tuple[str, int]):
    def forwarded_call(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(_TARGETS):
            status, reason, headers, body = _forward(address, environ)
            start_response(f"{status} {reason}", [*headers, ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == CALLS_PATH:
            own = json.loads(b"".join(call(self, environ, lambda *_: None)))["calls"]
            body = _merged_counts(address, own)
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return call(self, environ, start_response)

    return forwarded_call


def forwards() -> bool:
    """Whether this process hands DynamoDB to another (and so keeps none of its own)."""
    return bool(os.environ.get(DYNAMODB_ENDPOINT_VARIABLE))


def install() -> None:
    if not forwards():
        return
    url = urlsplit(os.environ[DYNAMODB_ENDPOINT_VARIABLE])
    # Outside call_counts' wrapper: a forwarded call is counted once, where it is answered.
    DomainDispatcherApplication.__call__ = _forwarding(DomainDispatcherApplication.__call__, (url.hostname, url.port))
