"""Read-side views of a State: readiness, status rows, warnings and the JSON shapes scripts rely on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from rollout import freeze, numbers, schema, times
from rollout.backends.base import HistoryQuery, change_action, change_regions, header_of
from rollout.errors import InvalidValue, NotFound
from rollout.model import STATUSES, region_code
from rollout.state import Record, State

# -- selectors -------------------------------------------------------------------------
SELECTOR_HELP = "CODE, wave=N, status=S, owner=NAME or all"


def select(state: State, selectors: Iterable[str], *, reading: bool = False) -> list[str]:
    """Region codes named by SELECTORs (see select_with_origin), a union in the order given."""
    return [code for code, _explicit in select_with_origin(state, selectors, reading=reading)]


def select_with_origin(state: State, selectors: Iterable[str], *, reading: bool = False) -> list[tuple[str, bool]]:
    """The regions named by SELECTORs, each with whether it was named explicitly (by its code).

    A SELECTOR is a region code (ISO 3166-1 or 3166-2, any case), `wave=N`, `status=S`,
    `owner=NAME` (the same person in any spelling, rollout.identity; `owner=` alone: regions without an owner) or `all`; a list is
    a union, in the order given, without duplicates. This is the one reading of selectors: every
    command and operation that takes regions goes through it.

    An explicit code that is not in the database raises NotFound (`no region XX`), a malformed
    selector InvalidValue. A wave=/status=/owner= that matches nothing raises NotFound when
    editing (nothing to change); when `reading`, it selects nothing, and no selectors at all
    select every region (a read command without selectors lists everything).
    """
    chosen: dict[str, bool] = {}
    given = False
    for raw in selectors:
        given = True
        for code, explicit in _one_selector(state, raw, reading):
            chosen[code] = chosen.get(code, False) or explicit
    if not given:
        if reading:
            return [(code, False) for code in state.regions]
        raise InvalidValue(f"no region selected: give {SELECTOR_HELP}")
    return list(chosen.items())


def region_named(state: State, text: str) -> Record:
    """The region a person named by its code, in any case and spacing (` de ` is DE).

    Raises InvalidValue for text that is not an ISO 3166 code, NotFound for a code not in the database."""
    return state.region(region_code(text, known=state.regions))


def _one_selector(state: State, raw: str, reading: bool) -> list[tuple[str, bool]]:
    text = raw.strip()
    key, sep, value = text.partition("=")
    key, value = key.strip().lower(), value.strip()
    if text.lower() == "all":
        matches = list(state.regions)
    elif sep and key == "wave":
        if not numbers.is_digits(value):
            raise InvalidValue(f"invalid selector {raw!r}: wave=N needs a whole number (digits 0-9)")
        matches = [c for c, r in state.regions.items() if r["wave"] == int(value)]
    elif sep and key == "status":
        if value.lower() not in STATUSES:
            raise InvalidValue(f"invalid selector {raw!r}: status must be one of {', '.join(STATUSES)}")
        matches = [c for c, r in state.regions.items() if r["status"] == value.lower()]
    elif sep and key == "owner":
        from rollout.identity import person_key  # loaded when a selector names an owner

        wanted = person_key(value)  # "" (owner= alone): regions without an owner
        matches = [c for c, r in state.regions.items() if person_key(r["owner"]) == wanted]
    elif sep:
        raise InvalidValue(f"invalid selector {raw!r}: expected {SELECTOR_HELP}")
    else:
        return [(region_named(state, text)["code"], True)]
    if not matches and not reading:
        raise NotFound(f"no region matches {raw!r}")
    return [(code, False) for code in matches]


# -- region figures --------------------------------------------------------------------
def effective_launch(region: Record) -> str | None:
    """The actual launch once it happened, the target before."""
    return region.get("launched_at") or region.get("launch")


def checklist_counts(state: State, code: str) -> tuple[int, int, int]:
    """(done, total, critical still open) of a region's checklist: item counts, kept up to date
    by the state (State.checklist_counts); (0, 0, 0) for an empty checklist.
    """
    return state.checklist_counts(code)


def readiness(state: State, code: str) -> int:
    """A region's readiness: done items over all its items as a whole percent 0-100, rounded
    down, so 100 means every item is done. An empty checklist is 0: nothing checked is not ready.
    """
    done, total, _ = checklist_counts(state, code)
    return _percent(done, total)


def _percent(done: int, total: int) -> int:
    return done * 100 // total if total else 0


def open_critical(state: State, code: str) -> list[Record]:
    """The critical checklist items of region `code` not yet done, in checklist order: what blocks
    its launch (ops.set_regions refuses `launched` while any is open, unless forced).
    """
    return [i for i in state.items_of(code) if i["critical"] and i["status"] != "done" and schema.counts(i)]


def describe_items(items: list[Record], limit: int = 3) -> str:
    """Items named for a message: "c12 'Title', c13 'Other' and 2 more" (the first `limit` by id order given)."""
    listed = ", ".join(f"{i['id']} {i['title']!r}" for i in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return listed + more


def region_warnings(
    state: State, code: str, reference: datetime | None = None, *, overdue: int | None = None
) -> list[str]:
    """Things a launch manager should look at in region `code`, at the aware instant
    `reference` (default now), as sentences: a launch target whose local day has passed without a
    launch, critical items open within 14 local days of the target, overdue open items (is_overdue),
    an upcoming launch on a public holiday of the region (launch_holiday_warning). Paused and
    launched regions get no launch warnings. `overdue`: the count of overdue open items when the
    caller has it already (rollout.health counts them), saving a pass over the checklist.
    """
    region = state.region(code)
    ref = reference or times.now()
    out = []
    if region["status"] not in ("launched", "paused") and region.get("launch"):
        days = times.days_until(region["launch"], region["timezone"], ref)
        _done, _total, critical = checklist_counts(state, code)  # kept by the state: no pass over the items
        if days < 0:
            out.append(f"launch target passed {-days} day(s) ago and {code} has not launched")
        elif critical and days <= 14:
            out.append(f"{critical} critical item(s) open with launch {times.countdown(days)}")
    if overdue is None:
        overdue = sum(1 for i in state.items_of(code) if is_overdue(i, region["timezone"], ref))
    if overdue:
        out.append(f"{overdue} open item(s) overdue")
    holiday = launch_holiday_warning(state, code, ref)
    if holiday:
        out.append(holiday)
    out += freeze.region_warnings(state, code)
    return out


_ONE_MICROSECOND = timedelta(microseconds=1)
_DAY = timedelta(days=1)


class DueState(NamedTuple):
    """An item's due as the overdue rule sees it: `day` its local due day in the region's zone
    (for a timed due, the day of the instant a microsecond before it, so a due at midnight belongs
    to the day that ends then), `moment` the due instant (aware), `overdue` whether it has passed."""

    day: date
    moment: datetime
    overdue: bool


def due_state(item: Record, z: ZoneInfo, today: date, reference: datetime) -> DueState | None:
    """The overdue rule, written once (health, the agenda, owners, checklists and `status` all use
    it): a due given as a day (due_all_day) is due by the end of that local day, so it is overdue
    from the next local day of zone `z`; a timed due is overdue once its instant is before the
    aware instant `reference`. `today` is the reference's local day in `z`. None without a due.

    A timed due's local day decides unless it is yesterday or today: comparing instants across
    offsets costs more than the rest of a pass over an item (the result is the plain comparison)."""
    due = item.get("due")
    if due is None:
        return None
    moment = datetime.fromisoformat(due)
    if item.get("due_all_day"):
        day = moment.astimezone(z).date()
        return DueState(day, moment, day < today)
    day = (moment - _ONE_MICROSECOND).astimezone(z).date()
    return DueState(day, moment, day < today - _DAY or (day <= today and moment < reference))


def is_overdue(item: Record, tz: str, reference: datetime) -> bool:
    """Whether an item is late at the aware instant `reference`: still open, counting for the
    region (not marked not applicable: schema.counts) and past its due (due_state's rule; region
    zone `tz`). The one rule every list that marks items late uses."""
    if item.get("due") is None or item.get("status") == "done" or not schema.counts(item):
        return False
    z = times.zone(tz)
    found = due_state(item, z, reference.astimezone(z).date(), reference)
    return found is not None and found.overdue


def due_display(item: Record, tz: str) -> str:
    """An item's due date for tables: the local day for a due given as a day (2027-01-15), the local
    date and time for a timed one (2027-01-15 17:00), '-' for none."""
    return times.local_display(item.get("due"), tz, with_time=not item.get("due_all_day"))


def launch_holiday_warning(state: State, code: str, reference: datetime | None = None) -> str | None:
    """A launch still ahead (not launched yet, today or later) that falls on a public holiday of its region.

    Launches already made or in the past are left out: nothing can be done about them.
    """
    region = state.region(code)
    launch = region.get("launch")
    if region["status"] == "launched" or not launch:
        return None
    tz = region["timezone"]
    if times.days_until(launch, tz, reference or times.now()) < 0:
        return None
    from rollout.holidays import holiday_name

    day = times.instant(launch).astimezone(times.zone(tz)).date()
    name = holiday_name(code, day)
    return f"launch on {day.isoformat()} falls on a public holiday in {code}: {name}" if name else None


def region_json(state: State, region: Record, counts: tuple[int, int, int] | None = None) -> dict[str, Any]:
    """A region as scripts see it (the schema's fields, instants in the region's offset), with its
    readiness (percent 0-100) and open critical items; `counts` (from checklist_counts) saves a
    second pass over the checklist."""
    done, total, critical_open = counts or checklist_counts(state, region["code"])
    data = schema.to_json(schema.REGIONS, region, region["timezone"])
    data["readiness"] = _percent(done, total)
    data["critical_open"] = critical_open
    return data


def item_json(state: State, item: Record) -> dict[str, Any]:
    """A checklist item as scripts see it: the schema's fields, instants in the region's offset,
    then `blocked`. `due_all_day` true means the item is due by the end of the local day of `due`
    (which is that day's first instant); false means due at the instant `due`. `after` lists the
    ids of the items it waits for (any region); `blocked` is true while the item is open and one of
    them is open too (is_blocked)."""
    data = schema.to_json(schema.ITEMS, item, state.region(item["region"])["timezone"])
    data["blocked"] = is_blocked(state, item)
    return data


def open_blockers(state: State, item: Record) -> list[Record]:
    """The items `item` waits for (its `after`) that are still open, in `after` order (ids that
    no longer exist are left out)."""
    found = []
    for blocker_id in item.get("after") or ():
        blocker = state.items.get(blocker_id)
        if blocker is not None and blocker["status"] != "done" and schema.counts(blocker):
            found.append(blocker)  # a blocker not applicable to its region blocks nothing
    return found


def is_blocked(state: State, item: Record) -> bool:
    """Whether an open item waits for an item that is still open (a done item is never blocked)."""
    return item["status"] != "done" and bool(item.get("after")) and bool(open_blockers(state, item))


def dependants(state: State, item_id: str) -> list[Record]:
    """The items that wait for `item_id` (whose `after` holds it), in the order they were stored
    (State.dependants_of: a reverse index built once, then kept up to date)."""
    return [state.items[key] for key in state.dependants_of(item_id)]


def promo_json(
    state: State, promo: Record, warnings: list[str] | None = None, reference: datetime | None = None
) -> dict[str, Any]:
    """A promotion as scripts see it, with its warnings (computed at `reference`, default now, when
    not given)."""
    if warnings is None:
        warnings = promo_warnings(state, promo["region"], reference or times.now()).get(promo["id"], [])
    data = schema.to_json(schema.PROMOTIONS, promo, state.region(promo["region"])["timezone"])
    data["warnings"] = warnings
    return data


# -- promotions ------------------------------------------------------------------------
def promo_warnings(state: State, code: str, reference: datetime) -> dict[str, list[str]]:
    """Warnings per promotion id of region `code`, as sentences: overlaps with each other
    (promotions run over [start, end), so one ending exactly when another starts does not overlap), a
    start before the region's effective launch instant (actual, else target), and public holidays of
    the region on the local days it runs (rollout.holidays), for promotions not over at the aware
    instant `reference`. Every promotion of the region has an entry, [] when nothing is wrong.
    """
    region = state.region(code)
    tz = region["timezone"]
    promos = sorted(state.promotions_of(code), key=lambda p: times.instant(p["start"]))
    spans = [(times.instant(p["start"]), times.instant(p["end"])) for p in promos]
    out: dict[str, list[str]] = {p["id"]: [] for p in promos}
    launch = effective_launch(region)
    launch_at = times.instant(launch) if launch else None
    for i, promo in enumerate(promos):
        start, end = spans[i]
        if launch_at is not None and start < launch_at:
            out[promo["id"]].append(f"starts before {code} launches ({times.local_display(launch, tz)})")
        for j in range(i + 1, len(promos)):
            other_start, other_end = spans[j]
            if other_start >= end:
                break
            other = promos[j]
            out[promo["id"]].append(f"overlaps {other['id']} {other['name']!r}")
            out[other["id"]].append(f"overlaps {promo['id']} {promo['name']!r}")
        if end > reference:
            holiday = promo_holiday_warning(code, tz, start, end)
            if holiday:
                out[promo["id"]].append(holiday)
    return out


def promo_holiday_warning(code: str, tz: str, start: datetime, end: datetime) -> str | None:
    """The public holidays of the region on the local days a promotion runs [start, end)."""
    from rollout.holidays import describe_days, holidays_between, local_days

    zone = times.zone(tz)
    first, last = local_days(start.astimezone(zone), end.astimezone(zone))
    days = holidays_between(code, first, last)
    if not days:
        return None
    return f"runs on a public holiday: {describe_days(days)}"


def warnings_for(state: State, promos: Iterable[Record], reference: datetime) -> dict[str, list[str]]:
    """Warnings of the given promotions at the instant `reference`, computed once per region."""
    warnings: dict[str, list[str]] = {}
    for code in {p["region"] for p in promos}:
        warnings.update(promo_warnings(state, code, reference))
    return warnings


def promo_cells(state: State, promo: Record, warnings: dict[str, list[str]]) -> list[str]:
    """A promotion as table cells: id, region, name, kind, local start, local end, warnings."""
    tz = state.region(promo["region"])["timezone"]
    return [
        promo["id"],
        promo["region"],
        promo["name"],
        promo["kind"],
        times.local_display(promo["start"], tz),
        times.local_display(promo["end"], tz),
        "; ".join(warnings.get(promo["id"], [])),
    ]


def next_promotion(state: State, code: str, reference: datetime) -> Record | None:
    """The promotion running now or starting soonest (ended ones are left out)."""
    # `status` runs this on every promotion, so it avoids parsing and comparing instants (a
    # comparison across offsets costs more than parsing) where the text decides: the date a stored
    # instant starts with is within a day of its UTC date (offsets stay within -12 h and +14 h), so
    # an end dated two days before the reference's UTC date surely ended, one dated three days after
    # surely did not, and a start dated three days after the best start so far is surely later.
    # The last two skip work only for texts that start with a YYYY-MM-DD date (ISO 8601 also has
    # week and ordinal dates, and a basic format, which Python reads too).
    ref_day = reference.astimezone(UTC).date()
    long_ago = (ref_day - timedelta(days=2)).isoformat()
    not_ended = (ref_day + timedelta(days=3)).isoformat()  # compared with whole texts: that day or later
    parse = datetime.fromisoformat
    best: Record | None = None
    best_start: datetime | None = None
    later = ""  # starts from this text on are surely after best_start
    for promo in state.promotions_of(code):
        end = promo["end"]
        if end < long_ago:
            continue
        if not (end >= not_ended and end[4:5] == "-" == end[7:8]) and parse(end) <= reference:
            continue
        start_text = promo["start"]
        if best_start is not None and start_text >= later and start_text[4:5] == "-" == start_text[7:8]:
            continue
        start = parse(start_text)
        if best_start is None or start < best_start:
            best, best_start = promo, start
            later = (start.astimezone(UTC).date() + timedelta(days=3)).isoformat()
    return best


Bound = datetime | str | None


def promotions_between(state: State, code: str | Iterable[str] | None, start: Bound, end: Bound) -> list[Record]:
    """Promotions (of one region `code`, of the regions `code` lists, or of all with None) that
    overlap [start, end), ordered by start.

    A bound is an aware instant, a WHEN text, or None (open). A WHEN is read in each region's own
    zone, so a date means that day in each region's calendar (times.parse_when); InvalidValue for
    a bad WHEN, or one that does not exist in a region's zone."""
    codes = list(state.regions) if code is None else [code] if isinstance(code, str) else list(code)
    # Instants as POSIX timestamps: ordered like the instants, and compared far faster than datetimes
    # with different offsets (40,000 promotions at 2,000 regions).
    since_of, until_of = _bound(start), _bound(end)
    if start is not None and end is not None:  # a reversed window is refused, whatever it selects
        for tz in {state.regions[c]["timezone"] for c in codes} or {"UTC"}:
            if until_of(tz) < since_of(tz):  # type: ignore[operator]  # both bounds given
                raise times.reversed_window(*(b if isinstance(b, str) else times.to_iso(b) for b in (start, end)))
    parse = datetime.fromisoformat
    found = []
    for c in codes:
        tz = state.regions[c]["timezone"]
        since, until = since_of(tz), until_of(tz)
        for promo in state.promotions_of(c):
            begins = parse(promo["start"]).timestamp()
            if until is not None and begins >= until:
                continue
            if since is not None and parse(promo["end"]).timestamp() <= since:
                continue
            found.append((begins, promo["region"], promo["id"], promo))
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found]


def _bound(bound: Bound) -> Callable[[str], float | None]:
    """A filter bound as a function of a region's zone giving a POSIX timestamp (read once per zone)."""
    if bound is None:
        return lambda tz: None
    if isinstance(bound, datetime):
        stamp = bound.timestamp()
        return lambda tz: stamp
    when = times.parse_when_text(bound)
    cache: dict[str, float] = {}

    def resolve(tz: str) -> float:
        if tz not in cache:
            cache[tz] = when.resolve(tz).timestamp()
        return cache[tz]

    return resolve


# -- status and listings ---------------------------------------------------------------
def sorted_regions(state: State, regions: Iterable[Record] | None = None) -> list[Record]:
    """Regions (all, or the given ones) ordered by effective launch instant (actual, else
    target), earliest first; regions without a date follow, by code.
    """
    rows = list(state.regions.values()) if regions is None else list(regions)
    dated = [r for r in rows if effective_launch(r)]
    undated = [r for r in rows if not effective_launch(r)]
    dated.sort(key=lambda r: times.instant(effective_launch(r)).timestamp())  # type: ignore[arg-type]
    return dated + sorted(undated, key=lambda r: r["code"])


def launch_holiday_warnings(state: State, codes: Iterable[str]) -> list[str]:
    """The launch-on-a-public-holiday warnings (launch_holiday_warning) of the regions `codes`."""
    return [w for w in (launch_holiday_warning(state, code) for code in codes) if w]


def plain_utc(moment: datetime) -> datetime:
    """The same instant as a standard-library datetime in UTC: comparing stored instants with it is
    several times faster than with a pendulum DateTime, which matters once per record in `status`."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=UTC)


def list_regions(state: State, status: str | None = None, wave: int | None = None) -> list[Record]:
    """Regions with the given status (one of model.STATUSES) and wave, both optional, in
    sorted_regions order.
    """
    rows = [
        r
        for r in state.regions.values()
        if (status is None or r["status"] == status) and (wave is None or r["wave"] == wave)
    ]
    return sorted_regions(state, rows)


# An id of any kind (c12, p7), as the record schema defines ids.
ID_WORD = re.compile("|".join(pattern.pattern for pattern in schema.ID_PATTERN.values()), re.IGNORECASE)
CODE_WORD = re.compile(r"[a-z]{2}(-[a-z0-9]{1,3})?", re.IGNORECASE)


def split_ids(words: Sequence[str]) -> tuple[str | None, list[str]]:
    """ITEM... or ID... as typed: (the leading region code or None, the ids).

    Ids are unique across regions, so they stand alone (`c337`); a region code before them
    (`PL c337`) is still accepted, and then every id must belong to that region. The first word
    is that code when it is not an id and more words follow, or when, alone, it has the form of
    a code (`DE`: the ids are missing); any other word is an id, for the lookup to report."""
    if not words or ID_WORD.fullmatch(words[0].strip()):
        return None, list(words)
    if len(words) > 1 or CODE_WORD.fullmatch(words[0].strip()):
        return words[0], list(words[1:])
    return None, list(words)


def item(state: State, code: str | None, item_id: str) -> Record:
    """A checklist item by id (any case); with `code` (a region code as typed), it must be that region's.

    Raises NotFound for an unknown id, or an item of another region than `code`."""
    found = state.items.get(item_id.strip().lower())
    if code is None:
        if found is None:
            raise NotFound(f"no checklist item {item_id}")
        return found
    region = region_named(state, code)["code"]
    if found is None:
        raise NotFound(f"no checklist item {item_id} in {region}")
    if found["region"] != region:
        raise NotFound(f"no checklist item {item_id} in {region} (it is in {found['region']})")
    return found


def promotion(state: State, promo_id: str, code: str | None = None) -> Record:
    """A promotion by id (any case); with `code` (a region code as typed), it must be that region's.

    Raises NotFound for an unknown id, or a promotion of another region than `code`."""
    found = state.promotions.get(promo_id.strip().lower())
    region = region_named(state, code)["code"] if code is not None else None
    if found is None:
        raise NotFound(f"no promotion {promo_id}" + (f" in {region}" if region else ""))
    if region is not None and found["region"] != region:
        raise NotFound(f"no promotion {promo_id} in {region} (it is in {found['region']})")
    return found


def checklist(state: State, code: str, open_only: bool = False) -> list[Record]:
    """A region's checklist items in checklist order (only those not done with `open_only`); NotFound for
    an unknown code."""
    items = state.items_of(region_named(state, code)["code"])
    return [i for i in items if i["status"] != "done"] if open_only else items


# -- history ---------------------------------------------------------------------------
def touches_region(entry: Record, code: str) -> bool:
    """Whether a history entry (full or header) changed the region `code` or one of its records."""
    if "regions" in entry:
        return code in entry["regions"]
    return any(code in change_regions(change) for change in entry["changes"])


def history(
    state: State, code: str | None = None, limit: int | None = None, *, with_changes: bool = False
) -> list[Record]:
    """History entries, newest first, optionally only those touching one region, at most `limit`.

    Headers (id, revision, at, user, command, regions, summary, notes, undoes...) unless
    `with_changes`, which reads each entry's changes too. Reads a page of history, not all of it.
    """
    query = HistoryQuery(region=code, limit=limit, with_changes=with_changes)
    return state.history.page(query).entries


def history_json(entry: Record) -> dict[str, Any]:
    """An entry as `history --json` prints it: id, at, user, command, changes, and notes/undoes/redoes when set."""
    data = {k: entry[k] for k in ("id", "at", "user", "command", "changes")}
    for extra in ("notes", "undoes", "redoes"):
        if extra in entry:
            data[extra] = entry[extra]
    return data


def last_change_of(state: State, table: str, key: str) -> Record | None:
    """The newest history entry that touched one record (reads entries of its region only)."""
    record = state.tables[table].get(key)
    region = key if table == "regions" else (record or {}).get("region")
    for header in state.history.walk(HistoryQuery(region=region, limit=50)):
        entry = state.history.entry(header["id"])
        if any(c["table"] == table and c["key"] == key for c in entry["changes"]):
            return entry
    return None


def summarize_changes(changes: list[Record]) -> str:
    """'2 regions changed, 40 items added' for notices and dry runs."""
    return summarize_counts(header_of({"changes": changes})["summary"])


def summarize_counts(summary: list[list[Any]]) -> str:
    """A history header's summary ([[table, action, count], ...]) in words."""
    verbs = {"add": "added", "remove": "removed", "change": "changed"}
    parts = []
    for table, action, n in summary:
        noun = schema.KINDS[table].noun + ("s" if n != 1 else "")
        parts.append(f"{n} {noun} {verbs[action]}")
    return ", ".join(parts) or "no change"


def entry_summary(entry: Record) -> str:
    """What an entry (full or header) changed, in words."""
    if "summary" in entry:
        return summarize_counts(entry["summary"])
    return summarize_changes(entry["changes"])


def record_label(table: str, key: str, record: Record | None) -> str:
    """A record named in words, for history and previews: its kind, key and title or name
    ('checklist item c12 Carrier SLA signed', 'region NL Netherlands'). A setting's key is its
    name, so it is named once: 'setting health.slack_days'."""
    name = (
        "" if table in ("settings", "templates") or record is None else record.get("title") or record.get("name") or ""
    )
    return f"{schema.KINDS[table].noun} {key} {name}".rstrip()


def describe_change(change: Record) -> str:
    """One record's change in words: 'change region NL Netherlands (wave, owner)'."""
    label = record_label(change["table"], change["key"], change["after"] or change["before"])
    if change["table"] == "settings":  # 'change setting health.slack_days (7 -> 10)'
        values = [repr(side["value"]) for side in (change["before"], change["after"]) if side is not None]
        return f"{change_action(change)} {label} ({' -> '.join(values)})"
    if change["before"] and change["after"]:
        fields = [f for f in change["after"] if change["before"].get(f) != change["after"][f]]
        label += f" ({', '.join(fields)})"
    return f"{change_action(change)} {label}"


PREVIEW_LINES = 20


def preview_lines(changes: list[Record], limit: int = PREVIEW_LINES) -> list[str]:
    """What a dry run would change, one record a line (the first `limit`, then '... and N more').

    The wording of `batch --dry-run`, `import --dry-run` and the TUI's confirmations alike."""
    lines = [describe_change(change) for change in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"... and {len(changes) - limit} more")
    return lines


def change_warnings(state: State, changes: list[Record], reference: datetime | None = None) -> list[str]:
    """The warnings the CLI prints for `changes` (record changes already applied to `state`), in its words.

    Promotions added or changed: their overlaps, a start before launch, public holidays
    ("p94 'Spring Sale' in CA starts before CA launches (2027-05-18 10:00)"); regions whose launch
    target changed: a launch on a public holiday. `reference`: the aware instant (default now).
    """
    ref = reference or times.now()
    promos = [
        state.promotions[c["key"]]
        for c in changes
        if c["table"] == "promotions" and c["after"] is not None and c["key"] in state.promotions
    ]
    by_promo = warnings_for(state, promos, ref)
    out = [f"{p['id']} {p['name']!r} in {p['region']} {message}" for p in promos for message in by_promo[p["id"]]]
    launches = [
        c["key"]
        for c in changes
        if c["table"] == "regions"
        and c["after"] is not None
        and c["key"] in state.regions
        and (c["before"] or {}).get("launch") != c["after"].get("launch")
    ]
    out += launch_holiday_warnings(state, launches)
    return out


def describe_changes(entry: Record) -> str:
    """A history entry's changes in words (full entry or header), with what it undid and its notes."""
    text = entry_summary(entry)
    if "undoes" in entry:
        text = f"undoes #{entry['undoes']}: {text}"
    elif "redoes" in entry:
        text = f"redoes #{entry['redoes']}: {text}"
    if entry.get("notes"):
        text += " [" + "; ".join(entry["notes"]) + "]"
    return text


def describe_acted(verb: str, entry: Record, me: str | None, zone: str = "UTC", *, name_zone: bool = False) -> str:
    """What an undo or redo did, for its notice: whose change it was (`me`'s is "your change"), when
    (in `zone`, named when `name_zone`), the command and what it changed.

    'Undid ops's change #2 (2026-11-24 09:00 UTC): check edit PL c339 --due 2027-02-01 (1 checklist item changed).'
    """
    from rollout.identity import same_person

    whose = "your change" if same_person(entry.get("user"), me) else f"{entry.get('user', 'someone')}'s change"
    when = times.local_display(entry["at"], zone) + (f" {zone}" if name_zone else "")
    return f"{verb} {whose} #{entry['id']} ({when}): {entry['command']} ({entry_summary(entry)})."


def describe_entry(entry: Record) -> str:
    """'#12 check done DE c1 (1 checklist item changed)' for a full entry or a header."""
    return f"#{entry['id']} {entry['command']} ({entry_summary(entry)})"
