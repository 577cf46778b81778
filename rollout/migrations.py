"""Upgrading database documents written by an older schema.

A file records its schema version in `_meta`. Reading a file whose version is older than
SCHEMA_VERSION runs the step functions below in order, each taking a document of version N and
returning one of version N + 1, in memory: reading never writes, so read-only users and old files
on shared hosts are safe. The first change written afterwards stores the upgraded document, and
the storage keeps the original as `<db>.backups/<stem>.schemaN.json`.

Schema history:
  0  the first format: checklist items carry `done: true/false` (no `status`, `done_at`,
     `done_by`); `_meta` has no revision or id counters; history entries have no `revision`.
  1  items carry `status` open/done with `done_at` and `done_by`; `_meta` counts revisions and
     the next item and promotion ids; every history entry records the revision it produced.
  2  history leaves the document: the file holds only the current records and `_meta`, and the
     history lives in a store of its own beside it (rollout.backends.tinydb: `<db>.history/`),
     which `_meta.history` points into. The step changes no record and leaves the `history`
     table in the upgraded document; the storage moves it into the store on the first write.
  3  a `settings` table of shared settings ({doc_id: {"name": ..., "value": ...}}, rollout.settings),
     and checklist items may carry `after` (the ids of the items they wait for). The step adds the
     empty table; items without `after` read as waiting for nothing (the schema's default), so no
     record changes. A rollout of schema 2 refuses the file instead of dropping its settings.
  4  go/no-go sign-offs, GMV targets and actuals, exchange rates and freeze windows: the tables
     `signoffs`, `kpis`, `fx_rates` and `freezes` (rollout.schema), and `_meta.next_freezes`. The
     step adds them empty; no record changes. Also launch templates: a `templates` table ({doc_id: template}, rollout.schema.TEMPLATES);
     regions, items and promotions may carry `notes`, items and promotions an `origin`, items
     `not_applicable`. The step adds the empty table; records without the new fields read as
     having no notes, no origin and applying (the schema's defaults). A rollout of schema 3 refuses
     the file instead of dropping its templates and notes.

Adding a schema: bump SCHEMA_VERSION, add a step keyed by the old version (listed in DEEP_STEPS
when it changes anything below the top level), and describe the new version above. A step must also upgrade the records stored inside history entries, since
undo puts those records back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from rollout import numbers
from rollout.errors import DatabaseError

Document = dict[str, Any]
SCHEMA_VERSION = 4  # the schema this rollout writes; a file with a higher one is refused
HISTORY_APART_SCHEMA = 2  # the first schema whose history lives beside the file, not inside it


def _item_v0_to_v1(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None or "status" in item:
        return item
    upgraded = {key: value for key, value in item.items() if key != "done"}
    upgraded["status"] = "done" if item.get("done") else "open"
    upgraded.setdefault("done_at", None)
    upgraded.setdefault("done_by", None)
    return upgraded


def _highest_number(ids: Any, prefix: str) -> int:
    found = [int(key[1:]) for key in ids if isinstance(key, str) and key[:1] == prefix and numbers.is_digits(key[1:])]
    return max(found, default=0)


def _v0_to_v1(document: Document) -> Document:
    items = document.get("items", {})
    if isinstance(items, dict):
        document["items"] = {doc_id: _item_v0_to_v1(item) for doc_id, item in items.items()}
    history = document.get("history", {})
    entries = sorted(
        (e for e in history.values() if isinstance(e, dict) and isinstance(e.get("id"), int)),
        key=lambda e: e["id"],
    )
    for revision, entry in enumerate(entries, 1):
        entry.setdefault("revision", revision)
        for change in entry.get("changes", ()):
            if isinstance(change, dict) and change.get("table") == "items":
                change["before"] = _item_v0_to_v1(change.get("before"))
                change["after"] = _item_v0_to_v1(change.get("after"))
    meta = document["_meta"]["1"]
    meta.setdefault("revision", len(entries))
    item_ids = [i.get("id") for i in document.get("items", {}).values() if isinstance(i, dict)]
    promo_ids = [p.get("id") for p in document.get("promotions", {}).values() if isinstance(p, dict)]
    # Ids that appear only in history (removed records) must not be reused either.
    for entry in entries:
        for change in entry.get("changes", ()):
            if isinstance(change, dict) and change.get("table") == "items":
                item_ids.append(change.get("key"))
            elif isinstance(change, dict) and change.get("table") == "promotions":
                promo_ids.append(change.get("key"))
    # A step is frozen with the schema it upgrades to: it names schema 1's counters and prefixes itself.
    meta.setdefault("next_items", _highest_number(item_ids, "c") + 1)
    meta.setdefault("next_promotions", _highest_number(promo_ids, "p") + 1)
    return document


def _v1_to_v2(document: Document) -> Document:
    """Nothing to change in the records: the history table stays for the storage to move out."""
    return document


def _v2_to_v3(document: Document) -> Document:
    """The shared settings table, empty (every setting at its default)."""
    if not isinstance(document.get("settings"), dict):
        document["settings"] = {}
    return document


def _v3_to_v4(document: Document) -> Document:
    """The outcome tables (sign-offs, KPIs, exchange rates, freeze windows) and the launch
    templates table, empty."""
    for table in ("signoffs", "kpis", "fx_rates", "freezes", "templates"):
        if not isinstance(document.get(table), dict):
            document[table] = {}
    document["_meta"]["1"].setdefault("next_freezes", 1)
    return document


# version N -> a function turning a version-N document into a version N+1 document
STEPS: dict[int, Callable[[Document], Document]] = {0: _v0_to_v1, 1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}
# Steps that change records in place need a deep copy of the document first; the others only add
# top-level tables, so a copy of the top level (and of `_meta`, whose schema changes) is enough:
# a large file of the previous schema is then read as fast as one of the current schema.
DEEP_STEPS = frozenset((0, 1))


def upgrade(document: Document, version: int, path: Path | str = "database") -> Document:
    """The document brought from `version` up to SCHEMA_VERSION (the input is left as it was).

    A document older than schema 2 keeps its `history` table (see the schema history above).
    Raises DatabaseError when a step is missing or fails on the document.
    """
    if any(step in DEEP_STEPS for step in range(version, SCHEMA_VERSION)):
        upgraded = orjson.loads(orjson.dumps(document))  # a deep copy: JSON data, copied far faster than by copy
    else:
        upgraded = {**document, "_meta": {**document["_meta"], "1": dict(document["_meta"]["1"])}}
    while version < SCHEMA_VERSION:
        step = STEPS.get(version)
        if step is None:
            raise DatabaseError(f"{path} has schema {version}, which this rollout cannot upgrade")
        try:
            upgraded = step(upgraded)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise DatabaseError(
                f"{path} has schema {version} but could not be upgraded ({type(exc).__name__}: {exc}); "
                "run rollout doctor"
            ) from None
        version += 1
        upgraded["_meta"]["1"]["schema"] = version
    return upgraded
