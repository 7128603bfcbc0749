"""One boto3 client per service, and DynamoDB Tables on a shared one, created on first use.

Creating clients lazily keeps cold starts and `import app` cheap, and lets the local
runtime point AWS_ENDPOINT_URL at the emulator before anything connects.
"""

import threading
from functools import cache

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

# Fail fast rather than hang a Lambda invocation on a slow dependency. A Lambda runs one invocation
# at a time; the local runtime shares each client among its delivery threads and handlers, and
# botocore's default pool of 10 connections made it open (and the emulator accept) a new connection
# for most calls under load.
_CONFIG = Config(
    connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=64
)


@cache
def _loader(data_path: str | None) -> botocore.loaders.Loader:
    # Parsed service models and endpoint data, kept across reset(): a new session's own loader parses
    # them again (~150 ms of JSON per session), which tests that reset between runs paid hundreds of times.
    return botocore.loaders.create_loader(data_path)


@cache
def _session() -> boto3.session.Session:
    # One session per process: it resolves credentials, region and endpoints from the environment.
    core = botocore.session.Session()
    loader = _loader(core.get_config_variable("data_path"))  # AWS_DATA_PATH, as botocore's own loader reads it
    core.register_component("data_loader", loader)
    session = boto3.session.Session(botocore_session=core)
    # boto3 appends the folder of its resource models to the loader's paths for every session: once is enough.
    loader.search_paths[:] = dict.fromkeys(loader.search_paths)
    return session


_session_lock = threading.Lock()


@cache
def client(service: str):
    """A shared low-level client for ``service`` (clients are thread-safe)."""
    with _session_lock:
        return _session().client(service, config=_CONFIG)


@cache
def _dynamodb_resource():
    # Made once: its client is the one every Table shares, and its Table class is reused.
    with _session_lock:
        return _session().resource("dynamodb", config=_CONFIG)


def document_client():
    """The shared DynamoDB client that takes and returns plain Python values, as the Tables do.

    boto3's resource registers its type conversions on its client, so this is not ``client("dynamodb")``
    (Powertools idempotency, for one, hands that one DynamoDB's typed values).
    """
    return _dynamodb_resource().meta.client


@cache
def _table_class():
    return type(_dynamodb_resource().Table("any"))


_per_thread = threading.local()


def table(name: str):
    """The DynamoDB Table resource for ``name``, one per thread, all on the shared ``document_client()``.

    Resources are not thread-safe, so each thread has its own; but ``resource()`` and ``Table()`` both
    build classes from boto3's models (about 100 ms and 1 ms of CPU), which the local runtime's pooled
    threads paid per thread and per call. A Table made from the kept class costs microseconds.
    """
    cached = getattr(_per_thread, "tables", None)
    if cached is None or cached[0] != _generation:
        cached = _per_thread.tables = (_generation, {})
    if name not in cached[1]:
        cached[1][name] = _table_class()(name, client=document_client())
    return cached[1][name]


_generation = 0


def reset() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    global _generation
    client.cache_clear()
    _dynamodb_resource.cache_clear()
    _table_class.cache_clear()
    _session.cache_clear()
    _generation += 1
