"""Health and forecast of each region: computed from the records on every read, never stored.

Days are the region's local calendar days throughout ("today" is the local date of the reference
instant in the region's timezone); a due given as a day is due by the end of that local day
(`due_all_day`, rollout.times.due_deadline), a timed due at its instant.

**Health** (first match wins):

1. `launched`: status launched. 2. `paused`: status paused. 3. `no date`: no target launch.
4. `off track`: the target launch day has passed without a launch, or an open critical item is
   overdue, or the forecast ready date is after the target launch day.
5. `at risk`: the launch is at most `health.at_risk_days` days away with a critical item open,
   or any open item is overdue, or the forecast ready date leaves less than `health.slack_days`
   days before the launch day (it is 0 to slack - 1 days before it; exactly slack days before
   keeps the whole slack).
6. `on track`: none of the above.

**Forecast ready date** (a local day; see Forecast): the latest of

(a) the latest *effective finish* among the region's open items: an item's own due day, or the
    effective finish of an open item it waits for (`after`, any region) when that is later, so a
    chain finishes no earlier than its last link's due day; a blocker in another zone finishes
    at the end of its own local day, converted to this region's day;
(b) today + ceil(open items * 7 / pace) days, where the pace is the region's items done per week
    over the last 28 local days (today and the 27 before, from `done_at`): pace = done / 4;
    absent when nothing was done in that window (a reason says so);
(c) today, while any item is open (open work is never ready in the past).

With nothing open the forecast is today (ready now); with items open but neither (a) nor (b), there
is no forecast (None) and a reason says why. Launched regions have no forecast.

Each **reason** is a short sentence a manager can act on ("c332 'Payment provider live' is 5 days
overdue (ops)", "forecast ready 2027-03-20, 4 days after launch: ..."), worst first: the reasons
of the health found, then lesser ones, then notes.

Cost: one pass over a region's items; stored instants are parsed with the standard library (no
pendulum per record) and `done_at` values far outside the window are skipped on their text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from rollout import freeze, queries, settings, signoff, times
from rollout.queries import due_state
from rollout.schema import counts
from rollout.state import Record, State

LAUNCHED, PAUSED, NO_DATE, NO_CHECKLIST, OFF_TRACK, AT_RISK, ON_TRACK = (
    "launched",
    "paused",
    "no date",
    "no checklist",
    "off track",
    "at risk",
    "on track",
)
HEALTHS = (
    OFF_TRACK,
    AT_RISK,
    NO_DATE,
    NO_CHECKLIST,
    ON_TRACK,
    PAUSED,
    LAUNCHED,
)  # worst first: the order `health` lists
RANK = {name: rank for rank, name in enumerate(HEALTHS)}
# One symbol per health, so it reads without colour (NO_COLOR) and the CLI and the TUI agree.
SYMBOLS = {OFF_TRACK: "✖", AT_RISK: "▲", NO_DATE: "?", NO_CHECKLIST: "○", ON_TRACK: "●", PAUSED: "‖", LAUNCHED: "✓"}
ASCII_SYMBOLS = {
    OFF_TRACK: "X",
    AT_RISK: "!",
    NO_DATE: "?",
    NO_CHECKLIST: "-",
    ON_TRACK: "o",
    PAUSED: "=",
    LAUNCHED: "+",
}
NOTE = "note"  # the level of a reason that explains without changing the health
PACE_WINDOW_DAYS = 28
LISTED_ITEMS = 5  # overdue items named one per reason; more are counted in one last reason
_ONE_MICROSECOND = timedelta(microseconds=1)
_DAY = timedelta(days=1)


class Reason(NamedTuple):
    """Why a region has its health: `level` is the health it supports (OFF_TRACK, AT_RISK, NO_DATE)
    or NOTE; `text` the sentence; `item` the checklist item id it is about, if any (for jumping)."""

    level: str
    text: str
    item: str | None = None


class Forecast(NamedTuple):
    """A region's forecast ready date and what it comes from; every date a region-local day.

    ready: the forecast ready date (module doc), None when there is nothing to forecast from.
    by_due: (a), the latest effective finish of the open items (None: no open item has one).
    by_pace: (b), today + ceil(open * 7 / pace) days (None: nothing done in the last 28 days).
    pace: items done per week over the last 28 local days (done / 4), None when none was done.
    open: open items of the region.
    driver: the id of the item whose due day gives (a) (in any region), None without (a).
    via: the id of the region's own open item whose chain leads to `driver` (== driver when
      that item's own due day is the latest), None without (a).
    """

    ready: date | None
    by_due: date | None
    by_pace: date | None
    pace: float | None
    open: int
    driver: str | None = None
    via: str | None = None


class Health(NamedTuple):
    """One region's health at one instant.

    code: the region. health: one of HEALTHS. reasons: Reason tuples, worst first.
    forecast: a Forecast (None for a launched region). launch_day: the local day of the target
    launch (the actual one once launched), None without. days_to_launch: local days from today
    to it (negative: passed). today: the region's local date at the reference instant.
    critical_open / overdue: open critical items, overdue open items (critical or not).
    """

    code: str
    health: str
    reasons: tuple[Reason, ...]
    forecast: Forecast | None
    launch_day: date | None
    days_to_launch: int | None
    today: date
    critical_open: int
    overdue: int


class Thresholds(NamedTuple):
    """The shared settings the rules use, in local days (rollout.settings)."""

    at_risk_days: int
    slack_days: int


def thresholds(state: State) -> Thresholds:
    """The database's `health.at_risk_days` and `health.slack_days` (their defaults when unset)."""
    return Thresholds(settings.get(state, "health.at_risk_days"), settings.get(state, "health.slack_days"))


# -- dependency chains ----------------------------------------------------------------------------
class Finish(NamedTuple):
    """The effective finish of an open item: a local `day` of zone `tz`, given by the own due day
    of item `source`."""

    day: date
    tz: str
    source: str


def due_day(item: Record, z: ZoneInfo) -> date | None:
    """The local day (in zone `z`) by whose end an item is due: the day itself for a due given as
    a day, the day of the instant for a timed due (one due at exactly midnight counts for the day
    before: it is due by that day's end). None without a due date."""
    due = item.get("due")
    if due is None:
        return None
    moment = datetime.fromisoformat(due)
    if not item.get("due_all_day"):
        moment -= _ONE_MICROSECOND
    return moment.astimezone(z).date()


def convert_day(day: date, from_tz: str, to_tz: str) -> date:
    """The local day in `to_tz` in which the local day `day` of `from_tz` ends (its last instant)."""
    if from_tz == to_tz:
        return day
    # Exact time, in UTC: arithmetic on a datetime in a zone is wall-clock arithmetic, which lands
    # in the gap when the next day starts after one (Santiago's 01:00, the day after Apia's skipped day).
    end = times.day_start(day + _DAY, from_tz, strict=False).astimezone(UTC) - _ONE_MICROSECOND
    return end.astimezone(times.zone(to_tz)).date()


class Chains:
    """Effective finishes of open items, following `after` across regions; each item computed once
    per Chains (share one across regions). Done items and unknown ids finish nothing."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._memo: dict[str, Finish | None] = {}

    def finish(self, item: Record) -> Finish | None:
        """The effective finish of an open item (module doc, (a)); None when neither it nor any
        open item up its chain has a due date. Iterative, so chains of any length are safe; a
        cycle (only in a damaged file) is cut where it closes."""
        memo = self._memo
        key = item["id"]
        if key in memo:
            return memo[key]
        items, regions = self.state.items, self.state.regions
        stack: list[tuple[Record, list[str]]] = [(item, list(item.get("after") or ()))]
        entered = {key}
        while stack:
            current, pending = stack[-1]
            while pending:
                blocker = items.get(pending[-1])
                if blocker is None or blocker["status"] == "done" or not counts(blocker) or blocker["id"] in memo:
                    pending.pop()
                    continue
                if blocker["id"] in entered:  # a cycle: a damaged file; ignore the closing link
                    pending.pop()
                    continue
                entered.add(blocker["id"])
                stack.append((blocker, list(blocker.get("after") or ())))
                break
            else:
                stack.pop()
                tz = regions[current["region"]]["timezone"] if current["region"] in regions else "UTC"
                own = due_day(current, times.zone(tz))
                best = Finish(own, tz, current["id"]) if own is not None else None
                for blocker_id in current.get("after") or ():
                    found = memo.get(blocker_id)
                    if found is None:
                        continue
                    day = convert_day(found.day, found.tz, tz)
                    if best is None or day > best.day:
                        best = Finish(day, tz, found.source)
                memo[current["id"]] = best
        return memo[key]


# -- one region -----------------------------------------------------------------------------------
class Context:
    """What computing health for many regions at one instant shares: the reference instant (plain
    UTC), the thresholds read once, and the dependency chains computed once."""

    def __init__(self, state: State, reference: datetime | None = None, limits: Thresholds | None = None) -> None:
        self.state = state
        self.reference = queries.plain_utc(reference or times.now())
        self.limits = limits or thresholds(state)
        self.chains = Chains(state)

    def region(self, code: str) -> Health:
        """The health of region `code` (NotFound when there is none)."""
        return _region_health(self, self.state.region(code))


def region_health(state: State, code: str, reference: datetime | None = None) -> Health:
    """The health of one region at `reference` (default now). For many regions use health_all or a
    Context, which share the settings and the dependency chains."""
    return Context(state, reference).region(code)


def health_all(state: State, codes: Iterable[str] | None = None, reference: datetime | None = None) -> list[Health]:
    """The health of the regions `codes` (default: every region, in launch order), at `reference`."""
    context = Context(state, reference)
    chosen = [r["code"] for r in queries.sorted_regions(state)] if codes is None else list(codes)
    return [context.region(code) for code in chosen]


def worst_first(rows: list[Health]) -> list[Health]:
    """Health rows ordered worst first (HEALTHS order), then by launch day (undated last), then code."""
    return sorted(rows, key=lambda h: (RANK[h.health], h.launch_day or date.max, h.code))


def _region_health(context: Context, region: Record) -> Health:
    state, ref, limits = context.state, context.reference, context.limits
    code, tz = region["code"], region["timezone"]
    z = times.zone(tz)
    today = ref.astimezone(z).date()
    launch = queries.effective_launch(region)
    launch_day = datetime.fromisoformat(launch).astimezone(z).date() if launch else None
    days_to_launch = (launch_day - today).days if launch_day is not None else None
    status = region["status"]
    facts = _scan(context, region, z, today)
    if status == LAUNCHED:
        return Health(code, LAUNCHED, (), None, launch_day, days_to_launch, today, *facts.counts)
    empty = not context.state.checklist_counts(code)[1]
    # An empty checklist forecasts nothing (not "ready today" beside "0% ready").
    forecast = Forecast(None, None, None, None, 0) if empty else facts.forecast(today)
    no_checklist = [Reason(NO_CHECKLIST, f"{code} has no checklist: add its items to judge readiness")] if empty else []
    critical_overdue = [o for o in facts.overdue if o[0]["critical"]]
    other_overdue = [o for o in facts.overdue if not o[0]["critical"]]
    off: list[Reason] = []
    risk: list[Reason] = []
    notes = _forecast_notes(forecast) + [Reason(NOTE, text) for text in freeze.region_warnings(state, code)]
    if status == PAUSED or launch_day is None:
        level = PAUSED if status == PAUSED else NO_DATE
        head = [] if status == PAUSED else [Reason(NO_DATE, f"{code} has no target launch date")]
        reasons = head + no_checklist + _overdue_reasons(NOTE, facts.overdue, tz) + notes
        return Health(code, level, tuple(reasons), forecast, launch_day, days_to_launch, today, *facts.counts)
    assert days_to_launch is not None
    if days_to_launch >= 0 and empty:  # nothing to judge readiness by: not "on track"
        return Health(
            code, NO_CHECKLIST, tuple(no_checklist), forecast, launch_day, days_to_launch, today, *facts.counts
        )
    if days_to_launch < 0:
        off.append(
            Reason(
                OFF_TRACK,
                f"launch target {launch_day.isoformat()} passed {_days(-days_to_launch)} ago without a launch",
            )
        )
    off += _overdue_reasons(OFF_TRACK, critical_overdue, tz)
    ready = forecast.ready
    if ready is not None and ready > launch_day:
        off.append(
            Reason(
                OFF_TRACK,
                f"forecast ready {ready.isoformat()}, {_days((ready - launch_day).days)} after launch"
                + _driver_text(state, forecast, ready),
                forecast.via,
            )
        )
    if 0 <= days_to_launch <= limits.at_risk_days and facts.critical:
        risk.append(
            Reason(
                AT_RISK,
                f"launch {'today' if days_to_launch == 0 else 'in ' + _days(days_to_launch)} "
                f"with {len(facts.critical)} critical item"
                f"{'s' if len(facts.critical) != 1 else ''} open: {queries.describe_items(facts.critical)}",
                facts.critical[0]["id"],
            )
        )
    risk += _overdue_reasons(AT_RISK, other_overdue, tz)
    if ready is not None and 0 <= (launch_day - ready).days < limits.slack_days:
        before = (launch_day - ready).days
        when = "on the launch day" if before == 0 else f"{_days(before)} before launch"
        risk.append(
            Reason(
                AT_RISK,
                f"forecast ready {ready.isoformat()}, {when} (slack {_days(limits.slack_days)})"
                + _driver_text(state, forecast, ready),
                forecast.via,
            )
        )
    level = OFF_TRACK if off else AT_RISK if risk else ON_TRACK
    return Health(
        code,
        level,
        tuple(off + risk + no_checklist + notes),
        forecast,
        launch_day,
        days_to_launch,
        today,
        *facts.counts,
    )


class _Facts:
    """One pass over a region's items: open ones, critical open, overdue (with days), done in the
    pace window, and the latest effective finish."""

    __slots__ = ("open", "critical", "overdue", "done_recent", "by_due", "driver", "via")

    def __init__(self) -> None:
        self.open = 0
        self.critical: list[Record] = []
        self.overdue: list[tuple[Record, int, datetime]] = []  # (item, local days overdue, due instant)
        self.done_recent = 0
        self.by_due: date | None = None
        self.driver: str | None = None
        self.via: str | None = None

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.critical), len(self.overdue)

    def forecast(self, today: date) -> Forecast:
        if not self.open:
            return Forecast(today, None, None, None, 0)
        pace = self.done_recent * 7 / PACE_WINDOW_DAYS if self.done_recent else None
        by_pace = today + timedelta(days=-(-PACE_WINDOW_DAYS * self.open // self.done_recent)) if pace else None
        candidates = [d for d in (self.by_due, by_pace) if d is not None]
        ready = max([*candidates, today]) if candidates else None
        return Forecast(ready, self.by_due, by_pace, pace, self.open, self.driver, self.via)


def _scan(context: Context, region: Record, z: ZoneInfo, today: date) -> _Facts:
    facts = _Facts()
    done, total, _critical = context.state.checklist_counts(region["code"])
    if done == total:  # nothing open (most launched regions): nothing late, ready now, no pace needed
        return facts
    ref = context.reference
    window_first = today - timedelta(days=PACE_WINDOW_DAYS - 1)
    # A stored instant's own date is within two days of its local date in any zone (offsets
    # stay within -12 h and +14 h), so a done_at whose text starts before this is surely out.
    skip_before = (window_first - timedelta(days=2)).isoformat()
    skip_after = (today + timedelta(days=3)).isoformat()  # compared with the text: a day's length past it
    parse = datetime.fromisoformat
    chains = context.chains
    for item in context.state.items_of(region["code"]):
        if not counts(item):  # not applicable to the region: neither done nor open
            continue
        if item["status"] == "done":
            done_at = item.get("done_at")
            if (
                done_at
                and skip_before <= done_at < skip_after
                and window_first <= parse(done_at).astimezone(z).date() <= today
            ):
                facts.done_recent += 1
            continue
        facts.open += 1
        if item["critical"]:
            facts.critical.append(item)
        due = item.get("due")
        finish: Finish | None
        if item.get("after"):
            finish = chains.finish(item)
            finish_day = None if finish is None else convert_day(finish.day, finish.tz, region["timezone"])
        else:
            finish = None
            finish_day = None
        if due is not None:
            day, moment, late = due_state(item, z, today, ref)  # the overdue rule (rollout.queries)
            if late:
                facts.overdue.append((item, (today - day).days, moment))
            if finish is None:
                finish_day = day
        if finish_day is not None and (facts.by_due is None or finish_day > facts.by_due):
            facts.by_due = finish_day
            facts.driver = finish.source if finish is not None else item["id"]
            facts.via = item["id"]
    facts.overdue.sort(key=lambda o: (-o[1], o[0]["id"]))
    return facts


# -- reasons ------------------------------------------------------------------------------------
def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def overdue_text(item: Record, days: int, moment: datetime, tz: str) -> str:
    """'c332 'Payment provider live' is 5 days overdue (ops)'; a timed due passed earlier today:
    'c12 'Go-live' is overdue since 17:00 today (ops)'."""
    owner = f" ({item['owner']})" if item.get("owner") else ""
    if days <= 0:
        clock = moment.astimezone(times.zone(tz)).strftime("%H:%M")
        return f"{item['id']} {item['title']!r} is overdue since {clock} today{owner}"
    return f"{item['id']} {item['title']!r} is {_days(days)} overdue{owner}"


def _overdue_reasons(level: str, overdue: list[tuple[Record, int, datetime]], tz: str) -> list[Reason]:
    reasons = [Reason(level, overdue_text(item, days, moment, tz), item["id"]) for item, days, moment in overdue]
    if len(reasons) <= LISTED_ITEMS:
        return reasons
    rest = len(reasons) - LISTED_ITEMS + 1
    critical = " critical" if level == OFF_TRACK else ""
    return reasons[: LISTED_ITEMS - 1] + [Reason(level, f"and {rest} more{critical} items overdue")]


def _driver_text(state: State, forecast: Forecast, ready: date) -> str:
    """What gives the forecast: the pace, or the item (and chain) with the latest finish."""
    if forecast.by_pace is not None and forecast.by_pace >= ready and forecast.pace:
        return f": {forecast.open} open item{'s' if forecast.open != 1 else ''} at {forecast.pace:g} done a week"
    if forecast.by_due is not None and forecast.by_due >= ready and forecast.driver:
        driver = state.items.get(forecast.driver)
        if driver is None:
            return ""
        due = times.local_display(driver.get("due"), state.region(driver["region"])["timezone"], with_time=False)
        if forecast.via and forecast.via != forecast.driver:
            where = f", {driver['region']}" if driver["region"] != state.items[forecast.via]["region"] else ""
            return f": {forecast.via} waits for {driver['id']} {driver['title']!r} (due {due}{where})"
        return f": {driver['id']} {driver['title']!r} due {due}"
    return ": open items overdue"


def _forecast_notes(forecast: Forecast) -> list[Reason]:
    if not forecast.open or forecast.pace is not None:
        return []
    if forecast.by_due is None:
        return [Reason(NOTE, "no forecast: no open item has a due date and none was done in the last 28 days")]
    return [Reason(NOTE, "no item done in the last 28 days: the forecast follows due dates only")]


# -- JSON -----------------------------------------------------------------------------------------
def forecast_text(health: Health) -> str | None:
    """The forecast ready date as ISO text (YYYY-MM-DD, region-local), or None."""
    if health.forecast is None or health.forecast.ready is None:
        return None
    return health.forecast.ready.isoformat()


def health_json(state: State, health: Health) -> dict[str, Any]:
    """A health row as `health --json` prints it: code, name, status, launch (ISO instant in the
    region's offset, the actual launch once launched), days_to_launch, health, reasons (sentences,
    worst first), forecast (YYYY-MM-DD region-local, or null), forecast_by_due, forecast_by_pace
    (the formula's (a) and (b), or null), pace (items done per week over the last 28 days, or
    null), open, critical_open, overdue."""
    region = state.region(health.code)
    forecast = health.forecast
    return {
        "code": health.code,
        "name": region["name"],
        "status": region["status"],
        "launch": times.in_region(queries.effective_launch(region), region["timezone"]),
        "days_to_launch": health.days_to_launch,
        "health": health.health,
        "reasons": [r.text for r in health.reasons],
        "forecast": forecast_text(health),
        "forecast_by_due": forecast.by_due.isoformat() if forecast and forecast.by_due else None,
        "forecast_by_pace": forecast.by_pace.isoformat() if forecast and forecast.by_pace else None,
        "pace": forecast.pace if forecast else None,
        "open": forecast.open if forecast else 0,
        "critical_open": health.critical_open,
        "overdue": health.overdue,
        "signoff": signoff.region_state(state, health.code),
    }


def health_rows(
    state: State, selectors: Iterable[str] | None = None, reference: datetime | None = None
) -> list[dict[str, Any]]:
    """`health --json`: health_json rows of the selected regions (queries.select; default all),
    worst first."""
    codes = queries.select(state, selectors, reading=True) if selectors else None
    return [health_json(state, h) for h in worst_first(health_all(state, codes, reference))]
