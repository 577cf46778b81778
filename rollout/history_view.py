"""History as people filter and read it, without Textual: the filter, its pages, each entry's fields.

Shared by the TUI's History screen and `rollout history` (one reading of user=, region=,
command= and day= for both).

History is read a page of headers at a time, newest first (rollout.backends.base.HistoryLog.page),
so the screen costs the same on a database with 100,000 changes as on a new one; an entry's
changes are read only when it is selected.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rollout import numbers, queries, times
from rollout.backends.base import Entry, HistoryLog, HistoryQuery
from rollout.errors import InvalidValue
from rollout.undo import Timeline, kind_of, target_of

PAGE = 100
CLOCK_MARGIN = timedelta(days=1)  # how far a day filter reads past the day, for a clock set back
TUI_PREFIX = "tui: "
# Stored instants: shown as local times rather than ISO text.
INSTANT_FIELDS = frozenset({"launch", "launched_at", "due", "start", "end", "done_at"})
FILTER_KEYS = ("region", "user", "command", "day")


@dataclass(frozen=True)
class HistoryFilter:
    """Which entries the History screen lists; every filter given must match (all None: every entry).

    region: a region code the entry touched; user: who made it; command: how the command starts,
    in the CLI's spelling (`check done` finds the TUI's `tui: check done` too); day: a local day
    of `zone`, the zone the screen shows times in.
    """

    region: str | None = None
    user: str | None = None
    command: str | None = None
    day: date | None = None
    since: datetime | None = None  # aware; with until, a window instead of a day (`history --since`)
    until: datetime | None = None

    def __str__(self) -> str:
        words = []
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value is not None:
                text = str(value)
                words.append(f"{key}={shlex.quote(text) if ' ' in text else text}")
        return " ".join(words)

    def queries(self, zone: str) -> list[HistoryQuery]:
        """The storage queries behind the filter: two for a command (as typed in the CLI and in the TUI)."""
        since, until = self.since, self.until
        if self.day is not None:
            since = times.day_start(self.day, zone, strict=False)
            until = times.day_start(self.day + timedelta(days=1), zone, strict=False)
        base = HistoryQuery(region=self.region, user=self.user, since=since, until=until, limit=PAGE)
        if self.command is None:
            return [base]
        if self.command.startswith(TUI_PREFIX.strip()):
            return [base._replace(command=self.command)]
        return [base._replace(command=self.command), base._replace(command=TUI_PREFIX + self.command)]


def parse_filter(text: str, *, regions: Collection[str], me: str, today: date) -> HistoryFilter:
    """The History screen's filter from what was typed: `key=value` words (region=PL, user=ops,
    command="check done", day=2026-11-24), or plain words: `today`, `yesterday` or a date is the
    day, a region code the region, `me` your own changes, anything else a user.

    Raises InvalidValue naming a word that cannot be read (an unknown key, a bad date)."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    found: dict[str, Any] = {}
    for word in words:
        key, equals, value = word.partition("=")
        key = key.strip().lower()
        if not equals:
            key, value = _guess(word, regions, today)
        if key not in FILTER_KEYS:
            raise InvalidValue(f"no filter {key!r}: use region=, user=, command= or day= (or plain words)")
        if not value.strip():
            raise InvalidValue(f"{key}= needs a value")
        if key == "day":
            found["day"] = _day(value, today)
        elif key == "region":
            found["region"] = value.strip().upper()
        elif key == "user":
            found["user"] = me if value.strip().lower() == "me" else value.strip()
        else:
            found["command"] = value.strip()
    return HistoryFilter(**found)


def cli_filter(
    *,
    region: str | None = None,
    user: str | None = None,
    command: str | None = None,
    day: str | None = None,
    since: str | None = None,
    until: str | None = None,
    me: str,
    zone: str,
) -> HistoryFilter:
    """The filter `rollout history` options give, read as the History screen reads its words: `user`
    `me` is you, `day` is YYYY-MM-DD, today or yesterday (a local day of `zone`), `command` a prefix in
    the CLI's spelling; `since`/`until` are WHENs read in `zone` (times.parse_when). Raises
    InvalidValue for a bad value, --day with --since/--until, or a window ending before it starts
    (times.check_window)."""
    if day is not None and (since is not None or until is not None):
        raise InvalidValue("give --day or --since/--until, not both")
    for key, value in (("user", user), ("command", command), ("day", day)):
        if value is not None and not value.strip():
            raise InvalidValue(f"--{key} needs a value")
    today = times.local_date(times.now(), zone)
    start = times.parse_when(since, zone) if since is not None else None
    end = times.parse_when(until, zone) if until is not None else None
    times.check_window(start, end)
    return HistoryFilter(
        region=region,
        user=None if user is None else me if user.strip().lower() == "me" else user.strip(),
        command=None if command is None else command.strip(),
        day=None if day is None else _day(day, today),
        since=start,
        until=end,
    )


def _guess(word: str, regions: Collection[str], today: date) -> tuple[str, str]:
    if word.lower() in ("today", "yesterday") or _looks_like_a_day(word):
        return "day", word
    if word.upper() in regions:
        return "region", word
    return "user", word


def _looks_like_a_day(word: str) -> bool:
    return len(word) == 10 and word[4] == "-" and word[7] == "-" and numbers.is_digits(word.replace("-", ""))


def _day(value: str, today: date) -> date:
    text = value.strip().lower()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"day={value}: give a date as YYYY-MM-DD, today or yesterday") from None


class HistoryFeed:
    """Headers matching a filter, newest first, a page at a time (`next_page`).

    A command filter runs two queries (as typed in the CLI and in the TUI), merged by id. A day
    filter reads only around that day: entries are recorded in time order (under the writers' lock),
    so it reads the ids from the first entry recorded a day before the day begins to the first one
    recorded a day after it ends (two binary searches by id); the day either side is room for a
    clock that was set back. Without that, a day with few changes would read the whole history.
    """

    def __init__(self, log: HistoryLog, history_filter: HistoryFilter, zone: str, page: int = PAGE) -> None:
        self.log = log
        self.filter = history_filter
        self.page_size = page
        queries = history_filter.queries(zone)
        self.window: tuple[datetime, datetime] | None = None
        self.floor = 0  # ids below it are not read
        start = None
        if history_filter.day is not None:
            since, until = queries[0].since, queries[0].until
            assert since is not None and until is not None
            self.window = (since, until)
            start = first_id_at(log, until + CLOCK_MARGIN)
            self.floor = first_id_at(log, since - CLOCK_MARGIN) or log.last_id() + 1
            queries = [q._replace(since=None, until=None) for q in queries]
        self._queries = [q._replace(limit=page) for q in queries]
        self._cursors: list[int | None] = [start] * len(self._queries)
        self._exhausted = [False] * len(self._queries)
        self._buffers: list[list[Entry]] = [[] for _ in self._queries]

    @property
    def more(self) -> bool:
        """Whether older entries may match."""
        return any(self._buffers) or not all(self._exhausted)

    def next_page(self) -> list[Entry]:
        """The next (older) page of matching headers, newest first; empty once there are no more."""
        for i in range(len(self._queries)):
            self._fill(i)
        page: list[Entry] = []
        while len(page) < self.page_size:
            heads = [(buffer[0]["id"], i) for i, buffer in enumerate(self._buffers) if buffer]
            if not heads:
                break
            # A buffer that ran dry may still hold entries newer than the others' heads: fill it first.
            if any(not b and not done for b, done in zip(self._buffers, self._exhausted, strict=True)):
                break
            _, newest = max(heads)
            page.append(self._buffers[newest].pop(0))
        return page

    def _fill(self, i: int) -> None:
        buffer = self._buffers[i]
        while len(buffer) < self.page_size and not self._exhausted[i]:
            found = self.log.page(self._queries[i]._replace(before_id=self._cursors[i]))
            self._cursors[i] = found.next_before
            self._exhausted[i] = found.next_before is None
            for header in found.entries:
                if header["id"] < self.floor:
                    self._exhausted[i] = True
                    break
                if self.window is not None:
                    since, until = self.window
                    if not since <= datetime.fromisoformat(header["at"]) < until:
                        continue
                buffer.append(header)


def first_id_at(log: HistoryLog, moment: datetime) -> int | None:
    """The smallest entry id recorded at or after `moment`, entries being in time order (a binary
    search, each step one lookup); None when every entry is older."""
    low, high, found = 1, log.last_id(), None
    while low <= high:
        middle = (low + high) // 2
        entries = log.page(HistoryQuery(before_id=middle + 1, limit=1)).entries  # the newest with id <= middle
        if not entries:
            low = middle + 1
        elif datetime.fromisoformat(entries[0]["at"]) >= moment:
            found, high = entries[0]["id"], entries[0]["id"] - 1
        else:
            low = middle + 1
    return found


# -- one entry ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldRow:
    """One line of an entry's detail: a record, a field, its value before and after (text)."""

    table: str
    key: str
    region: str | None
    label: str  # 'checklist item c12 Carrier SLA signed'
    field: str  # '' for a record added or removed as a whole
    before: str
    after: str


def field_rows(entry: Entry, zone_of: Callable[[str | None], str], labelled: str | None = None) -> list[FieldRow]:
    """Each changed field of each record in a full entry, before and after as text; a record added
    or removed is one row. `zone_of(region code)` gives the zone instants are shown in; an instant
    shown in a zone other than `labelled` (the zone the screen's header names) carries its UTC offset."""
    rows = []
    for change in entry.get("changes", ()):
        before, after = change.get("before"), change.get("after")
        record = after or before or {}
        region = change["key"] if change["table"] == "regions" else record.get("region")
        label = queries.record_label(change["table"], change["key"], record)
        zone = zone_of(region)
        if before is None or after is None:
            added = before is None
            rows.append(
                FieldRow(
                    change["table"],
                    change["key"],
                    region,
                    label,
                    "",
                    "-" if added else "removed",
                    "added" if added else "-",
                )
            )
            continue
        for field in [f for f in {**before, **after} if before.get(f) != after.get(f)]:
            rows.append(
                FieldRow(
                    change["table"],
                    change["key"],
                    region,
                    label,
                    field,
                    value_text(field, before.get(field), zone, with_offset=labelled is not None and zone != labelled),
                    value_text(field, after.get(field), zone, with_offset=labelled is not None and zone != labelled),
                )
            )
    return rows


def value_text(field: str, value: Any, zone: str, *, with_offset: bool = False) -> str:
    """A stored value as the screen shows it: instants in `zone` (with its UTC offset when
    `with_offset`: 2026-11-29 17:29 +01:00), nothing as '-'."""
    if value is None or value == "":
        return "-"
    if field in INSTANT_FIELDS and isinstance(value, str):
        try:
            if with_offset:
                local = times.instant(value).astimezone(times.zone(zone))
                return local.strftime("%Y-%m-%d %H:%M ") + local.isoformat()[-6:]
            return times.local_display(value, zone)
        except ValueError:
            return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class UndoState:
    """Whether a change is in effect: `verb` is None (never undone), 'undone' or 'redone' (the
    newest undo or redo naming it wins), `by` that entry's id and `user` who made it."""

    verb: str | None = None
    by: int | None = None
    user: str | None = None

    @property
    def undone(self) -> bool:
        return self.verb == "undone"

    def as_json(self) -> dict[str, Any]:
        """`history --json`'s keys: undone (bool), undone_by / redone_by ({id, user} or null)."""
        by = None if self.by is None else {"id": self.by, "user": self.user}
        return {
            "undone": self.undone,
            "undone_by": by if self.verb == "undone" else None,
            "redone_by": by if self.verb == "redone" else None,
        }


def undo_state(entry: Entry, timeline: Timeline) -> UndoState | None:
    """The undo state of a change entry (UndoState), read from `timeline` as far back as it needs;
    None for an undo or redo entry itself (they are not undone, a later change is)."""
    if kind_of(entry) != "change":
        return None
    action = timeline.status(entry["id"])
    if action is None:
        return UndoState()
    verb = "undone" if kind_of(action) == "undo" else "redone"
    return UndoState(verb, action["id"], action.get("user", "?"))


def status_text(entry: Entry, timeline: Timeline) -> str | None:
    """Whether a change is in effect ('undone by #15 (ops)', 'in effect', 'redone by #16 (ops)'),
    or what an undo or redo entry acted on; None when the timeline has not read that far yet."""
    kind = kind_of(entry)
    if kind != "change":
        return f"{'undo' if kind == 'undo' else 'redo'} of #{target_of(entry)}"
    if not entry.get("summary", entry.get("changes")):
        return "changed no record"
    if not timeline.covers(entry["id"]):
        return None
    state = undo_state(entry, timeline)
    if state is None or state.verb is None:
        return "in effect"
    return f"{state.verb} by #{state.by} ({state.user})"


def changes_text(entry: Entry, timeline: Timeline) -> str:
    """The CHANGES cell: what the entry changed, prefixed with its undo state when undone."""
    text = queries.describe_changes(entry)
    status = status_text(entry, timeline) if kind_of(entry) == "change" else None
    if status and status.startswith("undone"):
        return f"{status} · {text}"
    return text


def acted_text(verb: str, entry: Entry, me: str, zone: str) -> str:
    """The notice after an undo or redo (queries.describe_acted), times in the zone the screen shows.

    'Undid your change #12 (2026-11-24 09:00): tui: check done PL c337 (1 checklist item changed).'"""
    return queries.describe_acted(verb, entry, me, zone)


def at_text(entry: Entry, zone: str) -> str:
    return times.local_display(entry["at"], zone)


def day_of(moment: datetime, zone: str) -> date:
    return times.local_date(moment, zone)
