"""The read-models table: counters and documents that API routes read back."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.aws.clients import resource
from chalicelib.resource_names import physical_name


def _table():
    return resource("dynamodb").Table(physical_name("read-models"))


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


def put(pk: str, sk: str, document: dict) -> None:
    _table().put_item(Item={"pk": pk, "sk": sk, **document})


def get(pk: str, sk: str) -> dict | None:
    item = _table().get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
    if item is None:
        return None
    return {k: v for k, v in item.items() if k not in ("pk", "sk")}


def query(pk: str, sk_prefix: str = "") -> list[dict]:
    """All items under ``pk`` whose sort key starts with ``sk_prefix``, in sort-key order."""
    from boto3.dynamodb.conditions import Key

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
