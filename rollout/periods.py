"""Reporting periods: a calendar month (`2027-01`) or quarter (`2027-Q1`) of a region's local calendar.

A period is stored as that text. Months sort before the quarter that holds them when listed
(`2027-01`, `2027-02`, `2027-03`, `2027-Q1`), so a report reads in time order.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from rollout.errors import InvalidValue

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_QUARTER = re.compile(r"([0-9]{4})-[Qq]([0-9])", re.ASCII)


def parse_period(text: str) -> str:
    """A typed period as stored: `2027-01` (month 01-12) or `2027-Q1` (quarter 1-4), years 1970-2999.

    Raises InvalidValue naming the fault (`2027-13`: no month 13; `2027-Q5`: no quarter 5)."""
    raw = text.strip() if isinstance(text, str) else ""
    month = _MONTH.fullmatch(raw)
    quarter = _QUARTER.fullmatch(raw)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12:
            raise InvalidValue(f"invalid period {text!r}: there is no month {number:02d} (01-12)")
    elif quarter:
        year, number = int(quarter.group(1)), int(quarter.group(2))
        if not 1 <= number <= 4:
            raise InvalidValue(f"invalid period {text!r}: there is no quarter Q{number} (Q1-Q4)")
    else:
        raise InvalidValue(f"invalid period {text!r}: expected a month like 2027-01 or a quarter like 2027-Q1")
    if not 1970 <= year <= 2999:
        raise InvalidValue(f"invalid period {text!r}: the year must be from 1970 to 2999")
    return f"{year:04d}-{number:02d}" if month else f"{year:04d}-Q{number}"


def check_stored(value: object) -> None:
    """A stored period (parse_period's output exactly); InvalidValue otherwise."""
    if not isinstance(value, str) or parse_period(value) != value:
        raise InvalidValue("expected a period like 2027-01 or 2027-Q1")


def is_quarter(period: str) -> bool:
    """True for a stored quarter (`2027-Q1`), False for a stored month (`2027-01`)."""
    return period[5:6] == "Q"


def quarter_holding(period: str) -> str:
    """The quarter a stored period belongs to: a month's (`2027-02`: `2027-Q1`), a quarter itself."""
    if is_quarter(period):
        return period
    return f"{period[:4]}-Q{(int(period[5:]) - 1) // 3 + 1}"


@cache  # a report sorts tens of thousands of records over a few dozen periods
def sort_key(period: str) -> tuple[int, int, int]:
    """Time order: a quarter after its three months."""
    year, rest = int(period[:4]), period[5:]
    if rest.startswith("Q"):
        return (year, int(rest[1:]) * 3, 1)
    return (year, int(rest), 0)


def month_of(day: date) -> str:
    """The month period holding a local day (`2027-01`)."""
    return f"{day.year:04d}-{day.month:02d}"


def quarter_of(day: date) -> str:
    """The quarter period holding a local day (`2027-Q1`)."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
