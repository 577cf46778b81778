"""`rollout doctor`: every kind of damage is found and described in plain words."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability_tools import run_cli
from reliability_workload import history_folder, journal_entries, rewrite_history

from rollout import ops
from rollout.db import Database
from rollout.doctor import examine

Document = dict[str, Any]


def _first(table: Document) -> Document:
    return table[min(table, key=int)]


def duplicate_item(doc: Document) -> None:
    doc["items"]["9001"] = dict(_first(doc["items"]))


def duplicate_region(doc: Document) -> None:
    doc["regions"]["9001"] = {**_first(doc["regions"]), "name": "Copy"}


def orphan_item(doc: Document) -> None:
    _first(doc["items"])["region"] = "AQ"


def orphan_promotion(doc: Document) -> None:
    _first(doc["promotions"])["region"] = "AQ"


def bad_timezone(doc: Document) -> None:
    _first(doc["regions"])["timezone"] = "Mars/Olympus"


def bad_status(doc: Document) -> None:
    _first(doc["regions"])["status"] = "live"


def bad_item_status(doc: Document) -> None:
    _first(doc["items"])["status"] = "finished"


def bad_date(doc: Document) -> None:
    _first(doc["promotions"])["start"] = "next tuesday"


def start_after_end(doc: Document) -> None:
    promo = _first(doc["promotions"])
    promo["start"], promo["end"] = promo["end"], promo["start"]


def counter_behind(doc: Document) -> None:
    doc["_meta"]["1"]["next_items"] = 2


def missing_field(doc: Document) -> None:
    del _first(doc["items"])["critical"]


DAMAGE: list[tuple[Callable[[Document], None], str]] = [
    (duplicate_item, "duplicate checklist item c1 (documents 1 and 9001); rollout would only see the last one"),
    (duplicate_region, "duplicate region ID (documents 1 and 9001)"),
    (orphan_item, "checklist item c1 belongs to region AQ, which does not exist (an orphan)"),
    (orphan_promotion, "promotion p1 belongs to region AQ, which does not exist (an orphan)"),
    (bad_timezone, "region ID: timezone 'Mars/Olympus' is not valid"),
    (bad_status, "region ID: status 'live' is not valid (expected one of planned, preparing"),
    (bad_item_status, "checklist item c1: status 'finished' is not valid"),
    (bad_date, "promotion p1: start 'next tuesday' is not valid"),
    (start_after_end, "promotion p1 starts at or after its end"),
    (counter_behind, "the next checklist item id would be c2, but ids up to c385 are already used"),
    (missing_field, "checklist item c1 has no critical"),
]


@pytest.fixture
def damaged(db_path: Path) -> Callable[[Callable[[Document], None]], Path]:
    with Database(db_path).transaction("tester", "check add DE x") as state:
        ops.add_items(state, ["DE"], "x")

    def damage(how: Callable[[Document], None]) -> Path:
        document = json.loads(db_path.read_bytes())
        how(document)
        db_path.write_text(json.dumps(document))
        return db_path

    return damage


def test_a_healthy_database_passes(db_path: Path) -> None:
    result = run_cli("--db", str(db_path), "doctor")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == f"Database {db_path}"
    assert lines[1] == "  schema 4, revision 0: 21 regions, 384 checklist items, 87 promotions, 0 history entries"
    assert lines[-1] == "No problems found."
    assert result.stderr == ""


@pytest.mark.parametrize(("how", "message"), DAMAGE, ids=[how.__name__ for how, _ in DAMAGE])
def test_each_kind_of_damage_is_reported(damaged, how, message: str) -> None:
    path = damaged(how)
    raw = path.read_bytes()
    result = run_cli("--db", str(path), "doctor")
    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem: ")]
    assert any(message in line for line in problems), problems
    assert result.stderr.strip() == f"Error: {len(problems)} problem(s) found in {path}"
    assert path.read_bytes() == raw
    data = json.loads(run_cli("--db", str(path), "doctor", "--json").stdout)
    assert data["ok"] is False
    assert any(message in problem for problem in data["problems"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b'{"_meta": {"1": {"schema": 1}}, "regions": {', "the file is corrupt"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "the file is corrupt"),
        (b"[1, 2, 3]", "not a rollout database (no _meta table)"),
        (b'{"_default": {"1": {"name": "x"}}}', "not a rollout database (no _meta table)"),
        (b'{"_meta": {"1": {"schema": "1"}}}', "has no valid schema version"),
        (b'{"_meta": {"1": {"schema": 7}}}', "was written by a newer rollout (schema 7, this one reads 4)"),
    ],
)
def test_unreadable_files_are_described(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(content)
    report = examine(path)
    assert not report.ok
    assert any(message in problem for problem in report.problems), report.problems


def test_a_missing_file_and_a_directory_are_described(tmp_path: Path) -> None:
    missing = run_cli("--db", str(tmp_path / "none.json"), "doctor")
    assert missing.exit_code == 1
    assert f"problem: there is no database at {tmp_path / 'none.json'}" in missing.stdout
    assert not (tmp_path / "none.json").exists()
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert "is a directory, not a database file" in run_cli("--db", str(folder), "doctor").stdout


def test_notes_do_not_fail_the_check(db_path: Path) -> None:
    leftover = db_path.parent / f".{db_path.name}.tmp-999999"
    leftover.write_bytes(b"half a wri")
    os.chmod(db_path, 0o644)
    result = run_cli("--db", str(db_path), "doctor")
    assert result.exit_code == 0
    assert "note: 1 temp file(s) left by an interrupted write (.rollout.json.tmp-999999)" in result.stdout
    assert "note: the file is accessible to other users (mode 0644)" in result.stdout
    # The next change tidies both up.
    assert run_cli("--db", str(db_path), "check", "add", "DE", "x").exit_code == 0
    assert not leftover.exists()
    assert os.stat(db_path).st_mode & 0o007 == 0
    assert "note:" not in run_cli("--db", str(db_path), "doctor").stdout


def test_damaged_backups_are_noted(db_path: Path) -> None:
    with Database(db_path).transaction("tester", "x") as state:
        ops.add_items(state, ["DE"], "x")
    (backup,) = sorted((db_path.parent / f"{db_path.name}.backups").iterdir())
    backup.write_bytes(b"{}")
    report = examine(db_path)
    assert report.ok
    assert report.backups[0]["readable"] is False
    assert any("backup 1 (rollout.r00000000.json) cannot be restored" in note for note in report.notes)


def test_a_held_lock_is_noted(db_path: Path) -> None:
    from rollout.storage import write_lock

    with write_lock(db_path):
        report = examine(db_path)
    assert "another process holds the write lock right now" in report.notes
    assert "another process holds the write lock right now" not in examine(db_path).notes


# -- the history store ---------------------------------------------------------------------------
Entries = list[dict[str, Any]]


@pytest.fixture
def with_history(db_path: Path) -> Path:
    """The bundled database with three changes in its history."""
    for n in range(3):
        with Database(db_path).transaction(f"user{n}", f"check add DE t{n}") as state:
            ops.add_items(state, ["DE"], f"t{n}")
    return db_path


def without_user(entries: Entries) -> None:
    entries[0]["user"] = ""


def duplicated(entries: Entries) -> None:
    entries.insert(1, dict(entries[0]))


def undo_of_nothing(entries: Entries) -> None:
    entries[0]["undoes"] = 4242


def redo_of_nothing(entries: Entries) -> None:
    entries[1]["redoes"] = 4242


def undo_of_an_undo(entries: Entries) -> None:
    entries[1]["undoes"] = 1
    entries[2]["undoes"] = 2


def ahead_of_the_file(entries: Entries) -> None:
    entries[-1]["revision"] = 10_000


def out_of_order(entries: Entries) -> None:
    entries[0], entries[1] = entries[1], entries[0]


def malformed_change(entries: Entries) -> None:
    entries[1]["changes"][0]["table"] = "widgets"


def id_used_in_history(entries: Entries) -> None:
    entries[2]["changes"][0]["key"] = "c999"


HISTORY_DAMAGE: list[tuple[Callable[[Entries], None], str]] = [
    (without_user, "history entry 1 does not say who made it"),
    (duplicated, "duplicate history entry id 1"),
    (undo_of_nothing, "history entry 1 undoes #4242, which is not in history"),
    (redo_of_nothing, "history entry 2 redoes #4242, which is not in history"),
    (undo_of_an_undo, "history entry 3 undoes #2, which is an undo or a redo, not a change"),
    (ahead_of_the_file, "history entry 3 has revision 10000, after the file's revision 3"),
    (out_of_order, "history entry 1 comes after entry 2"),
    (malformed_change, "history entry 2 has a malformed change; undo cannot use it"),
    (id_used_in_history, "the next checklist item id would be c388, but ids up to c999 are already used"),
]


@pytest.mark.parametrize(("how", "message"), HISTORY_DAMAGE, ids=[how.__name__ for how, _ in HISTORY_DAMAGE])
def test_each_kind_of_damage_in_history_is_reported(with_history: Path, how, message: str) -> None:
    entries = journal_entries(with_history)
    how(entries)
    rewrite_history(with_history, entries)
    report = examine(with_history)
    assert not report.ok
    assert any(message in problem for problem in report.problems), report.problems


def _journal(path: Path) -> Path:
    return history_folder(path) / "journal.jsonl"


def unreadable_line(path: Path) -> None:
    data = _journal(path).read_bytes()
    _journal(path).write_bytes(b"{garbage" + data[8:])


def cut_off(path: Path) -> None:
    os.truncate(_journal(path), _journal(path).stat().st_size - 10)


def folder_gone(path: Path) -> None:
    import shutil

    shutil.rmtree(history_folder(path))


def damaged_mark(path: Path) -> None:
    document = json.loads(path.read_bytes())
    document["_meta"]["1"]["history"] = "x"
    path.write_text(json.dumps(document))


def older_copy_of_the_file(path: Path) -> None:
    backups = sorted(path.with_name(path.name + ".backups").glob("rollout.r*.json"))
    path.write_bytes(backups[0].read_bytes())  # revision 0: the three changes came after it


def history_inside(path: Path) -> None:
    document = json.loads(path.read_bytes())
    document["history"] = {"1": {"id": 1}}
    path.write_text(json.dumps(document))


STORE_DAMAGE: list[tuple[Callable[[Path], None], str]] = [
    (unreadable_line, "line 1 of rollout.json.history/journal.jsonl cannot be read"),
    (cut_off, "rollout.json.history/journal.jsonl is shorter than the 3 entries the file counts: it was cut off"),
    (folder_gone, "the history (rollout.json.history/journal.jsonl) is missing: the 3 changes it held cannot be read"),
    (damaged_mark, "the history mark (_meta history 'x') is damaged"),
    (
        older_copy_of_the_file,
        "the history holds 3 changes after the file's revision 0: the file looks like an older copy",
    ),
    (history_inside, "the file has a history table of its own; rollout keeps history apart and ignores it"),
]


@pytest.mark.parametrize(("how", "message"), STORE_DAMAGE, ids=[how.__name__ for how, _ in STORE_DAMAGE])
def test_each_kind_of_damage_to_the_history_store_is_reported(with_history: Path, how, message: str) -> None:
    how(with_history)
    result = run_cli("--db", str(with_history), "doctor")
    assert result.exit_code == 1
    problems = [line.removeprefix("problem: ") for line in result.stdout.splitlines() if line.startswith("problem: ")]
    assert any(message in problem for problem in problems), problems


def orphan_entry(path: Path) -> None:
    entry = {**journal_entries(path)[-1], "id": 4, "revision": 4}
    with _journal(path).open("ab") as journal:
        journal.write(json.dumps(entry).encode() + b"\n")


def half_line(path: Path) -> None:
    with _journal(path).open("ab") as journal:
        journal.write(b'{"id": 4, "revision"')


def stale_index(path: Path) -> None:
    (history_folder(path) / "index.jsonl").write_bytes(b"")


LEFT_BEHIND: list[tuple[Callable[[Path], None], str]] = [
    (orphan_entry, "1 history entry was written by a change that was interrupted before its state was stored"),
    (half_line, "a history line was left half-written by an interrupted change"),
    (stale_index, "the history index (rollout.json.history/index.jsonl) does not match the journal"),
]


@pytest.mark.parametrize(("how", "message"), LEFT_BEHIND, ids=[how.__name__ for how, _ in LEFT_BEHIND])
def test_what_an_interrupted_change_leaves_is_a_note_and_the_next_change_tidies_it(
    with_history: Path, how, message: str
) -> None:
    how(with_history)
    report = examine(with_history)
    assert report.ok, report.problems
    assert any(message in note for note in report.notes), report.notes
    assert [e["id"] for e in Database(with_history).load().history] == [1, 2, 3]  # readers ignore it
    assert run_cli("--db", str(with_history), "check", "add", "DE", "next").exit_code == 0
    after = examine(with_history)
    assert after.ok and after.notes == [], after.notes
    assert [e["id"] for e in journal_entries(with_history)] == [1, 2, 3, 4]
    assert journal_entries(with_history)[-1]["command"] == "check add DE next"
