"""Field types for what callers send; a value breaking one answers with that rule's stable code.

Each rule raises ``PydanticCustomError(code, message)``, so the code travels in pydantic's error
``type`` and reaches the caller as ``details[].code`` (see ``chalicelib/api/errors.py``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from chalicelib.timestamps import iso

# Stable codes, one per rule (README, "The Orders API").
INVALID_IDENTIFIER = "INVALID_IDENTIFIER"
INVALID_MONEY = "INVALID_MONEY"
INVALID_INTEGER = "INVALID_INTEGER"
INVALID_TIMESTAMP = "INVALID_TIMESTAMP"
INVALID_CURRENCY = "INVALID_CURRENCY"
OCCURRED_AT_OUT_OF_WINDOW = "OCCURRED_AT_OUT_OF_WINDOW"

# How far from the moment we receive it an event's time may be: a clock a little fast, or a
# payment held back for up to a month (retries, offline terminals), but never "1970" or "9999".
MAX_AHEAD = timedelta(minutes=5)
MAX_AGE = timedelta(days=30)

# Python's Decimal and int accept any Unicode digit ("١٢"), underscores and spaces; pydantic's
# datetime takes "1700000000" as epoch seconds. These patterns admit ASCII text only.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_INTEGER_TEXT = re.compile(r"[0-9]{1,9}")


def _coded(code: str, message: str) -> WrapValidator:
    """Any failure of the wrapped type's own checks becomes ``code`` with ``message``."""

    def validate(value: Any, handler):
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError(code, message) from None

    return WrapValidator(validate)


def _money(value: Any) -> Any:
    # JSON numbers arrive as Decimal or int (requests.json_body); a float has already lost exactness.
    if isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError(
        INVALID_MONEY, 'must be a JSON number or ASCII decimal text such as "12.50", not {kind}', {"kind": _kind(value)}
    )


def _integer(value: Any) -> Any:
    # StrictInt, with our code: bool is an int to Python, and "2" or 2.0 is not a count.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError(
        INVALID_INTEGER, "must be a whole JSON number such as 2, not {kind}", {"kind": _kind(value)}
    )


def _query_integer(value: Any) -> Any:
    """A query string integer: ASCII digits only (int() would take " +1_0" or Unicode digits)."""
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError(INVALID_INTEGER, "must be ASCII digits such as 20")


def _timestamp(value: Any, handler) -> datetime:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise PydanticCustomError(
            INVALID_TIMESTAMP,
            'must be an RFC 3339 date-time string with an offset, such as "2026-01-02T03:04:05Z" or '
            '"2026-01-02T04:04:05+01:00", not {kind}',
            {"kind": _kind(value)},
        )
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError(INVALID_TIMESTAMP, "is not a real date and time: {value}", {"value": value}) from None


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text in another form"
    return {bool: "a boolean", float: "a float", type(None): "null", list: "a list", dict: "an object"}.get(
        type(value), "a number" if isinstance(value, int | Decimal) else type(value).__name__
    )


def check_window(occurred: datetime, received: datetime) -> None:
    """Raise the window rule's error unless ``occurred`` is within [received - MAX_AGE, received + MAX_AHEAD]."""
    if not received - MAX_AGE <= occurred <= received + MAX_AHEAD:
        raise PydanticCustomError(
            OCCURRED_AT_OUT_OF_WINDOW,
            "must be at most 5 minutes after and at most 30 days before the time it was received ({received})",
            {"received": iso(received)},
        )


Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"),
    _coded(INVALID_IDENTIFIER, "must be 1 to 64 ASCII letters, digits or _.:- starting with a letter or digit"),
]
Sku = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
    _coded(INVALID_IDENTIFIER, "must be 1 to 64 ASCII letters, digits or _.- starting with a letter or digit"),
]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), _coded(INVALID_CURRENCY, "must be an ISO 4217 code such as USD")
]
# Money's range and cents are the field's own constraints (OUT_OF_RANGE, TOO_MANY_DECIMAL_PLACES).
Money = Annotated[Decimal, BeforeValidator(_money)]
# JSON Schema counts 2.0 as an integer; this API does not (README), which a schema cannot say.
Count = Annotated[
    int, BeforeValidator(_integer), Field(description="A whole JSON number written without a fraction: 2, not 2.0.")
]
QueryCount = Annotated[int, BeforeValidator(_query_integer)]
Timestamp = Annotated[
    AwareDatetime,
    WrapValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": f"^{_RFC3339.pattern}$"}),
]
