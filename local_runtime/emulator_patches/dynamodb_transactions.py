"""TransactWriteItems checks every condition first and writes only if all pass, as DynamoDB does.

moto deep-copies every table a transaction touches, writes item by item, and on a failed
condition puts the copies back in place of the live tables. That costs a copy of the whole
table per transaction (the local stack slowed down as tables grew: every consumer effect is a
transaction), and a rolled-back table is a new object, whose stream the open shard iterators no
longer see: the stream readers would miss every later record. Here nothing is written until
every condition holds, so a cancelled transaction changes nothing and emits no stream record.
Runs under dynamodb_atomic_writes' lock, so nothing changes between the checks and the writes.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend

OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")
MAX_ITEMS = 100


def _key(backend: DynamoDBBackend, op_type: str, op: dict) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _check(backend: DynamoDBBackend, op_type: str, op: dict, key: dict) -> tuple | None:
    """None if the operation's condition holds; else its cancellation reason (Code, Message, Item)."""
    condition = op.get("ConditionExpression")
    if condition is None:
        return None
    current = backend.get_item(op["TableName"], key)
    holds = get_filter_expression(condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues"))
    if holds.expr(current):
        return None
    wanted = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current
    return (
        "ConditionalCheckFailed",
        ConditionalCheckFailed().message,
        current.to_json()["Attributes"] if wanted else None,
    )


def _write(backend: DynamoDBBackend, op_type: str, op: dict, key: dict) -> None:
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    if op_type == "Put":
        backend.put_item(
            op["TableName"], op["Item"], expression_attribute_names=names, expression_attribute_values=values
        )
    elif op_type == "Delete":
        backend.delete_item(op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values)
    elif op_type == "Update":
        backend.update_item(
            op["TableName"],
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    planned, seen, reasons = [], set(), []
    for item in transact_items:
        if len(item) != 1:
            raise TransactWriteSingleOpException()
        op_type, op = next(iter(item.items()))
        if op_type not in OPERATIONS:
            raise ValueError("Unsupported transaction operation")
        key = _key(self, op_type, op)
        identity = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        planned.append((op_type, op, key))
        reasons.append(_check(self, op_type, op, key))
    if any(reasons):
        raise TransactionCanceledException([r or (None, None, None) for r in reasons])
    for op_type, op, key in planned:
        _write(self, op_type, op, key)


def install() -> None:
    DynamoDBBackend.transact_write_items = transact_write_items
