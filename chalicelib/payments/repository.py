"""DynamoDB adapter for payment records (processed, in flight, rejected): conditional writes only."""

from __future__ import annotations

import json

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from chalicelib.aws.clients import resource
from chalicelib.aws.failures import is_condition_failure
from chalicelib.payments.model import PaymentEvent, PaymentStatus
from chalicelib.resource_names import physical_name


def same_payment(item: dict, payment: PaymentEvent) -> bool:
    """True if a stored record describes ``payment`` (a redelivery), not another use of its id."""
    return (
        item.get("orderId") == payment.orderId
        and item.get("currency") == payment.currency
        and "amount" in item
        and item["amount"] == payment.amount
    )


class PaymentsRepository:
    """Reads and writes the payments table."""

    def __init__(self, table_name: str | None = None) -> None:
        self._table_name = table_name or physical_name("payments")

    @property
    def _table(self):
        return resource("dynamodb").Table(self._table_name)

    def get(self, payment_id: str) -> dict | None:
        return self._table.get_item(Key={"paymentId": payment_id}, ConsistentRead=True).get("Item")

    def record(self, payment: PaymentEvent, received_at: str, recorded_at: str) -> dict:
        """Store ``payment`` as RECORDED unless already stored; returns what is stored.

        A rejected record may be replaced (the payment became valid); a recorded or processed
        one never is. The caller compares the result with ``same_payment``.
        """
        item = {
            **payment.to_message(),
            "amount": payment.amount,
            "status": PaymentStatus.RECORDED.value,
            "receivedAt": received_at,
            "recordedAt": recorded_at,
        }
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression=Attr("paymentId").not_exists() | Attr("status").eq(PaymentStatus.REJECTED.value),
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            return self.get(payment.paymentId) or item
        return item

    def reject_recorded(self, payment: PaymentEvent, reason: str, rejected_at: str) -> bool:
        """Turn this payment's own RECORDED record into a REJECTED one with ``reason``.

        For a payment the processor took but then could not apply to its order. Only a
        RECORDED record of this very payment is replaced (never a processed one, nor another
        payment's under the same id); without one this does nothing. True if it replaced one.
        The workflow's RecordRejection may then overwrite the REJECTED record with its own.
        """
        item = {
            "paymentId": payment.paymentId,
            "status": PaymentStatus.REJECTED.value,
            "reason": reason,
            "payment": json.dumps(payment.to_message()),
            "rejectedAt": rejected_at,
        }
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression=Attr("status").eq(PaymentStatus.RECORDED.value)
                & Attr("orderId").eq(payment.orderId)
                & Attr("currency").eq(payment.currency)
                & Attr("amount").eq(payment.amount),
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            return False
        return True

    def mark_processed(self, payment_id: str, derived: dict) -> dict:
        """Move a RECORDED payment to PROCESSED with ``derived`` fields; a repeat returns the stored record."""
        # boto3's condition builder owns "#n<i>" and ":v<i>"; ours must not collide with them.
        names = {f"#field{i}": key for i, key in enumerate(derived)}
        values = {f":value{i}": value for i, value in enumerate(derived.values())}
        assignments = ", ".join(f"#field{i} = :value{i}" for i in range(len(derived)))
        try:
            result = self._table.update_item(
                Key={"paymentId": payment_id},
                UpdateExpression=f"SET #s = :processed, {assignments}",
                ConditionExpression=Attr("status").eq(PaymentStatus.RECORDED.value),
                ExpressionAttributeNames={"#s": "status", **names},
                ExpressionAttributeValues={":processed": PaymentStatus.PROCESSED.value, **values},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            stored = self.get(payment_id)
            if stored is None or stored["status"] != PaymentStatus.PROCESSED.value:
                raise RecordMissing(payment_id, stored["status"] if stored else None) from None
            return stored
        return result["Attributes"]


class RecordMissing(Exception):
    """The enricher found no RECORDED payment to complete: the workflow is out of order."""

    def __init__(self, payment_id: str, status: str | None) -> None:
        super().__init__(f"payment {payment_id!r} is {status or 'not recorded'}; expected RECORDED")
