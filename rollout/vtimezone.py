"""VTIMEZONE components (RFC 5545 §3.6.5) generated from the tz database's actual transitions.

Why not the `icalendar` library's own generator (`Calendar.add_missing_timezones`, icalendar 6-7):
it samples the zone too coarsely and writes what strict clients misread, measurably:
- several onsets on one comma-separated RDATE line, of which vobject (and so gcalcli) and
  other clients keep only the first: 20 of the bundled dataset's 108 events came out an hour off;
- no transitions at all for periods shorter than its sampling (Africa/Casablanca's month-long
  Ramadan offset in 2027), so an event in that period read an hour early;
- spring-forward onsets an hour late in some zones.
This module finds every change of offset (or of DST flag or abbreviation) in zoneinfo over the
span the exported events need, to the second, and writes one observance per kind of change with
its first onset as DTSTART and every further onset as an RDATE of its own, one value per line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rollout import times

# Offsets are sampled this far apart, then each change is narrowed down to the second. No zone in
# the tz database since 1970 changes its offset and changes it back within 12 hours; tests check
# the transitions found against the TZif files themselves for every zone.
SAMPLE_STEP = timedelta(hours=12)
MARGIN = timedelta(days=2)  # around the events, so the observance in force at each is included
# vobject takes a VTIMEZONE whose offsets match UTC's from 2000 to 2020 for UTC itself, and then
# drops its TZID (its events turn floating). A zone at UTC+0 when its events start (London, Dublin,
# Lisbon, Casablanca...) is therefore covered from 2000 on, so that its summer changes tell it apart.
VOBJECT_UTC_CHECK_START = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Observance:
    """What a zone's clocks say from an onset on: UTC offset, whether it is daylight time, its name."""

    offset: timedelta
    daylight: bool
    name: str


@dataclass(frozen=True)
class Change:
    """At UTC instant `at` the zone's observance changes from `before` to `after`."""

    at: datetime
    before: Observance
    after: Observance

    @property
    def local_onset(self) -> datetime:
        """The onset as RFC 5545 writes it: the local time just before, in the old offset (naive)."""
        return (self.at + self.before.offset).replace(tzinfo=None)


def observance(tz: str, moment: datetime) -> Observance:
    """The observance of zone `tz` at the aware instant `moment`."""
    local = moment.astimezone(times.zone(tz))
    return Observance(local.utcoffset() or timedelta(0), bool(local.dst()), local.tzname() or "")


def changes(tz: str, start: datetime, end: datetime) -> list[Change]:
    """Every change of observance of zone `tz` in [start, end) (aware instants), to the second."""
    found = []
    moment, current = start, observance(tz, start)
    while moment < end:
        step = min(moment + SAMPLE_STEP, end)
        following = observance(tz, step)
        if following != current:
            found.append(_narrow(tz, moment, step, current))
            # Resume just after the change found: a second change within the step is not missed.
            moment, current = found[-1].at, found[-1].after
            continue
        moment = step
    return found


def _narrow(tz: str, low: datetime, high: datetime, before: Observance) -> Change:
    """The first instant in (low, high] whose observance differs from `before` (bisection, 1 s)."""
    low_s, high_s = int(low.timestamp()), int(high.timestamp())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if observance(tz, datetime.fromtimestamp(middle, UTC)) == before:
            low_s = middle
        else:
            high_s = middle
    at = datetime.fromtimestamp(high_s, UTC)
    return Change(at, before, observance(tz, at))


def _offset_text(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _local_text(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def vtimezone_lines(tz: str, instants: Iterable[datetime]) -> list[str]:
    """The VTIMEZONE of zone `tz` for events at the given aware instants, as unfolded content lines.

    It holds the observance in force at the first event (its DTSTART shortly before it) and every
    change up to the last event. Raises ValueError for no instants."""
    moments = sorted(instants)
    if not moments:
        raise ValueError("a VTIMEZONE needs at least one instant to cover")
    start, end = moments[0] - MARGIN, moments[-1] + MARGIN
    if not observance(tz, start).offset and start > VOBJECT_UTC_CHECK_START:
        start = VOBJECT_UTC_CHECK_START
    first = observance(tz, start)
    groups: dict[tuple[Observance, Observance], list[datetime]] = {(first, first): [_local(start, first)]}
    for change in changes(tz, start, end):
        groups.setdefault((change.before, change.after), []).append(change.local_onset)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz}"]
    for (before, after), onsets in groups.items():
        kind = "DAYLIGHT" if after.daylight else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{_local_text(onsets[0])}",
            f"TZOFFSETFROM:{_offset_text(before.offset)}",
            f"TZOFFSETTO:{_offset_text(after.offset)}",
        ]
        if after.name:
            lines.append(f"TZNAME:{after.name}")
        lines += [f"RDATE:{_local_text(onset)}" for onset in onsets[1:]]  # one value per line
        lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return lines


def _local(moment: datetime, current: Observance) -> datetime:
    return (moment.astimezone(UTC) + current.offset).replace(tzinfo=None, second=0, microsecond=0)
