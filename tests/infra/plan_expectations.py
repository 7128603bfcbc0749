"""What the platform requires of a planned stage, checked on `terraform show -json` of its plan.

`missing(plan, stage)` lists every required resource or setting the plan lacks, one line each, with
the resources as expanded by for_each; an empty list means the plan has them all. The
expectations come from the normalized topology and .chalice/config.json, so they follow the declaration.
"""

from __future__ import annotations

import json

import topology as typed_topology
from tests.infra.conftest import PROJECT

DLQ_RETENTION_SECONDS = 1_209_600  # failed events and messages are kept 14 days
LOG_RETENTION_DAYS = 30  # logs are kept 30 days


class Planned:
    """The planned values of one resource: known ones in ``after``, unknown ones in ``unknown``."""

    def __init__(self, change: dict) -> None:
        self.after = change.get("after") or {}
        self.unknown = change.get("after_unknown") or {}

    def get(self, key: str, default=None):
        return self.after.get(key, default)

    def is_set(self, key: str) -> bool:
        """Set to a value, known now or only after apply (e.g. a key's ARN)."""
        return self.after.get(key) not in (None, "", [], {}) or self.unknown.get(key) is True

    def block(self, key: str) -> dict:
        """The first instance of a nested block, or {}."""
        value = self.after.get(key) or [{}]
        return value[0] if isinstance(value, list) else value


def planned(plan: dict) -> dict[str, dict[str, Planned]]:
    """type -> (for_each key, count index or resource name) -> planned values, for resources created."""
    out: dict[str, dict[str, Planned]] = {}
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed" or "create" not in change["change"]["actions"]:
            continue
        key = change.get("index", change["name"])
        out.setdefault(change["type"], {})[str(key) if change.get("index") is not None else change["name"]] = Planned(
            change["change"]
        )
    return out


def missing(plan: dict, stage: str) -> list[str]:
    topology = typed_topology.document(typed_topology.default())
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    prefix = config["stages"][stage]["environment_variables"]["RESOURCE_PREFIX"]
    res = planned(plan)
    problems: list[str] = []

    def need(condition: bool, what: str) -> None:
        if not condition:
            problems.append(what)

    def one(type_: str, key: str) -> Planned | None:
        found = res.get(type_, {}).get(key)
        need(found is not None, f"{type_}[{key}] is not planned")
        return found

    # Tables: on demand, PITR, SSE with our key, the declared stream.
    for key, spec in topology["tables"].items():
        table = one("aws_dynamodb_table", key)
        if table:
            need(table.get("name") == f"{prefix}-{key}", f"table {key}: name is not {prefix}-{key}")
            need(table.get("billing_mode") == "PAY_PER_REQUEST", f"table {key}: not PAY_PER_REQUEST")
            need(table.block("point_in_time_recovery").get("enabled") is True, f"table {key}: no PITR")
            sse = table.block("server_side_encryption")
            need(sse.get("enabled") is True, f"table {key}: no server-side encryption with our key")
            if spec["stream_view_type"]:
                need(table.get("stream_enabled") is True, f"table {key}: no stream")
                need(table.get("stream_view_type") == spec["stream_view_type"], f"table {key}: wrong stream view")

    # Queues: encrypted; redrive DLQs and dead-letter queues keep 14 days.
    queues = res.get("aws_sqs_queue", {})
    dead_letter = {k for k, q in topology["queues"].items() if q["dead_letter"]}
    redrive_dlqs = {q["redrive"]["dead_letter_queue"] for q in topology["queues"].values() if q["redrive"]}
    for key, spec in topology["queues"].items():
        queue = one("aws_sqs_queue", key)
        if queue:
            need(queue.is_set("kms_master_key_id"), f"queue {key}: not encrypted with our key")
            if spec["redrive"]:
                need(queue.is_set("redrive_policy"), f"queue {key}: no redrive policy to its DLQ")
    for key in redrive_dlqs | dead_letter:
        queue = queues.get(key)
        need(queue is not None, f"DLQ {key} is not planned")
        if queue:
            need(
                queue.get("message_retention_seconds") == DLQ_RETENTION_SECONDS,
                f"DLQ {key}: retention is not 14 days",
            )

    for key in topology["topics"]:
        topic = one("aws_sns_topic", key)
        if topic:
            need(topic.is_set("kms_master_key_id"), f"topic {key}: not encrypted with our key")

    # Bus: customer-managed key, archive 30 days.
    bus = one("aws_cloudwatch_event_bus", "bus")
    if bus:
        need(bus.is_set("kms_key_identifier"), "event bus: no customer-managed KMS key (kms_key_identifier)")
    archive = one("aws_cloudwatch_event_archive", "bus")
    if archive:
        retention = topology["event_bus"]["archive"]["retention_days"]
        need(archive.get("retention_days") == retention, f"archive: retention is not {retention} days")

    # Every target, the schedules' included: its retry policy (the bus's default for schedules) and a DLQ.
    default_retry = topology["event_bus"]["target_defaults"]["retry_policy"]
    targets = res.get("aws_cloudwatch_event_target", {})
    declared_targets = {
        f"{r}/{t}": spec for r, rule in topology["rules"].items() for t, spec in rule["targets"].items()
    }
    for key in declared_targets:
        need(key in targets, f"rule target {key} is not planned")
    need(any(k.endswith("-event") for k in targets), "the daily_report schedule target is not planned")
    for key, target in targets.items():
        retry = declared_targets[key]["retry_policy"] if key in declared_targets else default_retry
        policy = target.block("retry_policy")
        need(
            policy.get("maximum_event_age_in_seconds") == retry["maximum_event_age_seconds"]
            and policy.get("maximum_retry_attempts") == retry["maximum_retry_attempts"],
            f"target {key}: no retry policy of {retry}",
        )
        dlq = target.after.get("dead_letter_config") or []
        need(bool(dlq), f"target {key}: no dead-letter queue")
    for key, rule in topology["rules"].items():
        planned_rule = one("aws_cloudwatch_event_rule", key)
        if planned_rule:
            need(
                json.loads(planned_rule.get("event_pattern") or "{}") == rule["event_pattern"],
                f"rule {key}: pattern differs from the topology",
            )

    # Functions: arm64, active tracing, encrypted environment, reserved concurrency.
    functions = res.get("aws_lambda_function", {})
    need(len(functions) >= 10, f"only {len(functions)} Lambda functions planned")
    reserved = {fn: c["reserved_concurrency"] for fn, c in config.get("lambda_functions", {}).items()}
    for name, fn in functions.items():
        need(fn.get("architectures") == ["arm64"], f"function {name}: not arm64")
        need(fn.block("tracing_config").get("mode") == "Active", f"function {name}: X-Ray tracing not Active")
        need(fn.is_set("kms_key_arn"), f"function {name}: environment not encrypted with our key")
        if name in reserved:
            need(
                fn.get("reserved_concurrent_executions") == reserved[name],
                f"function {name}: reserved concurrency is not {reserved[name]}",
            )
    for key, group in res.get("aws_cloudwatch_log_group", {}).items():
        need(group.get("retention_in_days") == LOG_RETENTION_DAYS, f"log group {key}: retention is not 30 days")
        need(group.is_set("kms_key_id"), f"log group {key}: not encrypted with our key")
    need(set(functions) <= set(res.get("aws_cloudwatch_log_group", {})), "a function has no log group")

    # Event sources: partial batch responses on queues; the stream's retries, bisect, failure queue.
    for key, mapping in res.get("aws_lambda_event_source_mapping", {}).items():
        if mapping.get("starting_position"):
            need(mapping.get("bisect_batch_on_function_error") is True, f"stream mapping {key}: no bisect")
            need(mapping.get("maximum_retry_attempts", -1) >= 0, f"stream mapping {key}: unbounded retries")
            need(bool(mapping.after.get("destination_config")), f"stream mapping {key}: no on-failure queue")
        else:
            need(
                mapping.get("function_response_types") == ["ReportBatchItemFailures"],
                f"queue mapping {key}: no ReportBatchItemFailures",
            )

    pipe = one("aws_pipes_pipe", "pipe")
    if pipe:
        stream = pipe.block("source_parameters").get("dynamodb_stream_parameters") or [{}]
        need(bool(stream[0].get("dead_letter_config")), "pipe: no dead-letter queue")

    for key, machine in topology.get("state_machines", {}).items():
        planned_machine = one("aws_sfn_state_machine", key)
        if planned_machine:
            need(planned_machine.get("type") == machine["type"], f"state machine {key}: not {machine['type']}")
            need(
                planned_machine.block("tracing_configuration").get("enabled") is True, f"state machine {key}: no X-Ray"
            )
            need(
                planned_machine.block("logging_configuration").get("level") not in (None, "OFF"),
                f"state machine {key}: logging off",
            )

    # Alarms: DLQ depth, function errors and throttles, failed executions, pipe
    # failures; all notify the encrypted alarm topic.
    alarms = res.get("aws_cloudwatch_metric_alarm", {})

    def alarm(metric: str, dimension: str, value: str) -> None:
        found = [
            a
            for a in alarms.values()
            if a.get("metric_name") == metric and (a.get("dimensions") or {}).get(dimension) == value
        ]
        need(len(found) == 1, f"no alarm on {metric} of {value}")
        for a in found:
            need(
                a.get("comparison_operator") == "GreaterThanThreshold" and a.get("threshold") == 0,
                f"alarm on {metric} of {value}: not > 0",
            )
            need(a.is_set("alarm_actions"), f"alarm on {metric} of {value}: notifies nobody")

    for key in sorted(redrive_dlqs | dead_letter):
        alarm("ApproximateNumberOfMessagesVisible", "QueueName", f"{prefix}-{key}")
    for fn in functions.values():
        alarm("Errors", "FunctionName", fn.get("function_name"))
        alarm("Throttles", "FunctionName", fn.get("function_name"))
    need(
        sum(a.get("metric_name") == "ExecutionsFailed" for a in alarms.values()) == len(topology["state_machines"]),
        "not one failed-executions alarm per state machine",
    )
    alarm("ExecutionFailed", "PipeName", f"{prefix}-{topology['pipe']['name']}")
    topic = one("aws_sns_topic", "alarms")
    if topic:
        need(topic.is_set("kms_master_key_id"), "alarm topic: not encrypted with our key")

    # The API's stage (not the deprecated stage_name of a deployment): access logs, X-Ray, throttling.
    api = one("aws_api_gateway_stage", "api")
    if api:
        name = config["stages"][stage].get("api_gateway_stage", "api")
        need(api.get("stage_name") == name, f"API stage: not named {name}")
        need(api.get("xray_tracing_enabled") is True, "API stage: no X-Ray tracing")
        access = api.block("access_log_settings")
        need("$context.requestId" in (access.get("format") or ""), "API stage: no JSON access log with request id")
    for key, deployment in res.get("aws_api_gateway_deployment", {}).items():
        need(not deployment.get("stage_name"), f"deployment {key}: uses the deprecated stage_name")
    settings = res.get("aws_api_gateway_method_settings", {})
    need(
        any(s.block("settings").get("throttling_rate_limit", -1) > 0 for s in settings.values()),
        "API stage: no throttling",
    )
    return problems
