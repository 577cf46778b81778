"""File permissions, read-only mode in the CLI and the TUI, and the author of every change."""

from __future__ import annotations

import getpass
import os
import stat
from pathlib import Path

import pytest
from reliability_tools import run_cli
from reliability_workload import journal_entries

from rollout import ops
from rollout.db import Database
from rollout.storage import backup_dir, list_backups


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077, 0o000, 0o027])
def test_database_backups_and_lock_get_no_more_than_the_umask_gives_the_group(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "data" / "rollout.json"
    old = os.umask(umask)
    try:
        assert run_cli("--db", str(path), "init", "--empty").exit_code == 0
        for n in range(3):
            assert (
                run_cli(
                    "--db",
                    str(path),
                    "region",
                    "add",
                    ("DE", "FR", "JP")[n],
                    "--name",
                    "x",
                    "--tz",
                    "UTC",
                    "--currency",
                    "EUR",
                ).exit_code
                == 0
            )
    finally:
        os.umask(old)
    expected = 0o660 & ~umask
    assert mode_of(path) == expected
    assert mode_of(Path(f"{path}.lock")) & 0o007 == 0
    assert mode_of(backup_dir(path)) == 0o770 & ~umask
    kept = list_backups(path)
    assert len(kept) == 3
    assert all(mode_of(b) == expected for b in kept)


def test_an_existing_file_keeps_its_group_access_but_loses_access_for_others(db_path: Path) -> None:
    os.chmod(db_path, 0o666)
    old = os.umask(0o077)
    try:
        assert run_cli("--db", str(db_path), "check", "add", "DE", "x").exit_code == 0
    finally:
        os.umask(old)
    assert mode_of(db_path) == 0o660  # shared with the group as before, never with others
    assert mode_of(list_backups(db_path)[0]) == 0o660


WRITES: list[tuple[str, ...]] = [
    ("region", "add", "AT", "--name", "Austria", "--tz", "Europe/Vienna", "--currency", "EUR"),
    ("region", "set", "AU", "--owner", "x"),
    ("region", "remove", "AU", "--yes"),
    ("shift", "AU", "--by", "1w"),
    ("check", "add", "AU", "x"),
    ("check", "done", "AU", "c369"),
    ("check", "reopen", "AU", "c367"),
    ("check", "edit", "AU", "c369", "--title", "y"),
    ("check", "remove", "AU", "c369"),
    ("promo", "add", "AU", "x", "--start", "2027-10-01", "--end", "2027-10-02"),
    ("promo", "move", "p64", "--by", "1d"),
    ("promo", "edit", "p64", "--name", "y"),
    ("promo", "remove", "p64"),
    ("undo",),
    ("batch", "{batch}"),
    ("init", "--force"),
    ("restore", "1"),
    ("import", "{export}"),
]
READS: list[tuple[str, ...]] = [
    ("status",),
    ("region", "list", "--json"),
    ("region", "show", "AU"),
    ("check", "list", "AU"),
    ("promo", "list"),
    ("history",),
    ("doctor",),
    ("restore", "--list"),
    ("export", "--format", "json"),
]


@pytest.fixture
def shared_db(db_path: Path, tmp_path: Path) -> dict[str, str]:
    """A seeded database with one change (so undo and restore have something), a batch and an export."""
    assert run_cli("--db", str(db_path), "check", "add", "AU", "first").exit_code == 0
    batch = tmp_path / "lines.txt"
    batch.write_text("check add AU from-batch\n")
    export = tmp_path / "export.json"
    assert run_cli("--db", str(db_path), "export", "--format", "json", "-o", str(export)).exit_code == 0
    return {"{batch}": str(batch), "{export}": str(export)}


def _args(command: tuple[str, ...], files: dict[str, str]) -> list[str]:
    return [files.get(word, word) for word in command]


@pytest.mark.parametrize("how", ["flag", "ROLLOUT_READ_ONLY=1", "ROLLOUT_READ_ONLY=yes"])
def test_read_only_refuses_every_write_and_allows_every_read(
    db_path: Path, shared_db: dict[str, str], how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = ["--read-only"] if how == "flag" else []
    if how != "flag":
        monkeypatch.setenv("ROLLOUT_READ_ONLY", how.split("=")[1])
    before = db_path.read_bytes()
    kept = [p.name for p in list_backups(db_path)]
    for command in WRITES:
        result = run_cli("--db", str(db_path), *prefix, *_args(command, shared_db))
        assert result.exit_code == 1, (command, result.stdout, result.stderr)
        assert result.stderr.strip() == f"Error: read-only mode: no change written to {db_path}", command
        assert result.stdout == ""
    for command in READS:
        result = run_cli("--db", str(db_path), *prefix, *_args(command, shared_db))
        assert result.exit_code == 0, (command, result.stderr)
    assert db_path.read_bytes() == before
    assert [p.name for p in list_backups(db_path)] == kept


def test_read_only_refuses_edits_in_the_tui(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rollout.errors import ReadOnly
    from rollout.tui.app import RolloutApp

    before = db_path.read_bytes()
    by_flag = RolloutApp(db_path, user="viewer", read_only=True)
    monkeypatch.setenv("ROLLOUT_READ_ONLY", "1")
    by_environment = RolloutApp(db_path, user="viewer")
    for app in (by_flag, by_environment):
        assert app.read_only
        with pytest.raises(ReadOnly):
            app.apply_edit("check done AU c369", lambda s: ops.set_items_done(s, "AU", ["c369"], True, "viewer"))
        with pytest.raises(ReadOnly):
            app.session.edit("undo", ops.undo, app.snapshot.revision)
    assert db_path.read_bytes() == before


def test_every_change_in_history_carries_its_user(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = tmp_path / "lines.txt"
    batch.write_text("check add AU b1\ncheck add AU b2\n")
    export = tmp_path / "out.json"
    assert run_cli("--db", str(db_path), "export", "--format", "json", "-o", str(export)).exit_code == 0
    steps = [
        ("alice", ["--user", "alice", "check", "add", "AU", "a"]),
        ("bob", ["check", "done", "AU", "c369"]),  # from ROLLOUT_USER
        ("carol", ["--user", "carol", "batch", str(batch)]),
        ("dave", ["--user", "dave", "undo", "--entry", "3"]),  # carol's batch, on purpose
        ("erin", ["--user", "erin", "restore", "1"]),
        ("frank", ["--user", "frank", "import", str(export)]),
        (getpass.getuser(), ["region", "set", "AU", "--owner", "gil"]),  # the login name
    ]
    for user, args in steps:
        if user == "bob":
            monkeypatch.setenv("ROLLOUT_USER", "bob")
        elif user == getpass.getuser():
            monkeypatch.delenv("ROLLOUT_USER")
        else:
            monkeypatch.setenv("ROLLOUT_USER", "someone-else")
        result = run_cli("--db", str(db_path), *args)
        assert result.exit_code == 0, (args, result.stderr)
    with Database(db_path).transaction("core-user", "core edit") as state:
        ops.set_regions(state, ["AU"], wave=7)
    entries = Database(db_path).load().history
    changed = [e for e in entries if e["changes"]]
    assert [e["user"] for e in changed] == [user for user, _args in steps] + ["core-user"]
    assert {e["user"] for e in entries} <= {user for user, _args in steps} | {
        "core-user"
    }  # no entry without its author
    raw = journal_entries(db_path)  # the history as stored, read without rollout
    assert [e["user"] for e in raw] == [e["user"] for e in entries]
