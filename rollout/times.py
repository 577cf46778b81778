"""WHEN and DURATION parsing, the clock, and instant formatting.

User input goes through pendulum. Stored instants are ISO 8601 strings that keep
their offset; hot paths compare them with the standard library's fromisoformat,
which is fast enough for hundreds of thousands of records.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import pendulum

from rollout.errors import InvalidValue

WHEN_HELP = "YYYY-MM-DD, YYYY-MM-DDTHH:MM (region-local), ISO 8601 with offset, today or tomorrow"
DURATION_HELP = "a signed amount and unit: 3d, 2w, 1mo, -1w, 1y, 12h"

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_LOCAL = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?")
# Offsets may carry seconds: instants stored for some zones' early history do (e.g. +00:19:32).
_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}(?::\d{2})?)")
_DURATION = re.compile(r"([+-]?)(\d{1,5})(h|d|w|mo|y)")
_UNITS = {"h": "hours", "d": "days", "w": "weeks", "mo": "months", "y": "years"}
# Instants outside these years are typos (and far ones overflow the date arithmetic).
MIN_YEAR, MAX_YEAR = 1970, 2999


def now() -> pendulum.DateTime:
    """The current instant; ROLLOUT_NOW (ISO 8601 with offset) pins it for tests and demos."""
    pinned = os.environ.get("ROLLOUT_NOW")
    if pinned:
        if not _WITH_OFFSET.fullmatch(pinned.strip()):
            raise InvalidValue(f"ROLLOUT_NOW={pinned!r} is not an ISO 8601 instant with offset")
        return pendulum.parse(pinned.strip().replace("Z", "+00:00"))  # type: ignore[return-value]
    return pendulum.now("UTC")


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_when(text: str, tz: str) -> pendulum.DateTime:
    """Parse a WHEN: dates and local times are read in the region's timezone `tz`."""
    raw = text.strip()
    lowered = raw.lower()
    if lowered in ("today", "tomorrow"):
        day = now().in_tz(tz).start_of("day")
        return day.add(days=1) if lowered == "tomorrow" else day
    try:
        if m := _DATE.fullmatch(raw):
            y, mo, d = (int(g) for g in m.groups())
            return _local(_year(y, raw), mo, d, 0, 0, 0, tz, raw)
        if m := _LOCAL.fullmatch(raw):
            y, mo, d, h, mi = (int(g) for g in m.groups()[:5])
            return _local(_year(y, raw), mo, d, h, mi, int(m.group(6) or 0), tz, raw)
        if _WITH_OFFSET.fullmatch(raw):
            _year(int(raw[:4]), raw)
            return pendulum.instance(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except (ValueError, OverflowError) as exc:
        raise InvalidValue(f"invalid date {raw!r}: {_reason(exc)}") from None
    raise InvalidValue(f"invalid date {raw!r}: expected {WHEN_HELP}")


def _local(y: int, mo: int, d: int, h: int, mi: int, s: int, tz: str, raw: str) -> pendulum.DateTime:
    try:
        return pendulum.datetime(y, mo, d, h, mi, s, tz=tz, fold=0, raise_on_unknown_times=True)
    except pendulum.tz.exceptions.NonExistingTime:
        raise InvalidValue(
            f"invalid date {raw!r}: that local time does not exist in {tz} (clocks go forward)"
        ) from None


def _year(year: int, raw: str) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidValue(f"invalid date {raw!r}: years {MIN_YEAR}-{MAX_YEAR} only")
    return year


def _reason(exc: Exception) -> str:
    return str(exc).split("\n")[0] or type(exc).__name__


def parse_duration(text: str) -> pendulum.Duration:
    """Parse a DURATION such as 3d, 2w, 1mo or -1w (months are calendar months)."""
    m = _DURATION.fullmatch(text.strip())
    if not m:
        raise InvalidValue(f"invalid duration {text!r}: expected {DURATION_HELP}")
    sign, amount, unit = m.groups()
    value = -int(amount) if sign == "-" else int(amount)
    return pendulum.duration(**{_UNITS[unit]: value})


def shift_iso(iso: str, by: pendulum.Duration, tz: str) -> str:
    """Shift a stored instant by a duration on the region's local calendar (DST-aware)."""
    local = pendulum.instance(datetime.fromisoformat(iso)).in_tz(tz)
    try:
        shifted = local + by
    except (ValueError, OverflowError):
        shifted = None
    if shifted is None or not MIN_YEAR <= shifted.year <= MAX_YEAR:
        raise InvalidValue(f"shifting {local.date()} by {_describe(by)} leaves the years {MIN_YEAR}-{MAX_YEAR}")
    return to_iso(shifted)


def _describe(by: pendulum.Duration) -> str:
    return by.in_words() or "0 days"


def to_iso(dt: pendulum.DateTime | datetime) -> str:
    return dt.isoformat()


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def in_region(iso: str | None, tz: str) -> str | None:
    """A stored instant expressed with the region's offset, for JSON output."""
    if iso is None:
        return None
    return datetime.fromisoformat(iso).astimezone(zone(tz)).isoformat()


def local_display(iso: str | None, tz: str, with_time: bool = True) -> str:
    """A stored instant as region-local wall time for tables: 2026-03-01 10:00."""
    if iso is None:
        return "-"
    local = datetime.fromisoformat(iso).astimezone(zone(tz))
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def days_until(iso: str, tz: str, reference: datetime) -> int:
    """Calendar days from the reference's local date to the instant's local date."""
    z = zone(tz)
    return (datetime.fromisoformat(iso).astimezone(z).date() - reference.astimezone(z).date()).days


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
