"""The in-memory state of a database and the change tracking behind history and undo.

A State is loaded from storage once per command; operations edit it in memory
(records are treated as immutable: an edit puts a new dict), and a transaction
writes it back once. Every first touch of a record remembers its previous value,
so the change's before/after pairs come for free. The history is not loaded with it:
`state.history` reads entries from storage when asked (rollout.backends.base.HistoryLog).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from operator import itemgetter
from typing import Any

from rollout.backends.base import HistoryLog, MemoryHistory
from rollout.errors import NotFound
from rollout.schema import CHILD_TABLES, ID_PREFIX, KINDS, id_number
from rollout.schema import counts as schema_counts

Record = dict[str, Any]
# The tables, their key fields, id prefixes (ID_PREFIX) and the tables whose records belong to a
# region (CHILD_TABLES) are the record schema's (rollout.schema).
TABLES = tuple(KINDS)
KEY = {table: kind.key for table, kind in KINDS.items()}
NOUN = {table: kind.noun for table, kind in KINDS.items()}  # "checklist item" for items


class State:
    """Regions, checklist items, promotions, shared settings (rollout.settings) and metadata,
    indexed for the operations, and the history as of their revision.

    `document` is the TinyDB layout (rollout.backends.base). `history` is what the storage read
    with it; without one, the `history` table of an old-format document, else an empty history.
    `token` is the storage's change token of what was read (None for a state built in memory).
    """

    def __init__(
        self, document: dict[str, Any], history: HistoryLog | None = None, token: Hashable | None = None
    ) -> None:
        self.meta: dict[str, Any] = dict(document["_meta"]["1"])
        self.tables: dict[str, dict[str, Record]] = {name: _keyed(document.get(name, {}), KEY[name]) for name in TABLES}
        self.history: HistoryLog = history if history is not None else MemoryHistory.of_document(document)
        self.token = token
        self._groups: dict[str, dict[str, dict[str, Record]] | None] = dict.fromkeys(CHILD_TABLES)
        self._counts: dict[str, list[int]] = {}
        self._waiting: dict[str, dict[str, None]] | None = None  # blocker id -> ids of items waiting for it
        self.before: dict[tuple[str, str], Record | None] = {}
        self.notes: list[str] = []
        self.entry_extra: dict[str, Any] = {}
        # What the rules (rollout.rules) already judged in this change: ("tick", "c12"), ("launch",
        # "NL"), ("move", "NL"); whatever is not here is judged when the change is committed.
        self.judged: set[tuple[str, str]] = set()
        # Record this change in history even if it leaves every record as it was (an undo whose
        # fields someone had already set back still marks its change undone).
        self.record_always = False
        # Rules this change may override, by name (rollout.freeze.FORCE: a --force past a freeze window).
        self.overrides: set[str] = set()
        # Where a record this change touched came from, for refusals of the change as a whole
        # ("edits.txt line 12"): (table, key) -> text or None. Set by a batch and an import.
        self.where: Callable[[str, str], str | None] | None = None

    # -- reading -------------------------------------------------------------------
    @property
    def revision(self) -> int:
        """The revision the records are at: the number of changes committed so far (0 for a new database)."""
        return int(self.meta.get("revision", 0))

    @property
    def regions(self) -> dict[str, Record]:
        """Regions by code (upper-case ISO 3166 code), in stored order."""
        return self.tables["regions"]

    @property
    def items(self) -> dict[str, Record]:
        """Checklist items by id (c12), in stored order."""
        return self.tables["items"]

    @property
    def promotions(self) -> dict[str, Record]:
        """Promotions by id (p7), in stored order."""
        return self.tables["promotions"]

    def region(self, code: str) -> Record:
        """The region `code` (exactly as stored: upper case); NotFound ("no region DE") otherwise."""
        try:
            return self.regions[code]
        except KeyError:
            raise NotFound(f"no region {code}") from None

    def _grouped(self, table: str) -> dict[str, dict[str, Record]]:
        """region code -> {id: record} of `table` ("items" or "promotions") in stored order, and for
        items the checklist counts; each built on first use (`health` never groups promotions), then
        kept up to date by put and delete (which is why records are never edited in place). Holding
        the records themselves, a region's list is a copy of one small dict's values, without a
        lookup per record in the whole table."""
        groups = self._groups[table]
        if groups is not None:
            return groups
        groups = self._groups[table] = {}
        counts = self._counts
        # Once per record, so inlined; and a region's records mostly come together (added per
        # region), so its group and tally are looked up once per run of them, not per record.
        last: object = _NONE
        group: dict[str, Record] = {}
        tally: list[int] = []
        if table == "items":
            for key, rec in self.tables["items"].items():
                region = rec["region"]
                if region != last:
                    group = groups.setdefault(region, {})
                    tally = counts.setdefault(region, [0, 0, 0])
                    last = region
                group[key] = rec
                if not schema_counts(rec):  # not applicable to the region: neither done nor open
                    continue
                tally[1] += 1
                if rec["status"] == "done":
                    tally[0] += 1
                elif rec["critical"]:
                    tally[2] += 1
        else:
            for key, rec in self.tables[table].items():
                region = rec["region"]
                if region != last:
                    group = groups.setdefault(region, {})
                    last = region
                group[key] = rec
        return groups

    def _count(self, item: Record, sign: int) -> None:
        counts = self._counts.get(item["region"])
        if counts is None:
            counts = self._counts[item["region"]] = [0, 0, 0]
        if not schema_counts(item):
            return
        counts[1] += sign
        if item["status"] == "done":
            counts[0] += sign
        elif item["critical"]:
            counts[2] += sign

    def checklist_counts(self, code: str) -> tuple[int, int, int]:
        """(done, total, critical still open) of a region's checklist, without a pass over it."""
        self._grouped("items")
        done, total, critical_open = self._counts.get(code, (0, 0, 0))
        return done, total, critical_open

    def dependants_of(self, item_id: str) -> list[str]:
        """Ids of the items whose `after` holds `item_id`, in the order they were stored; the reverse
        index is built on first use (one pass over the items), then kept up to date by put and delete."""
        if self._waiting is None:
            waiting: dict[str, dict[str, None]] = {}
            for key, rec in self.tables["items"].items():
                for blocker in rec.get("after") or ():
                    waiting.setdefault(blocker, {})[key] = None
            self._waiting = waiting
        return list(self._waiting.get(item_id, ()))

    def _rewire(self, key: str, old: Record | None, new: Record | None) -> None:
        """Keep the reverse index of `after` right when item `key` changes from `old` to `new`."""
        assert self._waiting is not None
        before = (old or {}).get("after") or ()
        after = (new or {}).get("after") or ()
        if before == after:
            return
        for blocker in before:
            self._waiting.get(blocker, {}).pop(key, None)
        for blocker in after:
            self._waiting.setdefault(blocker, {})[key] = None

    def items_of(self, code: str) -> list[Record]:
        """Region `code`'s checklist items in the order they joined it ([] for an unknown region), from the index."""
        return list(self._grouped("items").get(code, {}).values())

    def promotions_of(self, code: str) -> list[Record]:
        """Region `code`'s promotions in the order they joined it ([] for an unknown region), from the index."""
        return list(self._grouped("promotions").get(code, {}).values())

    def records_of(self, table: str, code: str) -> list[Record]:
        """Region `code`'s records of a table of the schema's CHILD_TABLES (sign-offs, KPIs...), in
        the order they joined it, from the index ([] for an unknown region)."""
        return list(self._grouped(table).get(code, {}).values())

    # -- writing -------------------------------------------------------------------
    def put(self, table: str, record: Record) -> Record:
        """Store `record` in `table` ("regions", "items", "promotions" or "settings"), replacing the one
        with the same key (code, id or setting name), and return it. Never raises; validation is the operations' job.

        The record is kept as given: callers never change it afterwards (an edit puts a new dict),
        which keeps the region index, the checklist counts and the change tracking right.
        """
        self.put_all(table, (record,))
        return record

    def put_all(self, table: str, records: Iterable[Record]) -> None:
        """put each of `records` into `table`, in order: one call for the thousands of records a
        template applied to every region stores, the table's indexes looked up once."""
        key_field, stored, before = KEY[table], self.tables[table], self.before
        rewiring = table == "items" and self._waiting is not None
        groups = self._groups.get(table)
        counting = table == "items" and groups is not None
        for record in records:
            key = record[key_field]
            current = stored.get(key)
            before.setdefault((table, key), current)
            stored[key] = record
            if rewiring:
                self._rewire(key, current, record)
            if groups is None:
                continue
            if current is not None and current["region"] != record["region"]:
                groups[current["region"]].pop(key, None)
            groups.setdefault(record["region"], {})[key] = record
            if counting:
                if current is not None:
                    self._count(current, -1)
                self._count(record, 1)

    def delete(self, table: str, key: str) -> Record:
        """Remove the record `key` (a code or id) from `table` and return it.

        Raises NotFound ("no region DE", "no checklist item c12", "no promotion p3") when there is none.
        """
        try:
            current = self.tables[table].pop(key)
        except KeyError:
            raise NotFound(f"no {KINDS[table].noun} {key}") from None
        self.before.setdefault((table, key), current)
        if table == "items" and self._waiting is not None:
            self._rewire(key, current, None)
        groups = self._groups.get(table)
        if groups is not None:
            groups[current["region"]].pop(key, None)
            if table == "items":
                self._count(current, -1)
        return current

    def new_id(self, table: str) -> str:
        """Short ids (c12, p7) from a counter that never goes back, so an id is never reused."""
        return self.new_ids(table, 1)[0]

    def new_ids(self, table: str, count: int) -> list[str]:
        """`count` new ids of `table` in order (new_id's, taken at once)."""
        field = KINDS[table].counter
        first = int(self.meta.get(field, 1))
        self.meta[field] = first + count
        prefix = ID_PREFIX[table]
        return [f"{prefix}{number}" for number in range(first, first + count)]

    def reserve_id(self, table: str, key: str) -> None:
        """Move `table`'s id counter past `key` when it is a generated id (c12: the next is at least
        c13), so an id used elsewhere (an import, a replayed history) is never given out again.
        Keys that are not such ids (region codes, malformed ids) change nothing."""
        self.raise_counter(table, (id_number(table, key) or 0) + 1)

    def raise_counter(self, table: str, at_least: int) -> None:
        """Make `table`'s next id number at least `at_least` (a counter never goes back)."""
        kind = KINDS[table]
        if kind.id_prefix:
            self.meta[kind.counter] = max(int(self.meta.get(kind.counter, 1)), at_least)

    def changed(self, table: str, key: str) -> bool:
        """Whether record `key` of `table` differs from what was loaded: added, removed or edited (a
        put of the same values is no change). One look-up, unlike `changes`: cheap inside a batch."""
        marker = (table, key)
        return marker in self.before and self.before[marker] != self.tables[table].get(key)

    def changes(self) -> list[Record]:
        """Before/after of every record touched since load, leaving out no-op touches."""
        out = []
        for (table, key), before in self.before.items():
            after = self.tables[table].get(key)
            if before != after:
                out.append({"table": table, "key": key, "before": before, "after": after})
        return out

    def apply(self, changes: Iterable[Record], reverse: bool = False) -> None:
        """Apply recorded changes forwards, or backwards (undo). Each key appears once in a
        change, so order does not matter for correctness; keeping it keeps records in order."""
        for change in changes:
            target = change["before"] if reverse else change["after"]
            if target is None:
                if change["key"] in self.tables[change["table"]]:
                    self.delete(change["table"], change["key"])
            else:
                self.put(change["table"], dict(target))

    # -- serialisation -------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        """The TinyDB document of the current records: {"_meta": {"1": meta}, table: {doc_id:
        record}} with doc ids 1..n in key order (no history: the storage keeps it apart)."""
        doc: dict[str, Any] = {"_meta": {"1": self.meta}}
        for name in TABLES:
            doc[name] = {str(i): rec for i, rec in enumerate(self.tables[name].values(), 1)}
        return doc

    def data(self) -> dict[str, dict[str, Record]]:
        """Just the domain records keyed by code/id, for comparisons (record order aside)."""
        return {name: {key: dict(rec) for key, rec in self.tables[name].items()} for name in TABLES}


_NONE = object()  # no region yet (a record's region may be anything in a damaged file, even None)


def _keyed(records: dict[str, Record], key: str) -> dict[str, Record]:
    """A stored table ({doc_id: record}) keyed by each record's `key` field, in stored order; map
    and zip instead of a comprehension: a third less time on the 120,000 records of 2,000 regions."""
    values = records.values()
    return dict(zip(map(itemgetter(key), values), values, strict=True))


def empty_document() -> dict[str, Any]:
    """A document with no records, at revision 0, in the current schema."""
    from rollout.migrations import SCHEMA_VERSION

    meta = {"schema": SCHEMA_VERSION, "revision": 0, **{KINDS[table].counter: 1 for table in ID_PREFIX}}
    return {"_meta": {"1": meta}, **{name: {} for name in TABLES}}
