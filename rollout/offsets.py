"""Offsets from a launch, as launch templates give dates: an amount and a unit.

`d` calendar days, `w` weeks (7 calendar days) and `wd` working days of the region's own calendar
(rollout.templates gives the calendar: its weekend and public holidays). `-10wd` is ten working days
before the launch day, `3d` three days after it, `0d` the launch day itself. An offset is resolved
once, when a template is applied, to a local day; the day is stored, never re-evaluated on read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from rollout.errors import InvalidValue

UNITS = {"d": "calendar days", "w": "weeks", "wd": "working days"}
OFFSET_HELP = "an amount and unit from the launch: -10wd (working days), -2w (weeks), 3d (calendar days)"
# ASCII digits only: \d would also take other scripts' digits (Python's int() reads "３"), which
# nobody types on purpose and no other rollout value accepts. At most 4 digits: ~27 years of days.
_OFFSET = re.compile(r"([+-]?)([0-9]{1,4})(wd|d|w)", re.ASCII)
# How far a working-day count may look for working days (a calendar with no working day ends it).
_MAX_SEARCH_DAYS = 20_000


@dataclass(frozen=True)
class Offset:
    """A signed `amount` of `unit` ("d", "w" or "wd") from a launch."""

    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_offset(text: str) -> Offset:
    """An offset typed by a person or stored in a template: `-10wd`, `+3d`, `2w` (surrounding spaces
    and case ignored). Raises InvalidValue naming the text and the expected form for anything else:
    `3x`, `wd`, `1.5d`, digits of other scripts."""
    value = text.strip().lower() if isinstance(text, str) else ""
    match = _OFFSET.fullmatch(value)
    if not match:
        raise InvalidValue(f"invalid offset {text!r}: expected {OFFSET_HELP}")
    sign, digits, unit = match.groups()
    amount = -int(digits) if sign == "-" else int(digits)
    return Offset(amount, unit)


def canonical(text: str) -> str:
    """An offset as stored: `-10wd`, `3d`, `0d` (no plus sign, no leading zeros). InvalidValue as parse_offset."""
    return str(parse_offset(text))


def stored_offset(value: object) -> None:
    """A stored offset (canonical text); InvalidValue otherwise (the record schema's check)."""
    if not isinstance(value, str) or canonical(value) != value:
        raise InvalidValue(f"expected an offset such as -10wd, found {value!r}")


def resolve(offset: Offset, launch_day: date, is_working: Callable[[date], bool]) -> date:
    """The local day `offset` names from the local `launch_day`. Calendar days and weeks add days;
    working days count the days `is_working` accepts, stepping away from the launch day: -1wd is
    the last working day before it, 1wd the first after it; 0wd is the launch day itself, whatever
    day it is. Raises InvalidValue when no working day is found within ~55 years (a calendar
    without working days)."""
    if offset.unit == "d":
        return launch_day + timedelta(days=offset.amount)
    if offset.unit == "w":
        return launch_day + timedelta(weeks=offset.amount)
    step = timedelta(days=1 if offset.amount > 0 else -1)
    day, left, searched = launch_day, abs(offset.amount), 0
    while left:
        day += step
        searched += 1
        if searched > _MAX_SEARCH_DAYS:
            raise InvalidValue(f"no working day found for offset {offset}: the calendar has none")
        if is_working(day):
            left -= 1
    return day


def resolve_many(offsets: list[Offset], launch_day: date, is_working: Callable[[date], bool]) -> list[date]:
    """resolve() for several offsets from the same launch day, in their order, walking the calendar
    once each way (a template of many working-day offsets asks about each day once, not once per
    offset: what keeps applying a template to thousands of regions fast)."""
    found: dict[Offset, date] = {}
    for direction in (1, -1):
        wanted = sorted({o.amount * direction for o in offsets if o.unit == "wd" and o.amount * direction > 0})
        if not wanted:
            continue
        step = timedelta(days=direction)
        day, counted, searched = launch_day, 0, 0
        for amount in wanted:
            while counted < amount:
                day += step
                searched += 1
                if searched > _MAX_SEARCH_DAYS:
                    raise InvalidValue(f"no working day found for offset {amount * direction}wd: the calendar has none")
                if is_working(day):
                    counted += 1
            found[Offset(amount * direction, "wd")] = day
    return [found.get(o) or resolve(o, launch_day, is_working) for o in offsets]
