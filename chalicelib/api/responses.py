"""What the API answers: every response body is one of these models, and the OpenAPI spec is made from them.

Unknown fields are dropped (pydantic's default), so a field stored later never leaks into an
answer the spec does not describe.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from chalicelib.orders.model import OrderStatus
from chalicelib.payments.model import PaymentMethod

# Money on the wire: exact decimal text with cents (chalicelib/money.py to_wire), never a float.
MoneyText = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["40.48"])]
# Timestamps the system writes (chalicelib/timestamps.py): UTC, milliseconds, Z.
Stamp = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$")]


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- errors -------------------------------------------------------------------------------


class ErrorDetail(_Answer):
    """One broken rule of a VALIDATION_ERROR."""

    field: str
    code: str
    issue: str


class ErrorBody(_Answer):
    code: str = Field(description="Stable error code (README, 'The Orders API').")
    message: str
    details: list[ErrorDetail] | None = Field(default=None, description="Present for VALIDATION_ERROR only.")


class ErrorResponse(_Answer):
    """Every error: `{"error": {"code", "message", "details"}}`."""

    error: ErrorBody

    def to_json(self) -> dict:
        return self.model_dump(mode="json", exclude_none=True)


# --- orders -------------------------------------------------------------------------------


class OrderLine(_Answer):
    sku: str
    qty: int
    unitPrice: MoneyText
    lineTotal: MoneyText


class OrderView(_Answer):
    """An order as callers see it."""

    orderId: str
    customerId: str
    customerEmail: str
    items: list[OrderLine]
    currency: str
    total: MoneyText
    status: OrderStatus
    createdAt: Stamp
    updatedAt: Stamp
    version: Annotated[int, Field(ge=1)]


class OrderPage(_Answer):
    """One page of a customer's or a status's orders, newest first."""

    orders: list[OrderView]
    nextToken: str | None = Field(description="Pass it back for the next page; null on the last page.")


# --- payments -----------------------------------------------------------------------------


class PaymentAccepted(_Answer):
    """POST /payments: the event is on the payments topic; GET shows the outcome once the workflow ends."""

    paymentId: str
    status: Literal["PENDING"]
    messageId: str


class ProcessedPayment(_Answer):
    paymentId: str
    orderId: str
    amount: MoneyText
    currency: str
    method: PaymentMethod
    occurredAt: Stamp
    status: Literal["PROCESSED"]
    reportingCurrency: str
    exchangeRate: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$")]
    reportingAmount: MoneyText
    highRisk: bool
    receivedAt: Stamp
    processedAt: Stamp
    processingLatencyMs: int


class RejectedPayment(_Answer):
    paymentId: str
    status: Literal["REJECTED"]
    rule: str
    reason: str
    payment: Any = Field(description="The event as the workflow received it.")
    rejectedAt: Stamp


class FailedPayment(_Answer):
    paymentId: str
    status: Literal["FAILED"]
    error: str
    reason: str
    execution: str
    failedAt: str
    receivedAt: str
    payment: Any = Field(description="The event as the workflow received it.")


class PaymentRecord(
    RootModel[Annotated[ProcessedPayment | RejectedPayment | FailedPayment, Field(discriminator="status")]]
):
    """A payment's outcome: PROCESSED, REJECTED (a broken rule) or FAILED (retries exhausted, redrivable)."""


# --- analytics ----------------------------------------------------------------------------


class EventCounts(_Answer):
    """Events the analytics function counted on one UTC day, by detail-type."""

    date: date
    counts: dict[str, int]


class StatusTotals(_Answer):
    count: int
    revenue: dict[str, MoneyText] = Field(description="Revenue per currency (currencies never mix).")


class DailyReport(_Answer):
    """The daily report: one UTC day's orders counted and summed by status."""

    date: date
    orders: int
    byStatus: dict[OrderStatus, StatusTotals]
    generatedAt: Stamp
