"""The payment event (what POST /payments and any other publisher send) and its stored record."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator

from chalicelib.input_rules import CurrencyCode, Identifier, Money, Timestamp, check_window
from chalicelib.money import to_wire
from chalicelib.timestamps import iso

# Up to 12 digits before the point; anything larger is a typo or an attack, not a payment.
MAX_DIGITS = 14


class PaymentMethod(StrEnum):
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    WALLET = "WALLET"


class PaymentStatus(StrEnum):
    """Where a payment is: PENDING until its workflow ends in exactly one of the other three."""

    PENDING = "PENDING"  # published (POST /payments answers it); no record until the workflow ends
    PROCESSED = "PROCESSED"  # recorded with its derived fields, in one transaction with its order's PAID
    REJECTED = "REJECTED"  # broke a business rule (``rule``, ``reason``); never retried
    FAILED = "FAILED"  # retries exhausted (``error``, ``execution``); in the payments DLQ, redrivable


class PaymentEvent(BaseModel):
    """A payment as published to the payments topic. Sign and currency are business rules (validator).

    Validated with ``context={"receivedAt": <aware datetime or timestamp text>}``, ``occurredAt``
    must also lie in the window around that receipt (``input_rules.check_window``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    paymentId: Identifier
    orderId: Identifier
    amount: Annotated[Money, Field(max_digits=MAX_DIGITS, decimal_places=2, allow_inf_nan=False)]
    currency: CurrencyCode
    method: PaymentMethod
    occurredAt: Timestamp

    @field_validator("occurredAt")
    @classmethod
    def _within_window(cls, value: datetime, info: ValidationInfo) -> datetime:
        # Measured from receipt, never from "now": a redelivery or a retry days later sees the
        # same receipt time and so gives the same verdict.
        received = (info.context or {}).get("receivedAt")
        if received is not None:
            check_window(value, received if isinstance(received, datetime) else datetime.fromisoformat(received))
        return value

    @classmethod
    def received(cls, raw, received_at: datetime | str) -> PaymentEvent:
        """``raw`` validated as a payment received at ``received_at`` (window rule included)."""
        return cls.model_validate(raw, context={"receivedAt": received_at})

    def to_message(self) -> dict:
        """The wire form: amount as an exact decimal string, time in UTC."""
        return {
            "paymentId": self.paymentId,
            "orderId": self.orderId,
            "amount": to_wire(self.amount),
            "currency": self.currency,
            "method": self.method.value,
            "occurredAt": iso(self.occurredAt),
        }


def usable_payment_id(raw) -> str | None:
    """The paymentId a record can be stored under, or None if ``raw`` has none (it is not a payment)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("paymentId"), str):
        return None
    try:
        return _PAYMENT_ID.validate_python(raw["paymentId"])
    except ValidationError:
        return None


_PAYMENT_ID = TypeAdapter(Identifier)


def describe(error: ValidationError) -> str:
    """Pydantic's errors as one readable sentence for a rejection reason."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in item["loc"]) or "(payment)"
        issue = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        rule = f" [{item['type']}]" if item["type"].isupper() else ""
        parts.append(f"{field}: {issue}{rule}")
    return "; ".join(parts)


def record_to_api(item: dict) -> dict:
    """A stored payment record as callers see it: money as strings, numbers as ints."""
    record = dict(item)
    for field in ("amount", "reportingAmount"):
        if field in record:
            record[field] = to_wire(Decimal(record[field]))
    if "exchangeRate" in record:
        record["exchangeRate"] = format(Decimal(record["exchangeRate"]), "f")
    if "processingLatencyMs" in record:
        record["processingLatencyMs"] = int(record["processingLatencyMs"])
    if isinstance(record.get("payment"), str):
        # Rejected and failed records keep the event as the workflow saw it, as JSON text.
        record["payment"] = json.loads(record["payment"])
    if isinstance(record.get("failure"), str):
        record.update(_failure(json.loads(record.pop("failure"))))
    return record


def _failure(caught: dict) -> dict:
    """A Step Functions error ({Error, Cause}) as ``error`` and ``reason``; a Lambda's Cause is its error as JSON."""
    cause = caught.get("Cause") or ""
    try:
        reason = json.loads(cause).get("errorMessage", cause)
    except (ValueError, AttributeError):
        reason = cause
    return {"error": caught.get("Error", "States.Unknown"), "reason": reason}
