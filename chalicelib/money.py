"""Exact money arithmetic and the ISO 4217 currencies we accept."""

from decimal import ROUND_HALF_EVEN, Decimal

# Active ISO 4217 codes. Written out rather than pulled from pycountry/babel, which
# would add megabytes of locale data to every Lambda package for one lookup.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK
    JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
    MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
    PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST
    XAF XCD XOF XPF YER ZAR ZMW ZWL
    """.split()
)

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    """Round to cents with banker's rounding (only derived amounts ever need it)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def to_wire(amount: Decimal) -> str:
    """Money on the wire is a string, so no JSON client turns it into a float."""
    return format(quantize(amount), "f")
