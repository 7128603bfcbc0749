"""DynamoDB adapter for orders: conditional writes and paginated index queries."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from chalicelib.aws import clients
from chalicelib.aws.failures import is_condition_failure
from chalicelib.orders.errors import InvalidPageToken, OrderNotFound, VersionConflict
from chalicelib.orders.model import Order, OrderStatus, check_transition
from chalicelib.resource_names import physical_name
from chalicelib.timestamps import utc_now

_INDEX_KEYS = {"by-customer": ("customerId", "createdAt"), "by-status": ("status", "createdAt")}


@dataclass(frozen=True)
class Page:
    orders: list[Order]
    next_token: str | None


class OrdersRepository:
    """Reads and writes the orders table; every write is conditional."""

    def __init__(self, table_name: str | None = None) -> None:
        self._table_name = table_name or physical_name("orders")

    @property
    def _table(self):
        return clients.table(self._table_name)

    def put_new(self, order: Order) -> None:
        item = order.model_dump(mode="python", exclude_none=True)
        item["status"] = order.status.value
        self._table.put_item(Item=item, ConditionExpression=Attr("orderId").not_exists())

    def get(self, order_id: str) -> Order:
        item = self._table.get_item(Key={"orderId": order_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise OrderNotFound(order_id)
        return _to_order(item)

    def change_status(
        self, order_id: str, status: OrderStatus, expected_version: int, correlation_id: str | None = None
    ) -> Order:
        """Apply a status change if the stored order is still at ``expected_version``."""
        current = self.get(order_id)
        if current.version != expected_version:
            raise VersionConflict(order_id, expected_version, current.version)
        check_transition(current.status, status)
        try:
            result = self._table.update_item(
                Key={"orderId": order_id},
                UpdateExpression="SET #s = :s, updatedAt = :now, version = version + :one, correlationId = :cid",
                ConditionExpression=Attr("version").eq(expected_version),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":s": status.value,
                    ":now": utc_now(),
                    ":one": 1,
                    ":cid": correlation_id or current.correlationId,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            # Someone wrote between our read and our write: report what is there now.
            raise VersionConflict(order_id, expected_version, self.get(order_id).version) from None
        return _to_order(result["Attributes"])

    def get_with_payer(self, order_id: str) -> tuple[Order, str | None]:
        """The order and the paymentId that paid it (``paidBy``), in one read."""
        item = self._table.get_item(Key={"orderId": order_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise OrderNotFound(order_id)
        return _to_order(item), item.get("paidBy")

    def payment_write(self, order: Order, payment_id: str, correlation_id: str) -> dict:
        """A transaction item moving ``order`` (as read) from PENDING to PAID by ``payment_id``.

        Conditional on the order being unchanged since it was read; the caller writes it in one
        transaction with the payment's record, so neither can exist without the other.
        """
        check_transition(order.status, OrderStatus.PAID)
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": {"orderId": order.orderId},
                "UpdateExpression": (
                    "SET #s = :paid, updatedAt = :now, version = version + :one, paidBy = :paidBy, correlationId = :cid"
                ),
                "ConditionExpression": "#s = :pending AND version = :version",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":paid": OrderStatus.PAID.value,
                    ":pending": OrderStatus.PENDING.value,
                    ":now": utc_now(),
                    ":one": 1,
                    ":paidBy": payment_id,
                    ":version": order.version,
                    ":cid": correlation_id,
                },
            }
        }

    def delete(self, order_id: str) -> None:
        try:
            self._table.delete_item(Key={"orderId": order_id}, ConditionExpression=Attr("orderId").exists())
        except ClientError as error:
            if is_condition_failure(error):
                raise OrderNotFound(order_id) from None
            raise

    def list(self, *, customer_id: str | None, status: OrderStatus | None, limit: int, next_token: str | None) -> Page:
        """Newest first, from the customer index (filtered by status) or the status index."""
        if customer_id is not None:
            index, condition = "by-customer", Key("customerId").eq(customer_id)
            filter_ = Attr("status").eq(status.value) if status is not None else None
        else:
            index, condition, filter_ = "by-status", Key("status").eq(status.value), None
        fingerprint = _fingerprint(index, customer_id, status)
        query = {"IndexName": index, "KeyConditionExpression": condition, "ScanIndexForward": False}
        if filter_ is not None:
            query["FilterExpression"] = filter_
        queried = customer_id if customer_id is not None else status.value
        start_key = _decode_token(next_token, fingerprint, index, queried) if next_token else None

        items: list[dict] = []
        more = True
        # A status filter may leave pages short, so keep reading until the page is full.
        while len(items) < limit and more:
            if start_key:
                query["ExclusiveStartKey"] = start_key
            query["Limit"] = limit - len(items) if filter_ is None else max(limit, 25)
            response = self._table.query(**query)
            items.extend(response["Items"])
            start_key = response.get("LastEvaluatedKey")
            more = start_key is not None
        has_more = more or len(items) > limit
        items = items[:limit]
        token = None
        if has_more and items:
            # Resume after the last item returned, not after the last item read.
            last = items[-1]
            hash_key, range_key = _INDEX_KEYS[index]
            token = _encode_token(
                {"orderId": last["orderId"], hash_key: last[hash_key], range_key: last[range_key]}, fingerprint
            )
        return Page([_to_order(i) for i in items], token)

    def created_between(self, start: str, end: str) -> list[Order]:
        """Every order whose createdAt is in [start, end), read status by status from the index."""
        orders = []
        for status in OrderStatus:
            kwargs = {
                "IndexName": "by-status",
                "KeyConditionExpression": Key("status").eq(status.value) & Key("createdAt").between(start, end),
            }
            while True:
                page = self._table.query(**kwargs)
                orders.extend(_to_order(i) for i in page["Items"] if i["createdAt"] < end)
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return orders


def _to_order(item: dict) -> Order:
    return Order.model_validate({**item, "version": int(item["version"]), "total": Decimal(item["total"])})


def _fingerprint(index: str, customer_id: str | None, status: OrderStatus | None) -> str:
    raw = f"{index}|{customer_id or ''}|{status.value if status else ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _encode_token(key: dict, fingerprint: str) -> str:
    raw = json.dumps({"k": key, "f": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, fingerprint: str, index: str, queried: str) -> dict:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidPageToken() from None
    if not isinstance(data, dict) or data.get("f") != fingerprint or not isinstance(data.get("k"), dict):
        raise InvalidPageToken()
    key = data["k"]
    expected = {"orderId", *_INDEX_KEYS[index]}
    if set(key) != expected or not all(isinstance(v, str) and v for v in key.values()):
        raise InvalidPageToken()
    # The fingerprint is not secret: also check the key belongs to this query, since
    # DynamoDB answers a start key from another partition with an error, not a page.
    if key[_INDEX_KEYS[index][0]] != queried:
        raise InvalidPageToken()
    return key
