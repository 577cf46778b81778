"""WHEN and DURATION parsing, local days, the clock, and instant formatting: one rule for each.

Every date or time a person types (CLI options, batch lines, import cells, TUI fields) goes
through `parse_when`, every amount of time through `parse_duration`, every stored instant
through `stored_instant`. The rules, for a region's IANA timezone:

- A plain date (and `today`, `tomorrow`: days of the region's calendar) is the first instant of
  that local day, even on days whose local midnight is skipped (then the day starts when the
  clocks jump, e.g. 01:00 in America/Santiago on the first Sunday of September).
- A wall time that happens twice (clocks go back) is its first occurrence, as RFC 5545 §3.3.5
  reads a DATE-TIME with a TZID; displays then show the offset.
- A wall time inside a gap (clocks go forward) is refused with one line naming the gap and the
  first valid time after it.
- An ISO 8601 instant with an offset (or Z) keeps that offset.

Shifts by days, weeks, months or years move on the local calendar (months and years clamp to
the month's end); an instant that is the start of a local day stays the start of a day, and a
shifted wall time that falls in a gap is read with the offset before the gap (RFC 5545 §3.3.5).
Hours are exact elapsed time.

Stored instants are ISO 8601 strings that keep their offset; hot paths compare them with the
standard library's fromisoformat, which is fast enough for hundreds of thousands of records.
Local times are resolved with zoneinfo directly: pendulum's own resolution picks the second
occurrence of a repeated wall time after arithmetic (2027-10-30T02:30 Europe/Berlin + 1 day
gives 02:30+01:00), which contradicts the first-occurrence rule above.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pendulum

from rollout.errors import InvalidValue

WHEN_HELP = "YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (region-local), ISO 8601 with offset, today or tomorrow"
DURATION_HELP = "a signed amount and unit: 3d, 2w, 1mo, -1w, 1y, 12h"

# [0-9], never \d: \d matches every Unicode digit, so `２０２７-01-01` would read (rollout.numbers).
# A space may stand for the T: spreadsheets re-save date-times that way (and RFC 3339 allows it).
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_LOCAL = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
# Offsets may carry seconds: instants stored for some zones' early history do (e.g. +00:19:32).
_WITH_OFFSET = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)"
)
_DURATION = re.compile(r"([+-]?)([0-9]{1,5})(h|d|w|mo|y)")  # the one signed syntax (rollout.numbers)
_UNIT_WORDS = {"h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}
# Instants outside these years are typos (and far ones overflow the date arithmetic).
MIN_YEAR, MAX_YEAR = 1970, 2999


def now() -> pendulum.DateTime:
    """The current instant (aware, in UTC whatever the machine's zone); ROLLOUT_NOW (ISO 8601 with
    offset) pins it, in the offset it gives, for tests and demos.

    Raises InvalidValue for a ROLLOUT_NOW that is not an instant with an offset."""
    pinned = os.environ.get("ROLLOUT_NOW")
    if pinned:
        return _pinned(pinned)
    return pendulum.now("UTC")


def now_stored(tz: str) -> str:
    """The current instant as stored (ISO 8601 text) in IANA zone `tz`: when a tick, a launch or a
    note happened, in the region's own offset. (zoneinfo's astimezone: pendulum's in_tz takes
    about 70 microseconds a call, 30 times as long, for the same text.)"""
    return now().astimezone(zone(tz)).isoformat()


@lru_cache(maxsize=8)
def _pinned(text: str) -> pendulum.DateTime:
    """ROLLOUT_NOW read (once per value: a batch stamps thousands of ticks with it)."""
    if not _WITH_OFFSET.fullmatch(text.strip()):
        raise InvalidValue(f"ROLLOUT_NOW={text!r} is not an ISO 8601 instant with offset")
    return as_pendulum(datetime.fromisoformat(text.strip()))


def as_pendulum(moment: datetime) -> pendulum.DateTime:
    """An aware datetime as the pendulum DateTime of the same wall time, zone and fold:
    pendulum.instance's result for any instant that happens in its zone (every aware datetime
    rollout makes; a test compares the two across zones, DST changes and fixed offsets).

    pendulum.instance re-resolves the wall time through its own Python zone conversion and builds
    a new Timezone object on every call: about 120 microseconds, against 1 for building the
    DateTime from the fields with a zone object made once per zone (a 10,000-line batch makes
    thousands of them)."""
    return pendulum.DateTime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        tzinfo=_pendulum_zone(moment.tzinfo, moment.utcoffset()),
        fold=moment.fold,
    )


@lru_cache(maxsize=1024)
def _pendulum_zone(tzinfo: object, offset: timedelta | None) -> pendulum.Timezone | pendulum.FixedTimezone:
    """pendulum's zone object for a datetime's tzinfo (pendulum._safe_timezone's mapping): an IANA
    zone by its key, UTC as pendulum.UTC, any other fixed offset as a fixed zone."""
    key = getattr(tzinfo, "key", None)
    if key is not None:
        return pendulum.timezone(key)
    if offset is None:
        raise ValueError("as_pendulum needs an aware datetime")
    if offset == timedelta(0) and tzinfo is not None and tzinfo.tzname(None) == "UTC":  # type: ignore[attr-defined]
        return pendulum.UTC
    return pendulum.fixed_timezone(int(offset.total_seconds()))


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (zoneinfo, cached); ZoneInfoNotFoundError for an unknown name."""
    return ZoneInfo(name)


# -- local days and wall times -------------------------------------------------------------
def _utc_of(naive: datetime, z: ZoneInfo, fold: int) -> datetime:
    return naive.replace(tzinfo=z, fold=fold).astimezone(UTC)


def _exists(naive: datetime, z: ZoneInfo) -> bool:
    """Whether a wall time happens in zone `z` (at least once): _happens of it read in `z`."""
    return _happens(naive.replace(tzinfo=z))


def _happens(wall: datetime) -> bool:
    """Whether an aware wall time (fold=0) happens in its zone. PEP 495: inside a gap, fold=0 reads
    the offset before the jump and fold=1 the one after, and clocks jump forward, so a gap is where
    fold=0's offset is the smaller; a repeated hour has it larger, any other time the same. (Two
    offset lookups instead of a round trip through UTC: checked equal to the round trip for every
    zone on every quarter hour around its transitions from 1900 to 2045.)"""
    return wall.utcoffset() >= wall.replace(fold=1).utcoffset()  # type: ignore[operator]


def _gap_transition(naive: datetime, z: ZoneInfo) -> datetime:
    """The UTC instant the clocks jumped over `naive` (a wall time inside a gap), exactly.

    Bisects between the two readings of `naive` until the transition is within a second. The tz
    database's transitions fall on whole seconds (TZif stores them so), and the one in (low, high],
    less than a second long, is `high` without its fraction."""
    low, high = sorted((_utc_of(naive, z, 0), _utc_of(naive, z, 1)))
    before = low.astimezone(z).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(z).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _wall(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M" + (":%S" if moment.second else ""))


def gap_message(naive: datetime, tz: str) -> str:
    """Why a wall time inside a gap is refused, naming the gap and the first valid time after it:
    'it does not exist in Europe/Berlin: on 2027-03-28 the clocks jump from 02:00 to 03:00 ...'."""
    z = zone(tz)
    jump = _gap_transition(naive, z)
    before = (jump - timedelta(microseconds=1)).astimezone(z)
    after = jump.astimezone(z)
    start_wall = (jump + before.utcoffset()).replace(tzinfo=None)  # type: ignore[operator]
    return (
        f"it does not exist in {tz}: on {start_wall.date()} the clocks jump from {_clock(start_wall)} to "
        f"{_clock(after)} ({_offset(before)} to {_offset(after)}); the first valid time after it is {_wall(after)}"
    )


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M" + (":%S" if moment.second else ""))


def _offset(moment: datetime) -> str:
    """The UTC offset as +HH:MM, or +HH:MM:SS for the odd historical offset with seconds."""
    text = moment.strftime("%z")  # +HHMM or +HHMMSS
    hours, minutes, seconds = text[:3], text[3:5], text[5:]
    return f"{hours}:{minutes}:{seconds}" if seconds else f"{hours}:{minutes}"


def local_instant(naive: datetime, tz: str, *, gap: str = "refuse") -> datetime:
    """The instant of a region-local wall time (naive `naive`) in zone `tz`, as an aware datetime.

    A wall time that happens twice is its first occurrence (RFC 5545 §3.3.5, zoneinfo fold=0).
    One inside a gap raises InvalidValue naming the gap (`gap="refuse"`), or with `gap="forward"`
    is read with the offset before the gap, landing as far after the gap as it was inside it
    (RFC 5545 §3.3.5); shifts use that, typed input is refused."""
    z = zone(tz)
    if _exists(naive, z):
        return naive.replace(tzinfo=z, fold=0)
    if gap == "refuse":
        raise InvalidValue(gap_message(naive, tz))
    return _utc_of(naive, z, 0).astimezone(z)


def day_start(day: date, tz: str, *, strict: bool = True) -> datetime:
    """The first instant of local day `day` in zone `tz` (aware, in that zone).

    Local midnight when it exists (its first occurrence when it happens twice); when the clocks
    skip midnight, the instant they jump (01:00 in America/Santiago on 2027-09-05). A day skipped
    whole (Pacific/Apia, 2011-12-30) raises InvalidValue, or with `strict=False` gives the first
    instant after it."""
    z = zone(tz)
    midnight = datetime(day.year, day.month, day.day, tzinfo=z)
    if _happens(midnight):
        return midnight
    first = _gap_transition(midnight.replace(tzinfo=None), z).astimezone(z)
    if first.date() != day and strict:
        raise InvalidValue(f"{day.isoformat()} does not exist in {tz}: the clocks skip that whole day")
    return first


def local_date(iso: str | datetime, tz: str) -> date:
    """The calendar day, in IANA zone `tz`, of a stored instant (ISO 8601 text or aware datetime)."""
    moment = instant(iso) if isinstance(iso, str) else iso
    return moment.astimezone(zone(tz)).date()


def is_day_start(moment: datetime, tz: str) -> bool:
    """Whether an aware instant is the first instant of its local day in `tz`."""
    return day_start(moment.astimezone(zone(tz)).date(), tz, strict=False) == moment


def is_repeated(moment: datetime) -> bool:
    """Whether the wall time of an aware zoneinfo datetime happens twice (the clocks went back)."""
    return moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset()


# -- WHEN ---------------------------------------------------------------------------------
class When(NamedTuple):
    """A parsed WHEN, before a zone is known: a local day (`day`, or relative `today`/`tomorrow`
    in `relative_days`), a local wall time (`wall`), or an exact instant (`exact`).

    A NamedTuple rather than a frozen dataclass: building a dataclass costs about a millisecond
    at import, which every command pays (start-up target in benchmarks/)."""

    text: str
    day: date | None = None
    relative_days: int | None = None
    wall: datetime | None = None
    exact: datetime | None = None

    @property
    def date_only(self) -> bool:
        """A day without a time of day (a date, today, tomorrow)."""
        return self.day is not None or self.relative_days is not None

    def resolve(self, tz: str) -> pendulum.DateTime:
        """The instant this WHEN means in region zone `tz`; InvalidValue for a wall time in a gap
        or a day that does not exist there."""
        if self.exact is not None:
            return as_pendulum(self.exact)
        if self.wall is not None:
            try:
                return as_pendulum(local_instant(self.wall, tz))
            except InvalidValue as exc:
                raise InvalidValue(f"invalid date {self.text!r}: {exc}") from None
        day = self.day
        if day is None:
            day = now().astimezone(zone(tz)).date() + timedelta(days=self.relative_days or 0)
        try:
            return as_pendulum(day_start(day, tz, strict=self.relative_days is None))
        except InvalidValue as exc:
            raise InvalidValue(f"invalid date {self.text!r}: {exc}") from None


@lru_cache(maxsize=1024)
def parse_when_text(text: str) -> When:
    """The syntax of a WHEN (see WHEN_HELP), without a zone; InvalidValue for anything else."""
    raw = text.strip()
    lowered = raw.lower()
    if lowered in ("today", "tomorrow"):
        return When(raw, relative_days=1 if lowered == "tomorrow" else 0)
    try:
        if m := _DATE.fullmatch(raw):
            y, mo, d = (int(g) for g in m.groups())
            return When(raw, day=date(_year(y, raw), mo, d))
        if m := _LOCAL.fullmatch(raw):
            y, mo, d, h, mi = (int(g) for g in m.groups()[:5])
            return When(raw, wall=datetime(_year(y, raw), mo, d, h, mi, int(m.group(6) or 0)))
        if _WITH_OFFSET.fullmatch(raw):
            _year(int(raw[:4]), raw)
            return When(raw, exact=datetime.fromisoformat(raw))
    except (ValueError, OverflowError) as exc:
        raise InvalidValue(f"invalid date {raw!r}: {_reason(exc)}") from None
    raise InvalidValue(f"invalid date {raw!r}: expected {WHEN_HELP}")


def parse_when(text: str, tz: str) -> pendulum.DateTime:
    """Parse a WHEN typed by a person into an aware instant (a pendulum DateTime in zone `tz`,
    or with the offset the text gave); dates and wall times are read in the region's IANA zone `tz`
    by the rules in this module's docstring (RFC 5545 §3.3.5 for repeated and skipped wall times).

    Raises InvalidValue (one line) for bad syntax, years outside 1970-2999, a wall time in a
    gap (naming the gap and the first valid time) or a day the zone skips.
    """
    return parse_when_text(text).resolve(tz)


def _year(year: int, raw: str) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidValue(f"invalid date {raw!r}: years {MIN_YEAR}-{MAX_YEAR} only")
    return year


def _reason(exc: Exception) -> str:
    return str(exc).split("\n")[0] or type(exc).__name__


def stored_instant(value: object) -> datetime:
    """A stored instant (ISO 8601 text with an offset) as an aware datetime.

    Raises InvalidValue for anything else (not text, not ISO 8601, no offset)."""
    if not isinstance(value, str):
        raise InvalidValue(f"expected an ISO 8601 instant, found {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"{value!r} is not an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        raise InvalidValue(f"{value!r} has no UTC offset")
    return parsed


def check_window(start: date | datetime | None, end: date | datetime | None, what: str = "window") -> None:
    """The one rule for every window given by a start and an end (--from/--to, --since/--until, the
    timeline's days): an end before the start is refused, InvalidValue "the {what} ends (END) before
    it starts (START)"; an end equal to the start is allowed (one day, or an empty window). Both
    dates, or both aware datetimes; None is an open end."""
    if start is not None and end is not None and end < start:
        raise reversed_window(_window_text(start), _window_text(end), what)


def reversed_window(start: str, end: str, what: str = "window") -> InvalidValue:
    """The error of check_window's rule, for bounds shown as typed (`start`, `end`)."""
    return InvalidValue(f"the {what} ends ({end}) before it starts ({start})")


def _window_text(bound: date | datetime) -> str:
    return to_iso(bound) if isinstance(bound, datetime) else bound.isoformat()


# -- DURATION -------------------------------------------------------------------------------
class Duration(NamedTuple):
    """A signed amount of one unit: h (exact hours), d, w, mo, y (local calendar units)."""

    amount: int
    unit: str

    def in_words(self) -> str:
        """The duration in words for messages: '1 day', '-2 weeks', '3 months'."""
        word = _UNIT_WORDS[self.unit]
        return f"{self.amount} {word}{'' if abs(self.amount) == 1 else 's'}"

    def apply(self, moment: datetime, tz: str) -> datetime:
        """`moment` (aware) moved by this duration in zone `tz`, by the rules in the module docstring.

        Raises InvalidValue when the result leaves the years 1970-2999."""
        try:
            if self.unit == "h":
                moved = (moment + timedelta(hours=self.amount)).astimezone(zone(tz))
            else:
                local = moment.astimezone(zone(tz))
                if is_day_start(moment, tz):
                    moved = day_start(self._calendar(local.replace(tzinfo=None)).date(), tz, strict=False)
                else:
                    moved = local_instant(self._calendar(local.replace(tzinfo=None)), tz, gap="forward")
        except (ValueError, OverflowError):
            moved = None
        if moved is None or not MIN_YEAR <= moved.year <= MAX_YEAR:
            start = moment.astimezone(zone(tz)).date()
            raise InvalidValue(f"shifting {start} by {self.in_words()} leaves the years {MIN_YEAR}-{MAX_YEAR}")
        return moved

    def _calendar(self, wall: datetime) -> datetime:
        if self.unit in ("d", "w"):
            return wall + timedelta(days=self.amount * (7 if self.unit == "w" else 1))
        months = self.amount * (12 if self.unit == "y" else 1)
        # pendulum adds calendar months, clamping to the month's last day (Jan 31 + 1 month = Feb 28).
        moved = pendulum.naive(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second).add(months=months)
        return datetime(moved.year, moved.month, moved.day, moved.hour, moved.minute, moved.second)


def parse_duration(text: str) -> Duration:
    """Parse a DURATION (see DURATION_HELP); InvalidValue for anything else."""
    m = _DURATION.fullmatch(text.strip())
    if not m:
        raise InvalidValue(f"invalid duration {text!r}: expected {DURATION_HELP}")
    sign, amount, unit = m.groups()
    return Duration(-int(amount) if sign == "-" else int(amount), unit)


def shift_iso(iso: str, by: Duration, tz: str) -> str:
    """A stored instant shifted by a duration on the region's local calendar (see Duration.apply)."""
    return to_iso(by.apply(instant(iso), tz))


def move_span(start_iso: str, end_iso: str, by: Duration, tz: str) -> tuple[str, str]:
    """A [start, end) span moved by `by`: the start moves by the duration, the end follows so the
    span keeps its length (Jan 30-31 moved a month is Feb 28-Mar 1, never Feb 28-Feb 28).

    The length is kept in local days when both ends start a local day, else on the wall clock
    (a sale of 2 hours stays 2 hours of wall time across a DST change); when the wall-clock
    length does not put the end after the start (a span over the clocks going back, or a start
    moved into a gap), the exact elapsed length is kept instead. Raises InvalidValue out of range."""
    start, end = instant(start_iso), instant(end_iso)
    new_start = by.apply(start, tz)
    z = zone(tz)
    local_start, local_end = start.astimezone(z), end.astimezone(z)
    try:
        if is_day_start(start, tz) and is_day_start(end, tz):
            days = (local_end.date() - local_start.date()).days
            new_end = day_start(new_start.astimezone(z).date() + timedelta(days=days), tz, strict=False)
        else:
            wall_length = local_end.replace(tzinfo=None) - local_start.replace(tzinfo=None)
            wall_end = new_start.astimezone(z).replace(tzinfo=None) + wall_length
            new_end = local_instant(wall_end, tz, gap="forward")
        if new_end <= new_start:
            new_end = (new_start + (end - start)).astimezone(z)
    except (ValueError, OverflowError):
        new_end = None
    if new_end is None or new_end.year > MAX_YEAR:
        raise InvalidValue(f"moving the end by {by.in_words()} leaves the years {MIN_YEAR}-{MAX_YEAR}")
    return to_iso(new_start), to_iso(new_end)


# -- formatting and comparing ---------------------------------------------------------------
def to_iso(dt: pendulum.DateTime | datetime) -> str:
    """ISO 8601 text with the datetime's own offset (how instants are stored). `dt` must be aware."""
    return dt.isoformat()


def instant(iso: str) -> datetime:
    """A stored ISO 8601 instant (trusted: already validated) as an aware datetime with its
    stored offset; ValueError for text that is not one (use stored_instant for untrusted text).
    """
    return datetime.fromisoformat(iso)


def in_region(iso: str | None, tz: str) -> str | None:
    """A stored instant expressed with the offset zone `tz` has at that instant (ISO 8601), for
    JSON output; None stays None.
    """
    if iso is None:
        return None
    return datetime.fromisoformat(iso).astimezone(zone(tz)).isoformat()


def local_display(iso: str | None, tz: str, with_time: bool = True) -> str:
    """A stored instant as region-local wall time for tables: 2026-03-01 10:00.

    A wall time that happens twice that day carries its offset (2027-10-31 02:30 +02:00), so
    nobody reads the wrong one of the two."""
    if iso is None:
        return "-"
    local = datetime.fromisoformat(iso).astimezone(zone(tz))
    if not with_time:
        return local.strftime("%Y-%m-%d")
    text = local.strftime("%Y-%m-%d %H:%M")
    return f"{text} {_offset(local)}" if is_repeated(local) else text


def days_until(iso: str, tz: str, reference: datetime) -> int:
    """Local calendar days from the reference's date to the instant's date, both read in zone
    `tz` (an IANA name): 0 on the same local day, negative once the day is past. `iso` is a stored
    ISO 8601 instant with offset.

    `reference` must be aware (an instant): a naive one raises ValueError instead of silently
    being read in this machine's zone.
    """
    if reference.tzinfo is None or reference.utcoffset() is None:
        raise ValueError("days_until needs an aware reference instant, not a naive datetime")
    z = zone(tz)
    return (datetime.fromisoformat(iso).astimezone(z).date() - reference.astimezone(z).date()).days


def due_deadline(iso: str, all_day: bool, tz: str) -> datetime:
    """When a due date passes: a timed due at its instant; a due given as a day (`all_day`) at the
    first instant of the next local day in `tz` (due "by the end of that day")."""
    moment = instant(iso)
    if not all_day:
        return moment
    return day_start(local_date(moment, tz) + timedelta(days=1), tz, strict=False)


def countdown(days: int | None) -> str:
    """Human wording for a day count: 'in 12 days', 'today', '3 months ago'."""
    if days is None:
        return "-"
    if days == 0:
        return "today"
    span = abs(days)
    if span < 14:
        words = "1 day" if span == 1 else f"{span} days"
    elif span < 60:
        words = f"{span // 7} weeks"
    elif span < 730:
        words = f"{span // 30} months"
    else:
        words = f"{span // 365} years"
    return f"in {words}" if days > 0 else f"{words} ago"
