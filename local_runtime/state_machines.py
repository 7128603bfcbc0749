"""Creates the declared state machines in the embedded AWS from the same ASL files Terraform reads."""

from __future__ import annotations

import json
import logging
import re

from chalicelib.aws.clients import client
from chalicelib.resource_names import physical_name
from local_runtime import topology
from local_runtime.invoke import Invoker
from local_runtime.topology import PROJECT_DIR

log = logging.getLogger("local")

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")

# moto checks that a role ARN is well formed, not what it allows; one role serves every machine.
_ROLE = "local-state-machines"
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def substitutions(spec: dict, invoker: Invoker, queue_url) -> dict[str, str]:
    """Placeholder -> value, per the convention documented in infra/topology.yaml."""
    values = {}
    for function in spec.get("functions", []):
        values[function] = f"arn:aws:lambda:us-east-1:123456789012:function:{invoker.lambda_name(function)}"
    for placeholder, logical in (spec.get("tables") or {}).items():
        values[placeholder] = physical_name(logical)
    for placeholder, logical in (spec.get("queues") or {}).items():
        values[placeholder] = queue_url(logical)
    return values


def render(spec: dict, values: dict[str, str]) -> str:
    """The ASL with every ``${placeholder}`` filled; KeyError names one that is not declared."""
    # Only "${name}" is a placeholder, as in Terraform's templatefile(); "$.path" stays as it is.
    return _PLACEHOLDER.sub(lambda match: values[match[1]], (PROJECT_DIR / spec["definition"]).read_text())


def task_states(machine: str, definition: str) -> dict[str, str]:
    """Lambda name -> "<machine>/<state>" for every Lambda task of a rendered definition."""
    found = {}
    for state, body in json.loads(definition)["States"].items():
        resource = body.get("Resource", "")
        if body.get("Type") == "Task" and ":function:" in resource:
            found[resource.rsplit(":function:", 1)[1]] = f"{machine}/{state}"
    return found


def _role_arn() -> str:
    iam = client("iam")
    try:
        return iam.get_role(RoleName=_ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=_ROLE, AssumeRolePolicyDocument=json.dumps(_TRUST))["Role"]["Arn"]


def _queue_url(logical: str) -> str:
    # Provisioning created every declared queue; a missing one is a topology mistake to surface.
    return client("sqs").get_queue_url(QueueName=physical_name(logical))["QueueUrl"]


def create_all(invoker: Invoker) -> dict[str, str]:
    """Create (or update) every declared state machine; returns Lambda name -> "<machine>/<state>"."""
    sfn = client("stepfunctions")
    existing = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    role = _role_arn()
    states: dict[str, str] = {}
    for logical, spec in (topology.load().get("state_machines") or {}).items():
        values = substitutions(spec, invoker, _queue_url)
        definition = render(spec, values)
        name = physical_name(logical)
        if name in existing:
            sfn.update_state_machine(stateMachineArn=existing[name], definition=definition, roleArn=role)
        else:
            sfn.create_state_machine(
                name=name,
                definition=definition,
                roleArn=role,
                type=spec.get("type", "STANDARD"),
                tracingConfiguration={"enabled": bool(spec.get("tracing", False))},
            )
        states.update(task_states(logical, definition))
        log.info("state machine %s (%s)", name, spec.get("type", "STANDARD"))
    return states


def running_executions() -> int:
    """How many executions of any state machine are still running on the embedded AWS."""
    sfn = client("stepfunctions")
    return sum(
        len(sfn.list_executions(stateMachineArn=m["stateMachineArn"], statusFilter="RUNNING")["executions"])
        for m in sfn.list_state_machines()["stateMachines"]
    )
