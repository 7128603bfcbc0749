"""Schemathesis hooks for the two rules of this API that JSON Schema cannot state (schemathesis.toml loads them).

Each adapts a generated request only where the spec's schema and the API's rule agree the request
stays what it was (valid or invalid); without them schemathesis would report the rule itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import schemathesis

# chalicelib/input_rules.py's RFC 3339 form: only a well-formed time is moved, never a broken one.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def _whole_numbers(value):
    # JSON Schema's integer includes 2.0; the API wants counts written as 2 (README, INVALID_INTEGER).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    # A nextToken is only ever one the API issued for the same query (else 400 INVALID_NEXT_TOKEN): none
    # can be generated, and an OpenAPI link cannot carry the query's optional filters along with it.
    if case.operation.label == "GET /orders":
        query = case.query if case.query is not None else {}
        query.pop("nextToken", None)
        # At least one of customerId and status: OpenAPI has no way to state a rule across parameters.
        if "customerId" not in query and "status" not in query:
            query["customerId"] = "schemathesis"
        case.query = query
    body = case.body
    if not isinstance(body, dict | list):
        return
    body = _whole_numbers(body)
    # occurredAt must be within 30 days before and 5 minutes after receipt: a window around "now",
    # which no schema can state. A well-formed time becomes now, so the rest of the body is tested.
    if case.operation.label == "POST /payments" and isinstance(body, dict):
        occurred = body.get("occurredAt")
        if isinstance(occurred, str) and _RFC3339.fullmatch(occurred):
            body["occurredAt"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    case.body = body
