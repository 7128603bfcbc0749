"""Event patterns: validated as PutRule and CreatePipe validate them, matched as EventBridge matches.

Written here, not taken from a library: the one Python package for these semantics (PyPI
`event-ruler` 0.3.0, 2023, unmaintained) wraps a Go port, answers only true/false with no reason
for a rejected pattern and knows no pipe subset; moto's matcher disagrees with AWS on arrays of
objects, `exists` on empty arrays, `time` and validation. The rules follow AWS's "event patterns",
"content filtering" and "comparison operators" pages and aws/event-ruler's README.
"""

from __future__ import annotations

import ipaddress
import json
import re
from functools import lru_cache
from typing import Any

from local_runtime.eventbridge.errors import InvalidEventPattern

BUS, PIPE = "bus", "pipe"
OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard")
# AWS's comparison-operator table: these anything-but forms work on a bus, not in a pipe.
BUS_ONLY_ANYTHING_BUT = ("prefix", "suffix", "equals-ignore-case", "wildcard")
LOWER_BOUNDS, UPPER_BOUNDS = (">", ">="), ("<", "<=")
# event-ruler's numeric range: numbers outside it cannot be compared exactly, so AWS refuses them.
NUMERIC_LIMIT = 5_000_000_000


class EventPattern:
    """A validated pattern; ``matches`` never raises."""

    def __init__(self, source: str | dict, dialect: str = BUS) -> None:
        self.pattern = _parse(source)
        _check_object(self.pattern, dialect, "")

    def matches(self, event: Any) -> bool:
        return _match_object(self.pattern, event if isinstance(event, dict) else {})


def _parse(source: str | dict) -> dict:
    if isinstance(source, str):
        try:
            source = json.loads(source)
        except ValueError as error:
            raise InvalidEventPattern(f"the pattern is not valid JSON ({error})") from None
    if not isinstance(source, dict):
        raise InvalidEventPattern("the pattern must be a JSON object")
    return source


def _where(path: str) -> str:
    return f"at '{path}'" if path else "at the top level"


def _check_object(node: dict, dialect: str, path: str) -> None:
    for key, value in node.items():
        here = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, dict) and v for v in value):
                raise InvalidEventPattern(f"'$or' must be an array of at least two non-empty objects {_where(path)}")
            for branch in value:
                _check_object(branch, dialect, path)
        elif isinstance(value, dict):
            if not value:
                raise InvalidEventPattern(f"empty object {_where(here)}")
            _check_object(value, dialect, here)
        elif isinstance(value, list):
            if not value:
                raise InvalidEventPattern(f"empty arrays are not allowed {_where(here)}")
            for matcher in value:
                _check_matcher(matcher, dialect, here)
        else:
            raise InvalidEventPattern(f"'{here}' must be an object or an array, not {json.dumps(value)}")


def _check_matcher(matcher: Any, dialect: str, path: str) -> None:
    if matcher is None or isinstance(matcher, (str, bool, int, float)):
        return
    if isinstance(matcher, list):
        raise InvalidEventPattern(f"nested arrays are not allowed {_where(path)}")
    if len(matcher) != 1:
        raise InvalidEventPattern(f"a match object must hold exactly one operator {_where(path)}")
    ((operator, value),) = matcher.items()
    if operator not in OPERATORS:
        # AWS compares operator names exactly: "Prefix" is not "prefix".
        raise InvalidEventPattern(f"unrecognized match type '{operator}' {_where(path)}")
    _CHECKS[operator](value, dialect, path)


def _string(value: Any, operator: str, path: str, *, empty: bool = True) -> None:
    if not isinstance(value, str):
        raise InvalidEventPattern(f"'{operator}' match pattern must be a string literal {_where(path)}")
    if not empty and not value:
        raise InvalidEventPattern(f"'{operator}' match pattern must not be empty {_where(path)}")


def _strings(value: Any, operator: str, path: str, *, empty: bool = True) -> None:
    for item in value if isinstance(value, list) and value else [value]:
        _string(item, operator, path, empty=empty)


def _check_affix(value: Any, dialect: str, path: str, operator: str) -> None:
    if isinstance(value, dict):
        if list(value) != ["equals-ignore-case"]:
            raise InvalidEventPattern(f"'{operator}' takes a string or {{\"equals-ignore-case\": ...}} {_where(path)}")
        _string(value["equals-ignore-case"], f"{operator}.equals-ignore-case", path)
        return
    _string(value, operator, path)


def _check_exists(value: Any, dialect: str, path: str) -> None:
    if not isinstance(value, bool):
        raise InvalidEventPattern(f"'exists' match pattern must be either true or false {_where(path)}")


def _check_cidr(value: Any, dialect: str, path: str) -> None:
    _string(value, "cidr", path)
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise InvalidEventPattern(f"'{value}' is not a valid CIDR {_where(path)}") from None


def _check_wildcard(value: Any, dialect: str, path: str) -> None:
    _string(value, "wildcard", path)
    if "**" in value.replace("\\*", ""):
        raise InvalidEventPattern(f"consecutive wildcard characters in '{value}' {_where(path)}")
    if re.search(r"\\[^*\\]|\\$", value.replace("\\\\", "")):
        raise InvalidEventPattern(f"'{value}': only '*' and '\\' may be escaped in a wildcard {_where(path)}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_numeric(value: Any, dialect: str, path: str) -> None:
    bad = InvalidEventPattern(
        f"'numeric' takes [op, number] or [>|>=, low, <|<=, high] with numbers within ±5e9 {_where(path)}"
    )
    if not isinstance(value, list) or len(value) not in (2, 4):
        raise bad
    operators, numbers = value[0::2], value[1::2]
    if not all(_number(n) and abs(n) <= NUMERIC_LIMIT for n in numbers):
        raise bad
    if len(value) == 2 and operators[0] not in ("=", *LOWER_BOUNDS, *UPPER_BOUNDS):
        raise bad
    if len(value) == 4 and not (
        operators[0] in LOWER_BOUNDS and operators[1] in UPPER_BOUNDS and numbers[0] < numbers[1]
    ):
        raise bad


def _check_anything_but(value: Any, dialect: str, path: str) -> None:
    if isinstance(value, str) or _number(value):
        return
    if isinstance(value, list):
        if not value or not (all(isinstance(v, str) for v in value) or all(_number(v) for v in value)):
            raise InvalidEventPattern(
                f"'anything-but' list must hold only strings or only numbers, at least one {_where(path)}"
            )
        return
    if not isinstance(value, dict):
        raise InvalidEventPattern(f"'anything-but' takes a string, a number, a list or an object {_where(path)}")
    if len(value) != 1 or next(iter(value)) not in BUS_ONLY_ANYTHING_BUT:
        raise InvalidEventPattern(
            f"'anything-but' object must hold one of {', '.join(BUS_ONLY_ANYTHING_BUT)} {_where(path)}"
        )
    ((operator, inner),) = value.items()
    if dialect == PIPE:
        raise InvalidEventPattern(f"pipes do not support 'anything-but' with '{operator}' {_where(path)}")
    if operator in ("prefix", "suffix"):
        _string(inner, f"anything-but.{operator}", path, empty=False)
    elif operator == "equals-ignore-case":
        _strings(inner, "anything-but.equals-ignore-case", path)
    else:
        for item in inner if isinstance(inner, list) and inner else [inner]:
            _check_wildcard(item, dialect, path)


_CHECKS = {
    "prefix": lambda v, d, p: _check_affix(v, d, p, "prefix"),
    "suffix": lambda v, d, p: _check_affix(v, d, p, "suffix"),
    "equals-ignore-case": lambda v, d, p: _string(v, "equals-ignore-case", p),
    "anything-but": _check_anything_but,
    "numeric": _check_numeric,
    "exists": _check_exists,
    "cidr": _check_cidr,
    "wildcard": _check_wildcard,
}


# Matching. Every function below is total on any JSON value: nothing here raises.


def _match_object(pattern: dict, node: dict) -> bool:
    for key, expected in pattern.items():
        if key == "$or":
            if not any(_match_object(branch, node) for branch in expected):
                return False
            continue
        present = key in node
        value = node.get(key)
        if isinstance(expected, dict):
            # Fields of one array element must match together (event-ruler's array consistency);
            # an absent object still matches a sub-pattern of `exists: false` leaves.
            objects = [v for v in _elements(value) if isinstance(v, dict)] if present else []
            if not any(_match_object(expected, obj) for obj in objects or [{}]):
                return False
        elif not _match_leaf(expected, [v for v in _elements(value) if not isinstance(v, dict)] if present else []):
            return False
    return True


def _elements(value: Any) -> list:
    """A value, or the elements of an array (flattened: arrays of arrays are one array to a pattern)."""
    if not isinstance(value, list):
        return [value]
    flat = []
    for item in value:
        flat.extend(_elements(item))
    return flat


def _match_leaf(matchers: list, values: list) -> bool:
    for matcher in matchers:
        if isinstance(matcher, dict) and "exists" in matcher:
            # Only leaf values exist: an empty array or an object has none.
            if bool(values) == matcher["exists"]:
                return True
        elif any(_match_value(matcher, v) for v in values):
            return True
    return False


def _equal(expected: Any, value: Any) -> bool:
    if expected is None or isinstance(expected, bool):
        return value is expected
    if _number(expected):
        return _number(value) and value == expected
    return isinstance(value, str) and value == expected


def _match_value(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return _equal(matcher, value)
    ((operator, argument),) = matcher.items()
    if operator == "numeric":
        return _number(value) and all(
            _compare(op, value, bound) for op, bound in zip(argument[0::2], argument[1::2], strict=True)
        )
    if operator == "anything-but":
        return _anything_but(argument, value)
    if not isinstance(value, str):
        return False
    if operator in ("prefix", "suffix"):
        ignore_case = isinstance(argument, dict)
        text = argument["equals-ignore-case"] if ignore_case else argument
        subject, text = (value.lower(), text.lower()) if ignore_case else (value, text)
        return subject.startswith(text) if operator == "prefix" else subject.endswith(text)
    if operator == "equals-ignore-case":
        return value.lower() == argument.lower()
    if operator == "cidr":
        return _in_network(value, argument)
    return bool(_wildcard(argument).fullmatch(value))  # wildcard


def _anything_but(argument: Any, value: Any) -> bool:
    if isinstance(argument, list):
        return not any(_equal(item, value) for item in argument)
    if not isinstance(argument, dict):
        return not _equal(argument, value)
    if not isinstance(value, str):
        return False
    ((operator, inner),) = argument.items()
    inner = inner if isinstance(inner, list) else [inner]
    if operator == "prefix":
        return not any(value.startswith(p) for p in inner)
    if operator == "suffix":
        return not any(value.endswith(s) for s in inner)
    if operator == "equals-ignore-case":
        return value.lower() not in {i.lower() for i in inner}
    return not any(_wildcard(w).fullmatch(value) for w in inner)


def _compare(operator: str, value: float, bound: float) -> bool:
    return {
        "<": value < bound,
        "<=": value <= bound,
        "=": value == bound,
        ">=": value >= bound,
        ">": value > bound,
    }[operator]


def _in_network(value: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


@lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern:
    parts, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)
