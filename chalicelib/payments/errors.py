"""Named task errors: Step Functions matches a Lambda error by its type's name (Retry, Catch)."""

from __future__ import annotations

import json
from enum import StrEnum


class RejectionRule(StrEnum):
    """The business rule a rejected payment broke; stored on its REJECTED record."""

    INVALID_PAYMENT = "INVALID_PAYMENT"
    AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE"
    CURRENCY_NOT_ACCEPTED = "CURRENCY_NOT_ACCEPTED"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_NOT_PAYABLE = "ORDER_NOT_PAYABLE"
    ORDER_PAID_BY_ANOTHER_PAYMENT = "ORDER_PAID_BY_ANOTHER_PAYMENT"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    PAYMENT_ID_REUSED = "PAYMENT_ID_REUSED"


class PaymentRejected(Exception):
    """The payment breaks a rule: never retried, recorded as REJECTED with the rule and reason."""

    def __init__(self, rule: RejectionRule, reason: str) -> None:
        # The message is the rule and reason as JSON: it is all of the error that crosses
        # Step Functions (inside the Catch's Cause), and the processor reads it back from there.
        super().__init__(json.dumps({"rule": rule.value, "reason": reason}))
        self.rule, self.reason = rule, reason


class MalformedPayment(Exception):
    """The message is not a payment at all (no usable paymentId), so it cannot be recorded: DLQ."""


class PaymentTransientError(Exception):
    """Another writer changed the order between our read and our write: run the task again."""
