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
