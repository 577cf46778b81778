"""SIGKILL at any moment of a change leaves the database as it was before it or after it.

A child process makes one large change (180 checklist items, 45 promotions and three regions
added, or all of them removed). Kills land in two ways:

- at every named point of a commit (rollout.backends.tinydb.CHECKPOINTS: inside the history
  append, between it and the state file's replace, inside that, after it): the child stops itself
  there (ROLLOUT_TEST_STOP_AT), the test looks at what readers see at that very moment, then kills
  it. Which outcome each point gives is known, so it is asserted exactly;
- at random moments of the whole change, and of a `rollout batch` run by the console script.

After every kill: the state equals the one before or after the change, every revision it holds
has exactly its one history entry (an entry whose state never got stored is not read), `doctor`
finds no problem, and the next change removes whatever the killed one left.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from needs import console_script
from reliability_tools import WORKLOAD, run_cli
from reliability_workload import (
    CRASH_CODES,
    crash_change,
    journal_entries,
    journal_lines,
    small_document,
    write_document,
)

from rollout import ops
from rollout.backends.tinydb import CHECKPOINTS, STOP_AT_VARIABLE
from rollout.db import Database
from rollout.doctor import examine
from rollout.files import leftovers
from rollout.state import TABLES

pytestmark = pytest.mark.slow

# The points at which the new state file is in place: a kill there leaves the state after the change.
AFTER = {"replaced", "committed"}


@dataclass(frozen=True)
class Seen:
    """What a reader sees: the records, the revision, and the history as (id, revision, command)."""

    records: dict[str, Any]
    revision: int
    history: list[tuple[int, int, str]]


def seen(path: Path) -> Seen:
    state = Database(path, read_only=True).load()
    records = {name: dict(state.tables[name]) for name in TABLES}
    return Seen(records, state.revision, [(e["id"], e["revision"], e["command"]) for e in state.history])


def _setup(path: Path, build: bool) -> tuple[Seen, Seen]:
    """A database with two changes in history (three when `build` is False: the checklist is there
    to tear down), and (before, after) of the crash change on it."""
    write_document(path, small_document(CRASH_CODES))
    for n, code in enumerate(("DE", "FR")):
        with Database(path).transaction("setup", f"setup {n}") as state:
            ops.set_regions(state, [code], owner=f"owner {n}")
    if not build:
        with Database(path).transaction("setup", "build") as state:
            crash_change(state)
    before = seen(path)
    with Database(path).transaction("crasher", "crash change", dry_run=True) as state:
        crash_change(state)
        records = {name: dict(state.tables[name]) for name in TABLES}
    revision = before.revision + 1
    after = Seen(records, revision, [*before.history, (revision, revision, "crash change")])
    return before, after


def _child(path: Path, stop_at: str | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != STOP_AT_VARIABLE}
    if stop_at:
        env[STOP_AT_VARIABLE] = stop_at
    return subprocess.Popen([sys.executable, str(WORKLOAD), "crash", str(path)], stdout=subprocess.PIPE, env=env)


def _wait_until_stopped(proc: subprocess.Popen[Any]) -> None:
    _pid, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the writer ended (status {status}) without reaching its stop point"


def check_after_kill(path: Path, before: Seen, after: Seen) -> Seen:
    """The invariants after a kill; returns what readers see."""
    now = seen(path)
    assert now in (before, after), "the state is neither the one before nor the one after the change"
    # Every revision has exactly its one entry, in order; nothing past the stored state is read.
    assert [(i, r) for i, r, _ in now.history] == [(n, n) for n in range(1, now.revision + 1)]
    report = examine(path)
    assert report.ok, report.problems
    return now


def check_next_writer_tidies_up(path: Path, now: Seen) -> None:
    """The next change removes what the killed writer left and goes on counting from the stored state."""
    with Database(path).transaction("tester", "after the kill") as state:
        state.put("regions", {**state.regions["DE"], "owner": "recovered"})
    assert leftovers(path) == []
    entries = journal_entries(path)
    assert [(e["id"], e["revision"]) for e in entries] == [(n, n) for n in range(1, now.revision + 2)]
    assert entries[-1]["command"] == "after the kill"
    assert journal_lines(path)[-1] == b""  # no half line left at the end
    report = examine(path)
    assert report.ok and report.notes == [], (report.problems, report.notes)


# -- kills at every named point of a commit ------------------------------------------------------
POINTS = [(point, build) for point in CHECKPOINTS for build in (True, False)]


@pytest.mark.parametrize(("point", "build"), POINTS, ids=[f"{p}-{'build' if b else 'teardown'}" for p, b in POINTS])
def test_a_kill_at_each_point_of_a_commit_leaves_the_state_before_or_after(
    tmp_path: Path, point: str, build: bool
) -> None:
    path = tmp_path / "crash.json"
    before, after = _setup(path, build)
    proc = _child(path, stop_at=point)
    try:
        _wait_until_stopped(proc)
        # Frozen at `point`, holding the lock: readers see the state before, and its history only.
        expected = after if point in AFTER else before
        assert seen(path) == expected
        listed = json.loads(run_cli("--db", str(path), "history", "--json").stdout)
        assert [e["id"] for e in listed] == [i for i, _, _ in reversed(expected.history)]
    finally:
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(60) == -signal.SIGKILL
    now = check_after_kill(path, before, after)
    assert now == expected
    if point in ("journal-written", "index-partial", "index-written", "tmp-partial", "tmp-written", "backup-kept"):
        # The entry is in the journal but its state never got stored: there, and never read.
        assert journal_entries(path)[-1]["command"] == "crash change"
        assert all(command != "crash change" for _, _, command in now.history)
    check_next_writer_tidies_up(path, now)


def test_a_kill_during_the_first_write_to_an_old_file_leaves_it_old_and_the_next_write_upgrades_it(
    tmp_path: Path,
) -> None:
    """The first write to a schema-1 file moves its history out: killed in the middle, the file is
    still the old one (read as before), and the next writer does the whole upgrade."""
    original = (Path(__file__).parent / "data" / "schema1-landed.json").read_bytes()
    outcomes = {}
    for point in CHECKPOINTS:
        path = tmp_path / point / "rollout.json"
        path.parent.mkdir()
        path.write_bytes(original)
        before = seen(path)
        proc = _child(path, stop_at=point)
        _wait_until_stopped(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
        now = seen(path)
        old = path.read_bytes() == original
        outcomes[point] = "old file" if old else "upgraded"
        assert old == (point not in AFTER), point
        if old:
            assert now == before
        assert examine(path).ok
        assert run_cli("--db", str(path), "check", "add", "JP", "after").exit_code == 0
        entries = journal_entries(path)
        assert [e["id"] for e in entries] == list(range(1, len(entries) + 1))
        assert entries[-1]["command"] == "check add JP after"
        assert examine(path).ok
    print(f"\nkills during an upgrade: {outcomes}")


# -- kills at random moments ---------------------------------------------------------------------
class Rounds:
    """Outcomes of the kills of one test (counted and reported, never asserted: timing decides them)."""

    def __init__(self) -> None:
        self.kills = 0
        self.finished = 0
        self.before = 0
        self.after = 0
        self.orphan_entries = 0  # killed after its entry was written, before its state was

    def record(self, path: Path, killed: bool, before: Seen, after: Seen) -> None:
        self.kills += killed
        self.finished += not killed
        lines = [line for line in journal_lines(path) if line]
        now = check_after_kill(path, before, after)
        self.before += now == before
        self.after += now == after
        self.orphan_entries += len(lines) > len(now.history)
        check_next_writer_tidies_up(path, now)


def _wait_for(proc: subprocess.Popen[bytes], signal_byte: bytes) -> None:
    assert proc.stdout is not None
    got = proc.stdout.read(1)
    assert got == signal_byte, f"child said {got!r}, expected {signal_byte!r}"


def _calibrate(path: Path, build: bool) -> float:
    """How long a whole change takes here, to spread kills over it (never asserted)."""
    longest = 0.0
    for _ in range(3):
        _setup(path, build)
        proc = _child(path)
        _wait_for(proc, b"r")
        started = time.perf_counter()
        _wait_for(proc, b"d")
        longest = max(longest, time.perf_counter() - started)
        proc.wait(60)
    return longest


def test_kills_at_random_moments_of_a_change_leave_the_state_before_or_after(tmp_path: Path) -> None:
    rng = random.Random(2)
    path = tmp_path / "crash.json"
    whole = _calibrate(path, True)
    rounds = Rounds()
    for attempt in range(60):
        before, after = _setup(path, attempt % 2 == 0)
        proc = _child(path)
        _wait_for(proc, b"r")
        time.sleep(rng.uniform(0, whole * 1.1))
        proc.kill()
        rounds.record(path, proc.wait(60) == -signal.SIGKILL, before, after)
    print(f"\nkills at random moments: {vars(rounds)}")


def _batch_file(path: Path) -> Path:
    lines = [f'check add DE "batch task {n}" --category other' for n in range(400)]
    lines += [f'promo add FR "batch event {n}" --start 2027-08-{n % 28 + 1:02d} --end 2027-09-01' for n in range(100)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _batch_outcomes(tmp_path: Path) -> tuple[Path, list[str], Seen, Seen]:
    batch = _batch_file(tmp_path / "big-batch.txt")
    path = tmp_path / "crash.json"
    reference = tmp_path / "reference.json"
    write_document(reference, small_document(CRASH_CODES))
    before = seen(reference)
    assert run_cli("--db", str(reference), "--user", "batcher", "batch", str(batch)).exit_code == 0
    done = seen(reference)
    command = [str(console_script()), "--db", str(path), "--user", "batcher", "batch", str(batch)]
    return path, command, before, done


def _same_records(a: Seen, b: Seen) -> bool:
    return (a.records, a.revision, [(i, r) for i, r, _ in a.history]) == (
        b.records,
        b.revision,
        [(i, r) for i, r, _ in b.history],
    )


@pytest.mark.e2e
def test_killing_the_cli_during_a_large_batch_leaves_the_state_before_or_after(tmp_path: Path) -> None:
    path, command, before, after = _batch_outcomes(tmp_path)
    # At every named point of the commit, deterministically.
    for point in CHECKPOINTS:
        write_document(path, small_document(CRASH_CODES))
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, STOP_AT_VARIABLE: point}
        )
        _wait_until_stopped(proc)
        proc.kill()
        proc.wait(60)
        now = seen(path)
        assert _same_records(now, after if point in AFTER else before), point
        assert examine(path).ok
    # At random moments.
    write_document(path, small_document(CRASH_CODES))
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    whole = time.perf_counter() - started
    rng = random.Random(3)
    counts = {"kills": 0, "finished": 0, "before": 0, "after": 0}
    for _ in range(30):
        write_document(path, small_document(CRASH_CODES))
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, whole * 1.1))
        proc.kill()
        killed = proc.wait(60) == -signal.SIGKILL
        now = seen(path)
        assert _same_records(now, before) or _same_records(now, after)
        assert examine(path).ok
        counts["kills" if killed else "finished"] += 1
        counts["before" if _same_records(now, before) else "after"] += 1
    print(f"\nkills of the CLI batch: {counts}")
