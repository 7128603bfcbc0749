"""Every HTTP error is `{"error": {"code", "message", "details"}}` (ErrorResponse) with a stable code."""

from __future__ import annotations

import functools
from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from chalice import Response
from pydantic import ValidationError

from chalicelib.api.responses import ErrorBody, ErrorResponse
from chalicelib.orders.errors import InvalidPageToken, InvalidTransition, OrderNotFound, VersionConflict

logger = Logger(service="orders-api")


class ApiError(Exception):
    """A caller mistake with its HTTP status and stable error code."""

    def __init__(self, status: int, code: str, message: str, details: list | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(status: int, code: str, message: str, details: list | None = None, headers=None) -> Response:
    error = ErrorResponse(error=ErrorBody(code=code, message=message, details=details or None))
    return Response(
        body=error.to_json(), status_code=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


# Pydantic's own error types, grouped into our stable codes; our rules (chalicelib/input_rules.py)
# raise their code directly, and anything unlisted is INVALID_VALUE.
_PYDANTIC_CODES = {
    "missing": "FIELD_REQUIRED",
    "extra_forbidden": "UNKNOWN_FIELD",
    "greater_than": "OUT_OF_RANGE",
    "greater_than_equal": "OUT_OF_RANGE",
    "less_than": "OUT_OF_RANGE",
    "less_than_equal": "OUT_OF_RANGE",
    "too_short": "OUT_OF_RANGE",
    "too_long": "OUT_OF_RANGE",
    "string_too_short": "OUT_OF_RANGE",
    "string_too_long": "OUT_OF_RANGE",
    "decimal_max_digits": "OUT_OF_RANGE",
    "decimal_whole_digits": "OUT_OF_RANGE",
    "decimal_max_places": "TOO_MANY_DECIMAL_PLACES",
    "enum": "NOT_ALLOWED_VALUE",
    "literal_error": "NOT_ALLOWED_VALUE",
}


def detail_code(error_type: str) -> str:
    """The stable code of one pydantic error: our rule's own, or pydantic's type mapped."""
    if error_type.isupper():
        return error_type
    if error_type in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[error_type]
    return "WRONG_TYPE" if error_type.endswith("_type") else "INVALID_VALUE"


def validation_details(error: ValidationError) -> list[dict]:
    """Pydantic's errors as `{field, code, issue}` a caller can act on."""
    details = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"]) or "(request)"
        issue = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        details.append({"field": field, "code": detail_code(item["type"]), "issue": issue})
    return details


def _summary(details: list[dict]) -> str:
    first = details[0]
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{first['field']}: {first['issue']}{more}"


# Domain and library errors, each with one HTTP meaning.
_MAPPED: list[tuple[type[Exception], int, str]] = [
    (OrderNotFound, 404, "ORDER_NOT_FOUND"),
    (InvalidTransition, 409, "INVALID_STATUS_TRANSITION"),
    (VersionConflict, 409, "VERSION_CONFLICT"),
    (InvalidPageToken, 400, "INVALID_NEXT_TOKEN"),
]


def json_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Turn expected exceptions from a view into JSON error responses."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs) -> Response:
        try:
            return view(*args, **kwargs)
        except ApiError as error:
            return error_response(error.status, error.code, error.message, error.details)
        except ValidationError as error:
            details = validation_details(error)
            return error_response(400, "VALIDATION_ERROR", _summary(details), details)
        except IdempotencyValidationError:
            return error_response(
                422,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was already used with a different body; use a new key for a new request",
            )
        except IdempotencyAlreadyInProgressError:
            return error_response(
                409,
                "IDEMPOTENCY_IN_PROGRESS",
                "a request with this Idempotency-Key is still in progress; retry shortly",
            )
        except tuple(cls for cls, _, _ in _MAPPED) as error:
            status, code = next((s, c) for cls, s, c in _MAPPED if isinstance(error, cls))
            return error_response(status, code, str(error))

    return wrapper


# Chalice answers some requests itself (415, 405, 500) with {"Code", "Message"}.
_CHALICE_CODES = {
    "UnsupportedMediaType": "UNSUPPORTED_MEDIA_TYPE",
    "MethodNotAllowedError": "METHOD_NOT_ALLOWED",
    "InternalServerError": "INTERNAL_ERROR",
    "BadRequestError": "BAD_REQUEST",
    "NotFoundError": "NOT_FOUND",
}


def reshape_chalice_errors(event, get_response):
    """HTTP middleware: give Chalice's own error responses our error shape."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(body["Code"], "ERROR")
        message = body["Message"]
        if code == "UNSUPPORTED_MEDIA_TYPE":
            message = f"{message}; send the body as application/json"
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
        if code == "METHOD_NOT_ALLOWED":
            # A method no route can take (TRACE): Chalice's Allow would list the 405 routes too.
            from chalicelib.api.routing import ALLOWED

            allowed = ALLOWED.get((getattr(event, "context", None) or {}).get("resourcePath"))
            if allowed:
                headers["Allow"] = ", ".join(allowed)
                message = f"{event.method} is not allowed here; allowed: {headers['Allow']}"
        if code == "INTERNAL_ERROR":
            logger.error("unhandled error", extra={"path": getattr(event, "path", None)})
        return error_response(response.status_code, code, message, headers=headers)
    return response
