"""Terraform references to the module's resources, by logical name: one spelling for every pass."""

from __future__ import annotations

from topology.model import ResourceRef


def ref(text: str) -> str:
    """A Terraform interpolation inside a string value."""
    return "${" + text + "}"


def table_arn(key: str) -> str:
    return ref(f'aws_dynamodb_table.table["{key}"].arn')


def stream_arn(table: str) -> str:
    return ref(f'aws_dynamodb_table.table["{table}"].stream_arn')


def queue_arn(key: str) -> str:
    return ref(f'aws_sqs_queue.queue["{key}"].arn')


def topic_arn(key: str) -> str:
    return ref(f'aws_sns_topic.topic["{key}"].arn')


def function_arn(fn: str) -> str:
    return ref(f"aws_lambda_function.{fn}.arn")


def state_machine_arn(key: str) -> str:
    return ref(f'aws_sfn_state_machine.machine["{key}"].arn')


BUS_ARN = ref("aws_cloudwatch_event_bus.bus.arn")
KEY_ARN = ref("aws_kms_key.main.arn")


def resource_arn(resource: ResourceRef) -> str:
    """The ARN a grant's logical resource names (the topology has checked that it is declared)."""
    return {
        "table": lambda: table_arn(resource.name),
        "index": lambda: table_arn(resource.name) + "/index/*",
        "topic": lambda: topic_arn(resource.name),
        "queue": lambda: queue_arn(resource.name),
        "bus": lambda: BUS_ARN,
        "state_machine": lambda: state_machine_arn(resource.name),
    }[resource.kind]()
