"""Public holidays of a region, from the `holidays` library (offline: its data ships with it).

The library costs about 50 ms to import and a few more per country and year, so lookups go
through a small JSON cache in the user's cache directory, keyed by the installed library's
fingerprint: `status` and the TUI answer "is this day a holiday?" without importing it, and
an upgrade of the library invalidates the cache by itself. The cache is best effort: when it
cannot be read or written, the library answers directly.

A region code the library does not know has no holidays (never an error). A subdivision code
(US-CA) uses the subdivision's holidays where the library knows it, else the country's.
"""

from __future__ import annotations

import atexit
import importlib.util
import threading
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Union

import orjson

from rollout.errors import InvalidValue

CACHE_VERSION = 1
PREFERRED_LANGUAGES = ("en_US", "en_GB")
MAX_LISTED = 3

Calendar = dict[date, str]


class NoHolidayData(InvalidValue):
    """The holidays library has no calendar for a country."""


# -- lookups -----------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def holiday_name(code: str, day: date) -> str | None:
    """The public holiday(s) on a local day in a region, or None (unknown regions have none)."""
    return year_calendar(code, day.year).get(day)


def holidays_between(code: str, first: date, last: date) -> list[tuple[date, str]]:
    """Holidays from `first` to `last` inclusive, in date order."""
    found = []
    for year in range(first.year, last.year + 1):
        found.extend((d, n) for d, n in year_calendar(code, year).items() if first <= d <= last)
    return sorted(found)


def year_calendar(code: str, year: int) -> Calendar:
    """Every public holiday of a region in one year ({} when the library does not know it).

    Safe from several threads (the TUI's reload worker and its UI thread): the caches change
    under one lock."""
    key = f"{code}:{year}"
    with _lock:
        cached = _memory().get(key)
        if cached is not None:
            return cached
        calendar = _from_disk(key)
        if calendar is None:
            try:
                calendar = compute_calendar(code, year)
            except NoHolidayData:
                calendar = {}
            _to_disk(key, calendar)
        _memory()[key] = calendar
        return calendar


def compute_calendar(code: str, year: int) -> Calendar:
    """Ask the library itself (imported here, never at module import)."""
    import holidays

    country, _, subdivision = code.partition("-")
    try:
        entity = holidays.country_holidays(country)
    except NotImplementedError:
        raise NoHolidayData(f"no public holiday data for {code} in the holidays library") from None
    language = next((lang for lang in PREFERRED_LANGUAGES if lang in entity.supported_languages), None)
    options: dict[str, object] = {"years": year, "language": language}
    if subdivision and subdivision in entity.subdivisions:
        options["subdiv"] = subdivision
    calendar = holidays.country_holidays(country, **options)
    return {day: str(name) for day, name in sorted(calendar.items())}


DEFAULT_WEEKEND = frozenset((5, 6))  # Saturday and Sunday (date.weekday numbers)


def weekend(code: str) -> frozenset[int]:
    """The weekend days of a region's country as date.weekday() numbers (5, 6: Saturday and
    Sunday; 4, 5 in Saudi Arabia and Israel), from the holidays library's `weekend` attribute;
    Saturday and Sunday for a country the library does not know. A subdivision (US-CA) has its
    country's weekend."""
    return _country_weekend(code.partition("-")[0])


@lru_cache(maxsize=512)
def _country_weekend(country: str) -> frozenset[int]:
    """weekend() of a country, asked once per country and kept in the cache file beside the
    calendars (building the library's calendar object costs milliseconds: a template applied to
    regions of 250 countries would spend a tenth of a second on it)."""
    key = f"{country}:weekend"
    with _lock:
        cached = _entry(key)
    if isinstance(cached, list) and cached and all(day in range(7) for day in cached):
        return frozenset(cached)
    days = compute_weekend(country)
    with _lock:
        _remember(key, sorted(days))
    return days


def compute_weekend(country: str) -> frozenset[int]:
    """Ask the library for a country's weekend (imported here, never at module import)."""
    import holidays

    try:
        entity = holidays.country_holidays(country)
    except NotImplementedError:
        return DEFAULT_WEEKEND
    days = getattr(entity, "weekend", None)
    return frozenset(days) if days else DEFAULT_WEEKEND


def is_working_day(code: str, day: date) -> bool:
    """Whether a local day is a working day in a region: not on its weekend (weekend) and not one
    of its public holidays (year_calendar, the subdivision's where the library knows it)."""
    return day.weekday() not in weekend(code) and day not in year_calendar(code, day.year)


def describe_days(days: list[tuple[date, str]]) -> str:
    """'2026-12-25 Christmas Day, 2026-12-26 Second Day of Christmas' (at most MAX_LISTED)."""
    listed = ", ".join(f"{d.isoformat()} {name}" for d, name in days[:MAX_LISTED])
    more = len(days) - MAX_LISTED
    return f"{listed} and {more} more" if more > 0 else listed


def local_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last local day a span [start, end) touches (end is exclusive)."""
    last = (end - timedelta(microseconds=1)).date() if end > start else start.date()
    return start.date(), last


# -- the on-disk cache -------------------------------------------------------------------
# The module's caches (memory, disk contents, pending writes) change only under this lock.
_lock = threading.RLock()


@cache
def _memory() -> dict[str, Calendar]:
    return {}


def cache_path() -> Path:
    """`holidays.json` in the user's cache folder (rollout.paths: $XDG_CACHE_HOME/rollout)."""
    from rollout.paths import cache_dir

    return cache_dir() / "holidays.json"


@cache
def _fingerprint() -> str:
    """Changes whenever the installed holidays library changes (upgrade, reinstall)."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return "missing"
    folder = Path(spec.origin).parent
    stamp = [
        f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
        for p in (folder / "version.py", folder / "__init__.py")
        if p.exists()
    ]
    return f"{CACHE_VERSION}|{folder}|{'|'.join(stamp)}"


# A cache of a few hundred KB or more (thousands of calendars: every region and year ever asked)
# is read lazily: msgspec splits it into each calendar's raw JSON, parsed only when looked up, so a
# `status` over 2,000 regions parses the few hundred it needs (2 ms instead of 14). A small one is
# parsed whole by orjson, without importing msgspec.
LAZY_FROM_BYTES = 256_000


@cache
def _disk() -> dict[str, Any]:
    """The cached calendars by key ("DE:2027"): each a dict, or its raw JSON (see _entry)."""
    try:
        raw = cache_path().read_bytes()
    except OSError:
        return {}
    data = _lazy(raw) if len(raw) >= LAZY_FROM_BYTES else None
    if data is None:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return {}
    if not isinstance(data, dict) or data.get("fingerprint") != _fingerprint():
        return {}
    calendars = data.get("calendars")
    return calendars if isinstance(calendars, dict) else {}


def _lazy(raw: bytes) -> dict[str, Any] | None:
    """The cache file with each calendar left as raw JSON; None when it does not have the cache's
    shape (orjson then reads it as before, whatever it holds)."""
    try:
        import msgspec

        shape = dict[str, Union[str, dict[str, msgspec.Raw]]]  # noqa: UP007 (a runtime type for msgspec)
        decoded: dict[str, Any] = msgspec.json.decode(raw, type=shape)
        return decoded
    except (ImportError, ValueError, RecursionError):  # msgspec's DecodeError is a ValueError
        return None


def _entry(key: str) -> Any:
    """A cached calendar's JSON value (parsed now if it was left raw); None when it is not there
    or is not JSON."""
    entry = _disk().get(key)
    if entry is None or isinstance(entry, (dict, list)):  # parsed already (read whole, or new)
        return entry
    try:
        return orjson.loads(memoryview(entry))
    except (TypeError, orjson.JSONDecodeError):
        return None


def _from_disk(key: str) -> Calendar | None:
    entry = _entry(key)
    if not isinstance(entry, dict):
        return None
    try:
        return {date.fromisoformat(day): str(name) for day, name in entry.items()}
    except (TypeError, ValueError):
        return None


_pending: dict[str, Any] = {}


def _to_disk(key: str, calendar: Calendar) -> None:
    """Remember a new calendar; the file is written once, when the process ends (a status over
    thousands of regions would otherwise rewrite the cache after every one of them)."""
    _remember(key, {day.isoformat(): name for day, name in calendar.items()})


def _remember(key: str, entry: Any) -> None:
    """Keep a new cache entry (a calendar, a weekend) for the file, written when the process ends."""
    _disk()[key] = entry
    if not _pending:
        atexit.register(flush_cache)
    _pending[key] = entry


def flush_cache() -> None:
    """Merge this process's new calendars into the cache file atomically; any failure just leaves it as it was."""
    from rollout.files import atomic_write

    with _lock:
        if not _pending:
            return
        _disk.cache_clear()
        kept = {key: _entry(key) for key in _disk()}  # what other processes added meanwhile is kept
        calendars = {**kept, **_pending}
        _pending.clear()
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, orjson.dumps({"fingerprint": _fingerprint(), "calendars": calendars}))
    except OSError:
        pass


def clear_memory() -> None:
    """Forget what this process has looked up (tests, long-running TUIs after a library upgrade)."""
    with _lock:
        _memory().clear()
        _pending.clear()
        _disk.cache_clear()
        holiday_name.cache_clear()
        _country_weekend.cache_clear()
