"""The daily briefing: what changed since a moment, what is in trouble, what comes next.

A Digest holds, at a reference instant (default now) and for a `since` instant:

- the regions whose health changed since then: the health each region had *then* is computed on
  the state as it was then (the current records with every history entry recorded since undone
  in memory, newest first: `state_as_of`) at the instant `since`, with the settings of then;
- the regions off track and at risk now, with their reasons (rollout.health);
- the overdue critical items of regions not launched, by owner (most items first);
- launches and promotions (starting, ending) in the next `days` local days (rollout.agenda);
- what changed since, from history (headers only, read a page at a time): the entries, newest
  first (at most `limit`), and how many each user made.

Renderers: `render_markdown` (for chat or mail), `render_text` (plain lines), `digest_json`.
A whole-database restore (`restore --force`) replaces records without recording each change, so
health "then" across one is read from the records as they are after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from rollout import agenda, freeze, queries, signoff, times
from rollout.backends.base import HistoryQuery
from rollout.errors import InvalidValue
from rollout.health import AT_RISK, OFF_TRACK, Context, Health, worst_first
from rollout.identity import display_name, person_key
from rollout.state import State

DEFAULT_SINCE = "1d"
DEFAULT_DAYS = 7
DEFAULT_LIMIT = 50


class HealthChange(NamedTuple):
    """A region whose health changed: `before` and `after` are healths (None: the region did not
    exist then / does not any more); `reasons` are today's."""

    code: str
    name: str
    before: str | None
    after: str | None
    reasons: tuple[str, ...]


class OverdueItem(NamedTuple):
    """An overdue critical item: id, region, title, and local days overdue (0: since earlier today)."""

    id: str
    region: str
    title: str
    days_overdue: int


class Activity(NamedTuple):
    """A history entry since: id, at (ISO 8601 UTC instant), user, command, and what it changed in words."""

    id: int
    at: str
    user: str
    command: str
    summary: str


class Digest(NamedTuple):
    """See the module doc. since/reference: aware instants (UTC); days: the look-ahead in local days."""

    since: datetime
    reference: datetime
    days: int
    changed: tuple[HealthChange, ...]
    off_track: tuple[Health, ...]
    at_risk: tuple[Health, ...]
    overdue_critical: tuple[tuple[str, tuple[OverdueItem, ...]], ...]
    upcoming: tuple[agenda.AgendaEntry, ...]
    activity: tuple[Activity, ...]
    activity_total: int
    by_user: tuple[tuple[str, int], ...]
    names: dict[str, str]
    # Regions not launched whose sign-off is not approved, or whose launch or a promotion start is
    # inside a freeze window: (code, sign-off state or None, freeze warnings).
    go_no_go: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ()


def since_instant(text: str, reference: datetime | None = None) -> datetime:
    """The instant a `--since` value means: a DURATION back from the reference (`24h`, `1d`, `2w`:
    hours, days and weeks as exact elapsed time; `1mo`, `1y` on the UTC calendar), or an ISO 8601
    instant with its offset. Raises InvalidValue for anything else or a moment after the reference."""
    ref = queries.plain_utc(reference or times.now())
    raw = text.strip()
    if raw[:1] in ("+", "-"):  # `-1d` is not "1d": a sign here has no meaning, so it is refused
        raise InvalidValue(f"invalid --since {text!r}: a duration back from now takes no sign (1d is one day ago)")
    try:
        duration = times.parse_duration(raw)
    except InvalidValue:
        duration = None
    if duration is not None:
        if duration.unit in ("h", "d", "w"):
            hours = duration.amount * {"h": 1, "d": 24, "w": 168}[duration.unit]
            return ref - timedelta(hours=hours)
        return queries.plain_utc(times.Duration(-duration.amount, duration.unit).apply(ref, "UTC"))
    expected = f"invalid --since {text!r}: expected a duration back from now (24h, 1d, 2w) or an instant with offset"
    try:
        when = times.parse_when_text(raw)
    except InvalidValue:
        raise InvalidValue(expected) from None
    if when.exact is None:
        raise InvalidValue(expected)
    moment = queries.plain_utc(when.exact)
    if moment > ref:
        raise InvalidValue(f"invalid --since {text!r}: it is after now ({times.to_iso(ref.replace(microsecond=0))})")
    return moment


def state_as_of(state: State, since: datetime) -> State:
    """The records as they were at the instant `since`: a copy of `state` with every history entry
    recorded at or after `since` undone in memory, newest first (records are shared, never edited,
    so the copy costs the table indexes, not the records). Its history is the state's."""
    past = State(state.document(), history=state.history)
    for entry in state.history.walk(HistoryQuery(since=since, with_changes=True, limit=50)):
        past.apply(entry.get("changes") or (), reverse=True)
    past.before.clear()
    return past


def digest(
    state: State,
    since: datetime,
    *,
    days: int = DEFAULT_DAYS,
    reference: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    selectors: Sequence[str] = (),
) -> Digest:
    """The briefing at `reference` (default now) covering changes since the instant `since` and the
    next `days` local days, of the regions `selectors` choose (queries.select; none: every region,
    and a region removed since is counted too). Raises InvalidValue when `since` is after the
    reference or `days` is negative, NotFound for an unknown region."""
    ref = queries.plain_utc(reference or times.now())
    since = queries.plain_utc(since)
    if since > ref:
        raise InvalidValue("the digest's start is after now")
    now_context = Context(state, ref)
    chosen = set(queries.select(state, selectors, reading=True)) if selectors else None
    current = {code: now_context.region(code) for code in state.regions if chosen is None or code in chosen}
    past = state_as_of(state, since)
    then_context = Context(past, since)
    before = {code: then_context.region(code).health for code in past.regions if chosen is None or code in chosen}
    names = {code: r["name"] for code, r in past.regions.items()} | {c: r["name"] for c, r in state.regions.items()}
    changed = []
    for code in [r["code"] for r in queries.sorted_regions(state)] + sorted(set(before) - set(current)):
        after = current[code].health if code in current else None
        if before.get(code) != after:
            reasons = tuple(r.text for r in current[code].reasons) if code in current else ()
            changed.append(HealthChange(code, names[code], before.get(code), after, reasons))
    ranked = worst_first(list(current.values()))
    scope = sorted(chosen) if chosen is not None else None
    overdue = agenda.agenda(state, days=0, reference=ref, kinds=(agenda.ITEM,), selectors=scope)
    by_person: dict[str, tuple[list[str], list[OverdueItem]]] = {}  # person_key -> (spellings, items)
    for entry in overdue:
        if entry.critical and state.regions[entry.region]["status"] != "launched":
            spellings, late = by_person.setdefault(person_key(entry.owner), ([], []))
            spellings.append(entry.owner)
            late.append(OverdueItem(entry.id, entry.region, entry.title, entry.days_overdue))
    # One person is one group, shown in the spelling most used; unassigned items ("") are no one's.
    by_owner = {(display_name(spelled) if key else ""): late for key, (spelled, late) in by_person.items()}
    upcoming = agenda.agenda(
        state, days=days, reference=ref, kinds=(agenda.LAUNCH, agenda.PROMO_START, agenda.PROMO_END), selectors=scope
    )
    activity, total, users = _activity(state, since, limit, chosen)
    return Digest(
        since,
        ref,
        days,
        tuple(changed),
        tuple(h for h in ranked if h.health == OFF_TRACK),
        tuple(h for h in ranked if h.health == AT_RISK),
        tuple((owner, tuple(items)) for owner, items in sorted(by_owner.items(), key=lambda o: (-len(o[1]), o[0]))),
        tuple(upcoming),
        activity,
        total,
        users,
        names,
        _go_no_go(state),
    )


def _go_no_go(state: State) -> tuple[tuple[str, str | None, tuple[str, ...]], ...]:
    """Sign-offs not approved (rollout.signoff) and freeze warnings (rollout.freeze) of the regions
    not launched, in launch order."""
    out = []
    for region in queries.sorted_regions(state):
        if region["status"] == "launched":
            continue
        code = region["code"]
        state_now = signoff.region_state(state, code)
        frozen = tuple(freeze.region_warnings(state, code))
        if (state_now not in (None, signoff.APPROVED)) or frozen:
            out.append((code, state_now, frozen))
    return tuple(out)


def _activity(
    state: State, since: datetime, limit: int, chosen: set[str] | None = None
) -> tuple[tuple[Activity, ...], int, tuple[tuple[str, int], ...]]:
    listed = []
    spellings: dict[str, list[str]] = {}  # person (rollout.identity.person_key) -> user names written
    for header in state.history.walk(HistoryQuery(since=since, limit=max(limit, 50))):
        if chosen is not None and not chosen.intersection(header.get("regions", ())):
            continue
        spellings.setdefault(person_key(header["user"]), []).append(header["user"])
        if len(listed) < limit:
            listed.append(
                Activity(
                    header["id"],
                    header["at"],
                    header["user"],
                    header["command"],
                    queries.describe_changes(header),
                )
            )
    # One person is one row, shown in the spelling used most (ana, Ana and ANA: one count).
    users = [(display_name(names), len(names)) for names in spellings.values()]
    ranked = tuple(sorted(users, key=lambda u: (-u[1], u[0])))
    return tuple(listed), sum(n for _user, n in users), ranked


# -- renderers ----------------------------------------------------------------------------------
def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _sections(d: Digest) -> list[tuple[str, list[str]]]:
    """(heading, lines) of every section, in plain words; renderers add their own markup."""
    out: list[tuple[str, list[str]]] = []
    out.append(
        (
            "Health changes",
            [
                f"{c.code} {c.name}: "
                + (f"now {c.after}" if c.after else "removed")
                + f" (was {c.before or 'not there'})"
                + (f": {'; '.join(c.reasons)}" if c.reasons else "")
                for c in d.changed
            ]
            or ["No region changed health."],
        )
    )
    for title, rows in ((f"Off track ({len(d.off_track)})", d.off_track), (f"At risk ({len(d.at_risk)})", d.at_risk)):
        lines = []
        for h in rows:
            launch = f", launch {h.launch_day.isoformat()}" if h.launch_day else ""
            lines.append(f"{h.code} {d.names.get(h.code, '')}{launch}: {'; '.join(r.text for r in h.reasons)}")
        out.append((title, lines or ["None."]))
    overdue_lines = []
    for owner, items in d.overdue_critical:
        listed = ", ".join(
            f"{i.id} ({i.region}) {i.title!r} " + ("today" if i.days_overdue == 0 else _plural(i.days_overdue, "day"))
            for i in items
        )
        overdue_lines.append(f"{owner or '(no owner)'}: {listed}")
    out.append(("Overdue critical items", overdue_lines or ["None."]))
    upcoming = [
        f"{e.day.isoformat()}{' ' + e.time if e.time else ''} {e.region} {e.kind}: {e.title}"
        + ("" if e.kind == agenda.LAUNCH else f" ({e.id})")
        for e in d.upcoming
    ]
    out.append((f"Next {_plural(d.days, 'day')}: launches and promotions", upcoming or ["Nothing planned."]))
    if d.go_no_go:  # only once a sign-off was asked for or a freeze window holds a date
        lines = []
        for code, state_now, frozen in d.go_no_go:
            said = [f"sign-off {state_now}"] if state_now not in (None, signoff.APPROVED) else []
            lines.append(f"{code} {d.names.get(code, '')}: {'; '.join([*said, *frozen])}")
        out.append(("Go/no-go and freeze windows", lines))
    changes = []
    if d.by_user:
        changes.append(", ".join(f"{user}: {_plural(n, 'change')}" for user, n in d.by_user))
    changes += [f"#{a.id} {a.at[:16].replace('T', ' ')} {a.user}: {a.command} ({a.summary})" for a in d.activity]
    if d.activity_total > len(d.activity):
        changes.append(f"... and {d.activity_total - len(d.activity)} earlier")
    out.append((f"What changed ({_plural(d.activity_total, 'change')})", changes or ["Nothing was changed."]))
    return out


def render_text(d: Digest) -> str:
    """The digest as plain text: a title line, then each section's heading and its lines indented."""
    lines = [f"Rollout digest, {_utc(d.reference)} (since {_utc(d.since)})"]
    for heading, body in _sections(d):
        lines += ["", heading] + [f"  {line}" for line in body]
    return "\n".join(lines) + "\n"


def render_markdown(d: Digest) -> str:
    """The digest as Markdown (CommonMark): a title, a `##` heading per section, a list item per
    line; every value is escaped (rollout.exchange.md_text), so names cannot inject markup."""
    from rollout.exchange import md_text

    lines = [f"# Rollout digest, {_utc(d.reference)}", "", f"Since {_utc(d.since)}."]
    for heading, body in _sections(d):
        lines += ["", f"## {md_text(heading)}", ""] + [f"- {md_text(line)}" for line in body]
    return "\n".join(lines) + "\n"


def digest_json(d: Digest) -> dict[str, Any]:
    """`digest --format json`: since, at (ISO UTC), days, health_changes [{code, name, before,
    after, reasons}], off_track and at_risk [{code, name, launch (YYYY-MM-DD local), health,
    reasons, forecast}], overdue_critical [{owner, items: [{id, region, title, days_overdue}]}],
    upcoming (agenda_json entries), changes {total, by_user: {user: count}, entries: [{id, at,
    user, command, summary}]}."""

    def region(h: Health) -> dict[str, Any]:
        return {
            "code": h.code,
            "name": d.names.get(h.code, ""),
            "launch": h.launch_day.isoformat() if h.launch_day else None,
            "health": h.health,
            "reasons": [r.text for r in h.reasons],
            "forecast": h.forecast.ready.isoformat() if h.forecast and h.forecast.ready else None,
        }

    return {
        "since": times.to_iso(d.since),
        "at": times.to_iso(d.reference),
        "days": d.days,
        "health_changes": [c._asdict() | {"reasons": list(c.reasons)} for c in d.changed],
        "off_track": [region(h) for h in d.off_track],
        "at_risk": [region(h) for h in d.at_risk],
        "overdue_critical": [
            {"owner": owner, "items": [i._asdict() for i in items]} for owner, items in d.overdue_critical
        ],
        "upcoming": [agenda.agenda_json(e) for e in d.upcoming],
        "go_no_go": [{"code": code, "signoff": st, "freezes": list(fr)} for code, st, fr in d.go_no_go],
        "changes": {
            "total": d.activity_total,
            "by_user": dict(d.by_user),
            "entries": [a._asdict() for a in d.activity],
        },
    }
