"""Redrive the payments dead-letter queue: run every FAILED payment again, to completion.

Each DLQ message names a payment, its order, the reason and the execution, and carries the
message as published. The redrive republishes that message to the payments topic, so the
trigger starts a fresh execution (every task is safe to repeat), and deletes the DLQ message
only once it is republished. Then it waits for each payment's new outcome.

    python -m ops.redrive_payments --stage dev     # AWS: credentials and region from the environment
    make redrive-payments                          # the local stack (LOCAL_AWS_PORT, default 4566)

A message with no usable paymentId is left in the queue: republishing what is not a payment
would only dead-letter it again, so it is listed for a person to look at.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import topology

PROJECT_DIR = Path(__file__).resolve().parent.parent
STATE_MACHINE = "payments"
# Long enough to republish a batch before SQS hands its messages to anyone else.
VISIBILITY_SECONDS = 60


@dataclass
class Redrive:
    """What a redrive did: payments republished (id -> the failed execution), messages left, outcomes."""

    republished: dict[str, str] = field(default_factory=dict)
    left: list[dict] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """True if every republished payment ended PROCESSED or REJECTED."""
        return all(self.outcomes.get(p) in ("PROCESSED", "REJECTED") for p in self.republished)


def use_stage(stage: str) -> None:
    """Name resources as ``stage`` does (its RESOURCE_PREFIX); its other settings apply unless already set."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    settings = config["stages"][stage].get("environment_variables", {})
    os.environ["RESOURCE_PREFIX"] = settings["RESOURCE_PREFIX"]
    for name, value in settings.items():
        os.environ.setdefault(name, value)


def republish(sqs, sns, queue_url: str, topic_arn: str) -> Redrive:
    """Move every redrivable message from the DLQ back onto the topic; one publish per payment."""
    result = Redrive()
    held: list[str] = []  # receipt handles of messages left in the queue, released at the end
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=VISIBILITY_SECONDS
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            failure = _parse(message["Body"])
            payment_id = failure.get("paymentId")
            if not isinstance(payment_id, str) or "payment" not in failure:
                result.left.append(failure)
                held.append(message["ReceiptHandle"])
                continue
            if payment_id not in result.republished:
                sns.publish(TopicArn=topic_arn, Message=json.dumps(failure["payment"]), **_first_receipt(failure))
                result.republished[payment_id] = failure.get("execution", "")
            # Deleted only now that the payment is back on the topic; a duplicate of it goes too.
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    for handle in held:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return result


def _first_receipt(failure: dict) -> dict:
    """The message attributes that keep the payment's first receipt time and its correlation id (the trigger reads both)."""
    from chalicelib.payments.trigger import CORRELATION_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE

    attributes = {
        name: {"DataType": "String", "StringValue": failure[key]}
        for name, key in ((RECEIVED_AT_ATTRIBUTE, "receivedAt"), (CORRELATION_ATTRIBUTE, "correlationId"))
        if isinstance(failure.get(key), str)
    }
    return {"MessageAttributes": attributes} if attributes else {}


def await_outcomes(result: Redrive, read_record, timeout: float) -> None:
    """Poll each republished payment's record until a new outcome replaces the failed one."""
    deadline = time.monotonic() + timeout
    waiting = set(result.republished)
    while waiting and time.monotonic() < deadline:
        for payment_id in sorted(waiting):
            record = read_record(payment_id) or {}
            status = record.get("status")
            if status in ("PROCESSED", "REJECTED") or (
                status == "FAILED" and record.get("execution") != result.republished[payment_id]
            ):
                result.outcomes[payment_id] = status
                waiting.discard(payment_id)
        if waiting:
            time.sleep(0.5)
    for payment_id in waiting:
        result.outcomes[payment_id] = "UNFINISHED"


def _parse(body: str) -> dict:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"body": body}
    return parsed if isinstance(parsed, dict) else {"body": parsed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json: local, dev, prod")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the new outcomes (0: do not)")
    args = parser.parse_args(argv)
    use_stage(args.stage)

    # After use_stage: the clients read the stage's endpoint and names.
    from chalicelib.aws.arns import topic_arn
    from chalicelib.aws.clients import client
    from chalicelib.payments.repository import PaymentsRepository
    from chalicelib.resource_names import physical_name

    machine = topology.default().state_machines[STATE_MACHINE]
    sqs = client("sqs")
    queue_url = sqs.get_queue_url(QueueName=physical_name(machine.dead_letter_queue))["QueueUrl"]
    result = republish(sqs, client("sns"), queue_url, topic_arn(machine.trigger.topic))
    print(f"republished {len(result.republished)} payment(s) from {queue_url}")
    if args.wait > 0:
        await_outcomes(result, PaymentsRepository().get, args.wait)
    for payment_id in sorted(result.republished):
        print(f"  {payment_id}: {result.outcomes.get(payment_id, 'republished')}")
    for failure in result.left:
        print(f"  left in the queue (no usable paymentId): {json.dumps(failure)[:300]}")
    return 0 if args.wait <= 0 or result.finished else 1


if __name__ == "__main__":
    sys.exit(main())
