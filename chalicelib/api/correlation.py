"""The request's correlation id: the caller's X-Correlation-Id, or one made from the request id.

Every response carries it back in the same header (errors too); the views write it onto what
they cause (the order item, the payment message), and the API's log lines carry it.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from aws_lambda_powertools import Logger

HEADER = "X-Correlation-Id"
_FORM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/=+-]{0,127}")
_ISSUE = "must be 1 to 128 letters, digits or ._:/=+- starting with a letter or digit"

_current: ContextVar[str] = ContextVar("correlation_id")
logger = Logger(service="orders-api")


def _request_id(request) -> str:
    # API Gateway's request id; Chalice's local server has none, but its Lambda context has one.
    context_id = (request.context or {}).get("requestId")
    lambda_context = getattr(request, "lambda_context", None)
    return context_id or getattr(lambda_context, "aws_request_id", None) or str(uuid.uuid4())


def current() -> str:
    """The correlation id of the request being served."""
    return _current.get()


def with_correlation_id(request, get_response):
    """HTTP middleware: pick the id, serve the request under it, answer it in the header."""
    given = (request.headers or {}).get(HEADER.lower())
    valid = given is not None and _FORM.fullmatch(given) is not None
    correlation_id = given if valid else _request_id(request)
    token = _current.set(correlation_id)
    logger.set_correlation_id(correlation_id)
    if given is not None and not valid:
        # Replaced, not refused (as AWS X-Ray treats a malformed trace header): a tracing header
        # never costs the caller its request, and the answer's header says which id was used.
        logger.warning("unusable X-Correlation-Id replaced", extra={"given": given[:140], "issue": _ISSUE})
    try:
        response = get_response(request)
    finally:
        _current.reset(token)
    response.headers[HEADER] = correlation_id
    return response
