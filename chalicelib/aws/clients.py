"""One boto3 client or resource per service, created on first use.

Creating clients lazily keeps cold starts and `import app` cheap, and lets the local
runtime point AWS_ENDPOINT_URL at the emulator before anything connects.
"""

from functools import cache

import boto3
from botocore.config import Config

# Fail fast rather than hang a Lambda invocation on a slow dependency.
_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})


@cache
def client(service: str):
    """A shared low-level client for ``service``."""
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def resource(service: str):
    """A shared resource object for ``service`` (DynamoDB tables)."""
    return boto3.session.Session().resource(service, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    client.cache_clear()
    resource.cache_clear()
