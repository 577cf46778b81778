"""Backups kept before every write, and `rollout restore` bringing one back as an undoable change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reliability_tools import run_cli
from reliability_workload import journal_entries

from rollout import ops
from rollout.db import Database
from rollout.doctor import examine
from rollout.storage import BACKUPS_KEPT, backup_dir, list_backups


def _edit(path: Path, n: int, user: str = "tester") -> None:
    with Database(path).transaction(user, f"edit {n}") as state:
        ops.add_items(state, ["DE"], f"task {n}")


def _records(path: Path) -> dict[str, dict[str, dict]]:
    state = Database(path, read_only=True).load()
    return {name: dict(table) for name, table in state.tables.items()}


def test_each_write_keeps_the_version_it_replaces_and_the_last_ten_are_kept(small_db: Path) -> None:
    versions = {0: small_db.read_bytes()}
    for n in range(1, 16):
        _edit(small_db, n)
        versions[n] = small_db.read_bytes()
    kept = list_backups(small_db)
    assert len(kept) == BACKUPS_KEPT
    # Newest first: backup k holds revision 15 - k, byte for byte.
    for number, backup in enumerate(kept, 1):
        assert backup.name == f"small.r{15 - number:08d}.json"
        assert backup.read_bytes() == versions[15 - number]
    assert os.stat(kept[0]).st_nlink == 1  # the database itself was replaced, the old file lives on as the backup


def test_restore_lists_the_backups_newest_first(small_db: Path) -> None:
    for n in range(3):
        _edit(small_db, n, user=f"user{n}")
    listing = run_cli("--db", str(small_db), "restore")
    assert listing.exit_code == 0
    lines = listing.stdout.splitlines()
    assert lines[0] == f"Backups of {small_db}, newest first (`rollout restore N` brings one back):"
    assert lines[1].split()[:2] == ["N", "REVISION"]
    assert [line.split()[:2] for line in lines[2:]] == [["1", "2"], ["2", "1"], ["3", "0"]]
    assert lines[2].endswith("#2 user1: edit 1")
    assert lines[4].endswith("(none)")
    data = json.loads(run_cli("--db", str(small_db), "restore", "--list", "--json").stdout)
    assert [(b["number"], b["revision"]) for b in data] == [(1, 2), (2, 1), (3, 0)]
    assert data[0]["last_change"] == {"id": 2, "user": "user1", "command": "edit 1"}


def test_restore_brings_a_backup_back_as_one_change_that_undo_reverts(small_db: Path) -> None:
    for n in range(4):
        _edit(small_db, n)
    wanted = _records(backup_dir(small_db) / "small.r00000001.json")  # after the first edit
    current = _records(small_db)
    result = run_cli("--db", str(small_db), "--user", "restorer", "restore", "3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Restored backup 3 (revision 1, saved ")
    assert "3 checklist items removed (history #5; `rollout undo` reverts it)." in result.stdout
    assert _records(small_db) == wanted
    entry = Database(small_db).load().history[-1]
    assert (entry["user"], entry["command"], len(entry["changes"])) == ("restorer", "restore 3", 3)
    undone = run_cli("--db", str(small_db), "--user", "restorer", "undo")  # undo is the restorer's
    assert undone.exit_code == 0
    assert (
        undone.stdout.strip() == "Undid your change #5 (2026-11-24 09:00 UTC): restore 3 (3 checklist items removed)."
    )
    assert _records(small_db) == current


def test_restore_puts_records_back_in_their_original_order(small_db: Path) -> None:
    _edit(small_db, 1)
    _edit(small_db, 2)
    snapshot = Database(small_db).load().data()
    with Database(small_db).transaction("tester", "remove") as state:
        ops.remove_items(state, "DE", ["c1"])
    assert run_cli("--db", str(small_db), "restore", "1").exit_code == 0
    assert Database(small_db).load().data() == snapshot


def test_a_dry_run_restore_writes_nothing(small_db: Path) -> None:
    _edit(small_db, 1)
    before = small_db.read_bytes()
    result = run_cli("--db", str(small_db), "restore", "1", "--dry-run")
    assert result.exit_code == 0
    assert "would apply: 1 checklist item removed. Nothing was written." in result.stdout
    assert small_db.read_bytes() == before


def test_restoring_the_same_records_changes_nothing(small_db: Path) -> None:
    _edit(small_db, 1)
    with Database(small_db).transaction("tester", "touch") as state:
        ops.set_regions(state, ["DE"], owner="x")
    with Database(small_db).transaction("tester", "untouch") as state:
        ops.set_regions(state, ["DE"], owner="")
    before = small_db.read_bytes()
    result = run_cli("--db", str(small_db), "restore", "2")
    assert result.exit_code == 0
    assert "nothing changed" in result.stdout
    assert small_db.read_bytes() == before


def test_an_unreadable_database_is_replaced_only_with_force_and_kept_aside(small_db: Path) -> None:
    _edit(small_db, 1)
    _edit(small_db, 2)
    wanted = _records(small_db)
    damaged = small_db.read_bytes()[:300]
    small_db.write_bytes(damaged)
    refused = run_cli("--db", str(small_db), "restore", "1")
    assert refused.exit_code == 1
    assert "is corrupt" in refused.stderr and "restore 1 --force" in refused.stderr
    assert small_db.read_bytes() == damaged
    result = run_cli("--db", str(small_db), "--user", "fixer", "restore", "1", "--force")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "Replaced the unreadable database with backup 1 (revision 1, saved "
    ) and result.stdout.rstrip().endswith(
        f"UTC), replaying the later change in history (#2) (history #3); the unreadable file was kept as "
        f"{next(backup_dir(small_db).glob('small.unreadable-*.json'))}."
    )
    assert _records(small_db) == wanted  # the backup, and the change after it from history: nothing lost
    aside = list(backup_dir(small_db).glob("small.unreadable-*.json"))
    assert [p.read_bytes() for p in aside] == [damaged]
    state = Database(small_db).load()
    last = state.history[-1]
    assert (last["user"], last["command"], last["changes"], last["restores"], last["replayed"]) == (
        "fixer",
        "restore 1 --force",
        [],
        1,
        [2, 2],
    )
    assert state.revision > max(int(p.name[7:15]) for p in list_backups(small_db))
    # Undo passes over the whole-file restore (it changed no record): the fixer has nothing to undo,
    # and the last real change is the tester's.
    nothing = run_cli("--db", str(small_db), "--user", "fixer", "undo")
    assert (nothing.exit_code, nothing.stderr) == (1, "Error: nothing to undo: no change by fixer is in effect\n")
    undone = run_cli("--db", str(small_db), "undo").stdout.strip()
    assert undone == "Undid your change #2 (2026-11-24 09:00 UTC): edit 2 (1 checklist item added)."


def test_recovery_replays_history_after_the_backup_and_never_reuses_a_revision_or_an_id(small_db: Path) -> None:
    for n in range(1, 6):
        _edit(small_db, n, user=f"user{n}")
    wanted = _records(small_db)
    list_backups(small_db)[0].write_bytes(b"{damaged too")  # the newest backup (revision 4) is unreadable as well
    small_db.write_bytes(b"\x00" * 64)
    dry = run_cli("--db", str(small_db), "restore", "2", "--force", "--dry-run")
    assert dry.stdout.strip().endswith(
        "as a whole, replaying the later 2 changes in history (#4-#5). Nothing was written."
    ), dry.stdout
    assert small_db.read_bytes() == b"\x00" * 64
    done = json.loads(run_cli("--db", str(small_db), "restore", "2", "--force", "--json").stdout)
    assert (done["restored"]["revision"], done["restored"]["replayed"], done["history"]) == (3, [4, 5], 6)
    assert done["restored"]["whole"] is True and done["revision"] == 6
    assert _records(small_db) == wanted
    state = Database(small_db).load()
    assert [(e["id"], e["revision"]) for e in state.history] == [(n, n) for n in range(1, 7)]
    assert state.revision == 6
    # The next change goes on counting; doctor finds the database and its history sound.
    _edit(small_db, 6)
    assert [e["id"] for e in journal_entries(small_db)] == [1, 2, 3, 4, 5, 6, 7]
    assert examine(small_db).ok


def test_a_database_file_that_went_missing_is_brought_back_from_backup_and_history(small_db: Path) -> None:
    for n in range(1, 4):
        _edit(small_db, n)
    wanted = _records(small_db)
    small_db.unlink()
    refused = run_cli("--db", str(small_db), "status")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: database {small_db} is missing, but its history is there")
    assert not small_db.exists()  # not silently seeded afresh beside a history it would then drop
    assert "but its history is there (small.json.history)" in examine(small_db).problems[0]
    assert run_cli("--db", str(small_db), "restore", "1", "--force").exit_code == 0
    assert _records(small_db) == wanted


def test_a_database_file_replaced_by_an_older_copy_is_not_written_on(small_db: Path) -> None:
    for n in range(1, 5):
        _edit(small_db, n)
    wanted = _records(small_db)
    small_db.write_bytes(list_backups(small_db)[2].read_bytes())  # revision 1: three changes came after it
    older = small_db.read_bytes()
    refused = run_cli("--db", str(small_db), "check", "add", "DE", "lost?")
    assert refused.exit_code == 1
    assert "is older than its history: 3 changes in small.json.history came after its revision 1" in refused.stderr
    assert small_db.read_bytes() == older
    assert len(journal_entries(small_db)) == 4
    done = run_cli("--db", str(small_db), "restore", "1", "--force")
    assert done.exit_code == 0, done.stderr
    assert _records(small_db) == wanted
    assert list(backup_dir(small_db).glob("small.replaced-*.json"))


def test_two_files_kept_aside_in_the_same_second_get_their_own_names(small_db: Path) -> None:
    from rollout.storage import keep_aside

    kept = [keep_aside(small_db, small_db, "unreadable") for _ in range(5)]
    assert len({p.name for p in kept if p}) == 5
    assert all(p and p.read_bytes() == small_db.read_bytes() for p in kept)


def test_restore_needs_an_existing_backup(small_db: Path) -> None:
    before = small_db.read_bytes()
    none_yet = run_cli("--db", str(small_db), "restore", "1")
    assert (none_yet.exit_code, none_yet.stderr.strip()) == (
        1,
        f"Error: no backups of {small_db} yet (one is kept before every change)",
    )
    _edit(small_db, 1)
    before = small_db.read_bytes()
    missing = run_cli("--db", str(small_db), "restore", "4")
    assert missing.stderr.strip() == "Error: no backup 4: there are 1 (rollout restore --list shows them)"
    assert small_db.read_bytes() == before


def test_a_damaged_backup_is_refused_with_its_number(small_db: Path) -> None:
    _edit(small_db, 1)
    list_backups(small_db)[0].write_bytes(b"\x00garbage")
    before = small_db.read_bytes()
    result = run_cli("--db", str(small_db), "restore", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: backup 1 cannot be restored: database ")
    assert "is corrupt" in result.stderr
    assert small_db.read_bytes() == before


def test_init_force_keeps_the_replaced_database(small_db: Path, tmp_path: Path) -> None:
    _edit(small_db, 1)
    readable = small_db.read_bytes()
    assert run_cli("--db", str(small_db), "init", "--empty", "--force").exit_code == 0
    assert list_backups(small_db)[0].read_bytes() == readable
    small_db.write_bytes(b"{broken")
    assert run_cli("--db", str(small_db), "init", "--empty", "--force").exit_code == 0
    assert [p.read_bytes() for p in backup_dir(small_db).glob("small.unreadable-*.json")] == [b"{broken"]
    assert Database(small_db).load().regions == {}


@pytest.mark.parametrize("flag", ["--read-only", None])
def test_restore_respects_read_only(small_db: Path, flag: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(small_db, 1)
    if flag is None:
        monkeypatch.setenv("ROLLOUT_READ_ONLY", "1")
    before = small_db.read_bytes()
    result = run_cli("--db", str(small_db), *([flag] if flag else []), "restore", "1")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: read-only mode: no change written to {small_db}"
    assert small_db.read_bytes() == before
    assert run_cli("--db", str(small_db), *([flag] if flag else []), "restore", "--list").exit_code == 0
