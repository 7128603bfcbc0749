"""The typed topology: what Chalice cannot express, as one pydantic model with its defaults.

Every section rejects unknown keys; every default lives here once. The model checks that each
logical reference (a queue, topic, table, bus or state machine named by key) names something
declared; function names are checked against the app by the build (infra/build/corrections.py), which knows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

# A logical name: the AWS name is "<RESOURCE_PREFIX>-<key>" (chalicelib/resource_names.py).
Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Action = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+:[A-Za-z*]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Index(Strict):
    hash_key: str
    range_key: str | None = None


class Table(Strict):
    hash_key: str
    range_key: str | None = None
    attributes: dict[str, Literal["S", "N", "B"]]
    global_secondary_indexes: dict[Key, Index] = {}
    stream_view_type: Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"] | None = None
    ttl_attribute: str | None = None

    @model_validator(mode="after")
    def _keys_are_attributes(self) -> Table:
        keys = [self.hash_key, self.range_key] + [
            k for i in self.global_secondary_indexes.values() for k in (i.hash_key, i.range_key)
        ]
        undeclared = sorted({k for k in keys if k and k not in self.attributes})
        if undeclared:
            raise ValueError(f"key attributes {undeclared} are not in attributes")
        return self


class Redrive(Strict):
    max_receive_count: int = Field(ge=1, le=1000)
    # SQS's maximum: a message that failed every receive is kept as long as SQS allows (14 days).
    dead_letter_retention_seconds: int = Field(1209600, ge=60, le=1209600)
    # Filled with "<queue>-dlq": the console and the DLQ monitor rely on the suffix, so no other name is accepted.
    dead_letter_queue: Key | None = None


class Queue(Strict):
    # SQS's own defaults, written once so Terraform and the local runtime set the same values.
    visibility_timeout_seconds: int = Field(30, ge=0, le=43200)
    message_retention_seconds: int = Field(345600, ge=60, le=1209600)
    # Gives the queue its redrive.dead_letter_queue after max_receive_count receives.
    redrive: Redrive | None = None
    # A queue where failures end up: alarmed, and announced on the local console.
    dead_letter: bool = False


class Subscription(Strict):
    queue: Key
    raw_message_delivery: bool = False


class Topic(Strict):
    subscriptions: dict[Key, Subscription] = {}


class RetryPolicy(Strict):
    maximum_event_age_seconds: int = Field(ge=60, le=86400)
    maximum_retry_attempts: int = Field(ge=0, le=185)


class TargetDefaults(Strict):
    retry_policy: RetryPolicy
    dead_letter_queue: Key


class Archive(Strict):
    retention_days: int = Field(ge=0)


class EventBus(Strict):
    name: Key
    # Required: infra/events.tf always creates the archive, and the console's replay reads it.
    archive: Archive
    # Every rule target (and Chalice's schedules) gets these unless the target sets its own.
    target_defaults: TargetDefaults


class InputTransformer(Strict):
    input_paths: dict[str, str] = {}
    input_template: str


class Target(Strict):
    """A rule target: exactly one of a Chalice function or a declared topic."""

    function: str | None = None
    topic: Key | None = None
    input_transformer: InputTransformer | None = None
    # None here means event_bus.target_defaults; the normalized topology never holds None.
    retry_policy: RetryPolicy | None = None
    dead_letter_queue: Key | None = None

    @model_validator(mode="after")
    def _one_destination(self) -> Target:
        if (self.function is None) == (self.topic is None):
            raise ValueError("a target names exactly one of function, topic")
        return self


class Rule(Strict):
    description: str = ""
    event_pattern: dict[str, Any]
    targets: dict[Key, Target] = Field(min_length=1)


class StreamMapping(Strict):
    """Failure handling of a Lambda stream mapping (Chalice's on_dynamodb_record has no such options)."""

    maximum_retry_attempts: int = Field(3, ge=-1, le=10000)
    bisect_batch_on_function_error: bool = False
    on_failure: Key


class PipeSource(Strict):
    table: Key
    batch_size: int = Field(10, ge=1, le=10000)
    maximum_batching_window_seconds: int = Field(0, ge=0, le=300)
    starting_position: Literal["LATEST", "TRIM_HORIZON"] = "LATEST"
    maximum_retry_attempts: int = Field(3, ge=-1, le=10000)
    dead_letter_queue: Key


class Enrichment(Strict):
    function: str


class PipeTarget(Strict):
    bus: Key
    source: str
    detail_type: str
    input_template: str | None = None


class Pipe(Strict):
    name: Key
    source: PipeSource
    filter: list[dict[str, Any]] = []
    enrichment: Enrichment
    target: PipeTarget


class Alarm(Strict):
    watch: Literal["dead_letter_queues", "functions", "state_machines", "pipes"]
    namespace: str
    metric: str
    statistic: Literal["SampleCount", "Average", "Sum", "Minimum", "Maximum"]
    threshold: float


class Monitoring(Strict):
    period_seconds: int = Field(60, ge=10)
    alarms: dict[Key, Alarm] = {}


class ResourceRef(Strict):
    """A logical resource named in a grant: "<kind>:<key>", e.g. ``table:orders``."""

    kind: Literal["table", "index", "topic", "queue", "bus", "state_machine"]
    name: Key

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            kind, sep, name = value.partition(":")
            if not sep:
                raise ValueError(f"{value!r} is not <kind>:<name>")
            return {"kind": kind, "name": name}
        return value

    @model_serializer
    def _text(self) -> str:
        return f"{self.kind}:{self.name}"


class Grant(Strict):
    actions: list[Action] = Field(min_length=1)
    resources: list[ResourceRef] = Field(min_length=1)


class StateMachineLogging(Strict):
    level: Literal["ALL", "ERROR", "FATAL", "OFF"] = "ERROR"
    include_execution_data: bool = False
    # None: the module's var.log_retention_days.
    retention_days: int | None = None


class Trigger(Strict):
    """The function that starts the machine (granted states:StartExecution) and the topic it reads."""

    function: str
    topic: Key


class StateMachine(Strict):
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"
    # The ASL template, relative to the project; ${placeholders} per infra/topology.yaml.
    definition: str
    functions: list[str] = []
    tables: dict[str, Key] = {}
    queues: dict[str, Key] = {}
    # Where the workflow sends a failure: one of `queues`; the role may send there, the redrive reads it.
    dead_letter_queue: Key | None = None
    permissions: list[Grant] = []
    logging: StateMachineLogging = StateMachineLogging()
    tracing: bool = True
    trigger: Trigger | None = None

    @field_validator("definition")
    @classmethod
    def _definition_exists(cls, value: str, info: ValidationInfo) -> str:
        project = (info.context or {}).get("project_dir")
        if project is not None and not (Path(project) / value).is_file():
            raise ValueError(f"no file {value!r} in the project")
        return value

    @model_validator(mode="after")
    def _dead_letter_is_a_placeholder(self) -> StateMachine:
        if self.dead_letter_queue and self.dead_letter_queue not in self.queues.values():
            raise ValueError(f"dead_letter_queue {self.dead_letter_queue!r} is not one of its queues placeholders")
        return self


class Function(Strict):
    """What a function's code touches in AWS: its least-privilege grants."""

    permissions: list[Grant] = []


class Topology(Strict):
    """infra/topology.yaml, validated and fully defaulted."""

    tables: dict[Key, Table]
    queues: dict[Key, Queue]
    topics: dict[Key, Topic] = {}
    event_bus: EventBus
    rules: dict[Key, Rule] = {}
    stream_mappings: dict[str, StreamMapping] = {}
    pipe: Pipe
    monitoring: Monitoring = Monitoring()
    state_machines: dict[Key, StateMachine] = {}
    # One entry per function app.py defines (the build checks both ways).
    functions: dict[str, Function] = {}
    # Where Lambda puts an asynchronous invocation (EventBridge, SNS, schedule) that failed all its retries.
    async_dead_letter_queue: Key

    @model_validator(mode="after")
    def _resolve(self) -> Topology:
        """Fill each rule target from the bus's defaults, then check every reference names something declared."""
        defaults = self.event_bus.target_defaults
        for key, queue in self.queues.items():
            if queue.redrive is not None and queue.redrive.dead_letter_queue is None:
                queue.redrive.dead_letter_queue = f"{key}-dlq"
        for rule in self.rules.values():
            for target in rule.targets.values():
                if target.retry_policy is None:
                    target.retry_policy = defaults.retry_policy.model_copy()
                if target.dead_letter_queue is None:
                    target.dead_letter_queue = defaults.dead_letter_queue
        problems = list(self._dangling())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def trigger_problems(self, subscribed: dict[str, str]) -> list[str]:
        """Each state machine whose trigger function is not subscribed (function -> topic) to its trigger's topic."""
        return [
            f"state_machines.{name}.trigger: {machine.trigger.function} is not subscribed to topic "
            f"{machine.trigger.topic!r} in app.py"
            for name, machine in self.state_machines.items()
            if machine.trigger and subscribed.get(machine.trigger.function) != machine.trigger.topic
        ]

    def _dangling(self):
        def need(section: dict, key: str | None, what: str, path: str):
            if key is not None and key not in section:
                yield f"{path}: {what} {key!r} is not declared"

        for key, queue in self.queues.items():
            if queue.redrive and queue.redrive.dead_letter_queue != f"{key}-dlq":
                yield f"queues.{key}.redrive.dead_letter_queue: must be {key + '-dlq'!r}"
        yield from need(
            self.queues,
            self.event_bus.target_defaults.dead_letter_queue,
            "queue",
            "event_bus.target_defaults.dead_letter_queue",
        )
        yield from need(self.queues, self.async_dead_letter_queue, "queue", "async_dead_letter_queue")
        for name, topic in self.topics.items():
            for sub, spec in topic.subscriptions.items():
                yield from need(self.queues, spec.queue, "queue", f"topics.{name}.subscriptions.{sub}.queue")
        for name, rule in self.rules.items():
            for tid, target in rule.targets.items():
                path = f"rules.{name}.targets.{tid}"
                yield from need(self.topics, target.topic, "topic", f"{path}.topic")
                yield from need(self.queues, target.dead_letter_queue, "queue", f"{path}.dead_letter_queue")
        for fn, mapping in self.stream_mappings.items():
            yield from need(self.queues, mapping.on_failure, "queue", f"stream_mappings.{fn}.on_failure")
        source = self.pipe.source
        yield from need(self.tables, source.table, "table", "pipe.source.table")
        if source.table in self.tables and self.tables[source.table].stream_view_type is None:
            yield f"pipe.source.table: table {source.table!r} has no stream_view_type"
        yield from need(self.queues, source.dead_letter_queue, "queue", "pipe.source.dead_letter_queue")
        if self.pipe.target.bus != self.event_bus.name:
            yield f"pipe.target.bus: {self.pipe.target.bus!r} is not the declared event bus {self.event_bus.name!r}"
        for name, machine in self.state_machines.items():
            path = f"state_machines.{name}"
            for placeholder, table in machine.tables.items():
                yield from need(self.tables, table, "table", f"{path}.tables.{placeholder}")
            for placeholder, queue in machine.queues.items():
                yield from need(self.queues, queue, "queue", f"{path}.queues.{placeholder}")
            if machine.trigger:
                yield from need(self.topics, machine.trigger.topic, "topic", f"{path}.trigger.topic")
            for i, grant in enumerate(machine.permissions):
                yield from self._grant_problems(grant, f"{path}.permissions.{i}")
        for fn, spec in self.functions.items():
            for i, grant in enumerate(spec.permissions):
                yield from self._grant_problems(grant, f"functions.{fn}.permissions.{i}")

    def _grant_problems(self, grant: Grant, path: str):
        sections = {
            "table": self.tables,
            "index": self.tables,
            "topic": self.topics,
            "queue": self.queues,
            "bus": {self.event_bus.name: self.event_bus},
            "state_machine": self.state_machines,
        }
        for j, ref in enumerate(grant.resources):
            if ref.name not in sections[ref.kind]:
                yield f"{path}.resources.{j}: {ref.kind} {ref.name!r} is not declared"
            elif ref.kind == "index" and not self.tables[ref.name].global_secondary_indexes:
                yield f"{path}.resources.{j}: table {ref.name!r} has no global_secondary_indexes"
