"""Money: amounts as Decimal in a currency's ISO 4217 minor units, parsed strictly, shown rounded once.

An amount is typed as plain decimal text (`1250000`, `1250.50`), parsed with `decimal` (never
float), at least zero, with no more decimals than the currency's minor units (JPY 0, EUR 2, BHD 3).
It is stored as that text, exactly (`str(Decimal)`: trailing zeros kept, leading zeros dropped),
and rounded only when shown (`display`). Exponents (`1e3`), NaN, infinities, signs, thousands
separators (`1,000`, `1 000`, `1_000`) and digits other than ASCII 0-9 are refused with the
reason, so that a spreadsheet's formatting never turns into a different number.

MINOR_UNITS is pinned from the ISO 4217 list one ("Current currency & funds code list", SIX, the
ISO 4217 maintenance agency, amendment 179 of 2025): display libraries (Babel, CLDR) give the digits
a locale *shows* (CLDR shows 0 for HUF, TWD and IDR cash, ISO says 2), and pycountry has no minor
units at all, so neither can be used. Codes marked "N.A." there (precious metals, testing and
bond-market units: XAU, XDR...) have no minor unit: amounts in them are whole numbers.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from rollout.errors import InvalidValue

_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL "
    "MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK "
    "PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS "
    "TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_NOT_APPLICABLE = "XAD XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX"

# ISO 4217 alphabetic code -> number of minor-unit digits (None: "N.A.", no minor unit).
MINOR_UNITS: dict[str, int | None] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
    **dict.fromkeys(_NOT_APPLICABLE.split(), None),
}

# Plain decimal text: ASCII digits, an optional fraction. Anything else gets a specific reason below.
_PLAIN = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)


def minor_units(currency: str) -> int:
    """The decimals an amount in `currency` (an ISO 4217 code, upper case) may have: 0 for a code
    whose minor unit is N.A. Raises InvalidValue for a code not in the ISO 4217 list."""
    try:
        digits = MINOR_UNITS[currency]
    except KeyError:
        raise InvalidValue(f"unknown currency {currency!r}: not in the ISO 4217 list") from None
    return digits or 0


def parse_decimal(text: str, what: str = "amount") -> Decimal:
    """Plain decimal text (`1250.50`) as a Decimal >= 0; InvalidValue naming the fault for an
    exponent, NaN, an infinity, a sign, a thousands separator, a non-ASCII digit or anything else."""
    if not isinstance(text, str):
        raise InvalidValue(f"invalid {what} {text!r}: expected decimal text such as 1250.50")
    raw = text.strip()
    if _PLAIN.fullmatch(raw):
        return Decimal(raw)
    raise InvalidValue(f"invalid {what} {text!r}: {_why_not(raw)}")


def _why_not(raw: str) -> str:
    lowered = raw.lower().lstrip("+-")
    if not raw:
        return "it is empty"
    if lowered in ("nan", "snan", "inf", "infinity") or "nan" in lowered or "inf" in lowered:
        return "NaN and infinities are not amounts"
    if raw.startswith("-"):
        return "it must be at least 0"
    if raw.startswith("+"):
        return "write it without a sign"
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in raw):
        return "use the digits 0-9 only"
    if re.fullmatch(r"[0-9.]+[eE][+-]?[0-9]+", raw):
        return "exponents are not accepted; write the digits out"
    if re.search(r"[0-9][,_' \u00a0\u202f][0-9]", raw) or raw.count(".") > 1:
        return "thousands separators are not accepted; write 1234567.89"
    return "expected decimal text such as 1250.50 (digits 0-9, one point)"


def parse_amount(text: str, currency: str, what: str = "amount") -> Decimal:
    """An amount typed for `currency`: parse_decimal, then no more decimals than its ISO 4217
    minor units (minor_units). Raises InvalidValue with the reason ("EUR has 2 decimals ...")."""
    value = parse_decimal(text, what)
    allowed = minor_units(currency)
    decimals = -value.as_tuple().exponent  # type: ignore[operator]
    if decimals > allowed:
        unit = "no decimals" if allowed == 0 else f"{allowed} decimal{'s' if allowed != 1 else ''}"
        raise InvalidValue(f"invalid {what} {text.strip()!r}: {currency} amounts have {unit} (ISO 4217)")
    return value


def stored(value: Decimal) -> str:
    """How an amount is stored in the database and in JSON: its exact decimal text."""
    return str(value)


def check_stored(value: object) -> None:
    """A stored amount: decimal text as `stored` writes it. InvalidValue otherwise."""
    if not isinstance(value, str) or not _PLAIN.fullmatch(value) or str(Decimal(value)) != value:
        raise InvalidValue("expected an amount as decimal text (1250.50)")


def check_stored_or_none(value: object) -> None:
    """A stored amount or None (not set)."""
    if value is not None:
        check_stored(value)


def decimals_of(value: str) -> int:
    """How many decimals a stored amount has (`1250.50`: 2)."""
    return -Decimal(value).as_tuple().exponent  # type: ignore[operator]


def rounded(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half-even to `currency`'s minor units: the one rounding, at display."""
    return value.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def display(value: Decimal | str | None, currency: str, *, code: bool = True) -> str:
    """An amount for people: rounded to the currency's minor units, thousands grouped with a thin
    comma, the code after it ("1,250,000 JPY", "980.50 EUR"); "-" for no amount."""
    if value is None:
        return "-"
    amount = rounded(Decimal(value), currency)
    text = f"{amount:,.{minor_units(currency)}f}"
    return f"{text} {currency}" if code else text


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage, rounded half-even to one decimal (None when whole is 0)."""
    if whole == 0:
        return None
    try:
        return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # pragma: no cover - Decimal's default context holds 28 digits
        return None
