"""Money: amounts as Decimal in a currency's ISO 4217 minor units, parsed strictly, shown rounded once.

An amount is typed as plain decimal text (`1250000`, `1250.50`), parsed with `decimal` (never
float), at least zero, with no more decimals than the currency's minor units (JPY 0, EUR 2, BHD 3).
It is stored as that text, exactly (`plain`: positional digits, trailing zeros kept, leading
zeros dropped; never the exponent form `str(Decimal)` gives, `1E-7`), and rounded only when shown
(`display`). Exponents (`1e3`), NaN, infinities, signs, thousands separators (`1,000`, `1 000`,
`1_000`) and digits other than ASCII 0-9 are refused with the reason, so that a spreadsheet's
formatting never turns into a different number.

Bounds: an amount is below MAX_AMOUNT (10^18, at most 18 digits before the point) and an exchange
rate is above 0, below MAX_RATE (10^12) with at most RATE_DECIMALS (18) decimals. Every sum,
conversion and attainment runs in ARITHMETIC, a decimal context wide enough that no value those
bounds allow can overflow or lose a digit (Python's default context keeps only 28 digits).

MINOR_UNITS is pinned from the ISO 4217 list one ("Current currency & funds code list", SIX, the
ISO 4217 maintenance agency, amendment 179 of 2025): display libraries (Babel, CLDR) give the digits
a locale *shows* (CLDR shows 0 for HUF, TWD and IDR cash, ISO says 2), and pycountry has no minor
units at all, so neither can be used. Codes marked "N.A." there (precious metals, testing and
bond-market units: XAU, XDR...) have no minor unit: amounts in them are whole numbers.
"""

from __future__ import annotations

import re
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

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

# The largest GMV a marketplace can book is far below 10^18 in any ISO 4217 currency: the largest
# marketplaces book under 10^12 USD a year, and the currency with the most units to the dollar (IRR,
# about 10^6 in 2025) makes that under 10^18. A longer figure is a paste or a typo (30 nines), and
# refusing it keeps every figure at 22 significant digits or fewer (18 + 4 decimals, CLF/UYW).
MAX_AMOUNT = Decimal(10) ** 18
# 1 unit of one ISO 4217 currency in another: the widest real spread is a troy ounce of gold (XAU)
# in rials, about 3 * 10^9, and its inverse, about 3 * 10^-10, which needs 10 decimals plus a few
# significant digits: below 10^12 with up to 18 decimals holds both with room to spare.
MAX_RATE = Decimal(10) ** 12
RATE_DECIMALS = 18
# Exact for everything the bounds allow: an amount (< 10^18, 4 decimals) at a rate (< 10^12, 18
# decimals) is < 10^30 with 22 decimals, 52 digits; a sum of up to 10^12 of them 64 digits; so
# sums and conversions never round, and an attainment (quantised to 0.1) never loses a digit.
# InvalidOperation, division by zero and overflow raise rather than give NaN or infinity.
ARITHMETIC = Context(prec=100, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


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
    if re.fullmatch(r"[0-9]+,[0-9]+", raw) and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", raw):
        return "a decimal comma is not accepted; write the decimals after a point (1.5)"
    if re.search(r"[0-9][,_' \u00a0\u202f][0-9]", raw) or raw.count(".") > 1:
        return "thousands separators and decimal commas are not accepted; write 1234567.89"
    return "expected decimal text such as 1250.50 (digits 0-9, one point)"


def parse_amount(text: str, currency: str, what: str = "amount") -> Decimal:
    """An amount typed for `currency`: parse_decimal, then no more decimals than its ISO 4217
    minor units (minor_units) and below MAX_AMOUNT. Raises InvalidValue with the reason, quoting
    the text as typed ("EUR amounts have 2 decimals ...", "must be less than 10^18")."""
    value = parse_decimal(text, what)
    allowed = minor_units(currency)
    if _decimals(value) > allowed:
        unit = "no decimals" if allowed == 0 else f"{allowed} decimal{'s' if allowed != 1 else ''}"
        raise InvalidValue(f"invalid {what} {text.strip()!r}: {currency} amounts have {unit} (ISO 4217)")
    if value >= MAX_AMOUNT:
        raise InvalidValue(f"invalid {what} {text.strip()!r}: {_TOO_LARGE}")
    return value


_TOO_LARGE = "an amount must be less than 10^18, at most 18 digits before the point"


def parse_rate(text: str, what: str = "rate") -> Decimal:
    """An exchange rate as typed: parse_decimal, then more than 0, below MAX_RATE and with at most
    RATE_DECIMALS decimals. Raises InvalidValue with the reason, quoting the text as typed."""
    value = parse_decimal(text, what)
    problem = _rate_problem(value)
    if problem:
        raise InvalidValue(f"invalid {what} {text.strip()!r}: {problem}")
    return value


def _rate_problem(value: Decimal) -> str | None:
    if value == 0:
        return "a rate must be more than 0"
    if value >= MAX_RATE:
        return "a rate must be less than 10^12"
    if _decimals(value) > RATE_DECIMALS:
        return f"a rate has at most {RATE_DECIMALS} decimals"
    return None


def _decimals(value: Decimal) -> int:
    return max(0, -value.as_tuple().exponent)  # type: ignore[operator]


def plain(value: Decimal) -> str:
    """A Decimal as positional text, never in exponent form: `0.0000001`, not str()'s `1E-7`;
    `1000`, not `1E+3`; trailing zeros kept (`0.00000100`). For stored values and any output."""
    return format(value, "f")


def stored(value: Decimal) -> str:
    """How an amount or a rate is stored in the database and in JSON: its exact decimal text,
    positional (plain)."""
    return plain(value)


def _check_text(value: object, what: str) -> Decimal:
    if not isinstance(value, str) or not _PLAIN.fullmatch(value) or plain(Decimal(value)) != value:
        raise InvalidValue(f"expected {what} as decimal text (1250.50)")
    return Decimal(value)


def check_stored(value: object) -> None:
    """A stored amount: decimal text as `stored` writes it, below MAX_AMOUNT. InvalidValue otherwise."""
    if _check_text(value, "an amount") >= MAX_AMOUNT:
        raise InvalidValue(_TOO_LARGE)


def check_stored_rate(value: object) -> None:
    """A stored exchange rate: decimal text as `stored` writes it, within parse_rate's bounds.
    InvalidValue otherwise."""
    problem = _rate_problem(_check_text(value, "a rate"))
    if problem:
        raise InvalidValue(problem)


def check_stored_or_none(value: object) -> None:
    """A stored amount or None (not set)."""
    if value is not None:
        check_stored(value)


def decimals_of(value: str) -> int:
    """How many decimals a stored amount has (`1250.50`: 2)."""
    return _decimals(Decimal(value))


def rounded(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half-even to `currency`'s minor units: the one rounding, at display."""
    digits = minor_units(currency)
    # quantize fails (InvalidOperation) when the result has more digits than the context holds:
    # ARITHMETIC holds any total the bounds allow, and a wider one any figure stored before them.
    with localcontext(ARITHMETIC) as context:
        context.prec = max(ARITHMETIC.prec, value.adjusted() + digits + 2)
        return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)


def display(value: Decimal | str | None, currency: str, *, code: bool = True) -> str:
    """An amount for people: rounded to the currency's minor units, thousands grouped with a thin
    comma, the code after it ("1,250,000 JPY", "980.50 EUR"); "-" for no amount."""
    if value is None:
        return "-"
    amount = rounded(Decimal(value), currency)
    text = f"{amount:,.{minor_units(currency)}f}"
    return f"{text} {currency}" if code else text


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage (Decimal, >= 0), rounded half-even to one decimal, exactly:
    the quotient in tenths is an integer division with its remainder, so no intermediate rounding
    can turn 12.349999... into 12.4. None when whole is 0."""
    if whole == 0:
        return None
    with localcontext(ARITHMETIC) as context:
        scaled = part * 1000
        # The quotient is an integer of up to scaled / whole digits: hold it whole, however large.
        context.prec = max(ARITHMETIC.prec, scaled.adjusted() - whole.adjusted() + 4)
        tenths, rest = divmod(scaled, whole)
        twice = rest * 2
        if twice > whole or (twice == whole and tenths % 2 == 1):
            tenths += 1
        return tenths.scaleb(-1)
