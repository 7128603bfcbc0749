"""The payments topic's trigger: one Express execution per message."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from decimal import Decimal

from chalicelib.aws.workflows import start_execution
from chalicelib.payments.model import usable_payment_id
from chalicelib.payments.state import WorkflowInput, dump

STATE_MACHINE = "payments"


def workflow_input(sns: dict) -> dict:
    """The execution input for one SNS message; amounts stay exact (decimal strings)."""
    try:
        payment = json.loads(sns["Message"], parse_float=Decimal)
    except ValueError:
        payment = sns["Message"]  # the validator sends what is not a payment to the DLQ
    order_id = payment.get("orderId") if isinstance(payment, dict) else None
    state = WorkflowInput(
        payment=payment,
        paymentId=usable_payment_id(payment),
        orderId=order_id if isinstance(order_id, str) else None,
        receivedAt=received_at(sns),
        messageId=sns["MessageId"],
        correlationId=_attribute(sns, CORRELATION_ATTRIBUTE) or sns["MessageId"],
    )
    # Decimals become strings here: JSON numbers would turn them into floats downstream.
    return json.loads(json.dumps(dump(state), default=str))


# A redrive republishes a payment with the time it was first received, so the occurredAt window
# (measured from receipt) gives the same verdict as the first time.
RECEIVED_AT_ATTRIBUTE = "receivedAt"
# The publisher's correlation id (POST /payments: the request's); a message without one is its own.
CORRELATION_ATTRIBUTE = "correlationId"


def _attribute(sns: dict, name: str) -> str | None:
    return ((sns.get("MessageAttributes") or {}).get(name) or {}).get("Value")


def received_at(sns: dict) -> str:
    """When the payment was first received: the redrive's attribute if earlier, else the topic's timestamp."""
    timestamp = sns["Timestamp"]
    original = _attribute(sns, RECEIVED_AT_ATTRIBUTE)
    try:
        if original and datetime.fromisoformat(original) <= datetime.fromisoformat(timestamp):
            return original
    except ValueError:
        pass  # not a timestamp: the topic's own receipt time stands
    return timestamp


def execution_name(payment_id: str | None) -> str:
    """Unique per delivery: Express does not deduplicate by name, so we never rely on it.

    The processor's conditional writes make a redelivery harmless; the paymentId in the
    name only helps a person find the execution.
    """
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", str(payment_id or "unknown"))[:40]
    return f"{readable}-{uuid.uuid4().hex}"


def handle(event: dict, context=None) -> list[str]:
    """Start one execution per record of an SNS Lambda event; returns their ARNs."""
    started = []
    for record in event["Records"]:
        payload = workflow_input(record["Sns"])
        started.append(start_execution(STATE_MACHINE, execution_name(payload["paymentId"]), payload))
    return started
