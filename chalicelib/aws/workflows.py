"""Starting executions of our state machines by logical name."""

from __future__ import annotations

import json

from chalicelib.aws.arns import state_machine_arn
from chalicelib.aws.clients import client


def start_execution(logical: str, name: str, payload: dict) -> str:
    """Start an execution of the machine declared as ``logical``; returns its ARN."""
    response = client("stepfunctions").start_execution(
        stateMachineArn=state_machine_arn(logical), name=name, input=json.dumps(payload, default=str)
    )
    return response["executionArn"]
