"""Corrections to moto, installed in the embedded AWS's process (see `local_runtime/emulator_server.py`)."""

from __future__ import annotations

import importlib

# What the stack's process and the emulator's agree on. Here, not in the patch modules, so the stack
# can read them without importing moto's services.
# The runtime's Invoke endpoint for user rules' Lambda targets; set only when a runtime runs (not `make aws`).
INVOKE_PORT_VARIABLE = "LOCAL_INVOKE_PORT"
# The emulator's exit status when its saved state cannot be read.
UNREADABLE_STATE_EXIT = 4
# The embedded AWS is two moto processes (emulator.EmbeddedAws): the main one, which forwards DynamoDB
# calls to LOCAL_DYNAMODB_ENDPOINT, and the DynamoDB one. The role names each one's state file.
PROCESS_ROLE_VARIABLE = "LOCAL_EMULATOR_ROLE"
MAIN_ROLE, DYNAMODB_ROLE = "main", "dynamodb"
DYNAMODB_ENDPOINT_VARIABLE = "LOCAL_DYNAMODB_ENDPOINT"
# Where each process answers the calls it counted (call_counts.py).
CALLS_PATH = "/_local/calls"
# POSTed by a stopping runtime: waiting reads answer at once (wait_release.py).
RELEASE_WAITS_PATH = "/_local/release-waits"
# What the runtime's stream readers send with GetRecords (stream_wait.py).
WAIT_HEADER = "X-Local-Wait-Seconds"
GATHER_HEADER = "X-Local-Gather-Seconds"

# One module per concern; each has an `install()` that is safe to call once per process,
# and may have a `stop()` the server calls as it stops (persistence saves there).
# Persistence comes last: it restores saved state into backends the other patches have shaped.
PATCHES: tuple[str, ...] = (
    "lazy_batch",
    "server_path",
    "call_counts",
    "wait_release",
    "dynamodb_forwarding",
    "service_costs",
    "sns_signing",
    "sqs_queues",
    "request_costs",
    "eventbridge",
    "dynamodb_atomic_writes",
    "dynamodb_transactions",
    "stream_wait",
    "persistence",
)


def install_all() -> None:
    for name in PATCHES:
        importlib.import_module(f"{__name__}.{name}").install()


def stop_all() -> None:
    for name in PATCHES:
        stop = getattr(importlib.import_module(f"{__name__}.{name}"), "stop", None)
        if stop is not None:
            stop()
