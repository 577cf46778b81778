"""What the screens show, computed from a State once per reload (never per keystroke).

Pure functions over the core's read views: no Textual here, so they are cheap to test and
can run in a worker thread while the interface stays responsive.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from rollout import health, model, queries, times
from rollout.state import Record, State

BAR_WIDTH = 10
BLOCKED = "⊘"  # an open item that waits for an item still open (queries.is_blocked)
NEXT_PROMO_WIDTH = 32


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One line of the Regions table."""

    code: str
    name: str
    wave: int
    status: str
    owner: str
    launch: str
    launch_instant: float
    countdown: str
    readiness: int
    items_done: int
    items_total: int
    critical_open: int
    next_promotion: str
    warnings: tuple[str, ...]
    search: str
    fields: frozenset[str] = frozenset()
    health: str = health.ON_TRACK
    reasons: tuple[health.Reason, ...] = ()
    forecast: str = ""
    overdue: int = 0
    when: str = ""

    @property
    def reason(self) -> health.Reason | None:
        """The worst reason behind the health (the core lists them worst first), None without."""
        return self.reasons[0] if self.reasons else None

    def matches(self, terms: list[str]) -> bool:
        """Every term matches: `name=value` (wave=5, status=ready, owner=amara, country=fr,
        health=off-track) equals a field; any other term is found in the code, name, country name,
        status, owner, wave or health."""
        return all(term in self.fields if "=" in term else term in self.search for term in terms)


def launch_countdown(region: Record, reference: datetime) -> str:
    """'in 12 days', 'launched 3 months ago', 'overdue 3 days', or '-' without a date."""
    tz = region["timezone"]
    if region.get("launched_at"):
        days = times.days_until(region["launched_at"], tz, reference)
        return "launched today" if days == 0 else f"launched {times.countdown(days)}"
    if not region.get("launch"):
        return "-"
    days = times.days_until(region["launch"], tz, reference)
    if days < 0:
        return "overdue " + times.countdown(-days).removeprefix("in ")
    return times.countdown(days)


def table_countdown(region: Record, reference: datetime) -> str:
    """The Regions table's WHEN: launch_countdown without the word 'launched' (the health column
    says so), so the column stays narrow: '5 years ago', 'in 12 days', 'overdue 3 days'."""
    if region.get("launched_at"):
        return times.countdown(times.days_until(region["launched_at"], region["timezone"], reference))
    return launch_countdown(region, reference)


@cache
def country_name(code: str) -> str:
    """model.country_name, once per country (a table of thousands of regions asks for each)."""
    return model.country_name(code)


def region_row(state: State, region: Record, reference: datetime, context: health.Context | None = None) -> RegionRow:
    """One region's line; `context` shares the health rules' settings and dependency chains
    across regions (health.Context), one is made when not given."""
    code, tz = region["code"], region["timezone"]
    country = country_name(code.partition("-")[0])
    done, total, _critical = state.checklist_counts(code)  # not-applicable items left out
    status = (context or health.Context(state, reference)).region(code)
    launch = queries.effective_launch(region)
    promo = queries.next_promotion(state, code, reference)
    next_promo = "-" if promo is None else f"{promo['name']} ({times.local_display(promo['start'], tz, False)})"
    countdown = launch_countdown(region, reference)
    return RegionRow(
        code=code,
        name=region["name"],
        wave=region["wave"],
        status=region["status"],
        owner=region["owner"] or "",
        launch=times.local_display(launch, tz, with_time=False),
        launch_instant=times.instant(launch).timestamp() if launch else math.inf,
        countdown=countdown,
        readiness=queries.readiness(state, code),
        items_done=done,
        items_total=total,
        critical_open=status.critical_open,
        next_promotion=next_promo,
        # Health has counted the overdue items already: the warnings reuse the count.
        warnings=tuple(queries.region_warnings(state, code, reference, overdue=status.overdue)),
        search=" ".join(
            (
                code,
                region["name"],
                country,
                region["status"],
                region["owner"] or "",
                f"wave {region['wave']}",
                status.health,
            )
        ).lower(),
        fields=frozenset(
            f"{name}={value}".lower()
            for name, value in (
                ("code", code),
                ("country", code.partition("-")[0]),
                ("wave", region["wave"]),
                ("status", region["status"]),
                ("owner", region["owner"] or "-"),
                ("health", status.health.replace(" ", "-")),  # one word: health=off-track
            )
        ),
        health=status.health,
        reasons=status.reasons,
        forecast=health.forecast_text(status) or "",
        overdue=status.overdue,
        when=table_countdown(region, reference) if region.get("launched_at") else countdown,
    )


def region_rows(state: State, reference: datetime) -> list[RegionRow]:
    """Every region, in launch order (the home screen's default sort), with its health at
    `reference` (rollout.health: one Context shares settings and dependency chains)."""
    context = health.Context(state, reference)
    return [region_row(state, r, reference, context) for r in queries.sorted_regions(state)]


STATUS_ORDER = {"planned": 0, "preparing": 1, "ready": 2, "launched": 3, "paused": 4}

SORTS: dict[str, Callable[[RegionRow], Any]] = {
    # Worst first, as `rollout health` lists them (health.HEALTHS order: launched regions last), then
    # by launch: what needs attention opens at the top (the default, see rollout.tui.settings).
    "health": lambda r: (health.RANK[r.health], r.launch_instant, r.code),
    "launch": lambda r: (r.launch_instant, r.code),
    "code": lambda r: r.code,
    "readiness": lambda r: (r.readiness, r.code),
    "critical": lambda r: (-r.critical_open, r.launch_instant, r.code),
    "status": lambda r: (STATUS_ORDER.get(r.status, 9), r.launch_instant, r.code),
    "wave": lambda r: (r.wave, r.launch_instant, r.code),
}


def sort_rows(rows: list[RegionRow], sort: str) -> list[RegionRow]:
    return sorted(rows, key=SORTS[sort])


def filter_rows(rows: list[RegionRow], text: str) -> list[RegionRow]:
    """Rows matching every word typed (case-insensitive; see RegionRow.matches)."""
    terms = text.lower().split()
    if not terms:
        return rows
    return [r for r in rows if r.matches(terms)]


def readiness_bar(percent: int, width: int = BAR_WIDTH) -> tuple[str, str]:
    """The filled and empty parts of a readiness bar (styled separately by the table)."""
    filled = round(percent * width / 100)
    return "█" * filled, "░" * (width - filled)


# -- calendar --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """A launch or a promotion on one local day of its region."""

    kind: str  # "launch" or "promotion"
    region: str
    key: str  # region code for a launch, promotion id for a promotion
    label: str
    detail: str
    warnings: tuple[str, ...]

    @property
    def conflict(self) -> bool:
        return bool(self.warnings)


def month_grid(year: int, month: int) -> list[date]:
    """The 42 days (six Monday-first weeks) a month view shows."""
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    return [start + timedelta(days=n) for n in range(42)]


def local_date(iso: str, tz: str) -> date:
    return times.instant(iso).astimezone(times.zone(tz)).date()


class CalendarIndex:
    """Every launch and promotion as a span of its region's local days, built once per loaded state.

    Moving between months then only filters spans; promotion warnings are computed once per
    region, the first time a month shows one of its promotions.
    """

    def __init__(self, state: State) -> None:
        self.state = state
        self._warnings: dict[str, dict[str, list[str]]] = {}
        self._events: dict[str, CalendarEvent] = {}
        self._windows: dict[tuple[date, date], dict[date, list[CalendarEvent]]] = {}
        # (first day, last day, kind, region, key), kind "launch" or "promotion"
        self.spans: list[tuple[date, date, str, str, str]] = []
        for region in state.regions.values():
            code, tz = region["code"], region["timezone"]
            launch = queries.effective_launch(region)
            if launch:
                day = local_date(launch, tz)
                self.spans.append((day, day, "launch", code, code))
            for promo in state.promotions_of(code):
                start = local_date(promo["start"], tz)
                # The end is exclusive: a sale ending at midnight does not occupy the next day.
                end = (times.instant(promo["end"]).astimezone(times.zone(tz)) - timedelta(microseconds=1)).date()
                self.spans.append((start, max(end, start), "promotion", code, promo["id"]))

    def warnings(self, code: str) -> dict[str, list[str]]:
        if code not in self._warnings:
            self._warnings[code] = queries.promo_warnings(self.state, code, times.now())
        return self._warnings[code]

    def events(self, first: date, last: date) -> dict[date, list[CalendarEvent]]:
        """Launches and promotions falling on each day in [first, last] (kept for the next call)."""
        if (first, last) not in self._windows:
            self._windows[(first, last)] = self._collect(first, last)
        return self._windows[(first, last)]

    def _collect(self, first: date, last: date) -> dict[date, list[CalendarEvent]]:
        out: dict[date, list[CalendarEvent]] = {}
        for start, end, kind, code, key in self.spans:
            if end < first or start > last:
                continue
            event = self._event(kind, code, key)
            day = max(start, first)
            while day <= min(end, last):
                out.setdefault(day, []).append(event)
                day += timedelta(days=1)
        for events in out.values():
            events.sort(key=lambda e: (e.kind != "launch", e.region, e.key))
        return out

    def _event(self, kind: str, code: str, key: str) -> CalendarEvent:
        cache_key = f"{kind}:{key}"
        if cache_key not in self._events:
            self._events[cache_key] = self._make_event(kind, code, key)
        return self._events[cache_key]

    def _make_event(self, kind: str, code: str, key: str) -> CalendarEvent:
        region = self.state.regions[code]
        tz = region["timezone"]
        if kind == "launch":
            launch = queries.effective_launch(region)
            verb = "launched" if region.get("launched_at") else "launch"
            detail = f"{code} {region['name']} {verb} {times.local_display(launch, tz)}"
            return CalendarEvent("launch", code, code, f"{code} {verb}", detail, ())
        promo = self.state.promotions[key]
        detail = (
            f"{code} {key} {promo['name']} ({promo['kind']}) "
            f"{times.local_display(promo['start'], tz)} - {times.local_display(promo['end'], tz)}"
        )
        warnings = tuple(self.warnings(code).get(key, ()))
        return CalendarEvent("promotion", code, key, f"{code} {promo['name']}", detail, warnings)


def holiday_on(event: CalendarEvent, day: date) -> str | None:
    """The public holiday of the event's region on that local day (cached lookups, no library import
    once the holiday cache is warm)."""
    from rollout.holidays import holiday_name

    return holiday_name(event.region, day)


def calendar_events(state: State, first: date, last: date) -> dict[date, list[CalendarEvent]]:
    return CalendarIndex(state).events(first, last)


# -- lists ticked in place ---------------------------------------------------------------
def keep_in_place(fresh: list[str], previous: list[str], kept: set[str]) -> list[str]:
    """`fresh` keys (the core's order) with the `previous` keys that are in `kept` but no longer
    in `fresh` put back where they were: each right after the key that came before it, when that
    one is still listed, else first. So an item ticked on a list stays on it, marked done, instead
    of vanishing under the cursor."""
    present = set(fresh)
    merged = list(fresh)
    position = {key: i for i, key in enumerate(merged)}
    for index, key in enumerate(previous):
        if key not in kept or key in present:
            continue
        before = next((p for p in reversed(previous[:index]) if p in present), None)
        at = position[before] + 1 if before is not None else 0
        merged.insert(at, key)
        present.add(key)
        position = {k: i for i, k in enumerate(merged)}
    return merged
