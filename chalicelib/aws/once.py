"""The one way a DynamoDB effect happens once: a conditional marker item and the effect, in one transaction.

A retry, a redelivery or a replay finds the marker and changes nothing. The read-models
consumers' effects and a payment's settlement (its PROCESSED record is the marker) both go
through here; effects outside DynamoDB use Powertools idempotency (chalicelib/idempotency.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from chalicelib.aws.clients import document_client

MAX_TRANSACTION_ITEMS = 100  # TransactWriteItems' limit


@dataclass(frozen=True)
class Refused:
    """Which conditions stopped the transaction: the marker's, and the effects' (by position)."""

    marker_exists: bool
    failed_effects: tuple[int, ...]


def write_once(marker: dict, effects: list[dict]) -> Refused | None:
    """Put ``marker`` (a Put with its ConditionExpression) and apply ``effects`` together, or neither.

    Items take plain Python values. None when written; Refused when a condition failed;
    any other failure (a conflicting transaction, throttling) is raised for the caller's retry.
    """
    if "ConditionExpression" not in marker:
        raise ValueError("a marker without a condition would not stop a second run")
    writes = [{"Put": marker}, *effects]
    if len(writes) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"{len(writes)} writes exceed one transaction ({MAX_TRANSACTION_ITEMS})")
    try:
        document_client().transact_write_items(TransactItems=writes)
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        codes = [reason.get("Code") for reason in error.response.get("CancellationReasons") or []]
        if "ConditionalCheckFailed" not in codes:
            raise
        return Refused(
            marker_exists=codes[0] == "ConditionalCheckFailed",
            failed_effects=tuple(i - 1 for i, code in enumerate(codes) if i and code == "ConditionalCheckFailed"),
        )
    return None
