"""Workloads the reliability tests run in child processes (and reuse in-process to predict results).

Run as a script:
  python reliability_workload.py writer DB N EDITS SEED GO_FILE   -> mixed edits, prints a JSON model of them
  python reliability_workload.py crash DB                        -> one large change (r: started, d: done)
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from rollout import ops
from rollout.db import Database
from rollout.state import State, empty_document

WRITER_REGIONS = ("DE", "FR", "JP", "BR", "IT", "ES", "GB", "US")
SHARED_REGION = "NL"
REGION_SPECS = {
    "DE": ("Germany", "Europe/Berlin", "EUR"),
    "FR": ("France", "Europe/Paris", "EUR"),
    "JP": ("Japan", "Asia/Tokyo", "JPY"),
    "BR": ("Brazil", "America/Sao_Paulo", "BRL"),
    "IT": ("Italy", "Europe/Rome", "EUR"),
    "ES": ("Spain", "Europe/Madrid", "EUR"),
    "GB": ("United Kingdom", "Europe/London", "GBP"),
    "US": ("United States", "America/New_York", "USD"),
    "NL": ("Netherlands", "Europe/Amsterdam", "EUR"),
}


def small_document(codes: tuple[str, ...] = (*WRITER_REGIONS, SHARED_REGION)) -> dict[str, Any]:
    """A database with a few planned regions and nothing else: small, so tests write it thousands of times."""
    state = State(empty_document())
    for wave, code in enumerate(codes):
        name, tz, currency = REGION_SPECS[code]
        ops.add_region(state, code, name=name, timezone=tz, currency=currency, launch="2027-06-01", wave=wave % 3)
    return state.document()


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Make `path` a database holding `document` and no history (any history folder is removed)."""
    import shutil

    from rollout.storage import write_state_file

    shutil.rmtree(history_folder(path), ignore_errors=True)
    write_state_file(path, document, previous_schema=None, backups=0)


def history_folder(path: Path) -> Path:
    return path.with_name(path.name + ".history")


def journal_lines(path: Path) -> list[bytes]:
    """The raw lines of a database's history journal (the last one may be half-written)."""
    journal = history_folder(path) / "journal.jsonl"
    return journal.read_bytes().split(b"\n") if journal.exists() else []


def journal_entries(path: Path) -> list[dict[str, Any]]:
    """Every complete entry of the journal, read as plain JSON Lines (not through rollout)."""
    data = (history_folder(path) / "journal.jsonl").read_bytes()
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


def rewrite_history(path: Path, entries: list[dict[str, Any]]) -> None:
    """Give the database at `path` exactly these history entries (consistent files and mark), to
    build histories the application would never write, for `rollout doctor` to find."""
    import shutil

    from rollout.backends.journal import Mark, Store

    shutil.rmtree(history_folder(path), ignore_errors=True)
    mark = Store(path).append(Mark(), entries) if entries else Mark()
    document = json.loads(path.read_bytes())
    document["_meta"]["1"]["history"] = mark.to_meta()
    path.write_text(json.dumps(document))


# -- concurrent writers ----------------------------------------------------------------------
class WriterModel:
    """What one writer believes it committed: its items, promotions and region fields."""

    def __init__(self, writer: int) -> None:
        self.writer = writer
        self.region = WRITER_REGIONS[writer]
        self.items: dict[str, dict[str, Any]] = {}
        self.promotions: dict[str, dict[str, Any]] = {}
        self.region_fields: dict[str, Any] = {}

    def as_json(self) -> dict[str, Any]:
        return {"items": self.items, "promotions": self.promotions, "region": self.region_fields}


def _pick(rng: random.Random, records: dict[str, dict[str, Any]], **match: Any) -> str | None:
    keys = sorted(k for k, rec in records.items() if all(rec.get(f) == v for f, v in match.items()))
    return rng.choice(keys) if keys else None


def one_edit(state: State, model: WriterModel, rng: random.Random, step: str, user: str) -> dict[str, Any]:
    """Apply one random edit to `state`; return the model updates it implies (applied only on commit)."""
    n = model.writer
    kind = rng.choice(("add", "add", "tick", "reopen", "remove", "region", "promo", "move"))
    pending: dict[str, Any] = {"items": {}, "promotions": {}, "region": {}}
    items = model.items
    if kind == "tick" and (item_id := _pick(rng, items, status="open")):
        (done,) = ops.set_items_done(state, items[item_id]["region"], [item_id], True, user)
        pending["items"][item_id] = {**items[item_id], "status": done["status"]}
    elif kind == "reopen" and (item_id := _pick(rng, items, status="done")):
        (opened,) = ops.set_items_done(state, items[item_id]["region"], [item_id], False, user)
        pending["items"][item_id] = {**items[item_id], "status": opened["status"]}
    elif kind == "remove" and (item_id := _pick(rng, items)):
        ops.remove_items(state, items[item_id]["region"], [item_id])
        pending["items"][item_id] = None
    elif kind == "region":
        (region,) = ops.set_regions(state, [model.region], owner=f"w{n}-{step}", wave=rng.randint(0, 5))
        pending["region"] = {"owner": region["owner"], "wave": region["wave"]}
    elif kind == "promo":
        day = rng.randint(1, 20)
        (promo,) = ops.add_promotions(
            state, [model.region], f"w{n}-{step}", start=f"2027-07-{day:02d}", end=f"2027-07-{day + 3:02d}"
        )
        pending["promotions"][promo["id"]] = {"name": promo["name"], "start": promo["start"], "end": promo["end"]}
    elif kind == "move" and (promo_id := _pick(rng, model.promotions)):
        moved = ops.move_promotion(state, promo_id, rng.choice(("1d", "-1d", "2w", "-1w")))
        pending["promotions"][promo_id] = {"name": moved["name"], "start": moved["start"], "end": moved["end"]}
    else:  # add, or nothing to tick/reopen/remove/move yet
        region = rng.choice((model.region, SHARED_REGION))
        (item,) = ops.add_items(state, [region], f"w{n}-{step}", critical=rng.random() < 0.2)
        pending["items"][item["id"]] = {"region": region, "title": item["title"], "status": "open"}
    return pending


def _apply(model: WriterModel, pending: dict[str, Any]) -> None:
    for item_id, value in pending["items"].items():
        if value is None:
            model.items.pop(item_id, None)
        else:
            model.items[item_id] = value
    model.promotions.update(pending["promotions"])
    model.region_fields.update(pending["region"])


def _merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {
        "items": {**first["items"], **second["items"]},
        "promotions": {**first["promotions"], **second["promotions"]},
        "region": {**first["region"], **second["region"]},
    }


def writer_main(db_path: str, writer: int, edits: int, seed: int, go_file: str) -> dict[str, Any]:
    """`edits` committed changes (about one in six a small batch of 2-4 edits), each its own transaction."""
    rng = random.Random(seed * 100 + writer)
    model = WriterModel(writer)
    user = f"w{writer}"
    db = Database(db_path)
    while not os.path.exists(go_file):
        time.sleep(0.002)
    committed = 0
    batches = 0
    for step in range(edits):
        size = rng.randint(2, 4) if rng.random() < 0.15 else 1
        with db.transaction(user, f"edit {step}") as state:
            pending: dict[str, Any] = {"items": {}, "promotions": {}, "region": {}}
            for part in range(size):
                # Later parts of a batch leave alone what earlier parts touched, so no part undoes another.
                staged = WriterModel(writer)
                staged.items = {k: v for k, v in model.items.items() if k not in pending["items"]}
                staged.promotions = {k: v for k, v in model.promotions.items() if k not in pending["promotions"]}
                pending = _merge(pending, one_edit(state, staged, rng, f"{step}.{part}", user))
        if state.commit.entry is not None:
            committed += 1
            batches += size > 1
            _apply(model, pending)
    return {"writer": writer, "committed": committed, "batches": batches, **model.as_json()}


# -- crashes ---------------------------------------------------------------------------------
CRASH_CODES = ("DE", "FR", "JP")


def crash_change(state: State) -> None:
    """A large change that flips the database between two shapes: with no checklist, it adds
    one (and a promotional calendar, and new owners); with one, it removes everything it added.
    Works on those of CRASH_CODES the database has."""
    codes = [code for code in CRASH_CODES if code in state.regions]
    if not state.items:
        for n in range(60):
            ops.add_items(state, codes, f"task {n}", category="other", critical=n % 7 == 0)
        for n in range(15):
            ops.add_promotions(state, codes, f"event {n}", start=f"2027-08-{n + 1:02d}", end="2027-09-01")
        ops.set_regions(state, codes, owner="crash-owner")
    else:
        for code in codes:
            ops.remove_items(state, code, [i["id"] for i in state.items_of(code)])
            for promo in state.promotions_of(code):
                ops.remove_promotion(state, promo["id"])
        ops.set_regions(state, codes, owner="")


def crash_child(db_path: str) -> None:
    """One large change; says `r` when its transaction starts and `d` when it is done. With
    ROLLOUT_TEST_STOP_AT set, it stops itself (SIGSTOP) at that point of the commit."""
    db = Database(db_path)
    os.write(1, b"r")
    with db.transaction("crasher", "crash change") as state:
        crash_change(state)
    os.write(1, b"d")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "writer":
        path, writer, edits, seed, go = args
        print(json.dumps(writer_main(path, int(writer), int(edits), int(seed), go)))
    elif command == "crash":
        crash_child(args[0])
    else:
        raise SystemExit(f"unknown workload {command}")
