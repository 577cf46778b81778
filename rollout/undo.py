"""Undo and redo: which changes are in effect, which change a user's `undo` or `redo` takes, and
reverting or re-applying one field by field without overwriting anyone's newer change.

The rules (the manual, docs/guide/undo.md):

- Every history entry is a *change* (any command that changed records), an *undo* (``"undoes": N``)
  or a *redo* (``"redoes": N``). An undo or a redo always names a change, never another undo or
  redo: an undo is taken back by redoing its change, a redo by undoing it again.
- A change is *undone* when the newest undo or redo naming it is an undo; otherwise it is *in effect*.
- A user's `undo` takes their most recent action that put a change in effect and still holds:
  reading history newest first over that user's entries, the first change of theirs still in
  effect, or the change of a redo of theirs still in effect. Their undos are passed over (undo
  again goes further back, as in an editor), and so are entries that changed no record.
- A user's `redo` takes the change of their most recent undo that still holds (the change is
  still undone and that undo is the newest undo or redo naming it). A change of their own made
  after that undo ends the way forward, as in an editor: `redo` then has nothing to redo (an
  explicit entry still works). Others' changes do not end it. Their redos are passed over.
- An explicit entry (``undo --entry N``, ``redo --entry N``, the TUI's History screen) may be
  anyone's; an undo or redo entry stands for the change it names. Undo needs that change in
  effect, redo needs it undone.
- Undoing sets every field the change changed back to its value before the change, redoing to its
  value after. A field that already holds that value is left as it is; a field holding any other
  value than the change left there was changed since by someone, and the whole undo or redo is
  refused (StaleEdit), naming the newest entry that changed it: its id, its user and the field.
  The same holds for records: undoing an addition removes the record only if nobody changed it
  since; putting a removed record back, only if nobody added one under its key meanwhile; and a
  region is removed only without checklist items or promotions the change did not remove with it.

Everything here reads history a page of headers at a time, newest first, and only as far back as
the answer needs; full entries (with their changes) are read one at a time, when needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from rollout.backends.base import Entry, HistoryLog, HistoryQuery, change_regions
from rollout.db import WHOLE_RECORD, changed_fields
from rollout.errors import NotFound, Refused, StaleEdit
from rollout.identity import same_person
from rollout.state import NOUN, Record, State

Direction = Literal["undo", "redo"]
PAGE = 200
FIRST_PAGE = 16
PEEK = 1000
_MISSING = object()


def kind_of(entry: Entry) -> str:
    """ "undo", "redo" or "change": what a history entry (full or header) is."""
    if entry.get("undoes") is not None:
        return "undo"
    if entry.get("redoes") is not None:
        return "redo"
    return "change"


def target_of(entry: Entry) -> int | None:
    """The change an undo or redo entry names; None for a change."""
    target = entry.get("undoes")
    return target if target is not None else entry.get("redoes")


def changed_records(entry: Entry) -> bool:
    """Whether an entry (full or header) changed any record (a whole-database restore changes none)."""
    if "summary" in entry:
        return bool(entry["summary"])
    return bool(entry.get("changes"))


class Timeline:
    """What history says about undone changes, learnt by reading it newest first, a page of headers
    at a time, only as far back as the questions asked so far needed.

    `latest[N]` is the header of the newest undo or redo naming change N among the entries read.
    A screen keeps one per loaded history, so each question reads only what no earlier one did.
    """

    def __init__(self, history: HistoryLog) -> None:
        self.history = history
        self.latest: dict[int, Entry] = {}
        self.top = history.last_id()  # the newest entry the answers cover
        self.bottom: int | None = None  # every entry from here up to `top` has been read (None: none yet)
        self._cursor: int | None = None  # the next page's before_id (None: from the newest)
        self._exhausted = self.top == 0
        self._size = FIRST_PAGE // 2

    def headers(self, user: str | None = None) -> Iterator[Entry]:
        """The headers not read yet, newest first (only `user`'s, when given: the same person in any
        spelling, rollout.identity). Each page is learnt
        whole before its headers are yielded, so `latest` is exact for every header yielded, and
        leaving the loop early loses nothing."""
        while not self._exhausted:
            # Small pages first: the answer is usually among the newest entries.
            self._size = min(self._size * 2, PAGE)
            page = self.history.page(HistoryQuery(before_id=self._cursor, limit=self._size))
            for header in page.entries:
                target = target_of(header)
                if target is not None and target not in self.latest:
                    self.latest[target] = header
            if page.entries:
                self.bottom = page.entries[-1]["id"]
            self._cursor = page.next_before
            self._exhausted = page.next_before is None
            for header in page.entries:
                if user is None or same_person(header.get("user"), user):
                    yield header

    def read_down_to(self, entry_id: int) -> None:
        """Read history until every entry newer than `entry_id` is known."""
        for _header in self.headers():
            if self.covers(entry_id):
                return

    def covers(self, entry_id: int) -> bool:
        """Whether `status(entry_id)` answers without reading history."""
        return self._exhausted or (self.bottom is not None and self.bottom <= entry_id)

    def status(self, change_id: int) -> Entry | None:
        """The newest undo or redo naming change `change_id` (None: neither ever happened)."""
        if not self.covers(change_id):
            self.read_down_to(change_id)
        return self.latest.get(change_id)

    def undone(self, change_id: int) -> bool:
        """Whether change `change_id` is undone (module doc)."""
        action = self.status(change_id)
        return action is not None and kind_of(action) == "undo"


# -- which change ---------------------------------------------------------------------------------
def undo_target(history: HistoryLog, user: str | None) -> Entry:
    """The change `user`'s undo takes (module doc), as a full entry; `user` None: anyone's.

    Raises NotFound when there is none."""
    timeline = Timeline(history)
    for header in timeline.headers(user):
        kind = kind_of(header)
        if kind == "undo" or (kind == "change" and not changed_records(header)):
            continue
        change_id = header["id"] if kind == "change" else target_of(header)
        assert change_id is not None
        action = timeline.latest.get(change_id)
        if kind == "change" and (action is None or kind_of(action) == "redo"):
            return history.entry(change_id)
        if kind == "redo" and action is header:
            return _change(history, change_id, header)
    if user is None:
        raise NotFound("nothing to undo")
    raise NotFound(f"nothing to undo: no change by {user} is in effect")


def redo_target(history: HistoryLog, user: str | None) -> Entry:
    """The change `user`'s redo takes (module doc), as a full entry; `user` None: anyone's.

    Raises NotFound when there is none; when an undo of theirs still holds but a change of theirs
    came after it, the message names both (looking back at most PEEK of their entries to say so)."""
    timeline = Timeline(history)
    headers = timeline.headers(user)
    blocking: Entry | None = None
    for header in headers:
        kind = kind_of(header)
        if kind == "change" and changed_records(header):
            blocking = header
            break
        if kind == "undo" and timeline.latest.get(target_of(header)) is header:  # type: ignore[arg-type]
            return _change(history, target_of(header), header)  # type: ignore[arg-type]
    if blocking is not None:
        for _number, header in zip(range(PEEK), headers, strict=False):
            kind = kind_of(header)
            if kind == "change" and changed_records(header):
                blocking = header  # the oldest change of theirs after the undo
            elif kind == "undo":
                if timeline.latest.get(target_of(header)) is header:  # type: ignore[arg-type]
                    whose = "your" if user is not None else "a"
                    raise NotFound(
                        f"nothing to redo: {whose} change #{blocking['id']} came after the undo #{header['id']} "
                        f"of #{target_of(header)}"
                    )
                break
    raise NotFound("nothing to redo")


def named_change(history: HistoryLog, entry_id: int, direction: Direction, timeline: Timeline | None = None) -> Entry:
    """The change an explicit `undo --entry N` or `redo --entry N` acts on, as a full entry: N itself,
    or the change an undo or redo entry N names. `timeline`, of the same history, is used when it
    already knows the answer (a screen's). Raises NotFound for no entry N, Refused when the change
    changed no record, or is already undone (undo) or in effect (redo)."""
    named = history.entry(entry_id)
    target = target_of(named)
    change = named if target is None else _change(history, target, named)
    if not change.get("changes"):
        raise Refused(f"#{change['id']} changed no record: there is nothing to {direction}")
    if timeline is None or timeline.history is not history or not timeline.covers(change["id"]):
        timeline = Timeline(history)
    action = timeline.status(change["id"])
    undone = action is not None and kind_of(action) == "undo"
    if direction == "undo" and undone:
        assert action is not None
        raise Refused(
            f"#{change['id']} is already undone (#{action['id']} by {action.get('user', 'someone')}); "
            "redo re-applies it"
        )
    if direction == "redo" and not undone:
        raise Refused(f"#{change['id']} is not undone: there is nothing to redo")
    return change


def _change(history: HistoryLog, change_id: int, named_by: Entry) -> Entry:
    try:
        change = history.entry(change_id)
    except NotFound:
        raise NotFound(f"#{named_by['id']} names #{change_id}, which is not in history") from None
    if kind_of(change) != "change":
        raise Refused(f"#{named_by['id']} names #{change_id}, which is itself an undo or a redo")
    return change


# -- applying -------------------------------------------------------------------------------------
def apply(state: State, change: Entry, direction: Direction) -> None:
    """Undo (or redo) the full history entry `change` on `state`, field by field (module doc).

    Raises StaleEdit, having changed nothing the caller will write, when a record or a field it
    would set was changed since, naming the newest entry that did: its id, its user and the field.
    """
    removed_regions = []
    for record_change in change["changes"]:
        table, key = record_change["table"], record_change["key"]
        source, target = _sides(record_change, direction)
        current = state.tables[table].get(key)
        if current == target:
            continue  # already as the undo (redo) would leave it
        if target is None:  # the change added the record (undo) or removed it (redo)
            if current != source:
                raise _conflict(state, change, direction, record_change, changed_fields(source, current))
            state.delete(table, key)
            if table == "regions":
                removed_regions.append(key)
        elif source is None:  # the change removed the record (undo) or added it (redo)
            if current is not None:
                raise _conflict(state, change, direction, record_change, {WHOLE_RECORD})
            state.put(table, dict(target))
        elif current is None:
            raise _conflict(state, change, direction, record_change, {WHOLE_RECORD})
        else:
            state.put(table, _merged(state, change, direction, record_change, current))
    for code in removed_regions:
        _check_nothing_left(state, change, direction, code)


def _sides(record_change: Entry, direction: Direction) -> tuple[Record | None, Record | None]:
    """(what the change left, what undo or redo sets): (after, before) to undo, (before, after) to redo."""
    if direction == "undo":
        return record_change["after"], record_change["before"]
    return record_change["before"], record_change["after"]


def _merged(state: State, change: Entry, direction: Direction, record_change: Entry, current: Record) -> Record:
    """`current` with every field the change changed set back (undo) or again (redo)."""
    source, target = _sides(record_change, direction)
    assert source is not None and target is not None
    merged = dict(current)
    conflicts = set()
    for field in changed_fields(source, target):
        now, left, wanted = current.get(field, _MISSING), source.get(field, _MISSING), target.get(field, _MISSING)
        if now == wanted:
            continue
        if now != left:
            conflicts.add(field)
        elif wanted is _MISSING:
            merged.pop(field, None)
        else:
            merged[field] = wanted
    if conflicts:
        raise _conflict(state, change, direction, record_change, conflicts)
    return merged


def _check_nothing_left(state: State, change: Entry, direction: Direction, code: str) -> None:
    """A region removed by an undo or redo must take nothing with it that the change did not."""
    for table in ("items", "promotions"):
        left = state.items_of(code) if table == "items" else state.promotions_of(code)
        if left:
            key = left[0]["id"]
            culprit = newest_change_of(state, table, key, None, change["id"])
            by = f", added by {culprit['user']} (#{culprit['id']})" if culprit else ""
            raise StaleEdit(
                f"cannot {direction} #{change['id']}: region {code} has {NOUN[table]} {key}{by} since; "
                f"{direction}ing #{change['id']} would remove the region without it"
            )


def _conflict(state: State, change: Entry, direction: Direction, record_change: Entry, fields: set[str]) -> StaleEdit:
    """The refusal: which record or fields were changed since, by whom (the newest entry that did)."""
    table, key = record_change["table"], record_change["key"]
    current = state.tables[table].get(key)
    culprit = newest_change_of(state, table, key, fields, change["id"], record_change)
    if WHOLE_RECORD not in fields:
        what = f"{', '.join(sorted(fields))} changed"
    elif current is None:
        what = "was removed"
    elif _sides(record_change, direction)[0] is None:
        what = "was added"
    else:
        what = "was changed"
    by = f" by {culprit['user']} (#{culprit['id']})" if culprit else ""
    return StaleEdit(
        f"cannot {direction} #{change['id']}: {NOUN[table]} {key} {what}{by} since; "
        f"{direction}ing #{change['id']} would overwrite it"
    )


def newest_change_of(
    state: State, table: str, key: str, fields: set[str] | None, after_id: int, hint: Entry | None = None
) -> Entry | None:
    """The newest entry after `after_id` that changed record `key` of `table` (one of `fields`, when
    given; an addition or removal changes every field). Reads the headers of the record's region(s)
    only, newest first, and the entries of those headers."""
    regions = change_regions({"table": table, "key": key, "before": state.tables[table].get(key), "after": None})
    if hint is not None:
        regions |= change_regions(hint)
    found = [_newest_in(state, region, table, key, fields, after_id) for region in sorted(regions) or [None]]
    return max((e for e in found if e is not None), key=lambda e: e["id"], default=None)


def _newest_in(
    state: State, region: str | None, table: str, key: str, fields: set[str] | None, after_id: int
) -> Entry | None:
    for header in state.history.walk(HistoryQuery(region=region, limit=50)):
        if header["id"] <= after_id:
            return None
        entry = state.history.entry(header["id"])
        for record_change in entry["changes"]:
            if record_change["table"] != table or record_change["key"] != key:
                continue
            theirs = changed_fields(record_change["before"], record_change["after"])
            if fields is None or WHOLE_RECORD in theirs or WHOLE_RECORD in fields or theirs & fields:
                return entry
    return None
