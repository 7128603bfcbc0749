"""Smoke checks through the deployed resources, observed the way the emulator allows (logs, tables, queues)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
from botocore.config import Config


@dataclass
class Result:
    name: str
    ok: bool
    seconds: float
    detail: str


@dataclass
class Deployment:
    """What the smoke checks need from the applied module: its outputs and its function names."""

    outputs: dict
    functions: dict[str, str]


class Smoke:
    def __init__(self, endpoint: str, deployment: Deployment, region: str = "us-east-1", timeout: float = 60) -> None:
        self.deployment = deployment
        self.timeout = timeout
        self.marker = f"rehearsal-{uuid.uuid4().hex[:12]}"
        session = boto3.session.Session(
            aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal", region_name=region
        )
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, inject_host_prefix=False)
        self.client = lambda service: session.client(service, endpoint_url=endpoint, config=config)

    def run(self) -> list[Result]:
        return [
            self._check("table -> change log", self.change_log),
            self._check("bus -> rule -> analytics", self.analytics),
            self._check("fan-out topic -> both queues", self.fan_out),
        ]

    def _check(self, name: str, check: Callable[[], str]) -> Result:
        started = time.monotonic()
        try:
            detail = check()
            return Result(name, True, time.monotonic() - started, detail)
        except Exception as exc:  # every failure of a check is reported; it then fails the run
            return Result(name, False, time.monotonic() - started, f"{type(exc).__name__}: {exc}")

    def _until(self, what: str, probe: Callable[[], object]) -> object:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(1)
        raise TimeoutError(f"{what} not seen within {self.timeout:.0f} s")

    def change_log(self) -> str:
        """A put-item on the deployed orders table shows up in the change-log function's log group."""
        table = self.deployment.outputs["table_names"]["orders"]
        function = self.deployment.functions["order_change_log"]
        lambda_ = self.client("lambda")
        group = lambda_.get_function_configuration(FunctionName=function)["LoggingConfig"]["LogGroup"]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        item = {"orderId": self.marker, "customerId": "rehearsal", "status": "PENDING", "createdAt": now}
        self.client("dynamodb").put_item(TableName=table, Item={k: {"S": v} for k, v in item.items()})
        logs = self.client("logs")

        def logged() -> list:
            return logs.filter_log_events(logGroupName=group, filterPattern=f'"{self.marker}"').get("events", [])

        events = self._until(f"{self.marker} in {group}", logged)
        return f"put-item on {table} logged by {function} in {group} ({len(events)} line)"

    def analytics(self) -> str:
        """An app.* event on the deployed bus is counted by the analytics function (read-models table)."""
        bus = self.deployment.outputs["bus_name"]
        table = self.deployment.outputs["table_names"]["read-models"]
        when = datetime.now(UTC)
        detail_type = f"RehearsalPing-{self.marker}"
        response = self.client("events").put_events(
            Entries=[
                {
                    "EventBusName": bus,
                    "Source": "app.rehearsal",
                    "DetailType": detail_type,
                    "Detail": json.dumps({"eventId": self.marker}),
                    "Time": when,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"put_events refused the event: {response['Entries']}")
        dynamodb = self.client("dynamodb")
        key = {"pk": {"S": f"analytics#{when:%Y-%m-%d}"}, "sk": {"S": detail_type}}

        def counted() -> dict:
            return dynamodb.get_item(TableName=table, Key=key).get("Item")

        item = self._until(f"the count of {detail_type} in {table}", counted)
        return f"event on {bus} counted by {self.deployment.functions['analytics']}: count {item['count']['N']}"

    def fan_out(self) -> str:
        """A message published to the order-created topic arrives on every subscribed queue."""
        topic = self.deployment.outputs["topic_arns"]["order-created"]
        sns, sqs, lambda_ = self.client("sns"), self.client("sqs"), self.client("lambda")
        queue_arns = [
            s["Endpoint"]
            for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
            if s["Protocol"] == "sqs"
        ]
        if len(queue_arns) < 2:
            raise RuntimeError(f"{topic} has {len(queue_arns)} queue subscriptions, expected 2")
        # The deployed consumers would take the message first; pausing their mappings leaves it on
        # the queue to be read here (the whole deployment is destroyed afterwards).
        mappings = [
            m for m in lambda_.list_event_source_mappings()["EventSourceMappings"] if m["EventSourceArn"] in queue_arns
        ]
        for mapping in mappings:
            lambda_.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
        self._until(
            "queue consumers paused",
            lambda: all(lambda_.get_event_source_mapping(UUID=m["UUID"])["State"] == "Disabled" for m in mappings),
        )
        sns.publish(TopicArn=topic, Message=json.dumps({"rehearsal": self.marker}))
        received = []
        for arn in queue_arns:
            url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]

            def arrived(url: str = url) -> bool:
                messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10)
                return any(self.marker in m["Body"] for m in messages.get("Messages", []))

            self._until(f"the message on {arn}", arrived)
            received.append(arn.rsplit(":", 1)[1])
        return f"one publish on {topic.rsplit(':', 1)[1]} received on {', '.join(received)}"
