"""The topology's event patterns, transformers and pipe, checked as AWS checks them, before anything starts."""

from __future__ import annotations

from local_runtime import topology
from local_runtime.eventbridge import BUS, PIPE, EventPattern, InputTransformer
from local_runtime.eventbridge.errors import InvalidEventPattern, InvalidTransformer


class InvalidTopology(Exception):
    """The topology declares something AWS would reject (PutRule, PutTargets, CreatePipe)."""


def problems(declared: dict) -> list[str]:
    """Each rejected pattern or transformer, named by its rule, target or pipe."""
    found = []
    for rule, spec in declared["rules"].items():
        try:
            EventPattern(spec["event_pattern"], BUS)
        except InvalidEventPattern as error:
            found.append(f"rule {rule!r}: event_pattern: {error} (InvalidEventPatternException)")
        for target, target_spec in spec["targets"].items():
            transformer = target_spec["input_transformer"]
            if not transformer:
                continue
            try:
                InputTransformer.for_rule(transformer.get("input_paths"), transformer.get("input_template"))
            except InvalidTransformer as error:
                found.append(f"rule {rule!r}, target {target!r}: input_transformer: {error} (ValidationException)")
    pipe = declared["pipe"]
    for index, pattern in enumerate(pipe["filter"]):
        try:
            EventPattern(pattern, PIPE)
        except InvalidEventPattern as error:
            found.append(f"pipe {pipe['name']!r}: filter[{index}]: {error} (ValidationException)")
    template = pipe["target"]["input_template"]
    if template is not None:
        try:
            InputTransformer.for_pipe(template)
        except InvalidTransformer as error:
            found.append(f"pipe {pipe['name']!r}: target input_template: {error} (ValidationException)")
    return found


def check() -> None:
    """Raise InvalidTopology listing every problem in the loaded topology."""
    found = problems(topology.load())
    if found:
        raise InvalidTopology("\n".join(f"  - {p}" for p in found))
