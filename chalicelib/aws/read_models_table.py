"""The read-models table: counters and documents that API routes read back."""

from __future__ import annotations

from decimal import Decimal

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.aws.clients import client, resource
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


_serializer = TypeSerializer()
MAX_TRANSACTION_ITEMS = 100  # TransactWriteItems' limit


def _key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def put_once_with_counts(marker: tuple[str, str, dict], counts: list[tuple[str, str, dict[str, int]]]) -> bool:
    """Write ``marker`` and add ``counts`` in one transaction, unless the marker exists.

    Returns False when it already existed: the effect was applied before, and nothing changed.
    """
    table = physical_name("read-models")
    pk, sk, document = marker
    item = {**_key(pk, sk), **{k: _serializer.serialize(v) for k, v in document.items()}}
    writes = [{"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}]
    for count_pk, count_sk, values in counts:
        names = {f"#a{i}": name for i, name in enumerate(values)}
        update = {
            "TableName": table,
            "Key": _key(count_pk, count_sk),
            "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(values))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {f":v{i}": _serializer.serialize(v) for i, v in enumerate(values.values())},
        }
        writes.append({"Update": update})
    if len(writes) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"{len(writes)} writes exceed one transaction ({MAX_TRANSACTION_ITEMS})")
    try:
        client("dynamodb").transact_write_items(TransactItems=writes)
    except ClientError as error:
        reasons = error.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True


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
