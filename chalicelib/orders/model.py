"""Orders: what a caller may send, what we store, and how status may change."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.input_rules import INVALID_CURRENCY, Count, CurrencyCode, Identifier, Money, Sku
from chalicelib.money import CURRENCIES, quantize, to_wire
from chalicelib.orders.errors import InvalidTransition
from chalicelib.timestamps import utc_now

# Fulfilment reserves an order's lines in one DynamoDB transaction (at most 100 writes).
MAX_ITEMS = 50
MAX_QTY = 10_000
MAX_UNIT_PRICE = Decimal("1000000")


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def check_transition(current: OrderStatus, requested: OrderStatus) -> None:
    """Raise InvalidTransition unless ``current -> requested`` is allowed."""
    allowed = TRANSITIONS[current]
    if requested not in allowed:
        raise InvalidTransition(current.value, requested.value, sorted(s.value for s in allowed))


# Whitespace spelled out: `\s` means other characters in Python, in pydantic's Rust regex and in the
# ECMA-262 regex of the OpenAPI spec's JSON Schema (e.g. U+0085), and the three must agree.
_PART = r"[^@\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
Email = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=rf"^{_PART}@{_PART}\.{_PART}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderItemInput(_Strict):
    sku: Sku
    qty: Annotated[Count, Field(ge=1, le=MAX_QTY)]
    unitPrice: Annotated[Money, Field(ge=0, le=MAX_UNIT_PRICE, decimal_places=2, allow_inf_nan=False)]


class NewOrder(_Strict):
    """The body of POST /orders."""

    customerId: Identifier
    customerEmail: Email
    items: Annotated[list[OrderItemInput], Field(min_length=1, max_length=MAX_ITEMS)]
    currency: Annotated[CurrencyCode, Field(json_schema_extra={"enum": sorted(CURRENCIES)})] = "USD"

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if value not in CURRENCIES:
            raise PydanticCustomError(
                INVALID_CURRENCY, "'{value}' is not an ISO 4217 currency code (e.g. USD, EUR)", {"value": value}
            )
        return value


class StatusChange(_Strict):
    """The body of PATCH /orders/{orderId}."""

    status: OrderStatus
    version: Annotated[Count, Field(ge=1)]


class Order(BaseModel):
    """An order as stored and returned."""

    model_config = ConfigDict(frozen=True)

    orderId: str
    customerId: str
    customerEmail: str
    items: list[dict]
    currency: str
    total: Decimal
    status: OrderStatus
    createdAt: str
    updatedAt: str
    version: int
    # The request that last wrote the order (X-Correlation-Id); its stream record and events carry it.
    correlationId: str | None = None

    def to_api(self) -> dict:
        """The JSON shape callers see: money as exact decimal strings."""
        return {
            "orderId": self.orderId,
            "customerId": self.customerId,
            "customerEmail": self.customerEmail,
            "items": [
                {
                    "sku": item["sku"],
                    "qty": int(item["qty"]),
                    "unitPrice": to_wire(Decimal(item["unitPrice"])),
                    "lineTotal": to_wire(Decimal(item["qty"]) * Decimal(item["unitPrice"])),
                }
                for item in self.items
            ],
            "currency": self.currency,
            "total": to_wire(self.total),
            "status": self.status.value,
            "createdAt": self.createdAt,
            "updatedAt": self.updatedAt,
            "version": self.version,
        }


def new_order(
    data: NewOrder, *, now: str | None = None, order_id: str | None = None, correlation_id: str | None = None
) -> Order:
    """Price a validated request into a PENDING order at version 1."""
    now = now or utc_now()
    items = [{"sku": i.sku, "qty": i.qty, "unitPrice": i.unitPrice} for i in data.items]
    total = quantize(sum((Decimal(i.qty) * i.unitPrice for i in data.items), Decimal(0)))
    return Order(
        orderId=order_id or str(uuid.uuid4()),
        customerId=data.customerId,
        customerEmail=data.customerEmail,
        items=items,
        currency=data.currency,
        total=total,
        status=OrderStatus.PENDING,
        createdAt=now,
        updatedAt=now,
        version=1,
        correlationId=correlation_id,
    )
