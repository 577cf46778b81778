"""What needs attention soon, across regions: the agenda of the next days and each owner's workload.

Every date is a day of the region's own calendar: "today" is the local date of the reference
instant in the region's timezone, so a region in Tokyo and one in Honolulu each have their own
today. A due given as a day is due by the end of that local day (`due_all_day`); a timed due at
its instant (rollout.times). Stored instants are parsed with the standard library, and those whose
text is far outside the window are skipped unparsed, so a pass over 2,000 regions stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from rollout import queries, times
from rollout.errors import InvalidValue
from rollout.identity import display_name, person_key
from rollout.schema import counts
from rollout.state import Record, State

ITEM, LAUNCH, PROMO_START, PROMO_END = "item", "launch", "promo-start", "promo-end"
KINDS = (ITEM, LAUNCH, PROMO_START, PROMO_END)
# Within one day: the work due first (what a launch manager acts on), then what happens that day.
_KIND_ORDER = {ITEM: 0, LAUNCH: 1, PROMO_START: 2, PROMO_END: 3}
DEFAULT_DAYS = 7
SOON_DAYS = 14
_ONE_MICROSECOND = timedelta(microseconds=1)
_SLACK = timedelta(days=2)  # a stored instant's own date is within 2 days of its local date in any zone


class AgendaEntry(NamedTuple):
    """One line of the agenda.

    day: the region-local day it happens (an overdue item: its due day). kind: ITEM, LAUNCH,
    PROMO_START or PROMO_END (a promotion's end is on the last local day it runs). region: the
    region code. id: the item id, promotion id, or region code (a launch). title: the item's title,
    the promotion's name, or "Launch of <name>". owner: the item's owner; for a launch or a
    promotion the region's owner. overdue: an open item past its due. critical: a critical item.
    time: the local wall time "HH:MM" of a timed due, launch or promotion start/end, None for a
    due given as a day (and for a start or end at the first instant of a day). days_overdue:
    local days since the due day (0 for an item not overdue, or overdue since earlier today).
    """

    day: date
    kind: str
    region: str
    id: str
    title: str
    owner: str
    overdue: bool = False
    critical: bool = False
    time: str | None = None
    days_overdue: int = 0


def agenda(
    state: State,
    *,
    days: int = DEFAULT_DAYS,
    owner: str | None = None,
    selectors: Iterable[str] | None = None,
    reference: datetime | None = None,
    kinds: Iterable[str] = KINDS,
) -> list[AgendaEntry]:
    """Everything that needs attention in the next `days` local days of each region (today and the
    `days - 1` after it; 0: only what is overdue): open items due then, every overdue open item,
    launches (targets of regions not launched nor paused, and actual launches), promotions starting
    and ending. `owner` keeps the entries of that owner (the same person in any spelling,
    rollout.identity; "" keeps unassigned ones; a launch or promotion is its region owner's), `selectors` the regions they select (queries.select), `kinds` the kinds.

    Order: overdue items first (oldest due first), then by day, and within a day items due, then
    launches, promotions starting and promotions ending, each by region, time and id. Raises InvalidValue for negative `days` or an unknown kind,
    and what queries.select raises for a bad selector."""
    if days < 0:
        raise InvalidValue(f"invalid number of days {days}: expected 0 or more")
    wanted = set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise InvalidValue(f"unknown agenda kind {sorted(unknown)[0]!r}: expected one of {', '.join(KINDS)}")
    ref = queries.plain_utc(reference or times.now())
    codes = queries.select(state, selectors or (), reading=True)
    who = person_key(owner) if owner is not None else None
    entries: list[AgendaEntry] = []
    for code in codes:
        region = state.regions[code]
        z = times.zone(region["timezone"])
        today = ref.astimezone(z).date()
        window = (today, today + timedelta(days=days - 1))
        region_mine = who is None or person_key(region["owner"]) == who
        if ITEM in wanted:
            entries += _items(state, code, z, today, window, ref, who)
        if region_mine and LAUNCH in wanted:
            entries += _launch(region, z, window)
        if region_mine and (PROMO_START in wanted or PROMO_END in wanted):
            entries += [e for e in _promotions(state, region, z, window) if e.kind in wanted]
    entries.sort(key=_order)
    return entries


def _order(entry: AgendaEntry) -> tuple[Any, ...]:
    # (length, text) orders ids of one kind by number: c9 before c10
    return (
        not entry.overdue,
        entry.day,
        _KIND_ORDER[entry.kind],
        entry.region,
        entry.time or "",
        len(entry.id),
        entry.id,
    )


def _items(
    state: State, code: str, z: ZoneInfo, today: date, window: tuple[date, date], ref: datetime, who: str | None
) -> list[AgendaEntry]:
    done, total, _critical = state.checklist_counts(code)
    if done == total:  # nothing open: no pass over the checklist
        return []
    skip_after = (window[1] + _SLACK).isoformat()
    found = []
    for item in state.items_of(code):
        if item["status"] == "done" or not counts(item):
            continue
        due = item.get("due")
        if due is None or due[:10] > skip_after:
            continue
        if who is not None and person_key(item["owner"]) != who:
            continue
        day, moment, overdue = queries.due_state(item, z, today, ref)  # the overdue rule, written once
        all_day = bool(item.get("due_all_day"))
        if not overdue and not window[0] <= day <= window[1]:
            continue
        found.append(
            AgendaEntry(
                day,
                ITEM,
                code,
                item["id"],
                item["title"],
                item["owner"],
                overdue,
                bool(item["critical"]),
                None if all_day else moment.astimezone(z).strftime("%H:%M"),
                (today - day).days if overdue else 0,
            )
        )
    return found


def _clock(moment: datetime) -> str | None:
    """The wall time of a local instant, None at midnight (a start or end given as a day)."""
    return None if (moment.hour, moment.minute, moment.second) == (0, 0, 0) else moment.strftime("%H:%M")


def _launch(region: Record, z: ZoneInfo, window: tuple[date, date]) -> list[AgendaEntry]:
    if region["status"] == "paused":
        return []
    launch = queries.effective_launch(region)
    if launch is None or launch[:10] > (window[1] + _SLACK).isoformat():
        return []
    local = datetime.fromisoformat(launch).astimezone(z)
    if not window[0] <= local.date() <= window[1]:
        return []
    title = f"Launch of {region['name']}" + (" (launched)" if region["status"] == "launched" else "")
    return [
        AgendaEntry(local.date(), LAUNCH, region["code"], region["code"], title, region["owner"], time=_clock(local))
    ]


def _promotions(state: State, region: Record, z: ZoneInfo, window: tuple[date, date]) -> list[AgendaEntry]:
    low, high = (window[0] - _SLACK).isoformat(), (window[1] + _SLACK).isoformat()
    found = []
    for promo in state.promotions_of(region["code"]):
        start_text, end_text = promo["start"], promo["end"]
        if start_text[:10] > high or end_text[:10] < low:
            continue
        start = datetime.fromisoformat(start_text).astimezone(z)
        end = datetime.fromisoformat(end_text).astimezone(z)
        last = (end - _ONE_MICROSECOND).date()
        for kind, day, moment in ((PROMO_START, start.date(), start), (PROMO_END, last, end)):
            if window[0] <= day <= window[1]:
                found.append(
                    AgendaEntry(
                        day, kind, region["code"], promo["id"], promo["name"], region["owner"], time=_clock(moment)
                    )
                )
    return found


def agenda_json(entry: AgendaEntry) -> dict[str, Any]:
    """An entry as `agenda --json` prints it: date (YYYY-MM-DD, the region's local day), kind,
    region, id, title, owner, overdue, critical, time (HH:MM local, or null), days_overdue."""
    return {
        "date": entry.day.isoformat(),
        "kind": entry.kind,
        "region": entry.region,
        "id": entry.id,
        "title": entry.title,
        "owner": entry.owner,
        "overdue": entry.overdue,
        "critical": entry.critical,
        "time": entry.time,
        "days_overdue": entry.days_overdue,
    }


# -- owners -------------------------------------------------------------------------------------
class OwnerLoad(NamedTuple):
    """One owner's open checklist work. owner: the person (rollout.identity) in the spelling most used
    on their items ("" for the unassigned items: a blank owner is nobody, and comes last).
    open: open items; overdue: open items past their due; critical_open: open critical items;
    due_soon: open items not overdue whose due day is within the next `soon` local days (today
    included); regions: codes of the regions with their open items, sorted."""

    owner: str
    open: int
    overdue: int
    critical_open: int
    due_soon: int
    regions: tuple[str, ...]


def owners(
    state: State,
    reference: datetime | None = None,
    *,
    soon: int = SOON_DAYS,
    selectors: Iterable[str] | None = None,
) -> list[OwnerLoad]:
    """Workload per item owner over the open items of the selected regions (default all), busiest
    first: most open items, then most overdue, then most critical open, then by name. An owner is a
    person (rollout.identity.person_key): `amara`, `Amara` and `AMARA` are one row, shown in the
    spelling most used, with their counts together. Unassigned items (blank owner) are one row
    with owner "", last: nobody is not ranked among people. Owners with nothing open are left out.
    Raises InvalidValue for a negative `soon`."""
    if soon < 0:
        raise InvalidValue(f"invalid number of days {soon}: expected 0 or more")
    ref = queries.plain_utc(reference or times.now())
    codes = queries.select(state, selectors or (), reading=True)
    tally: dict[str, list[Any]] = {}
    for code in codes:
        done, total, _critical = state.checklist_counts(code)
        if done == total:
            continue
        z = times.zone(state.regions[code]["timezone"])
        today = ref.astimezone(z).date()
        last = today + timedelta(days=soon - 1)
        for item in state.items_of(code):
            if item["status"] == "done" or not counts(item):
                continue
            key = person_key(item["owner"])
            row = tally.get(key)
            if row is None:
                row = tally[key] = [0, 0, 0, 0, set(), []]
            row[5].append(item["owner"])
            row[0] += 1
            row[2] += bool(item["critical"])
            row[4].add(code)
            state_of_due = _due_state(item, z, today, last, ref)
            if state_of_due == "overdue":
                row[1] += 1
            elif state_of_due == "soon":
                row[3] += 1
    loads = [
        OwnerLoad(display_name(names) if key else "", o, late, crit, due, tuple(sorted(regs)))
        for key, (o, late, crit, due, regs, names) in tally.items()
    ]
    loads.sort(key=lambda w: (not w.owner, -w.open, -w.overdue, -w.critical_open, person_key(w.owner), w.owner))
    return loads


def _due_state(item: Record, z: ZoneInfo, today: date, last: date, ref: datetime) -> str | None:
    """ "overdue", "soon" (due today..last, not overdue) or None for an open item."""
    found = queries.due_state(item, z, today, ref)  # the overdue rule, written once
    if found is None:
        return None
    if found.overdue:
        return "overdue"
    return "soon" if today <= found.day <= last else None


def owner_json(load: OwnerLoad) -> dict[str, Any]:
    """A row of `owners --json`: owner, open, overdue, critical_open, due_soon, regions (codes)."""
    return {**load._asdict(), "regions": list(load.regions)}


def owner_items(
    state: State, owner: str, reference: datetime | None = None, selectors: Iterable[str] | None = None
) -> list[Record]:
    """The open items of one owner (the same person in any spelling, rollout.identity; "" for the
    unassigned items) across the selected regions: overdue
    ones first, then by due instant (undated last), then id. What the Owners screen lists on enter."""
    ref = queries.plain_utc(reference or times.now())
    who = person_key(owner)
    codes = queries.select(state, selectors or (), reading=True)
    found = []
    for code in codes:
        tz = state.regions[code]["timezone"]
        for item in state.items_of(code):
            if item["status"] != "done" and counts(item) and person_key(item["owner"]) == who:
                due = item.get("due")
                stamp = datetime.fromisoformat(due).timestamp() if due else float("inf")
                found.append((not queries.is_overdue(item, tz, ref), stamp, len(item["id"]), item["id"], item))
    found.sort(key=lambda entry: entry[:4])
    return [entry[4] for entry in found]
