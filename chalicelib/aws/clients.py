"""One boto3 client or resource per service, created on first use.

Creating clients lazily keeps cold starts and `import app` cheap, and lets the local
runtime point AWS_ENDPOINT_URL at the emulator before anything connects.
"""

import threading
from functools import cache

import boto3
from botocore.config import Config

# Fail fast rather than hang a Lambda invocation on a slow dependency. A Lambda runs one invocation
# at a time; the local runtime shares each client among its delivery threads and handlers, and
# botocore's default pool of 10 connections made it open (and the emulator accept) a new connection
# for most calls under load.
_CONFIG = Config(
    connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=64
)


@cache
def _session() -> boto3.session.Session:
    # One session per process: a new one re-reads botocore's service models (~100 ms each).
    return boto3.session.Session()


_session_lock = threading.Lock()


@cache
def client(service: str):
    """A shared low-level client for ``service`` (clients are thread-safe)."""
    with _session_lock:
        return _session().client(service, config=_CONFIG)


_per_thread = threading.local()


def resource(service: str):
    """A resource object for ``service`` (DynamoDB tables), one per thread.

    boto3 resources are not thread-safe; the local runtime calls handlers from several threads.
    """
    cached = getattr(_per_thread, "resources", None)
    if cached is None or cached[0] != _generation:
        cached = _per_thread.resources = (_generation, {})
    if service not in cached[1]:
        # Sessions are not thread-safe either: resources are made one at a time from the shared one.
        with _session_lock:
            cached[1][service] = _session().resource(service, config=_CONFIG)
    return cached[1][service]


_generation = 0


def reset() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    global _generation
    client.cache_clear()
    _session.cache_clear()
    _generation += 1
