"""Schema versions: a newer file is refused, an older one is upgraded, keeping the original."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from reliability_tools import run_cli

from rollout import migrations, ops
from rollout.db import Database
from rollout.doctor import examine
from rollout.errors import DatabaseError
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
    return json.loads(db_path.read_bytes())


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
        name: list(expected[name].values()) for name in ("regions", "items", "promotions")
    }
    assert state.history == sorted(expected["history"].values(), key=lambda e: e["id"])
    assert old_file.read_bytes() == raw
    assert not backup_dir(old_file).exists()


def test_the_first_change_stores_the_upgrade_and_keeps_the_original(old_file: Path, current: dict) -> None:
    raw = old_file.read_bytes()
    result = run_cli("--db", str(old_file), "check", "add", "JP", "After upgrade", "--json")
    assert result.exit_code == 0, result.stderr
    (added,) = json.loads(result.stdout)
    # Ids are never reused: not even the one of the item removed in the old file's history.
    assert int(added["id"][1:]) == current["_meta"]["1"]["next_items"]
    on_disk = json.loads(old_file.read_bytes())
    assert on_disk["_meta"]["1"]["schema"] == SCHEMA_VERSION
    assert all("status" in item and "done" not in item for item in on_disk["items"].values())
    assert (backup_dir(old_file) / "old.schema0.json").read_bytes() == raw
    # The original survives the backup rotation.
    for n in range(12):
        assert run_cli("--db", str(old_file), "check", "add", "JP", f"more {n}").exit_code == 0
    assert (backup_dir(old_file) / "old.schema0.json").read_bytes() == raw


def test_undo_of_a_change_recorded_by_the_old_schema_puts_back_upgraded_records(old_file: Path) -> None:
    undone = run_cli("--db", str(old_file), "undo")  # the removal of the FR item, recorded in schema 0
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
