"""Enricher task: derived fields (reporting amount, risk, latency) and the processed-payments record."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from chalicelib.payments.model import PaymentEvent, record_to_api
from chalicelib.payments.rates import RATES, REPORTING_CURRENCY, to_reporting
from chalicelib.payments.repository import PaymentsRepository
from chalicelib.payments.task import task
from chalicelib.timestamps import utc_now

# At or above this, in the reporting currency, a payment is flagged for review.
LARGE_AMOUNT = Decimal("10000.00")


def derive(payment: PaymentEvent, received_at: str, processed_at: str) -> dict:
    """The derived fields of a processed payment; latency runs from the topic's receipt."""
    reporting = to_reporting(payment.amount, payment.currency)
    latency = datetime.fromisoformat(processed_at) - datetime.fromisoformat(received_at)
    return {
        "reportingCurrency": REPORTING_CURRENCY,
        "exchangeRate": RATES[payment.currency],
        "reportingAmount": reporting,
        "highRisk": reporting >= LARGE_AMOUNT,
        "processingLatencyMs": max(0, round(latency.total_seconds() * 1000)),
        "processedAt": processed_at,
    }


@task
def handle(state: dict, context=None) -> dict:
    """Complete the payment's record; a repeat returns the record already written."""
    payment = PaymentEvent.model_validate(state["payment"])
    stored = PaymentsRepository().mark_processed(payment.paymentId, derive(payment, state["receivedAt"], utc_now()))
    return record_to_api(stored)
