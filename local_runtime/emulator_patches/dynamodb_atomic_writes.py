"""DynamoDB's writes are atomic in the embedded AWS, as on AWS.

moto's threaded server evaluates a ConditionExpression and then writes, with nothing between
them: two concurrent conditional writes can both pass. One lock around each mutating operation
closes that gap; reads, and other services' long polls, never wait on it.
"""

from __future__ import annotations

import functools

from moto.dynamodb.responses import DynamoHandler

from local_runtime.emulator_patches.persistence import write_lock

MUTATING = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def _serialized(operation):
    @functools.wraps(operation)
    def atomic(self, *args, **kwargs):
        # The persistence snapshot takes the same lock, so it never sees half a transaction.
        with write_lock:
            return operation(self, *args, **kwargs)

    return atomic


def install() -> None:
    for name in MUTATING:
        setattr(DynamoHandler, name, _serialized(getattr(DynamoHandler, name)))
