"""Assembles AWS's delivery machinery for the loaded app from its event sources and the topology."""

from __future__ import annotations

import logging

from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SNSEventConfig, SQSEventConfig

from chalicelib.resource_names import physical_name
from local_runtime import topology
from local_runtime.dlq_monitor import DlqMonitor
from local_runtime.event_source_mappings import QueueMapping, StreamMapping
from local_runtime.invoke import Invoker
from local_runtime.pipes import Pipe
from local_runtime.provision import Resources, subscribe_queue, tap_queue
from local_runtime.rule_targets import RuleTarget
from local_runtime.schedules import Schedule
from local_runtime.stream_reader import StreamReader, stream_arn_of, table_of
from local_runtime.topic_subscriptions import TopicSubscription
from local_runtime.worker import Worker

log = logging.getLogger("local")
SNS_ASYNC_ATTEMPTS = 3  # Lambda's async invocation: the first try and two retries


class ConfigurationError(Exception):
    """The app and the topology disagree (e.g. a consumer of an undeclared queue)."""


def _logical(resources: dict[str, str], physical: str, kind: str, function: str) -> str:
    for logical in resources:
        if physical_name(logical) == physical or physical.endswith(f":{physical_name(logical)}"):
            return logical
    raise ConfigurationError(f"{function} reads {kind} {physical!r}, which infra/topology.yaml does not declare")


def build_workers(app, invoker: Invoker, resources: Resources, *, retry_delay: float = 0.2) -> list[Worker]:
    """One worker per delivery path: the app's event sources, the pipe, and every rule target."""
    declared = topology.load()
    subscribed = {
        s.name: _logical(resources.topic_arns, s.topic, "topic", s.name)
        for s in app.event_sources
        if isinstance(s, SNSEventConfig)
    }
    if problems := topology.model().trigger_problems(subscribed):
        raise ConfigurationError("\n".join(problems))
    workers: list[Worker] = []
    for source in app.event_sources:
        if isinstance(source, DynamoDBEventConfig):
            table = table_of(source.stream_arn)
            logical = _logical(resources.tables, table, "the stream of table", source.name)
            reader = StreamReader(stream_arn_of(table), source.starting_position, source.batch_size)
            failure = declared["stream_mappings"].get(source.name)
            if failure is None:
                raise ConfigurationError(
                    f"{source.name} reads a stream but topology stream_mappings has no entry for it"
                )
            workers.append(
                StreamMapping(
                    invoker,
                    source.name,
                    reader,
                    f"dynamodb:{logical}",
                    maximum_retry_attempts=failure["maximum_retry_attempts"],
                    bisect_on_error=failure["bisect_batch_on_function_error"],
                    on_failure_queue_url=resources.queue_urls[failure["on_failure"]],
                    retry_delay=retry_delay,
                )
            )
        elif isinstance(source, SQSEventConfig):
            logical = _logical(resources.queue_urls, source.queue, "queue", source.name)
            workers.append(
                QueueMapping(
                    invoker,
                    source.name,
                    resources.queue_urls[logical],
                    resources.queue_arns[logical],
                    source.batch_size,
                    source.maximum_batching_window_in_seconds or 0,
                    f"sqs:{logical}",
                )
            )
        elif isinstance(source, SNSEventConfig):
            logical = subscribed[source.name]
            tap = tap_queue(resources, f"sns-{source.name}", max_receive_count=SNS_ASYNC_ATTEMPTS)
            subscription = subscribe_queue(resources, logical, tap)
            workers.append(TopicSubscription(invoker, source.name, logical, resources.queue_urls[tap], subscription))
        elif isinstance(source, ScheduledEventConfig):
            rule_arn = invoker.schedule_rule_arn(source.name)
            workers.append(Schedule(invoker, source.name, source.schedule_expression, rule_arn))
        else:
            log.warning("no local delivery for %s (%s)", source.name, type(source).__name__)

    pipe = declared["pipe"]
    source = pipe["source"]
    reader = StreamReader(
        stream_arn_of(resources.tables[source["table"]]), source["starting_position"], source["batch_size"]
    )
    dlq = resources.queue_urls[source["dead_letter_queue"]]
    workers.append(Pipe(invoker, pipe, reader, dlq, retry_delay=retry_delay))

    # The normalized topology gives every target its retry policy and DLQ (event_bus.target_defaults
    # unless the target sets its own), the values Terraform gives the target on AWS.
    for (rule, target_id), tap in resources.rule_taps.items():
        spec = declared["rules"][rule]["targets"][target_id]
        workers.append(
            RuleTarget(
                invoker,
                rule,
                resources.rule_arns[rule],
                target_id,
                spec,
                tap_url=resources.queue_urls[tap],
                retry_policy=spec["retry_policy"],
                dlq_url=resources.queue_urls[spec["dead_letter_queue"]],
                topic_arn=resources.topic_arns[spec["topic"]] if spec["topic"] else None,
                retry_delay=retry_delay,
            )
        )
    workers.append(DlqMonitor(resources))
    return workers
