"""ARNs of our own resources, built from their names, the region and the account.

The account comes from STS GetCallerIdentity once per process: it needs no IAM
permission, and it spares every stage an ARN-per-resource environment variable.
"""

from __future__ import annotations

from functools import cache

from chalicelib.aws.clients import client
from chalicelib.resource_names import physical_name


@cache
def account_id() -> str:
    return client("sts").get_caller_identity()["Account"]


def region() -> str:
    return client("sts").meta.region_name


def arn(service: str, resource: str) -> str:
    """``arn:aws:<service>:<region>:<account>:<resource>``."""
    return f"arn:aws:{service}:{region()}:{account_id()}:{resource}"


def topic_arn(logical: str) -> str:
    return arn("sns", physical_name(logical))


def state_machine_arn(logical: str) -> str:
    return arn("states", f"stateMachine:{physical_name(logical)}")


def reset() -> None:
    account_id.cache_clear()
