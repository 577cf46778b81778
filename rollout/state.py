"""The in-memory state of a database and the change tracking behind history and undo.

A State is loaded from the file once per command; operations edit it in memory
(records are treated as immutable: an edit puts a new dict), and a transaction
writes it back once. Every first touch of a record remembers its previous value,
so the change's before/after pairs come for free.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from rollout.errors import NotFound

Record = dict[str, Any]
TABLES = ("regions", "items", "promotions")
KEY = {"regions": "code", "items": "id", "promotions": "id"}
ID_PREFIX = {"items": "c", "promotions": "p"}


class State:
    """Regions, checklist items, promotions, history and metadata, indexed for the operations."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.meta: dict[str, Any] = dict(document["_meta"]["1"])
        self.tables: dict[str, dict[str, Record]] = {
            name: {rec[KEY[name]]: rec for rec in document.get(name, {}).values()} for name in TABLES
        }
        self._history_raw: dict[str, Record] = document.get("history", {})
        self._history: list[Record] | None = None
        self._by_region: dict[str, dict[str, dict[str, None]]] | None = None
        self._counts: dict[str, list[int]] = {}
        self.before: dict[tuple[str, str], Record | None] = {}
        self.notes: list[str] = []
        self.entry_extra: dict[str, Any] = {}

    # -- reading -------------------------------------------------------------------
    @property
    def revision(self) -> int:
        return int(self.meta.get("revision", 0))

    @property
    def regions(self) -> dict[str, Record]:
        return self.tables["regions"]

    @property
    def items(self) -> dict[str, Record]:
        return self.tables["items"]

    @property
    def promotions(self) -> dict[str, Record]:
        return self.tables["promotions"]

    @property
    def history(self) -> list[Record]:
        """History entries, oldest first."""
        if self._history is None:
            self._history = sorted(self._history_raw.values(), key=lambda e: e["id"])
        return self._history

    def region(self, code: str) -> Record:
        try:
            return self.regions[code]
        except KeyError:
            raise NotFound(f"no region {code}") from None

    def _index(self) -> dict[str, dict[str, dict[str, None]]]:
        """region code -> table -> ordered ids, and the checklist counts; built on first use, then
        kept up to date by put and delete (which is why records are never edited in place)."""
        if self._by_region is None:
            index: dict[str, dict[str, dict[str, None]]] = defaultdict(lambda: {"items": {}, "promotions": {}})
            counts = self._counts
            for key, rec in self.tables["items"].items():  # once per item: inlined, it is most of a 2,000-region load
                region = rec["region"]
                index[region]["items"][key] = None
                tally = counts.get(region)
                if tally is None:
                    tally = counts[region] = [0, 0, 0]
                tally[1] += 1
                if rec["status"] == "done":
                    tally[0] += 1
                elif rec["critical"]:
                    tally[2] += 1
            for key, rec in self.tables["promotions"].items():
                index[rec["region"]]["promotions"][key] = None
            self._by_region = index
        return self._by_region

    def _count(self, item: Record, sign: int) -> None:
        counts = self._counts.get(item["region"])
        if counts is None:
            counts = self._counts[item["region"]] = [0, 0, 0]
        counts[1] += sign
        if item["status"] == "done":
            counts[0] += sign
        elif item["critical"]:
            counts[2] += sign

    def checklist_counts(self, code: str) -> tuple[int, int, int]:
        """(done, total, critical still open) of a region's checklist, without a pass over it."""
        self._index()
        done, total, critical_open = self._counts.get(code, (0, 0, 0))
        return done, total, critical_open

    def items_of(self, code: str) -> list[Record]:
        return list(map(self.tables["items"].__getitem__, self._index()[code]["items"]))

    def promotions_of(self, code: str) -> list[Record]:
        return list(map(self.tables["promotions"].__getitem__, self._index()[code]["promotions"]))

    # -- writing -------------------------------------------------------------------
    def put(self, table: str, record: Record) -> Record:
        key = record[KEY[table]]
        current = self.tables[table].get(key)
        self.before.setdefault((table, key), current)
        self.tables[table][key] = record
        if table != "regions" and self._by_region is not None:
            if current is not None and current["region"] != record["region"]:
                self._by_region[current["region"]][table].pop(key, None)
            self._by_region[record["region"]][table][key] = None
            if table == "items":
                if current is not None:
                    self._count(current, -1)
                self._count(record, 1)
        return record

    def delete(self, table: str, key: str) -> Record:
        current = self.tables[table].pop(key)
        self.before.setdefault((table, key), current)
        if table != "regions" and self._by_region is not None:
            self._by_region[current["region"]][table].pop(key, None)
            if table == "items":
                self._count(current, -1)
        return current

    def new_id(self, table: str) -> str:
        """Short ids (c12, p7) from a counter that never goes back, so an id is never reused."""
        field = f"next_{table}"
        number = int(self.meta.get(field, 1))
        self.meta[field] = number + 1
        return f"{ID_PREFIX[table]}{number}"

    def changes(self) -> list[Record]:
        """Before/after of every record touched since load, leaving out no-op touches."""
        out = []
        for (table, key), before in self.before.items():
            after = self.tables[table].get(key)
            if before != after:
                out.append({"table": table, "key": key, "before": before, "after": after})
        return out

    def add_history(self, entry: Record) -> None:
        self.history.append(entry)

    def next_history_id(self) -> int:
        return self.history[-1]["id"] + 1 if self.history else 1

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
        """The TinyDB document: {table: {doc_id: record}} with ids 1..n in key order."""
        doc: dict[str, Any] = {"_meta": {"1": self.meta}}
        for name in TABLES:
            doc[name] = {str(i): rec for i, rec in enumerate(self.tables[name].values(), 1)}
        if self._history is None:
            doc["history"] = self._history_raw
        else:
            doc["history"] = {str(e["id"]): e for e in self._history}
        return doc

    def data(self) -> dict[str, dict[str, Record]]:
        """Just the domain records keyed by code/id, for comparisons (record order aside)."""
        return {name: {key: dict(rec) for key, rec in self.tables[name].items()} for name in TABLES}


def empty_document() -> dict[str, Any]:
    from rollout.storage import SCHEMA_VERSION

    meta = {"schema": SCHEMA_VERSION, "revision": 0, "next_items": 1, "next_promotions": 1}
    return {"_meta": {"1": meta}, "regions": {}, "items": {}, "promotions": {}, "history": {}}
