"""EventBridge and Pipes in the embedded AWS answer as AWS does, through `local_runtime.eventbridge`.

moto accepts patterns and transformers AWS rejects, matches some patterns differently, fails a whole
PutEvents when one rule's pattern or transformer trips it, delivers `time` as a number, has no
TestEventPattern and cannot reach Lambda or SNS targets. This module replaces those parts:
validation at PutRule / PutTargets / TestEventPattern / CreatePipe / UpdatePipe, matching and
transforming with the shared implementation, and per-target delivery with the target's retry
policy and dead-letter queue, so one bad rule or target never touches another or the bus.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime

import requests
from moto.events import models as events_models
from moto.events import responses as events_responses
from moto.events.exceptions import InvalidEventPatternException, ValidationException
from moto.pipes import exceptions as pipes_exceptions
from moto.pipes import models as pipes_models

from local_runtime.emulator_patches import INVOKE_PORT_VARIABLE
from local_runtime.eventbridge import BUS, PIPE, EventPattern, InputTransformer, InvalidEventPattern, delivery
from local_runtime.eventbridge.delivery import Undeliverable
from local_runtime.eventbridge.errors import InvalidTransformer
from local_runtime.eventbridge.transformer import json_path, rule_variables

log = logging.getLogger("local.emulator")
# TestEventPattern: "the following fields are mandatory" (EventBridge API reference).
REQUIRED_EVENT_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")
DEFAULT_RETRY = {
    "MaximumRetryAttempts": delivery.DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
    "MaximumEventAgeInSeconds": delivery.DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
}


class _MotoEventPattern:
    """Stands in for moto's EventPattern (rules and archives load theirs through ``load``)."""

    def __init__(self, raw: str | None, compiled: EventPattern | None) -> None:
        self._raw, self._compiled = raw, compiled

    @classmethod
    def load(cls, raw_pattern: str | None) -> _MotoEventPattern:
        if not raw_pattern:
            return cls(raw_pattern, None)
        try:
            return cls(raw_pattern, EventPattern(raw_pattern, BUS))
        except InvalidEventPattern as error:
            raise InvalidEventPatternException(reason=str(error)) from None

    def matches_event(self, event: dict) -> bool:
        return self._compiled is None or self._compiled.matches(event)

    def get_pattern(self) -> dict:
        return self._compiled.pattern if self._compiled else {}

    def dump(self) -> str | None:
        return self._raw


def _put_rule(original):
    def put_rule(self, name, *args, **kwargs):
        pattern = kwargs.get("event_pattern")
        if pattern:
            try:
                EventPattern(pattern, BUS)
            except InvalidEventPattern as error:
                raise InvalidEventPatternException(reason=f"rule {name!r}: {error}") from None
        return original(self, name, *args, **kwargs)

    return put_rule


def check_target(rule: str, target: dict) -> None:
    """What PutTargets refuses in one target, as AWS's ValidationException."""
    given = [key for key in ("Input", "InputPath", "InputTransformer") if target.get(key) is not None]
    where = f"rule {rule!r}, target {target.get('Id')!r}"
    if len(given) > 1:
        raise ValidationException(f"{where}: only one of Input, InputPath and InputTransformer may be given")
    try:
        if "Input" in given:
            json.loads(target["Input"])
        elif "InputPath" in given:
            json_path(target["InputPath"], "InputPath")
        elif "InputTransformer" in given:
            transformer = target["InputTransformer"]
            InputTransformer.for_rule(transformer.get("InputPathsMap"), transformer.get("InputTemplate"))
    except ValueError as error:  # InvalidTransformer, or Input that is not JSON
        raise ValidationException(f"{where}: {error}") from None


def _put_targets(original):
    def put_targets(self, name, event_bus_arn, targets):
        for target in targets:
            check_target(name, target)
        return original(self, name, event_bus_arn, targets)

    return put_targets


def aws_event(message: dict) -> dict:
    """moto's internal event message in the shape AWS delivers and matches (`time` as ISO 8601)."""
    event = {k: v for k, v in message.items() if k != "ingestion-time"}
    stamp = event.get("time")
    if isinstance(stamp, (int, float)):
        event["time"] = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif isinstance(stamp, datetime):
        event["time"] = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def _send_to_targets(original):
    def send_to_targets(self, original_event, transform_input=True):
        if getattr(self, "state", "ENABLED") != "ENABLED":
            return
        event = aws_event(original_event)
        if not self.event_pattern.matches_event(event):
            return
        for target in list(self.targets):
            if _is_archive(target):
                # moto's own archive target: its transformer and store stay as moto wrote them.
                clone = copy.copy(self)
                clone.targets, clone.event_pattern = [target], _MotoEventPattern(None, None)
                original(clone, original_event, transform_input)
                continue
            _Delivery(self, target, event).start()

    return send_to_targets


def _is_archive(target: dict) -> bool:
    arn = target["Arn"].split(":")
    return arn[2] == "events" and "/" not in arn[-1] and ":event-bus/" not in target["Arn"]


class _Delivery:
    """One event to one target: the first attempt at once, retries in the background, then the DLQ."""

    def __init__(self, rule, target: dict, event: dict) -> None:
        self.rule, self.target, self.event = rule, target, event
        policy = {**DEFAULT_RETRY, **(target.get("RetryPolicy") or {})}
        self.attempts = int(policy["MaximumRetryAttempts"]) + 1
        self.max_age = int(policy["MaximumEventAgeInSeconds"])
        self.born = time.monotonic()

    def start(self) -> None:
        error = self._attempt()
        if error is None:
            return
        if isinstance(error, Undeliverable) or self.attempts == 1:
            self._dead_letter(error)
            return
        threading.Thread(target=self._retry, name=f"retry:{self.rule.name}", daemon=True).start()

    def _retry(self) -> None:
        error: Exception | None = None
        for attempt in range(1, self.attempts):
            time.sleep(delivery.retry_delay(attempt))
            if time.monotonic() - self.born > self.max_age:
                break
            error = self._attempt()
            if error is None:
                return
        self._dead_letter(error or TimeoutError("maximum event age exceeded"))

    def _attempt(self) -> Exception | None:
        try:
            body = self._input()
            _deliver(self.rule, self.target, self.event, body)
            return None
        except Exception as error:  # any failure of one target stays with that target
            return error

    def _input(self) -> str:
        # moto replays archived events with transform_input=False; AWS applies the target's input settings to
        # replayed events as to any other, so that flag is ignored here.
        target = self.target
        if target.get("Input") is not None:
            return target["Input"]
        if target.get("InputPath") is not None:
            found = [m.value for m in json_path(target["InputPath"], "InputPath").find(self.event)]
            return json.dumps(found[0] if len(found) == 1 else found) if found else ""
        spec = target.get("InputTransformer")
        if not spec:
            return json.dumps(self.event)
        transformer = InputTransformer.for_rule(spec.get("InputPathsMap"), spec["InputTemplate"])
        text = transformer.render(self.event, rule_variables(self.event, self.rule.name, self.rule.arn))
        if text is None:
            raise Undeliverable(
                "an object or array placeholder inside a JSON string (AWS drops this event)",
                "InputTransformationFailed",
            )
        return text

    def _dead_letter(self, error: Exception) -> None:
        code = delivery.error_code(error)
        log.warning("rule %s target %s: undeliverable (%s: %s)", self.rule.name, self.target["Id"], code, error)
        dlq = (self.target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            return
        from moto.sqs import sqs_backends

        account, region, queue = _arn_parts(dlq)
        try:
            sqs_backends[account][region].send_message(
                queue_name=queue,
                message_body=json.dumps(self.event),
                message_attributes=delivery.dead_letter_attributes(self.rule.arn, self.target["Arn"], error),
            )
        except Exception:
            log.exception("rule %s: dead-letter queue %s refused the event", self.rule.name, dlq)


def _arn_parts(arn: str) -> tuple[str, str, str]:
    parts = arn.split(":", 5)
    return parts[4], parts[3], parts[5]


def _deliver(rule, target: dict, event: dict, body: str) -> None:
    arn = target["Arn"]
    account, region, resource = _arn_parts(arn)
    service = arn.split(":")[2]
    if service == "sqs":
        from moto.sqs import sqs_backends

        group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
        sqs_backends[account][region].send_message(queue_name=resource, message_body=body, group_id=group_id)
    elif service == "sns":
        from moto.sns import sns_backends

        sns_backends[account][region].publish(message=body, arn=arn)
    elif service == "logs":
        from moto.logs import logs_backends

        group = resource.removeprefix("log-group:").removesuffix(":*")
        stream = f"events-{uuid.uuid4()}"
        backend = logs_backends[account][region]
        backend.create_log_stream(group, stream)
        backend.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": body}])
    elif service == "events" and resource.startswith("event-bus/"):
        backend = events_models.events_backends[account][region]
        entry = {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event.get("detail", {})),
            "Resources": event.get("resources", []),
            "EventBusName": resource.split("/", 1)[1],
        }
        backend.put_events([entry])
    elif service == "lambda":
        _invoke_function(resource.split(":")[1], body)
    else:
        raise Undeliverable(f"the embedded AWS cannot deliver to {service} targets")


def _invoke_function(name: str, body: str) -> None:
    """A Lambda target runs in the local runtime, through its Invoke endpoint."""
    port = os.environ.get(INVOKE_PORT_VARIABLE)
    if not port:
        raise Undeliverable("no local runtime runs Lambda targets (started with `make aws`?)", "LambdaUnavailable")
    response = requests.post(
        f"http://127.0.0.1:{port}/2015-03-31/functions/{name}/invocations", data=body.encode(), timeout=60
    )
    if response.status_code == 200 and response.headers.get("X-Amz-Function-Error"):
        raise delivery.TargetFunctionError(f"function {name}: {response.text[:500]}")
    if response.status_code != 200:
        raise RuntimeError(f"function {name}: {response.status_code} {response.text[:500]}")


def _test_event_pattern(self) -> str:
    try:
        pattern = EventPattern(self._get_param("EventPattern") or "", BUS)
    except InvalidEventPattern as error:
        raise InvalidEventPatternException(reason=str(error)) from None
    try:
        event = json.loads(self._get_param("Event") or "")
    except ValueError:
        raise ValidationException("Parameter Event is not valid.") from None
    missing = [f for f in REQUIRED_EVENT_FIELDS if not isinstance(event, dict) or f not in event]
    if missing:
        raise ValidationException(f"Parameter Event is not valid. Reason: missing field(s) {', '.join(missing)}.")
    return json.dumps({"Result": pattern.matches(event)})


def check_pipe(name: str, source_parameters: dict | None, enrichment_parameters: dict | None, target_parameters):
    """What CreatePipe and UpdatePipe refuse: patterns outside the pipe subset, bad templates."""
    filters = ((source_parameters or {}).get("FilterCriteria") or {}).get("Filters") or []
    for index, entry in enumerate(filters):
        try:
            EventPattern(entry.get("Pattern") or "", PIPE)
        except InvalidEventPattern as error:
            raise pipes_exceptions.ValidationException(
                f"pipe {name!r}: FilterCriteria.Filters[{index}].Pattern is not valid: {error}"
            ) from None
    for part, parameters in (("EnrichmentParameters", enrichment_parameters), ("TargetParameters", target_parameters)):
        template = (parameters or {}).get("InputTemplate")
        if template is None:
            continue
        try:
            InputTransformer.for_pipe(template)
        except InvalidTransformer as error:
            raise pipes_exceptions.ValidationException(f"pipe {name!r}: {part}.InputTemplate: {error}") from None


def _checked_pipe_call(original):
    """CreatePipe / UpdatePipe (moto's responses pass every argument by keyword) after check_pipe."""

    def call(self, **kwargs):
        check_pipe(
            kwargs["name"],
            kwargs.get("source_parameters"),
            kwargs.get("enrichment_parameters"),
            kwargs.get("target_parameters"),
        )
        return original(self, **kwargs)

    return call


def install() -> None:
    events_models.EventPattern = _MotoEventPattern
    backend = events_models.EventsBackend
    backend.put_rule = _put_rule(backend.put_rule)
    backend.put_targets = _put_targets(backend.put_targets)
    events_models.Rule.send_to_targets = _send_to_targets(events_models.Rule.send_to_targets)
    events_responses.EventsHandler.test_event_pattern = _test_event_pattern
    pipes = pipes_models.EventBridgePipesBackend
    pipes.create_pipe = _checked_pipe_call(pipes.create_pipe)
    pipes.update_pipe = _checked_pipe_call(pipes.update_pipe)
