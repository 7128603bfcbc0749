"""Input transformers (rule targets) and input templates (pipes), with AWS's substitution rules.

Written here because no library implements EventBridge's rules (moto applies only quoted
placeholders). The rules, from AWS's "input transformation" pages and cases recorded on AWS:
- a placeholder inside a JSON string of a JSON template: strings go in raw (escaped), numbers and
  booleans as their text, null or a missing path as nothing; an object or array there makes AWS
  drop the event (``render`` returns None);
- an unquoted placeholder in a JSON template: the value as JSON, a missing path as ``""``;
- in a text template (a JSON string or free text): objects and arrays as ``{k:v}`` and ``[a,b]``;
- a template that is one placeholder passes the value: strings raw, anything else as JSON;
- every ``<name>`` must be an InputPathsMap key or a reserved variable, else PutTargets fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from jsonpath_ng import parse as parse_path

from local_runtime.eventbridge.errors import InvalidTransformer

RULE_VARIABLES = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)
PIPE_VARIABLES = (
    "aws.pipes.pipe-arn",
    "aws.pipes.pipe-name",
    "aws.pipes.source-arn",
    "aws.pipes.enrichment-arn",
    "aws.pipes.target-arn",
    "aws.pipes.event.ingestion-time",
    "aws.pipes.event",
    "aws.pipes.event.json",
)
MAX_VARIABLES = 100
MAX_TEMPLATE_LENGTH = 8192
_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
_MISSING = object()


def json_path(path: Any, where: str):
    """A compiled JSON path of the subset AWS accepts; InvalidTransformer naming ``where`` otherwise."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise InvalidTransformer(f"{where}: {path!r} is not a JSON path (it must start with '$')")
    try:
        return parse_path(path)
    except Exception as error:  # jsonpath-ng raises several unrelated types for bad syntax
        raise InvalidTransformer(f"{where}: {path!r} is not a valid JSON path ({error})") from None


class InputTransformer:
    """A validated template; ``render`` never raises."""

    def __init__(self, template: str, paths: Mapping[str, str], reserved: tuple[str, ...]) -> None:
        if not isinstance(template, str) or not template.strip():
            raise InvalidTransformer("InputTemplate must be a non-empty string")
        if len(template) > MAX_TEMPLATE_LENGTH:
            raise InvalidTransformer(f"InputTemplate is longer than {MAX_TEMPLATE_LENGTH} characters")
        self.template = template
        self._paths = {name: json_path(path, f"InputPathsMap[{name!r}]") for name, path in paths.items()}
        self._reserved = reserved
        self._json = template.lstrip()[:1] in ("{", "[")
        # A template that is one placeholder (`<$.detail>`) passes the value itself.
        self._whole = bool(_PLACEHOLDER.fullmatch(template.strip()))
        self._quoted = _quoted_spans(template) if self._json else []
        for name in _PLACEHOLDER.findall(template):
            if name not in self._paths and name not in reserved:
                raise InvalidTransformer(
                    f"InputTemplate uses <{name}>, which is neither an InputPathsMap key nor a reserved variable"
                )

    @classmethod
    def for_rule(cls, paths: Mapping[str, str] | None, template: str) -> InputTransformer:
        """A rule target's InputTransformer (InputPathsMap + InputTemplate), as PutTargets validates it."""
        paths = paths or {}
        if not isinstance(paths, Mapping):
            raise InvalidTransformer("InputPathsMap must be an object")
        if len(paths) > MAX_VARIABLES:
            raise InvalidTransformer(f"InputPathsMap has {len(paths)} entries; at most {MAX_VARIABLES}")
        for name in paths:
            if name in RULE_VARIABLES or name.startswith("aws."):
                raise InvalidTransformer(f"InputPathsMap key {name!r} is reserved")
            if not _KEY.match(name):
                raise InvalidTransformer(f"InputPathsMap key {name!r} may hold only letters, digits, '_' and '-'")
        return cls(template, paths, RULE_VARIABLES)

    @classmethod
    def for_pipe(cls, template: str) -> InputTransformer:
        """A pipe's InputTemplate: placeholders are JSON paths (``<$.detail>``) or ``aws.pipes.*`` variables."""
        paths = {name: name for name in _PLACEHOLDER.findall(template or "") if name.startswith("$")}
        return cls(template, paths, PIPE_VARIABLES)

    def render(self, event: Any, variables: Mapping[str, Any]) -> str | None:
        """The target's input as text, or None where AWS drops the event."""
        out, last = [], 0
        for match in _PLACEHOLDER.finditer(self.template):
            out.append(self.template[last : match.start()])
            last = match.end()
            value = self._value(match.group(1), event, variables)
            text = self._text(value, quoted=any(s < match.start() < e for s, e in self._quoted))
            if text is None:
                return None
            out.append(text)
        out.append(self.template[last:])
        return "".join(out)

    def _value(self, name: str, event: Any, variables: Mapping[str, Any]) -> Any:
        if name in variables:
            return variables[name]
        path = self._paths.get(name)
        if path is None:
            return _MISSING
        found = [m.value for m in path.find(event)]
        if not found:
            return _MISSING
        # A wildcard path gives every value it reached, as an array.
        return found[0] if len(found) == 1 and "*" not in str(path) else found

    def _text(self, value: Any, *, quoted: bool) -> str | None:
        if self._whole:
            return _plain(value) if value is _MISSING or isinstance(value, str) else json.dumps(value)
        if not self._json:
            return _escape(_plain(value)) if _inside_string(self.template) else _plain(value)
        if quoted:
            if isinstance(value, (dict, list)):
                return None
            return _escape(_plain(value))
        if value is _MISSING:
            return '""'
        return json.dumps(value)


def rule_variables(event: dict, rule_name: str, rule_arn: str) -> dict[str, Any]:
    """The reserved ``aws.events.*`` variables for one event delivered by one rule."""
    return {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": event.get("time", ""),
        "aws.events.event": {k: v for k, v in event.items() if k != "detail"},
        "aws.events.event.json": event,
    }


def pipe_variables(
    payload: Any, *, pipe_arn: str, source_arn: str, enrichment_arn: str, target_arn: str, ingested: str
):
    """The reserved ``aws.pipes.*`` variables for one payload of one pipe."""
    return {
        "aws.pipes.pipe-arn": pipe_arn,
        "aws.pipes.pipe-name": pipe_arn.rsplit("/", 1)[-1],
        "aws.pipes.source-arn": source_arn,
        "aws.pipes.enrichment-arn": enrichment_arn,
        "aws.pipes.target-arn": target_arn,
        "aws.pipes.event.ingestion-time": ingested,
        "aws.pipes.event": payload,
        "aws.pipes.event.json": payload,
    }


def as_payload(text: str) -> Any:
    """What a function receives for a rendered input: the JSON value, or the text when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _plain(value: Any) -> str:
    """A value as AWS writes it into text: strings raw, objects as {k:v}, arrays as [a,b]."""
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_plain(v) for v in value) + "]"
    return json.dumps(value)


def _escape(text: str) -> str:
    """Text made safe inside a JSON string literal."""
    return json.dumps(text)[1:-1]


def _inside_string(template: str) -> bool:
    stripped = template.strip()
    return len(stripped) >= 2 and stripped[0] == stripped[-1] == '"'


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
