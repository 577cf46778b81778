"""A write that bypassed the rollout lock is refused by the next writer and reported by doctor.

rollout records what each commit stored (the revision, the history it covers, the SHA-256 of the
file's bytes). A program that writes the state file itself (TinyDB, a text editor, `cp`) without
going through rollout is found under the lock by the next writer, which refuses with one line
saying what happened and how to fix it, and by `rollout doctor`; nothing is absorbed, no history
line is cut, no id handed out twice, no backup overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from reliability_tools import run_cli
from reliability_workload import journal_entries
from tinydb import Query, TinyDB
from tinydb.storages import JSONStorage

from rollout import ops
from rollout.db import Database
from rollout.doctor import examine
from rollout.storage import backup_dir, list_backups, write_state_file

REFUSAL = "was changed without the rollout lock"


def _edit(path: Path, n: int, user: str = "tester") -> None:
    with Database(path).transaction(user, f"edit {n}") as state:
        ops.add_items(state, ["DE"], f"task {n}")


def _owners(path: Path) -> dict[str, str]:
    state = Database(path, read_only=True).load()
    return {code: region["owner"] for code, region in state.regions.items()}


def _tinydb_write(path: Path, document: dict[str, Any]) -> None:
    """What a script using TinyDB itself does: write the whole document in place, no lock, no history."""
    storage = JSONStorage(str(path))
    storage.write(document)
    storage.close()


def _refused_unchanged(path: Path, *command: str) -> str:
    """Run an editing command that must be refused; the files must stay byte-identical. Returns stderr."""
    before = (path.read_bytes(), (path.with_name(path.name + ".history") / "journal.jsonl").read_bytes())
    result = run_cli("--db", str(path), *command)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    after = (path.read_bytes(), (path.with_name(path.name + ".history") / "journal.jsonl").read_bytes())
    assert after == before
    return result.stderr


def test_a_script_writing_what_it_read_before_a_colleagues_change_is_refused_not_absorbed(small_db: Path) -> None:
    """The reported fault: read, a colleague commits, write; the colleague's change vanished, its
    history line was then cut and its id given to the next change, and doctor found nothing."""
    _edit(small_db, 1)
    _edit(small_db, 2)
    seen = json.loads(small_db.read_bytes())  # the script reads (revision 2)
    with Database(small_db).transaction("colleague", "region set DE --owner ana") as state:
        ops.set_regions(state, ["DE"], owner="ana")  # revision 3, entry #3
    seen["regions"]["1"]["owner"] = "script"
    _tinydb_write(small_db, seen)  # revision 2 again, without the colleague's change
    error = _refused_unchanged(small_db, "check", "add", "FR", "next")
    assert REFUSAL in error or "older than its history" in error
    assert "rollout restore 1 --force" in error
    assert [e["id"] for e in journal_entries(small_db)] == [1, 2, 3]  # #3 kept, not cut
    report = examine(small_db)
    assert not report.ok
    assert any(
        "holds 1 change after the file's revision 2: the file looks like an older copy" in p for p in report.problems
    ), report.problems
    # The fix the message names brings the colleague's change back; ids go on after #3.
    fixed = run_cli("--db", str(small_db), "restore", "1", "--force", "--json")
    assert fixed.exit_code == 0, fixed.stderr
    assert json.loads(fixed.stdout)["history"] == 4
    assert _owners(small_db)["DE"] == "ana"
    assert list(backup_dir(small_db).glob("small.replaced-*.json"))  # the script's file is kept
    assert examine(small_db).ok


def test_a_change_written_at_the_same_revision_is_refused_and_reported(small_db: Path) -> None:
    _edit(small_db, 1)
    with TinyDB(str(small_db)) as tiny:
        tiny.table("regions").update({"owner": "bypass"}, Query().code == "DE")
    error = _refused_unchanged(small_db, "region", "set", "FR", "--owner", "next")
    assert REFUSAL in error
    assert "its records differ from those rollout stored at revision 1" in error
    assert "rollout doctor" in error and "rollout restore 1 --force" in error
    problems = examine(small_db).problems
    assert any("not what rollout stored last: its records differ" in p for p in problems), problems
    # Undo, restore without --force and import are writers too: all refuse.
    _refused_unchanged(small_db, "undo")
    assert run_cli("--db", str(small_db), "restore", "1").exit_code == 1


def test_a_revision_bumped_without_a_history_entry_is_refused_and_reported(small_db: Path) -> None:
    _edit(small_db, 1)
    _edit(small_db, 2)
    document = json.loads(small_db.read_bytes())
    document["_meta"]["1"]["revision"] = 3
    document["regions"]["1"]["owner"] = "bypass"
    _tinydb_write(small_db, document)
    error = _refused_unchanged(small_db, "check", "add", "FR", "next")
    assert REFUSAL in error and "revision 3" in error
    assert any("revision 3" in p for p in examine(small_db).problems)


def test_a_revision_bumped_without_history_is_found_even_without_a_record_of_the_last_commit(
    small_db: Path,
) -> None:
    """A database last written by an older rollout has no record of its last commit: the newest
    history entry still says which revision it made."""
    _edit(small_db, 1)
    (small_db.with_name(small_db.name + ".history") / "committed.json").unlink()
    document = json.loads(small_db.read_bytes())
    document["_meta"]["1"]["revision"] = 5
    _tinydb_write(small_db, document)
    error = _refused_unchanged(small_db, "check", "add", "FR", "next")
    assert "the newest history entry (#1) made revision 1" in error
    assert any("newest history entry (#1) made revision 1" in p for p in examine(small_db).problems)


@pytest.mark.parametrize("back", [1, 2])
def test_a_state_file_replaced_by_an_older_copy_is_refused_and_reported(small_db: Path, back: int) -> None:
    """One revision back used to pass for a killed change: its committed history line was cut and its
    id given again. Now the record of the last commit tells them apart."""
    for n in range(1, 5):
        _edit(small_db, n)
    shutil.copyfile(list_backups(small_db)[back - 1], small_db)  # revision 4 - back
    error = _refused_unchanged(small_db, "check", "add", "FR", "next")
    assert "older than its history" in error and f"came after its revision {4 - back}" in error
    assert len(journal_entries(small_db)) == 4
    problems = examine(small_db).problems
    assert any(f"after the file's revision {4 - back}: the file looks like an older copy" in p for p in problems), (
        problems
    )
    assert run_cli("--db", str(small_db), "restore", "1", "--force").exit_code == 0
    assert [e["id"] for e in journal_entries(small_db)] == [1, 2, 3, 4, 5]


def test_moving_or_copying_the_database_is_not_taken_for_a_bypass(small_db: Path, tmp_path: Path) -> None:
    """The file's signature changes (new inode, new times) but not its bytes: no refusal."""
    _edit(small_db, 1)
    copy = tmp_path / "copy" / "small.json"
    copy.parent.mkdir()
    shutil.copyfile(small_db, copy)
    shutil.copytree(small_db.with_name("small.json.history"), copy.with_name("small.json.history"))
    small_db.chmod(0o640)
    for path in (small_db, copy):
        assert run_cli("--db", str(path), "check", "add", "FR", "after").exit_code == 0
        assert examine(path).ok, examine(path).problems


def test_a_backup_is_never_overwritten_by_a_revision_stored_twice(small_db: Path) -> None:
    """The reported fault: writing revision N again (a program that did not bump it) replaced the
    backup named for revision N-1 with revision N's records. Both versions are now kept."""
    _edit(small_db, 1)
    _edit(small_db, 2)
    backup = backup_dir(small_db) / "small.r00000001.json"
    kept = backup.read_bytes()
    current = small_db.read_bytes()
    document = json.loads(current)
    document["regions"]["1"]["owner"] = "second write of revision 2"
    write_state_file(small_db, document, previous_schema=3)
    assert backup.read_bytes() == kept
    again = list(backup_dir(small_db).glob("small.r00000001-again-*.json"))
    assert [p.read_bytes() for p in again] == [current]


def test_a_rewrite_in_place_keeping_size_and_modification_time_is_still_found(small_db: Path) -> None:
    """A file's signature (inode, size, mtime) does not change when a program rewrites it in place
    with as many bytes within the clock tick of the commit: the bytes' digest does."""
    _edit(small_db, 1)
    info = small_db.stat()
    raw = small_db.read_bytes()
    changed = raw.replace(b'"owner": ""', b'"owner": "x"', 1)
    changed = changed.replace(b"  ", b" ", 1)  # keep the size
    assert len(changed) == len(raw) and changed != raw
    with open(small_db, "r+b") as handle:
        handle.write(changed)
    os.utime(small_db, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert small_db.stat().st_ino == info.st_ino and small_db.stat().st_mtime_ns == info.st_mtime_ns
    assert REFUSAL in _refused_unchanged(small_db, "region", "set", "FR", "--owner", "next")
