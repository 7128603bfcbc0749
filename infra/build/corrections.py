"""Chalice's export, corrected: a pure step that returns the corrected copy and what it learned.

Chalice pins old Terraform and provider versions, gives every function one shared role with a
"Resource: *" policy, and has no function_response_types, stream failure destination, arm64 or
per-stage schedule names. Each pass below corrects one part of a copy of the export and returns
what it found; none reads what another wrote. IAM is not made here (infra/build/iam.py).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from infra.build.errors import BuildError
from infra.build.references import KEY_ARN, queue_arn, ref, stream_arn, topic_arn
from infra.hcl import Expr
from topology import Topology


@dataclass(frozen=True)
class QueueSource:
    queue: str


@dataclass(frozen=True)
class StreamSource:
    table: str
    on_failure: str


@dataclass(frozen=True)
class Learned:
    """What the export says about the app: its functions, how each is invoked, what it reads."""

    # Chalice name -> Lambda function name
    function_names: dict[str, str]
    # Chalice name -> the queues and streams its event source mappings read, in the export's order
    sources: dict[str, tuple[QueueSource | StreamSource, ...]] = field(default_factory=dict)
    # Chalice name -> how it is invoked synchronously (API Gateway, SQS, ...)
    sync_sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Invoked asynchronously (SNS, schedules, bus rules): these get the async DLQ.
    async_invoked: frozenset[str] = frozenset()
    schedule_rules: tuple[str, ...] = ()
    reserved: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Corrected:
    export: dict
    learned: Learned


def _function_of(reference: str) -> str:
    match = re.fullmatch(r"\$\{aws_lambda_function\.([\w-]+)\.arn\}", reference)
    if not match:
        raise BuildError(f"unexpected function reference {reference!r} in chalice's export")
    return match.group(1)


def _logical(physical: str, section: dict, what: str, prefix: str) -> str:
    """The topology key of ``physical`` (``<prefix>-<key>``) in ``section``, or an error."""
    key = physical.removeprefix(f"{prefix}-")
    if physical == key or key not in section:
        raise BuildError(f"{physical!r} is not '{prefix}-<name>' for a {what} declared in infra/topology.yaml")
    return key


def _merge(*maps: dict[str, tuple]) -> dict[str, tuple]:
    merged: dict[str, tuple] = {}
    for found in maps:
        for fn, items in found.items():
            merged[fn] = merged.get(fn, ()) + tuple(items)
    return merged


def _unpin(export: dict) -> None:
    # versions.tf in the overlay declares what the module needs; null_data_source is deprecated and unused.
    export.pop("terraform", None)
    export.get("data", {}).pop("null_data_source", None)
    # Chalice's one shared role gets a generated "Resource: *" policy; iam.tf gives each function its own.
    resources = export.get("resource", {})
    resources.pop("aws_iam_role", None)
    resources.pop("aws_iam_role_policy", None)


def _stream_table(arn: str, topology: Topology, prefix: str) -> str:
    """The streamed table a stream mapping means: named in the ARN, or the only one declared."""
    streamed = [k for k, t in topology.tables.items() if t.stream_view_type]
    match = re.search(r":table/([^/]+)/stream/", arn)
    if match and match.group(1).removeprefix(f"{prefix}-") in streamed:
        return match.group(1).removeprefix(f"{prefix}-")
    if len(streamed) == 1:
        return streamed[0]
    raise BuildError(f"cannot tell which declared table the stream {arn!r} belongs to")


def _event_source_mappings(resources: dict, topology: Topology, prefix: str) -> tuple[dict, dict]:
    """SQS mappings report partial batches; stream mappings get the topology's failure handling."""
    sources: dict[str, tuple] = {}
    sync: dict[str, tuple] = {}
    for mapping in resources.get("aws_lambda_event_source_mapping", {}).values():
        fn = _function_of(mapping["function_name"])
        arn = mapping["event_source_arn"]
        if ":sqs:" in arn:
            queue = _logical(arn.rsplit(":", 1)[1], topology.queues, "queue", prefix)
            mapping["event_source_arn"] = queue_arn(queue)
            # The consumers return {"batchItemFailures": [...]}; without this Lambda retries the whole batch.
            mapping["function_response_types"] = ["ReportBatchItemFailures"]
            sources[fn] = sources.get(fn, ()) + (QueueSource(queue),)
            sync[fn] = sync.get(fn, ()) + ("SQS",)
        elif ":dynamodb:" in arn:
            table = _stream_table(arn, topology, prefix)
            # app.py holds a placeholder unless ORDERS_STREAM_ARN is set: the real ARN exists only once the table does.
            mapping["event_source_arn"] = stream_arn(table)
            options = topology.stream_mappings.get(fn)
            if options is None:
                raise BuildError(f"{fn} reads a stream but infra/topology.yaml stream_mappings gives it no on_failure queue")
            # A poison record must not block its shard: retried a few times, the batch halved to find it, then dead-lettered.
            mapping["maximum_retry_attempts"] = options.maximum_retry_attempts
            mapping["bisect_batch_on_function_error"] = options.bisect_batch_on_function_error
            mapping["destination_config"] = {"on_failure": {"destination_arn": queue_arn(options.on_failure)}}
            sources[fn] = sources.get(fn, ()) + (StreamSource(table, options.on_failure),)
            sync[fn] = sync.get(fn, ()) + ("DynamoDB stream",)
        else:
            raise BuildError(f"event source {arn!r} of {fn} is neither SQS nor a DynamoDB stream")
    readers = {fn for fn, found in sources.items() if any(isinstance(s, StreamSource) for s in found)}
    for fn in sorted(set(topology.stream_mappings) - readers):
        raise BuildError(f"stream_mappings.{fn}: {fn} reads no stream in app.py; the entry would mean nothing")
    return sources, sync


def _sns_subscriptions(resources: dict, topology: Topology, prefix: str) -> dict[str, str]:
    """Subscriptions and their permissions name the module's topics; returns function -> topic."""
    subscribed = {}
    for name, sub in resources.get("aws_sns_topic_subscription", {}).items():
        topic = _logical(sub["topic_arn"].rsplit(":", 1)[1], topology.topics, "topic", prefix)
        sub["topic_arn"] = topic_arn(topic)
        subscribed[_function_of(sub["endpoint"])] = topic
        permission = resources.get("aws_lambda_permission", {}).get(name)
        if permission:
            permission["source_arn"] = sub["topic_arn"]
    return subscribed


def _schedules(resources: dict) -> tuple[tuple[str, ...], frozenset[str]]:
    """Per-stage rule names and, like every bus rule target, the retry policy and DLQ."""
    for rule in resources.get("aws_cloudwatch_event_rule", {}).values():
        # Chalice names the rule "<function>-event" in every stage; two stages in one account would collide.
        rule["name"] = f"{ref('var.name_prefix')}-{rule['name']}"
    invoked = set()
    for target in resources.get("aws_cloudwatch_event_target", {}).values():
        invoked.add(_function_of(target["arn"]))
        target["retry_policy"] = {
            "maximum_event_age_in_seconds": Expr("local.target_defaults.retry_policy.maximum_event_age_seconds"),
            "maximum_retry_attempts": Expr("local.target_defaults.retry_policy.maximum_retry_attempts"),
        }
        target["dead_letter_config"] = {"arn": ref("aws_sqs_queue.queue[local.target_defaults.dead_letter_queue].arn")}
    return tuple(resources.get("aws_cloudwatch_event_rule", {})), frozenset(invoked)


def _rest_api(export: dict) -> dict[str, tuple]:
    """The API stage moves to aws_api_gateway_stage.api (infra/api.tf); redeploys follow the gateway responses."""
    resources = export.get("resource", {})
    for api in resources.get("aws_api_gateway_rest_api", {}).values():
        api["name"] = ref("var.name_prefix")
        # Redeploying replaces the API's deployment first, so it never has none (CKV_AWS_237).
        api["lifecycle"] = {"create_before_destroy": True}
    for deployment in resources.get("aws_api_gateway_deployment", {}).values():
        export.setdefault("locals", {})["chalice_api_stage_name"] = deployment.pop("stage_name")
        # A changed API replaces the deployment (what Chalice's stage_description did).
        deployment.pop("stage_description", None)
        # Gateway responses (infra/api_errors.tf) reach callers only through a deployment made after them.
        deployment["depends_on"] = [Expr("aws_api_gateway_gateway_response.api_error")]
        deployment["triggers"] = {
            "redeployment": ref("md5(local.chalice_api_swagger)"),
            "gateway_responses": Expr("sha1(jsonencode(local.api_error_responses))"),
        }
    for output in export.get("output", {}).values():
        output["value"] = output["value"].replace(
            "aws_api_gateway_deployment.rest_api.invoke_url", "aws_api_gateway_stage.api.invoke_url"
        )
    return {
        _function_of(p["function_name"]): ("API Gateway",)
        for p in resources.get("aws_lambda_permission", {}).values()
        if p["principal"] == "apigateway.amazonaws.com"
    }


def _topology_functions(functions: dict, topology: Topology, subscribed: dict[str, str]) -> tuple[frozenset, dict]:
    """Functions the rules, the pipe and the state machines name must be in the export; how each is invoked."""

    def require(fn: str, user: str) -> None:
        if fn not in functions:
            raise BuildError(f"{user} names function {fn!r}, which app.py does not define")

    # Every function's grants are declared, even when empty, so least privilege is a decision per function.
    for fn in functions:
        if fn not in topology.functions:
            raise BuildError(f"functions.{fn}: app.py defines {fn!r} but infra/topology.yaml has no entry for it")
    for fn in topology.functions:
        require(fn, f"functions.{fn}: the entry")
    invoked, sync = set(), {}
    for rule_name, rule in topology.rules.items():
        for target in rule.targets.values():
            if target.function:
                require(target.function, f"rule {rule_name}")
                invoked.add(target.function)
    require(topology.pipe.enrichment.function, "the pipe's enrichment")
    sync[topology.pipe.enrichment.function] = ("the pipe's enrichment",)
    for name, machine in topology.state_machines.items():
        for fn in machine.functions:
            require(fn, f"state machine {name}")
            sync[fn] = sync.get(fn, ()) + ("Step Functions",)
        if machine.trigger:
            require(machine.trigger.function, f"state machine {name}'s trigger")
    if problems := topology.trigger_problems(subscribed):
        raise BuildError("\n".join(problems))
    return frozenset(invoked), sync


def _functions(functions: dict, architecture: str, async_invoked: frozenset, async_dlq: str) -> None:
    for fn, spec in functions.items():
        spec["role"] = ref(f"aws_iam_role.{fn}.arn")
        spec["architectures"] = [architecture]
        # Lambda encrypts the environment with our key instead of the AWS managed one.
        spec["kms_key_arn"] = KEY_ARN
        spec["tracing_config"] = {"mode": Expr('var.tracing_enabled ? "Active" : "PassThrough"')}
        # The log group is created by Terraform (30 days, KMS) before the function first logs.
        spec["logging_config"] = {
            "log_format": "Text",
            "log_group": ref(f'aws_cloudwatch_log_group.function["{fn}"].name'),
        }
        # Lambda's resource names and Terraform's come from the same variable.
        spec.setdefault("environment", {}).setdefault("variables", {})["RESOURCE_PREFIX"] = ref("var.name_prefix")
        if fn in async_invoked:
            spec["dead_letter_config"] = {"target_arn": queue_arn(async_dlq)}


def correct(export: dict, topology: Topology, prefix: str, architecture: str = "arm64") -> Corrected:
    """The corrected copy of ``export`` and what it says about the app; ``export`` is left as it was."""
    export = copy.deepcopy(export)
    _unpin(export)
    resources = export.get("resource", {})
    functions = resources.get("aws_lambda_function", {})
    sources, mapped = _event_source_mappings(resources, topology, prefix)
    subscribed = _sns_subscriptions(resources, topology, prefix)
    schedule_rules, scheduled = _schedules(resources)
    api = _rest_api(export)
    targeted, invoked_by_topology = _topology_functions(functions, topology, subscribed)
    async_invoked = frozenset(subscribed) | scheduled | targeted
    _functions(functions, architecture, async_invoked, topology.async_dead_letter_queue)
    learned = Learned(
        function_names={fn: spec["function_name"] for fn, spec in functions.items()},
        sources=sources,
        sync_sources=_merge(mapped, api, invoked_by_topology),
        async_invoked=async_invoked,
        schedule_rules=schedule_rules,
        reserved=frozenset(fn for fn, spec in functions.items() if "reserved_concurrent_executions" in spec),
    )
    return Corrected(export, learned)
