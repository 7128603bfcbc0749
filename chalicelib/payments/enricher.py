"""Enricher task: the payment's derived fields (reporting amount, risk); a pure function of the payment."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.payments.model import PaymentEvent
from chalicelib.payments.rates import RATES, REPORTING_CURRENCY, to_reporting
from chalicelib.payments.state import EnrichedPayment, Enrichment, ValidatedPayment, dump
from chalicelib.payments.task import task

# At or above this, in the reporting currency, a payment is flagged for review.
LARGE_AMOUNT = Decimal("10000.00")


def derive(payment: PaymentEvent) -> Enrichment:
    """The payment in the reporting currency, and whether it is large enough to review."""
    reporting = to_reporting(payment.amount, payment.currency)
    return Enrichment(
        reportingCurrency=REPORTING_CURRENCY,
        exchangeRate=RATES[payment.currency],
        reportingAmount=reporting,
        highRisk=reporting >= LARGE_AMOUNT,
    )


@task
def handle(event: dict, context=None) -> dict:
    """Add the derived fields to the state; nothing is read or written."""
    state = ValidatedPayment.model_validate(event)
    return dump(EnrichedPayment(**dict(state), enrichment=derive(state.payment)))
