"""The read-models table: counters and documents that API routes read back."""

from __future__ import annotations

from decimal import Decimal

from boto3.dynamodb.conditions import Key

from chalicelib.aws import clients
from chalicelib.aws.once import write_once
from chalicelib.resource_names import physical_name


def _table():
    return clients.table(physical_name("read-models"))


def add(pk: str, sk: str, counts: dict[str, int | Decimal]) -> None:
    """Atomically add each of ``counts`` to the item's numeric attributes."""
    names = {f"#a{i}": name for i, name in enumerate(counts)}
    values = {f":v{i}": value for i, value in enumerate(counts.values())}
    expression = "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(counts)))
    _table().update_item(
        Key={"pk": pk, "sk": sk},
        UpdateExpression=expression,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def put_once_with_counts(marker: tuple[str, str, dict], counts: list[tuple[str, str, dict[str, int]]]) -> bool:
    """Write ``marker`` and add ``counts`` in one transaction, unless the marker exists.

    Returns False when it already existed: the effect was applied before, and nothing changed.
    """
    table = physical_name("read-models")
    pk, sk, document = marker
    put = {
        "TableName": table,
        "Item": {"pk": pk, "sk": sk, **document},
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    updates = []
    for count_pk, count_sk, values in counts:
        updates.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": count_pk, "sk": count_sk},
                    "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(values))),
                    "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(values)},
                    "ExpressionAttributeValues": {f":v{i}": v for i, v in enumerate(values.values())},
                }
            }
        )
    refused = write_once(put, updates)
    if refused is not None and not refused.marker_exists:
        raise RuntimeError(f"counts next to marker {pk}/{sk} refused: {refused}")  # they carry no condition
    return refused is None


def put(pk: str, sk: str, document: dict) -> None:
    _table().put_item(Item={"pk": pk, "sk": sk, **document})


def get(pk: str, sk: str) -> dict | None:
    item = _table().get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
    if item is None:
        return None
    return {k: v for k, v in item.items() if k not in ("pk", "sk")}


def query(pk: str, sk_prefix: str = "") -> list[dict]:
    """All items under ``pk`` whose sort key starts with ``sk_prefix``, in sort-key order."""
    condition = Key("pk").eq(pk)
    if sk_prefix:
        condition &= Key("sk").begins_with(sk_prefix)
    items, kwargs = [], {"KeyConditionExpression": condition}
    while True:
        page = _table().query(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
