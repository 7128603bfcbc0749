"""Every IAM role of the module, with its least-privilege policy: functions, state machines, the pipe.

One place decides what each principal may do: a function from its event sources (what the export
says it reads), its invocation (the async DLQ), its trigger duty and its grants under the topology's `functions`;
a state machine from its task functions, its dead_letter_queue and its grants; the pipe from its
source, enrichment, bus and DLQ. Written as HCL to iam.tf.
"""

from __future__ import annotations

from infra import hcl
from infra.build.corrections import Learned, QueueSource, StreamSource
from infra.build.references import (
    BUS_ARN,
    KEY_ARN,
    function_arn,
    queue_arn,
    ref,
    resource_arn,
    state_machine_arn,
    stream_arn,
)
from infra.hcl import Expr
from topology import Topology
from topology.model import Grant, StateMachine

# Who may assume the roles of the overlay's services: this account only (confused deputy).
_SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ref("data.aws_caller_identity.current.account_id")}}


def _statement(sid: str, actions: list[str], resource) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


def _declared(grants: list[Grant]) -> list[dict]:
    return [
        _statement(f"Declared{i}", list(g.actions), [resource_arn(r) for r in g.resources])
        for i, g in enumerate(grants)
    ]


def _assume(service: str, condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _source_statements(source: QueueSource | StreamSource) -> list[dict]:
    if isinstance(source, QueueSource):
        actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
        return [_statement("ConsumeQueue", actions, queue_arn(source.queue))]
    return [
        _statement(
            "ReadStream",
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            stream_arn(source.table),
        ),
        # dynamodb:ListStreams supports no resource-level permission.
        _statement("ListStreams", ["dynamodb:ListStreams"], "*"),
        _statement("StreamFailures", ["sqs:SendMessage"], queue_arn(source.on_failure)),
    ]


def function_policy(fn: str, learned: Learned, topology: Topology) -> dict:
    """The least-privilege policy of one Chalice function."""
    statements = [
        _statement(
            "Logs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            ref(f'aws_cloudwatch_log_group.function["{fn}"].arn') + ":*",
        ),
        # X-Ray's trace APIs support no resource-level permission.
        _statement("Tracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"),
        # Environment variables, tables, queues and topics are all encrypted with this key.
        _statement("Key", ["kms:Decrypt", "kms:GenerateDataKey"], KEY_ARN),
    ]
    for source in learned.sources.get(fn, ()):
        statements += _source_statements(source)
    for name, machine in topology.state_machines.items():
        if machine.trigger and machine.trigger.function == fn:
            statements.append(_statement("StartWorkflow", ["states:StartExecution"], state_machine_arn(name)))
    if fn in learned.async_invoked:
        statements.append(_statement("AsyncFailures", ["sqs:SendMessage"], queue_arn(topology.async_dead_letter_queue)))
    settings = topology.functions.get(fn)
    statements += _declared(settings.permissions if settings else [])
    return {"Version": "2012-10-17", "Statement": statements}


def state_machine_policy(machine: StateMachine) -> dict:
    statements = [
        _statement("InvokeTasks", ["lambda:InvokeFunction"], [function_arn(fn) for fn in machine.functions]),
        # Tables and queues are encrypted with this key.
        _statement("Key", ["kms:Decrypt", "kms:GenerateDataKey"], KEY_ARN),
        # CloudWatch Logs delivery and X-Ray's APIs support no resource-level permission.
        _statement(
            "LogDeliveryAndTracing",
            [
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
            ],
            "*",
        ),
    ]
    if machine.dead_letter_queue:
        statements.append(_statement("DeadLetter", ["sqs:SendMessage"], [queue_arn(machine.dead_letter_queue)]))
    return {"Version": "2012-10-17", "Statement": statements + _declared(machine.permissions)}


def pipe_policy(topology: Topology) -> dict:
    pipe = topology.pipe
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(
                "ReadStream",
                ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                stream_arn(pipe.source.table),
            ),
            # dynamodb:ListStreams supports no resource-level permission.
            _statement("ListStreams", ["dynamodb:ListStreams"], "*"),
            _statement("Enrich", ["lambda:InvokeFunction"], function_arn(pipe.enrichment.function)),
            _statement("PutEvents", ["events:PutEvents"], BUS_ARN),
            _statement("DeadLetter", ["sqs:SendMessage"], queue_arn(pipe.source.dead_letter_queue)),
            _statement("Key", ["kms:Decrypt", "kms:GenerateDataKey"], KEY_ARN),
            _statement(
                "Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], ref("aws_cloudwatch_log_group.pipe.arn") + ":*"
            ),
        ],
    }


def _json(document: dict, indent: int) -> Expr:
    return Expr(f"jsonencode({hcl.value(document, indent)})")


def _role(address: str, attrs: dict, policy: Expr, role_ref: str, extra: dict | None = None) -> list[str]:
    extra = extra or {}
    return [
        hcl.block("resource", ["aws_iam_role", address], {**extra, **attrs}),
        hcl.block(
            "resource",
            ["aws_iam_role_policy", address],
            {**extra, "name": "least-privilege", "role": Expr(role_ref), "policy": policy},
        ),
    ]


def iam_tf(learned: Learned, topology: Topology) -> str:
    """iam.tf: one role and one least-privilege policy per function, per state machine and for the pipe."""
    out = ["# Generated by infra/build/iam.py from the topology and Chalice's export. Do not edit.\n"]
    for fn, function_name in learned.function_names.items():
        # The REST API's function shares its name with the app; its role gets a suffix to stay unique.
        name = function_name if fn != "api_handler" else f"{function_name}-api_handler"
        attrs = {"name": name, "assume_role_policy": _json(_assume("lambda.amazonaws.com"), 1)}
        out += _role(fn, attrs, _json(function_policy(fn, learned, topology), 1), f"aws_iam_role.{fn}.id")
    if topology.state_machines:
        policies = {name: _json(state_machine_policy(m), 2) for name, m in topology.state_machines.items()}
        out.append(hcl.block("locals", [], {"state_machine_policies": policies}))
        out += _role(
            "state_machine",
            {
                "name": "${local.prefix}-states-${each.key}",
                "assume_role_policy": _json(_assume("states.amazonaws.com", _SOURCE_ACCOUNT), 1),
            },
            Expr("each.value"),
            "aws_iam_role.state_machine[each.key].id",
            extra={"for_each": Expr("local.state_machine_policies")},
        )
    out += _role(
        "pipe",
        {
            "name": f"${{local.prefix}}-pipe-{topology.pipe.name}",
            "assume_role_policy": _json(_assume("pipes.amazonaws.com", _SOURCE_ACCOUNT), 1),
        },
        _json(pipe_policy(topology), 1),
        "aws_iam_role.pipe.id",
    )
    return "\n".join(out)
