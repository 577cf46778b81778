"""Schema versions: a newer file is refused, an older one is upgraded, keeping the original.

Schema 2 moved history out of the file. `data/schema1-landed.json` and `data/schema1-reinit.json`
were written by the rollout that stored history inside the file (schema 1, commit 6823f40) through
its own commands: `init --empty`, three `region add`, `check add` (one and two regions), `check
done`, `promo add`, `region set`, `undo`, a three-line `batch`, a forced launch, `check remove`,
`restore 2` and `region remove` (14 changes); the second is a copy of it after `init --empty --force`
(which then emptied the history and restarted the id counters) and two more changes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from reliability_tools import run_cli
from reliability_workload import history_folder, journal_entries

from rollout import migrations, ops
from rollout.db import Database
from rollout.doctor import examine
from rollout.errors import DatabaseError
from rollout.state import TABLES
from rollout.storage import SCHEMA_VERSION, backup_dir


def _item_to_v0(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    old = {k: v for k, v in item.items() if k not in ("status", "done_at", "done_by")}
    old["done"] = item["status"] == "done"
    return old


def _item_as_upgraded(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """What schema 0 could say about an item: its done_at/done_by did not exist."""
    if item is None:
        return None
    return {**item, "done_at": None, "done_by": None}


def _map_items(document: dict[str, Any], convert) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document["items"] = {k: convert(v) for k, v in document["items"].items()}
    for entry in document["history"].values():
        for change in entry["changes"]:
            if change["table"] == "items":
                change["before"], change["after"] = convert(change["before"]), convert(change["after"])
    return document


def schema1(db_path: Path) -> dict[str, Any]:
    """The database at `db_path` as schema 1 stored it: records and history in one document."""
    state = Database(db_path).load()
    document = state.document()
    document["_meta"]["1"]["schema"] = 1
    document["history"] = {str(e["id"]): e for e in state.history}
    return json.loads(json.dumps(document))


def schema0(document: dict[str, Any]) -> dict[str, Any]:
    """The same data as the first file format wrote it."""
    old = _map_items(document, _item_to_v0)
    old["_meta"]["1"] = {"schema": 0}
    for entry in old["history"].values():
        del entry["revision"]
    return old


@pytest.fixture
def current(db_path: Path) -> dict[str, Any]:
    """A seeded database with history: items added, ticked, removed; a promotion added."""
    db = Database(db_path)
    with db.transaction("ana", "check add DE") as state:
        ops.add_items(state, ["DE"], "Schema test")
    with db.transaction("ben", "check done") as state:
        ops.set_items_done(state, "DE", [state.items_of("DE")[-1]["id"]], True, "ben")
    with db.transaction("ana", "promo add") as state:
        ops.add_promotions(state, ["DE"], "Old sale", start="2027-01-10", end="2027-01-12")
    with db.transaction("ben", "check add") as state:
        ops.add_items(state, ["FR"], "Soon removed")
    with db.transaction("ben", "check remove") as state:
        ops.remove_items(state, "FR", [state.items_of("FR")[-1]["id"]])
    return schema1(db_path)


@pytest.fixture
def old_file(tmp_path: Path, current: dict[str, Any]) -> Path:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(schema0(current)))
    return path


def test_an_older_file_is_read_as_the_current_schema_without_writing(old_file: Path, current: dict) -> None:
    raw = old_file.read_bytes()
    state = Database(old_file, read_only=True).load()
    expected = _map_items(current, _item_as_upgraded)
    assert state.meta == {**current["_meta"]["1"], "schema": SCHEMA_VERSION}
    assert {name: list(t.values()) for name, t in state.tables.items()} == {
        name: list(expected.get(name, {}).values()) for name in TABLES
    }
    assert list(state.history) == sorted(expected["history"].values(), key=lambda e: e["id"])
    assert old_file.read_bytes() == raw
    assert not backup_dir(old_file).exists()
    assert not history_folder(old_file).exists()


def test_the_first_change_stores_the_upgrade_and_keeps_the_original(old_file: Path, current: dict) -> None:
    raw = old_file.read_bytes()
    result = run_cli("--db", str(old_file), "check", "add", "JP", "After upgrade", "--json")
    assert result.exit_code == 0, result.stderr
    (added,) = json.loads(result.stdout)["changed"]["checklist"]
    # Ids are never reused: not even the one of the item removed in the old file's history.
    assert int(added["id"][1:]) == current["_meta"]["1"]["next_items"]
    on_disk = json.loads(old_file.read_bytes())
    assert on_disk["_meta"]["1"]["schema"] == SCHEMA_VERSION
    assert "history" not in on_disk
    assert all("status" in item and "done" not in item for item in on_disk["items"].values())
    assert (backup_dir(old_file) / "old.schema0.json").read_bytes() == raw
    # The history moved out of the file, upgraded, with the new change after it.
    old_history = sorted(_map_items(current, _item_as_upgraded)["history"].values(), key=lambda e: e["id"])
    moved = journal_entries(old_file)
    assert moved[:-1] == old_history
    assert (moved[-1]["id"], moved[-1]["revision"], moved[-1]["command"]) == (
        6,
        6,
        "check add JP 'After upgrade' --json",
    )
    # The original survives the backup rotation.
    for n in range(12):
        assert run_cli("--db", str(old_file), "check", "add", "JP", f"more {n}").exit_code == 0
    assert (backup_dir(old_file) / "old.schema0.json").read_bytes() == raw


def test_undo_of_a_change_recorded_by_the_old_schema_puts_back_upgraded_records(old_file: Path) -> None:
    newest = sorted(json.loads(old_file.read_bytes())["history"].values(), key=lambda e: e["id"])[-1]
    # the removal of the FR item, recorded in schema 0, undone by the one who made it
    undone = run_cli("--db", str(old_file), "--user", newest["user"], "undo")
    assert undone.exit_code == 0, undone.stderr
    state = Database(old_file).load()
    restored = state.items_of("FR")[-1]
    assert (restored["title"], restored["status"], restored["done_at"]) == ("Soon removed", "open", None)
    assert "done" not in restored


def test_doctor_notes_an_older_schema_and_finds_nothing_wrong(old_file: Path) -> None:
    report = examine(old_file)
    assert report.ok, report.problems
    assert any("older schema 0" in note for note in report.notes)


@pytest.mark.parametrize("version", [SCHEMA_VERSION + 1, 99])
def test_a_file_from_a_newer_rollout_is_refused_and_left_untouched(db_path: Path, version: int) -> None:
    document = json.loads(db_path.read_bytes())
    document["_meta"]["1"]["schema"] = version
    db_path.write_text(json.dumps(document))
    raw = db_path.read_bytes()
    for args in (("status",), ("check", "add", "DE", "x"), ("undo",)):
        result = run_cli("--db", str(db_path), *args)
        assert result.exit_code == 1
        assert result.stderr.strip() == (
            f"Error: {db_path} was written by a newer rollout (schema {version}, this one reads {SCHEMA_VERSION}); "
            "upgrade rollout"
        )
    assert db_path.read_bytes() == raw


def test_a_schema_without_an_upgrade_step_is_refused(old_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(migrations.STEPS, 0)
    with pytest.raises(DatabaseError, match="has schema 0, which this rollout cannot upgrade"):
        Database(old_file).load()


def test_the_upgrade_leaves_its_input_alone(current: dict) -> None:
    old = schema0(current)
    snapshot = copy.deepcopy(old)
    migrations.upgrade(old, 0)
    assert old == snapshot


# -- files written by the landed schema-1 rollout ------------------------------------------------
DATA = Path(__file__).parent / "data"


@pytest.fixture(params=["schema1-landed.json", "schema1-reinit.json"])
def landed(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / "rollout.json"
    path.write_bytes((DATA / request.param).read_bytes())
    return path


def _a_region(path: Path) -> str:
    return next(iter(json.loads(path.read_bytes())["regions"].values()))["code"]


def _history_as_written(path: Path) -> list[dict[str, Any]]:
    """The landed file's own history, as `history --json` printed it: newest first."""
    entries = sorted(json.loads(path.read_bytes())["history"].values(), key=lambda e: e["id"], reverse=True)
    return [{k: e[k] for k in ("id", "at", "user", "command", "changes", "notes", "undoes") if k in e} for e in entries]


def test_a_landed_schema_1_file_reads_the_same_without_being_written(landed: Path) -> None:
    raw = landed.read_bytes()
    old = json.loads(raw)
    listed_all = json.loads(run_cli("--db", str(landed), "history", "--json").stdout)
    # history --json adds what undo made of each entry (undone, undone_by, redone_by) to what was written.
    derived = ("undone", "undone_by", "redone_by")
    assert [{k: v for k, v in e.items() if k not in derived} for e in listed_all] == _history_as_written(landed)
    code = _a_region(landed)
    touching = [
        e["id"]
        for e in old["history"].values()
        if any(c["key"] == code or (c["after"] or c["before"]).get("region") == code for c in e["changes"])
    ]
    listed = json.loads(run_cli("--db", str(landed), "history", code, "--json").stdout)
    assert [e["id"] for e in listed] == sorted(touching, reverse=True)
    state = Database(landed, read_only=True).load()
    assert {name: list(t.values()) for name, t in state.tables.items()} == {
        name: list(old.get(name, {}).values()) for name in TABLES
    }
    assert landed.read_bytes() == raw
    assert examine(landed).ok


def test_a_landed_schema_1_file_is_upgraded_on_its_first_write_keeping_the_original(landed: Path) -> None:
    raw = landed.read_bytes()
    old = json.loads(raw)
    old_entries = sorted(old["history"].values(), key=lambda e: e["id"])
    code = _a_region(landed)
    result = run_cli("--db", str(landed), "--user", "zoe", "region", "set", code, "--owner", "zoe")
    assert result.exit_code == 0, result.stderr
    assert (backup_dir(landed) / "rollout.schema1.json").read_bytes() == raw
    on_disk = json.loads(landed.read_bytes())
    assert on_disk["_meta"]["1"]["schema"] == SCHEMA_VERSION and "history" not in on_disk
    assert on_disk["_meta"]["1"]["revision"] == old["_meta"]["1"]["revision"] + 1
    moved = journal_entries(landed)
    assert moved[:-1] == old_entries  # every entry, unchanged, in order
    new = moved[-1]
    assert (new["id"], new["revision"], new["user"]) == (
        old_entries[-1]["id"] + 1,
        old["_meta"]["1"]["revision"] + 1,
        "zoe",
    )
    assert examine(landed).ok
    # Undo reaches back into what the old file recorded: first zoe's new change, then (by entry) the
    # newest old one.
    undone = run_cli("--db", str(landed), "--user", "zoe", "undo")
    assert undone.stdout.startswith(f"Undid your change #{new['id']} (") and f"): region set {code}" in undone.stdout
    undone = run_cli("--db", str(landed), "undo", "--entry", str(old_entries[-1]["id"]))
    assert undone.exit_code == 0, undone.stderr
    assert undone.stdout.startswith(f"Undid {old_entries[-1]['user']}'s change #{old_entries[-1]['id']} (")
    assert f"): {old_entries[-1]['command']} (" in undone.stdout


def test_a_history_folder_found_beside_an_old_file_is_kept_aside_not_mixed_in(landed: Path, tmp_path: Path) -> None:
    stray = history_folder(landed)
    stray.mkdir()
    (stray / "journal.jsonl").write_bytes(b'{"id": 1, "note": "someone else\'s"}\n')
    entries = len(json.loads(landed.read_bytes())["history"])
    assert run_cli("--db", str(landed), "check", "add", _a_region(landed), "x").exit_code == 0
    (kept,) = backup_dir(landed).glob("rollout.json.history.history-set-aside-*")
    assert (kept / "journal.jsonl").read_bytes() == b'{"id": 1, "note": "someone else\'s"}\n'
    assert len(journal_entries(landed)) == entries + 1
    assert examine(landed).ok
