"""Offsets from a launch, as launch templates give dates: an amount and a unit.

`d` calendar days, `w` weeks (7 calendar days) and `wd` working days of the region's own calendar
(rollout.templates gives the calendar: its weekend and public holidays). `-10wd` is ten working days
before the launch day, `3d` three days after it, `0d` the launch day itself. An offset is resolved
once, when a template is applied, to a local day; the day is stored, never re-evaluated on read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import compress, cycle, filterfalse

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


def _earliest(offset: Offset) -> int | None:
    """The fewest calendar days from the launch day `offset` can name on any calendar (None: no
    bound). n working days after the launch are at least n days after it; before it, any number."""
    if offset.unit == "wd":
        return offset.amount if offset.amount >= 0 else None
    return offset.amount * (7 if offset.unit == "w" else 1)


def _latest(offset: Offset) -> int | None:
    """The most calendar days from the launch day `offset` can name on any calendar (None: no
    bound). n working days before the launch are at least n days before it; after it, any number."""
    if offset.unit == "wd":
        return offset.amount if offset.amount <= 0 else None
    return offset.amount * (7 if offset.unit == "w" else 1)


def never_before(start: Offset, end: Offset) -> bool:
    """Whether the day `start` names is on or after the day `end` names from every launch day on
    every calendar: a promotion with those offsets could never run. Offsets of one unit compare by
    amount (working days are strictly ordered; a week is 7 calendar days, so `d` and `w` compare
    exactly). A working-day offset and a calendar one compare only where the bounds settle it: n
    working days after the launch are at least n days after it, -n working days at least n days
    before it (3wd is never before 3d; 5d may be before or after 3wd, depending on the calendar)."""
    if start.unit == end.unit == "wd":
        return start.amount >= end.amount
    earliest, latest = _earliest(start), _latest(end)
    return earliest is not None and latest is not None and earliest >= latest


class WorkingDays:
    """A region's working days: every day but its `weekend` (date.weekday numbers) and its public
    holidays, asked a year at a time from `holidays_of_year` (rollout.holidays.year_calendar) and
    remembered, only for the years an offset reaches."""

    def __init__(self, weekend: frozenset[int], holidays_of_year: Callable[[int], Iterable[date]]) -> None:
        self.weekend = frozenset(weekend)
        self._holidays_of_year = holidays_of_year
        self._years: set[int] = set()
        self._off: set[int] = set()  # ordinals of the public holidays of the years in _years

    def is_working(self, day: date) -> bool:
        """Whether the local `day` is a working day."""
        self._load(day.toordinal(), day.toordinal())
        return day.weekday() not in self.weekend and day.toordinal() not in self._off

    def shift(self, day: date, amount: int) -> date:
        """The local day `amount` working days from `day` (shift_many for one amount)."""
        return self.shift_many(day, [amount])[0]

    def shift_many(self, day: date, amounts: Sequence[int]) -> list[date]:
        """The local days `amounts` working days from `day`, in their order, stepping away from it:
        -1 is the last working day before it, 1 the first after it, 0 the day itself whatever it
        is. Raises InvalidValue when no such day is found within ~55 years (a calendar without
        working days). The working days on each side are listed once for all the amounts (what
        keeps applying a template to thousands of regions fast)."""
        origin = day.toordinal()
        before = self._working_near(origin, -1, max((-a for a in amounts), default=0))
        after = self._working_near(origin, 1, max(amounts, default=0))
        return [day if a == 0 else date.fromordinal(after[a - 1] if a > 0 else before[-a - 1]) for a in amounts]

    def _working_near(self, origin: int, direction: int, count: int) -> list[int]:
        """The ordinals of the `count` working days nearest to the ordinal `origin` (excluded) in
        `direction` (+1 later, -1 earlier), nearest first. Looks as far as `count` working weeks
        and two weeks more, twice as far while holidays leave it short."""
        if count <= 0:
            return []
        weekend, per_week = self.weekend, 7 - len(self.weekend)
        span = (count * 7 // per_week if per_week else _MAX_SEARCH_DAYS) + 14
        while True:
            span = min(span, _MAX_SEARCH_DAYS)
            far = origin + direction * span
            if not _FIRST_ORDINAL <= far <= _LAST_ORDINAL:
                break
            self._load(min(origin, far), max(origin, far))
            first = origin + direction
            # The ordinal k falls on weekday (k + 6) % 7 (ordinal 1 was a Monday), so which days of
            # the span are off for the weekend repeats every 7: a mask cycled over it, holidays
            # then taken out, all in C (a tenth of a listing's time; it runs once per region).
            weekdays = [(first + direction * step + 6) % 7 not in weekend for step in range(7)]
            span_days = compress(range(first, far + direction, direction), cycle(weekdays))
            found = list(filterfalse(self._off.__contains__, span_days))
            if len(found) >= count:
                return found
            if span == _MAX_SEARCH_DAYS:
                break
            span *= 2
        raise InvalidValue(f"no working day found for offset {direction * count}wd: the calendar has none")

    def _load(self, first: int, last: int) -> None:
        """Ask for the holidays of the years from the ordinal `first` to `last` not asked yet."""
        for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
            if year not in self._years:
                self._years.add(year)
                self._off.update(map(date.toordinal, self._holidays_of_year(year)))


# Working days are looked for between years 2 and 9998: a day's neighbours must be dates too.
_FIRST_ORDINAL, _LAST_ORDINAL = date.min.toordinal() + 366, date.max.toordinal() - 366


def resolve(offset: Offset, launch_day: date, calendar: WorkingDays | None = None) -> date:
    """The local day `offset` names from the local `launch_day`. Calendar days and weeks add days;
    working days are counted on `calendar` (WorkingDays.shift: -1wd is the last working day before
    the launch day, 1wd the first after it, 0wd the launch day itself). Raises InvalidValue as
    WorkingDays.shift; ValueError when a working-day offset comes without a calendar."""
    if offset.unit == "d":
        return launch_day + timedelta(days=offset.amount)
    if offset.unit == "w":
        return launch_day + timedelta(weeks=offset.amount)
    if calendar is None:
        raise ValueError(f"offset {offset} needs a working-day calendar")
    return calendar.shift(launch_day, offset.amount)
