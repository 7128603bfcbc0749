"""Physical AWS resource names, derived from the stage's RESOURCE_PREFIX.

The same rule ("<prefix>-<logical name>") is applied by the Terraform overlay and by
the local runtime, so a logical name in infra/topology.yaml is the only spelling.
"""

import os


def prefix() -> str:
    """The stage's resource prefix, e.g. ``orders-platform-dev``."""
    return os.environ["RESOURCE_PREFIX"]


def physical_name(logical: str) -> str:
    """The AWS name of the resource declared as ``logical``."""
    return f"{prefix()}-{logical}"


def stream_arn(table: str) -> str:
    """The table's stream ARN: ``<TABLE>_STREAM_ARN`` if set, else a placeholder.

    The Terraform overlay wires the real stream into the mapping, and the local runtime
    finds the stream by table name, so only `chalice deploy` needs the variable set.
    """
    variable = f"{table.upper().replace('-', '_')}_STREAM_ARN"
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return (
        os.environ.get(variable) or f"arn:aws:dynamodb:{region}:000000000000:table/{physical_name(table)}/stream/unset"
    )
