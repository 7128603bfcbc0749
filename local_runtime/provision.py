"""Creates the declared resources in the embedded AWS, from infra/topology.yaml."""

from __future__ import annotations

from chalicelib.aws.clients import client
from chalicelib.resource_names import physical_name
from local_runtime import topology


def table_request(logical: str, spec: dict) -> dict:
    """CreateTable arguments for a table declared in the topology."""
    keys = [{"AttributeName": spec["hash_key"], "KeyType": "HASH"}]
    if "range_key" in spec:
        keys.append({"AttributeName": spec["range_key"], "KeyType": "RANGE"})
    request = {
        "TableName": physical_name(logical),
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in spec["attributes"].items()],
    }
    indexes = spec.get("global_secondary_indexes") or {}
    if indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": index["hash_key"], "KeyType": "HASH"},
                    *([{"AttributeName": index["range_key"], "KeyType": "RANGE"}] if "range_key" in index else []),
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, index in indexes.items()
        ]
    if "stream_view_type" in spec:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec["stream_view_type"]}
    return request


def create_tables() -> dict[str, str]:
    """Create every declared table that is missing; returns logical name -> physical name."""
    dynamodb = client("dynamodb")
    existing = set(dynamodb.list_tables()["TableNames"])
    names = {}
    for logical, spec in topology.load()["tables"].items():
        request = table_request(logical, spec)
        names[logical] = request["TableName"]
        if request["TableName"] in existing:
            continue
        dynamodb.create_table(**request)
        if "ttl_attribute" in spec:
            dynamodb.update_time_to_live(
                TableName=request["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec["ttl_attribute"]},
            )
    return names
