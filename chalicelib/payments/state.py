"""The payment workflow's state, as it passes from task to task (the execution's JSON, typed)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.payments.errors import PaymentRejected, RejectionRule
from chalicelib.payments.model import PaymentEvent


class CaughtError(BaseModel):
    """What a Catch with a ResultPath puts into the state: the error's name and its cause (text)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    Error: str
    Cause: str = ""

    def as_rejection(self) -> PaymentRejected:
        """The PaymentRejected a task raised, read back from the Lambda error in ``Cause``."""
        try:
            detail = json.loads(json.loads(self.Cause)["errorMessage"])
            return PaymentRejected(RejectionRule(detail["rule"]), str(detail["reason"]))
        except (ValueError, KeyError, TypeError):
            # Not our own PaymentRejected (e.g. an injected fault of that name): keep what it said.
            return PaymentRejected(RejectionRule.INVALID_PAYMENT, self.Cause or self.Error)


class Enrichment(BaseModel):
    """The derived fields of a payment (Enrich): pure functions of the payment itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reportingCurrency: str
    exchangeRate: Decimal
    reportingAmount: Decimal
    highRisk: bool


class WorkflowInput(BaseModel):
    """One execution's input (the trigger writes it): the message as published, and where it came from.

    ``paymentId`` and ``orderId`` are lifted out of the message when usable, so the failure
    path can name them even for a message that never became a valid payment.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    payment: Any
    paymentId: str | None
    orderId: str | None
    receivedAt: str
    messageId: str
    # Follows the payment from POST /payments (X-Correlation-Id) to the order's PAID and its events.
    correlationId: str
    # Set by Validate's Catch when it rejected the payment: Process records the rejection.
    rejection: CaughtError | None = None


class ValidatedPayment(WorkflowInput):
    """After Validate: the payment in its normal form."""

    payment: PaymentEvent
    paymentId: str
    orderId: str


class EnrichedPayment(ValidatedPayment):
    """After Enrich: what Process needs to settle the payment."""

    enrichment: Enrichment


def dump(state: BaseModel) -> dict:
    """The state as the next task receives it (JSON: money as strings, times in UTC)."""
    data = state.model_dump(mode="json")
    if isinstance(getattr(state, "payment", None), PaymentEvent):
        data["payment"] = state.payment.to_message()
    return data
