"""The fixed reporting-currency table: which currencies we accept and what they are worth in USD."""

from decimal import Decimal

from chalicelib.money import quantize

REPORTING_CURRENCY = "USD"

# Units of REPORTING_CURRENCY per unit of each currency. Fixed on purpose: reports must be
# reproducible, and a live rate feed is a separate concern with its own failure modes.
RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CHF": Decimal("1.13"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "JPY": Decimal("0.0067"),
    "SEK": Decimal("0.095"),
}


def to_reporting(amount: Decimal, currency: str) -> Decimal:
    """``amount`` in the reporting currency, rounded to cents; KeyError for an unknown currency."""
    return quantize(amount * RATES[currency])
