"""DynamoDB adapter for payment records (PROCESSED, REJECTED; the workflow writes FAILED): conditional writes only."""

from __future__ import annotations

import json
from dataclasses import dataclass

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from chalicelib.aws import clients
from chalicelib.aws.failures import is_condition_failure
from chalicelib.aws.once import write_once
from chalicelib.payments.model import PaymentEvent, PaymentStatus
from chalicelib.resource_names import physical_name

# A PROCESSED record is final; a REJECTED or FAILED one gives way to a later outcome of the same id.
_REPLACEABLE = (PaymentStatus.REJECTED.value, PaymentStatus.FAILED.value)


def same_payment(item: dict, payment: PaymentEvent) -> bool:
    """True if a stored record describes ``payment`` (a redelivery), not another use of its id."""
    return (
        item.get("orderId") == payment.orderId
        and item.get("currency") == payment.currency
        and "amount" in item
        and item["amount"] == payment.amount
    )


@dataclass(frozen=True)
class Refusal:
    """Why a settling transaction was refused: which of its two conditions failed."""

    payment_taken: bool  # the paymentId is already PROCESSED
    order_changed: bool  # the order is no longer as it was read


class PaymentsRepository:
    """Reads and writes the payments table."""

    def __init__(self, table_name: str | None = None) -> None:
        self._table_name = table_name or physical_name("payments")

    @property
    def _table(self):
        return clients.table(self._table_name)

    def get(self, payment_id: str) -> dict | None:
        return self._table.get_item(Key={"paymentId": payment_id}, ConsistentRead=True).get("Item")

    def settle(self, record: dict, order_write: dict) -> Refusal | None:
        """Write the PROCESSED ``record`` and ``order_write`` in one transaction.

        None when both were written; else which condition failed (the payment id already
        PROCESSED, the order changed since it was read). Other failures are raised.
        """
        # The PROCESSED record is the payment's once-marker: a REJECTED or FAILED one gives way to it.
        marker = {
            "TableName": self._table_name,
            "Item": record,
            "ConditionExpression": "attribute_not_exists(paymentId) OR #s IN (:rejected, :failed)",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":rejected": _REPLACEABLE[0], ":failed": _REPLACEABLE[1]},
        }
        refused = write_once(marker, [order_write])
        if refused is None:
            return None
        return Refusal(payment_taken=refused.marker_exists, order_changed=0 in refused.failed_effects)

    def reject(self, payment_id: str, payment, rule: str, reason: str, rejected_at: str) -> dict:
        """Store a REJECTED record for ``payment`` (as received) unless the id is PROCESSED; returns what is stored."""
        item = {
            "paymentId": payment_id,
            "status": PaymentStatus.REJECTED.value,
            "rule": rule,
            "reason": reason,
            "payment": json.dumps(payment, default=str),
            "rejectedAt": rejected_at,
        }
        try:
            self._table.put_item(
                Item=item, ConditionExpression=Attr("paymentId").not_exists() | Attr("status").is_in(_REPLACEABLE)
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            # A reused or replayed id never undoes a processed payment.
            return self.get(payment_id) or item
        return item
