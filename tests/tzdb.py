"""The tz database's own transitions, read from its TZif files (RFC 8536), independently of rollout.

Tests find the zones and days to try here, instead of a hand-written list: days whose local
midnight is skipped or happens twice, zones with short periods, every transition in a span.
"""

from __future__ import annotations

import struct
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Transition:
    """At UTC instant `at` the zone's offset changes from `before` to `after`."""

    at: datetime
    before: timedelta
    after: timedelta

    @property
    def wall_before(self) -> datetime:
        return (self.at + self.before).replace(tzinfo=None)

    @property
    def wall_after(self) -> datetime:
        return (self.at + self.after).replace(tzinfo=None)


def _tzif_path(name: str) -> Path:
    for root in zoneinfo.TZPATH:
        candidate = Path(root) / name
        if candidate.is_file():
            return candidate
    import importlib.resources

    package, _, leaf = f"tzdata.zoneinfo.{name.replace('/', '.')}".rpartition(".")
    return Path(str(importlib.resources.files(package) / leaf))


@cache
def transitions(name: str) -> tuple[Transition, ...]:
    """Every transition listed in the zone's TZif file (the 64-bit data block of version 2+)."""
    data = _tzif_path(name).read_bytes()
    if data[:4] != b"TZif":
        raise ValueError(f"{name} is not a TZif file")

    def counts(offset: int) -> tuple[int, ...]:
        return struct.unpack(">6l", data[offset + 20 : offset + 44])

    isutc, isstd, leap, timecnt, typecnt, charcnt = counts(0)
    v1_size = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isutc
    isutc, isstd, leap, timecnt, typecnt, charcnt = counts(v1_size)
    pos = v1_size + 44
    times = struct.unpack(f">{timecnt}q", data[pos : pos + timecnt * 8])
    pos += timecnt * 8
    indices = data[pos : pos + timecnt]
    pos += timecnt
    offsets = [struct.unpack(">lBB", data[pos + 6 * i : pos + 6 * i + 6])[0] for i in range(typecnt)]
    found = []
    previous = timedelta(seconds=offsets[0])
    for moment, index in zip(times, indices, strict=True):
        after = timedelta(seconds=offsets[index])
        if after != previous:
            found.append(Transition(datetime.fromtimestamp(moment, UTC), previous, after))
        previous = after
    return tuple(found)


def zones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if not z.startswith(("posix/", "right/")))


def _midnights(start: datetime, end: datetime) -> list[date]:
    """Local days whose midnight lies in [start, end) (naive wall times)."""
    first = start.date() if start.time() == datetime.min.time() else start.date() + timedelta(days=1)
    days = []
    while datetime.combine(first, datetime.min.time()) < end:
        days.append(first)
        first += timedelta(days=1)
    return days


@cache
def odd_midnights(first_year: int = 1990, last_year: int = 2037) -> dict[str, list[tuple[str, date, Transition]]]:
    """{"skipped": [...], "repeated": [...]}: (zone, day, transition) where that day's local
    midnight does not exist or happens twice, for transitions in the given years."""
    found: dict[str, list[tuple[str, date, Transition]]] = {"skipped": [], "repeated": []}
    for name in zones():
        for t in transitions(name):
            if not first_year <= t.at.year <= last_year:
                continue
            if t.after > t.before:
                found["skipped"] += [(name, day, t) for day in _midnights(t.wall_before, t.wall_after)]
            else:
                found["repeated"] += [(name, day, t) for day in _midnights(t.wall_after, t.wall_before)]
    return found


def one_per_zone(entries: list[tuple[str, date, Transition]]) -> list[tuple[str, date, Transition]]:
    """The latest entry of each zone (tests then try every zone, once)."""
    latest: dict[str, tuple[str, date, Transition]] = {}
    for entry in entries:
        latest[entry[0]] = entry
    return sorted(latest.values())


def transitions_between(name: str, start: datetime, end: datetime) -> list[Transition]:
    return [t for t in transitions(name) if start <= t.at < end]
