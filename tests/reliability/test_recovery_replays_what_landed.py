"""A whole-state recovery (`restore N --force`) replays only the changes whose commit completed.

A writer killed after writing its history entry, before storing its state, leaves that entry in
the journal. Readers never see it; neither may a recovery: when the state file is then lost or
unreadable, `restore --force` skips it, says so (text and --json), keeps it aside, and never gives
its id again. The same holds for a `restore --force` killed in the middle of its own `replace`:
its entry is a phantom the next recovery skips.

Kills land at every named point of a commit (rollout.backends.tinydb.CHECKPOINTS; the child
stops itself there with ROLLOUT_TEST_STOP_AT, then is killed), first of an ordinary change, then of
the recovery itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from reliability_tools import WORKLOAD, run_cli
from reliability_workload import journal_entries

from rollout import ops
from rollout.backends.tinydb import CHECKPOINTS, STOP_AT_VARIABLE
from rollout.db import Database
from rollout.doctor import examine
from rollout.state import TABLES
from rollout.storage import backup_dir

pytestmark = pytest.mark.slow

# Points at which the killed writer's history entry is complete in the journal, its state not stored.
ORPHAN = {"journal-written", "index-partial", "index-written", "tmp-partial", "tmp-written", "backup-kept"}
# Points at which the new state file is in place: the change landed.
LANDED = {"replaced", "committed"}
# A change counts for a recovery once its commit is recorded (the last step, after "replaced"): when
# the state file is lost too, one killed at "replaced" (its command failed in front of the user) is
# skipped like an orphan, unless what is left of the state file says it landed.
UNRECORDED = {*ORPHAN, "replaced"}


def _records(path: Path) -> dict[str, Any]:
    state = Database(path, read_only=True).load()
    return {name: dict(state.tables[name]) for name in TABLES}


def _edits(path: Path, count: int) -> None:
    for n in range(count):
        with Database(path).transaction(f"user{n}", f"edit {n}") as state:
            ops.add_items(state, ["DE"], f"task {n}")


def _stop_and_kill(command: list[str], point: str) -> None:
    env = {**os.environ, STOP_AT_VARIABLE: point}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _pid, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), f"the child ended (status {status}) without reaching {point}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)


def _crash_change(path: Path, point: str) -> None:
    """The reliability workload's large change, killed at `point`."""
    _stop_and_kill([sys.executable, str(WORKLOAD), "crash", str(path)], point)


def _restore_force(path: Path, point: str) -> None:
    """`rollout restore 1 --force` in its own process, killed at `point`."""
    _stop_and_kill(
        [sys.executable, "-m", "rollout", "--db", str(path), "--user", "fixer", "restore", "1", "--force"], point
    )


def _ids(path: Path) -> list[int]:
    return [e["id"] for e in journal_entries(path)]


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_a_change_killed_before_its_state_landed_is_not_replayed_by_a_recovery(small_db: Path, point: str) -> None:
    _edits(small_db, 3)
    before = _records(small_db)
    _crash_change(small_db, point)
    landed = _records(small_db)
    assert (landed == before) == (point not in LANDED)
    orphan = journal_entries(small_db)[-1] if point in UNRECORDED else None
    if orphan is not None:
        assert (orphan["id"], orphan["command"]) == (4, "crash change")
    small_db.unlink()  # the state file is then lost (a new, empty one in its place: not through a backup's link)
    small_db.write_bytes(b"")
    done = run_cli("--db", str(small_db), "--user", "fixer", "restore", "1", "--force", "--json")
    assert done.exit_code == 0, done.stderr
    restored = json.loads(done.stdout)
    # Only what landed comes back: a change whose command never completed stays out.
    assert _records(small_db) == (before if orphan is not None else landed)
    if orphan is not None:
        assert restored["restored"]["skipped"] == [4]
        # Backup 1 is revision 2, or 3 when the killed change got as far as keeping a backup.
        assert restored["restored"]["replayed"] == [i for i in (3,) if i > restored["restored"]["revision"]]
        assert restored["history"] == 5  # the skipped entry's id is never given again
        assert _ids(small_db) == [1, 2, 3, 5]
        kept = list(backup_dir(small_db).glob("small.skipped-*.jsonl"))
        assert [json.loads(p.read_bytes())["id"] for p in kept] == [4]
    else:
        assert restored["restored"]["skipped"] == []
        assert _ids(small_db) == list(range(1, restored["history"] + 1))
    last = Database(small_db).load().history[-1]
    assert last["command"] == "restore 1 --force --json"
    assert last.get("skipped", []) == restored["restored"]["skipped"]
    assert examine(small_db).ok, examine(small_db).problems
    # The next change goes on after the restore.
    _edits(small_db, 1)
    assert _ids(small_db)[-1] == restored["history"] + 1
    assert examine(small_db).ok


def test_what_is_left_of_the_state_file_says_a_change_killed_after_its_replace_landed(small_db: Path) -> None:
    _edits(small_db, 3)
    _crash_change(small_db, "replaced")
    landed = _records(small_db)
    raw = small_db.read_bytes()
    cut = raw.index(b'"regions"')  # `_meta` (with the history mark) is written first: keep it, lose the rest
    small_db.write_bytes(raw[:cut])
    done = json.loads(run_cli("--db", str(small_db), "restore", "1", "--force", "--json").stdout)
    assert (done["restored"]["revision"], done["restored"]["replayed"], done["restored"]["skipped"]) == (3, [4], [])
    assert done["history"] == 5
    assert _records(small_db) == landed


def test_the_text_of_a_recovery_says_what_it_skipped(small_db: Path) -> None:
    _edits(small_db, 2)
    _crash_change(small_db, "tmp-written")
    small_db.unlink()
    dry = run_cli("--db", str(small_db), "restore", "1", "--force", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.strip().endswith(
        "as a whole, replaying the later change in history (#2), skipping #3, written by a change that never "
        "completed. Nothing was written."
    ), dry.stdout
    assert not small_db.exists()
    done = run_cli("--db", str(small_db), "restore", "1", "--force")
    assert done.exit_code == 0, done.stderr
    assert "replaying the later change in history (#2), skipping #3, written by a change that never completed " in (
        done.stdout
    )
    assert "(history #4)" in done.stdout


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_a_recovery_killed_at_any_point_leaves_no_phantom_restore(small_db: Path, point: str) -> None:
    _edits(small_db, 4)
    wanted = _records(small_db)
    small_db.write_bytes(b"\x00" * 32)  # unreadable: only a whole-state restore brings it back
    _restore_force(small_db, point)
    if point in LANDED:
        # The restore landed: its entry is the newest, the database is sound.
        assert _records(small_db) == wanted
        assert [e["command"] for e in journal_entries(small_db)][-1] == "restore 1 --force"
        assert examine(small_db).ok, examine(small_db).problems
        return
    phantom = journal_entries(small_db)[-1] if point in ORPHAN else None
    if phantom is not None:
        assert (phantom["id"], phantom["command"]) == (5, "restore 1 --force")
    again = run_cli("--db", str(small_db), "--user", "fixer", "restore", "1", "--force", "--json")
    assert again.exit_code == 0, again.stderr
    restored = json.loads(again.stdout)
    assert _records(small_db) == wanted
    entries = journal_entries(small_db)
    # Exactly one restore in history: the one that completed; the phantom is skipped and its id spent.
    assert [e["command"].startswith("restore 1 --force") for e in entries].count(True) == 1
    assert restored["restored"]["skipped"] == ([5] if phantom else [])
    assert restored["history"] == (6 if phantom else 5)
    assert [e["id"] for e in entries] == [1, 2, 3, 4, restored["history"]]
    assert examine(small_db).ok, examine(small_db).problems


@pytest.mark.parametrize("point", ["journal-partial", "journal-written", "tmp-written"])
def test_a_recovery_of_a_journal_with_an_orphan_killed_midway_never_gives_its_ids_again(
    small_db: Path, point: str
) -> None:
    """An orphan left by a killed change, then the recovery killed too: the next recovery skips
    what did not land, replays what did, and spends every id either of them wrote."""
    _edits(small_db, 3)
    before = _records(small_db)
    _crash_change(small_db, "index-written")  # orphan #4
    small_db.unlink()
    _restore_force(small_db, point)  # cuts #4 off (kept aside), then is killed writing #5
    done = run_cli("--db", str(small_db), "--user", "fixer", "restore", "1", "--force", "--json")
    assert done.exit_code == 0, done.stderr
    restored = json.loads(done.stdout)
    assert _records(small_db) == before
    # Neither #4 (the change) nor a complete #5 (the killed restore) is given again; a half-written #5
    # never was an entry.
    expected = 5 if point == "journal-partial" else 6
    assert restored["history"] == expected
    entries = journal_entries(small_db)
    assert [e["id"] for e in entries] == [1, 2, 3, expected]
    assert entries[-1]["command"] == "restore 1 --force --json"
    kept = sorted(backup_dir(small_db).glob("small.skipped-*.jsonl"))
    skipped_ids = [json.loads(line)["id"] for p in kept for line in p.read_bytes().splitlines()]
    assert 4 in skipped_ids
    assert examine(small_db).ok, examine(small_db).problems


def test_a_recovery_trusts_a_database_written_before_commits_were_recorded(small_db: Path) -> None:
    """No record of the last commit (an older rollout wrote the database): every complete entry
    counts as landed, as it always did."""
    _edits(small_db, 3)
    (small_db.with_name(small_db.name + ".history") / "committed.json").unlink()
    small_db.unlink()
    done = json.loads(run_cli("--db", str(small_db), "restore", "1", "--force", "--json").stdout)
    assert (done["restored"]["replayed"], done["restored"]["skipped"], done["history"]) == ([3], [], 4)


def test_init_force_over_an_unreadable_database_skips_an_orphan_too(small_db: Path) -> None:
    """The other whole-state replacement: `init --force` keeps the history that landed, and only that."""
    _edits(small_db, 3)
    _crash_change(small_db, "tmp-written")  # orphan #4
    small_db.write_bytes(b"{broken")
    done = run_cli("--db", str(small_db), "--user", "fixer", "init", "--empty", "--force")
    assert done.exit_code == 0, done.stderr
    entries = journal_entries(small_db)
    assert [e["id"] for e in entries] == [1, 2, 3, 5]
    assert entries[-1]["skipped"] == [4]
    assert "skipped #4 in history, written by a change that never completed" in entries[-1]["notes"]
    assert Database(small_db).load().regions == {}
    assert examine(small_db).ok, examine(small_db).problems
