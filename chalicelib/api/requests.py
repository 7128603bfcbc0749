"""Reading request bodies and query strings strictly, before any model sees them."""

from __future__ import annotations

import json
from decimal import Decimal

from chalicelib.api.errors import ApiError

MAX_BODY_BYTES = 64 * 1024


def json_body(request) -> dict:
    """The request's JSON object, with numbers as Decimal; ApiError if it is not one."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"request body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    if not raw.strip():
        raise ApiError(400, "MALFORMED_JSON", "request body is empty; send a JSON object")
    try:
        value = json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "MALFORMED_JSON", f"request body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ApiError(400, "MALFORMED_JSON", f"request body must be a JSON object, not {type(value).__name__}")
    return value


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


def query_params(request, allowed: set[str]) -> dict[str, str]:
    """The query string as a dict; ApiError on a parameter the route does not take."""
    params = dict(request.query_params or {})
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            [{"field": name, "code": "UNKNOWN_FIELD", "issue": "unknown query parameter"} for name in unknown],
        )
    return params


MAX_ID_BYTES = 128  # far above any id we issue; DynamoDB refuses keys over 2048 bytes with a 400 of its own


def plausible_id(value: str) -> bool:
    """Whether ``value`` could be an id we issued; anything else is simply not found."""
    return 0 < len(value.encode()) <= MAX_ID_BYTES
