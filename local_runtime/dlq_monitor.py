"""The local stand-in for the DLQ alarms: one console warning per message a dead-letter queue receives.

On AWS, an alarm per DLQ (topology `monitoring`) fires when a message is visible there. Locally the
`make dev` console prints one line naming the DLQ, where the message came from and why. The
monitor only peeks (visibility timeout 0), so the message stays for whoever reads the DLQ.
"""

from __future__ import annotations

import json
import logging

from chalicelib.aws.clients import client
from local_runtime import topology
from local_runtime.provision import Resources
from local_runtime.worker import Worker

log = logging.getLogger("dlq")


def dead_letter_queues(resources: Resources) -> dict[str, str]:
    """Logical name -> what sends there, for every DLQ provisioned: declared or a redrive sibling."""
    declared = topology.load()
    queues = declared.get("queues") or {}
    senders: dict[str, str] = {}
    for name in resources.queue_urls:
        base = name.removesuffix("-dlq")
        if base != name and base in resources.queue_urls:
            senders[name] = f"sqs:{base}"
        elif (queues.get(name) or {}).get("dead_letter"):
            senders[name] = "?"
    named = {declared["event_bus"]["target_defaults"]["dead_letter_queue"]: "bus rule targets"}
    for rule in declared["rules"].values():
        for target in rule["targets"].values():
            named[target["dead_letter_queue"]] = "bus rule targets"
    pipe = declared.get("pipe") or {}
    named[(pipe.get("source") or {}).get("dead_letter_queue")] = f"pipe:{pipe.get('name')}"
    for fn, mapping in (declared.get("stream_mappings") or {}).items():
        named[mapping.get("on_failure")] = f"stream mapping -> {fn}"
    for machine, spec in (declared.get("state_machines") or {}).items():
        named[spec.get("dead_letter_queue")] = f"stepfunctions:{machine}"
    for name in senders:
        senders[name] = named.get(name, senders[name])
    return senders


def describe(message: dict, sender: str) -> tuple[str, str]:
    """(source, reason) of a dead-lettered message, from the shapes each sender writes."""
    attributes = {k: v.get("StringValue", "") for k, v in (message.get("MessageAttributes") or {}).items()}
    if "ERROR_CODE" in attributes:  # EventBridge rule target (RULE_ARN, TARGET_ARN, ERROR_*)
        rule = attributes.get("RULE_ARN", "").rsplit("/", 1)[-1] or "?"
        target = attributes.get("TARGET_ARN", "").rsplit(":", 1)[-1] or "?"
        return f"rule:{rule} -> {target}", f"{attributes['ERROR_CODE']}: {attributes.get('ERROR_MESSAGE', '')}"
    try:
        body = json.loads(message.get("Body") or "")
    except ValueError:
        body = None
    if isinstance(body, dict):
        if "requestContext" in body:  # Lambda's on-failure record of a stream mapping
            context = body["requestContext"]
            fn = str(context.get("functionArn", "")).rsplit(":", 1)[-1] or sender
            error = (body.get("responseContext") or {}).get("functionError", "")
            return f"stream mapping -> {fn}", f"{context.get('condition', 'failed')}: {error}"
        if "reason" in body and "records" in body:  # the pipe's DLQ record
            return sender, f"{body['reason']} ({len(body['records'])} record(s))"
        if (
            isinstance(body.get("reason"), dict) and "execution" in body
        ):  # the payments workflow's SendToDeadLetterQueue
            failure = body["reason"]
            payment = f"payment {body.get('paymentId')} of order {body.get('orderId')}"
            return sender, f"{payment}: {failure.get('Error', 'failed')}: {failure.get('Cause', '')}"
    if sender.startswith("sqs:"):
        return sender, "not processed after the queue's maxReceiveCount receives (redrive)"
    return sender, "no reason recorded in the message"


class DlqMonitor(Worker):
    """Peeks at every dead-letter queue and warns once per new message."""

    # A console line within 5 s is soon enough, and 6 DLQs peeked each second were most of the idle load.
    idle_seconds = 5.0

    def __init__(self, resources: Resources) -> None:
        super().__init__("dlq-monitor")
        senders = dead_letter_queues(resources)
        self.queues = {name: (resources.queue_urls[name], sender) for name, sender in senders.items()}
        self.seen: set[str] = set()
        self.primed = False

    def poll(self) -> bool:
        if not self.primed:
            self._prime()
        found = False
        for name, (url, sender) in self.queues.items():
            for message in self._peek(url):
                if message["MessageId"] in self.seen:
                    continue
                self.seen.add(message["MessageId"])
                found = True
                source, reason = describe(message, sender)
                log.warning("WARNING dead letter in %s from %s: %s", name, source, _one_line(reason))
        return found

    def _prime(self) -> None:
        """Messages kept from an earlier run are counted once, not announced as new."""
        for name, (url, _) in self.queues.items():
            waiting = self._peek(url)
            self.seen |= {m["MessageId"] for m in waiting}
            if waiting:
                log.warning("WARNING dead letter queue %s holds %d message(s) from before", name, len(waiting))
        self.primed = True

    def _peek(self, url: str) -> list[dict]:
        # Visibility 0: the message stays visible to anyone reading the DLQ. A receive returns
        # at most 10, so beyond 10 waiting messages newer ones may go unannounced.
        response = client("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0, MessageAttributeNames=["All"]
        )
        return response.get("Messages", [])


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
