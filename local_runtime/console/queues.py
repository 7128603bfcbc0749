"""Queue depths, a dead-letter queue's messages with their reason, and the redrive of one DLQ."""

from __future__ import annotations

import json

from chalicelib.aws.clients import client
from local_runtime.console.errors import ConsoleError, not_found
from local_runtime.dlq_monitor import dead_letter_queues, describe
from local_runtime.provision import Resources, declared_queues

# A redrive moves at most this many messages per press; a larger DLQ takes another press.
REDRIVE_LIMIT = 1000
# Long enough that a message being moved is not received twice by the same redrive.
MOVE_VISIBILITY_SECONDS = 60


class Queues:
    """The declared queues (runtime taps are not shown) and where each DLQ's messages go back to."""

    def __init__(self, resources: Resources, declared: dict) -> None:
        self.urls = {name: resources.queue_urls[name] for name in declared_queues() if name in resources.queue_urls}
        self.senders = {n: s for n, s in dead_letter_queues(resources).items() if n in self.urls}
        # "<name>-dlq" is the redrive target of "<name>": its messages go back there.
        self.redrive_to = {f"{n}-dlq": f"queue:{n}" for n, spec in declared_queues().items() if spec.get("redrive")}
        # A workflow's DLQ holds failed runs, which go back through the topic its trigger reads.
        self.topic_arns = {}
        for spec in (declared.get("state_machines") or {}).values():
            topic = (spec.get("trigger") or {}).get("topic")
            if spec.get("dead_letter_queue") and topic in resources.topic_arns:
                self.redrive_to[spec["dead_letter_queue"]] = f"topic:{topic}"
                self.topic_arns[topic] = resources.topic_arns[topic]

    def _url(self, name: str) -> str:
        if name not in self.urls:
            raise not_found("queue", name, self.urls)
        return self.urls[name]

    def depths(self) -> list[dict]:
        sqs = client("sqs")
        rows = []
        for name, url in self.urls.items():
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            rows.append(
                {
                    "name": name,
                    "depth": int(attributes["ApproximateNumberOfMessages"]),
                    "inFlight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
                    "deadLetter": name in self.senders,
                    "from": self.senders.get(name),
                    "redrive": self._redrive_target(name),
                }
            )
        return rows

    def _redrive_target(self, name: str) -> str | None:
        return self.redrive_to.get(name)

    def messages(self, name: str) -> list[dict]:
        """Up to 10 waiting messages with where they came from and why; they stay in the queue."""
        url = self._url(name)
        response = client("sqs").receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        rows = []
        for message in response.get("Messages", []):
            source, reason = describe(message, self.senders.get(name, "?"))
            attributes = message.get("Attributes") or {}
            rows.append(
                {
                    "messageId": message["MessageId"],
                    "source": source,
                    "reason": reason,
                    "receiveCount": int(attributes.get("ApproximateReceiveCount", 0)),
                    "sentAt": int(attributes.get("SentTimestamp", 0)),
                    "body": message["Body"],
                }
            )
        return rows

    def redrive(self, name: str) -> dict:
        """Move every message of the DLQ ``name`` back to where it failed; returns how many moved."""
        url = self._url(name)
        target = self._redrive_target(name)
        if target is None:
            hint = "replay the bus archive instead" if self.senders.get(name) == "bus rule targets" else None
            raise ConsoleError(
                409,
                "NOT_REDRIVABLE",
                f"{name} holds failure records, not messages of a queue to send back",
                [{"queue": name, "from": self.senders.get(name), "hint": hint}],
            )
        if target.startswith("topic:"):
            return self._republish(name, url, target)
        sqs = client("sqs")
        destination = self.urls[target.removeprefix("queue:")]
        moved = 0
        # moto 5.2.5 has no StartMessageMoveTask (SQS's own redrive): move each message with
        # receive, send, then delete, so a message is in the DLQ until it is safely back in its queue.
        while moved < REDRIVE_LIMIT:
            batch = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=MOVE_VISIBILITY_SECONDS,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                attributes = message.get("MessageAttributes") or {}
                sqs.send_message(QueueUrl=destination, MessageBody=message["Body"], MessageAttributes=attributes)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return {"queue": name, "to": target, "moved": moved}

    def _republish(self, name: str, url: str, target: str) -> dict:
        # Failed payments go back through their topic: the project's own redrive
        # (make redrive-payments) does exactly that, so the console calls it rather than a copy.
        from ops.redrive_payments import republish

        result = republish(client("sqs"), client("sns"), url, self.topic_arns[target.removeprefix("topic:")])
        left = [json.dumps(failure, default=str)[:300] for failure in result.left]
        return {"queue": name, "to": target, "moved": len(result.republished), "left": left}
