"""EventBridge input transformers, with AWS's rules for quoted and unquoted placeholders.

Written here because moto applies only quoted placeholders (an unquoted one, valid on AWS,
fails the whole PutEvents) and no library implements EventBridge's substitution rules.
"""

from __future__ import annotations

import json
import re

import jmespath

_PLACEHOLDER = re.compile(r"<(\$?[A-Za-z0-9_.\-]+)>")
_RESERVED = {
    "aws.events.event": lambda event: event,
    "aws.events.event.json": lambda event: event,
    "aws.events.event.ingestion-time": lambda event: event.get("time"),
}


def placeholders(template: str) -> list[str]:
    """The ``<name>`` variables a template uses, in order."""
    return _PLACEHOLDER.findall(template)


def _resolve(path: str, event: dict):
    """A simple JSONPath (`$.a.b[0]`) into the event; None where it leads nowhere."""
    if path == "$":
        return event
    if not path.startswith("$."):
        raise ValueError(f"input path {path!r} must start with '$.'")
    expression = ".".join(f'"{part}"' if "-" in part else part for part in path[2:].split("."))
    return jmespath.search(expression, event)


def _quoted_spans(template: str) -> list[tuple[int, int]]:
    """Where the template's JSON string literals begin and end."""
    spans, start, escaped = [], None, False
    for i, char in enumerate(template):
        if start is None:
            if char == '"':
                start = i
        elif escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            spans.append((start, i))
            start = None
    return spans


def transform(input_paths: dict[str, str], input_template: str, event: dict, rule_name: str = ""):
    """The input a target receives; parsed JSON when the result is JSON, else the text."""
    values = {name: _resolve(path, event) for name, path in input_paths.items()}
    for name, pick in _RESERVED.items():
        values.setdefault(name, pick(event))
    values.setdefault("aws.events.rule-name", rule_name)
    spans = _quoted_spans(input_template)

    def inside_string(position: int) -> bool:
        return any(start < position < end for start, end in spans)

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)  # not a variable: AWS leaves the text alone
        value = values[name]
        if inside_string(match.start()):
            # Inside a string: strings go in raw (JSON-escaped), anything else as its JSON text.
            text = value if isinstance(value, str) else ("" if value is None else json.dumps(value))
            return json.dumps(text)[1:-1]
        return json.dumps(value)

    result = _PLACEHOLDER.sub(substitute, input_template)
    try:
        return json.loads(result)
    except ValueError:
        return result
