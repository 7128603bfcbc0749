"""The embedded AWS counts the calls it answers, per caller: `GET /_local/calls`.

Every process of the stack (the API's, the runtime's) calls AWS; counting here, where the calls
arrive, counts them all in one place. Keyed by the access key in the request's signature, so a
benchmark's own calls (its own key) can be told from the system's. The answer:
`{"calls": [{"accessKey": "local", "service": "dynamodb", "operation": "PutItem", "count": 3}, ...]}`.
"""

from __future__ import annotations

import collections
import io
import json
import re
import threading
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from werkzeug.wsgi import get_input_stream

from local_runtime.emulator_patches import CALLS_PATH

# SigV4: "Credential=<access key>/<date>/<region>/<service>/aws4_request"
_CREDENTIAL = re.compile(r"Credential=([^/]*)/[^/]*/[^/]*/([^/]*)/")
_counts: collections.Counter = collections.Counter()
_lock = threading.Lock()


def _operation(environ: dict) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:  # JSON protocols: "DynamoDB_20120810.PutItem", "AmazonSQS.ReceiveMessage"
        return target.rsplit(".", 1)[-1]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        # Query protocols (SNS, STS): the action is a form field. moto reads the whole body anyway;
        # it is read here first and handed on unchanged.
        body = get_input_stream(environ).read()  # to its Content-Length, or a chunked body's end
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    if "Action=" in environ.get("QUERY_STRING", ""):
        return parse_qs(environ["QUERY_STRING"]).get("Action", ["?"])[0]
    return f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"  # REST protocols (Lambda, ...)


def _counting(call):
    def counted_call(self, environ, start_response):
        if environ.get("PATH_INFO") == CALLS_PATH:
            with _lock:
                rows = [{"accessKey": k, "service": s, "operation": o, "count": n} for (k, s, o), n in _counts.items()]
            body = json.dumps({"calls": rows}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        signed = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if signed:
            key = (signed[1], signed[2], _operation(environ))
            with _lock:
                _counts[key] += 1
        return call(self, environ, start_response)

    return counted_call


def install() -> None:
    DomainDispatcherApplication.__call__ = _counting(DomainDispatcherApplication.__call__)
