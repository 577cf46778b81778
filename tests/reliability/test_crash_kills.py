"""SIGKILL at any moment of a write leaves the database as it was before the change or after it.

Each round starts a child that makes one large change (180 checklist items, 45 promotions and
three regions added, or all of them removed), kills it at a random moment, and checks that the
file loads and equals, byte for byte once parsed, either the document before or the one the
change produces. Half the kills aim at the write itself (the child says when it starts writing).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from reliability_tools import WORKLOAD, run_cli
from reliability_workload import CRASH_CODES, predicted_after, small_document, write_document

from rollout.db import Database
from rollout.doctor import examine
from rollout.storage import AtomicJSONStorage, list_backups

pytestmark = pytest.mark.slow


def _normal(document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(document))


class Rounds:
    """Outcomes of the kills of one test."""

    def __init__(self) -> None:
        self.kills = 0
        self.finished = 0
        self.before = 0
        self.after = 0
        self.mid_write = 0  # killed with its temp file still there

    def record(self, path: Path, pid: int, killed: bool, before: dict[str, Any], after: dict[str, Any]) -> None:
        self.kills += killed
        self.finished += not killed
        if any(p.name.endswith(f".tmp-{pid}") for p in AtomicJSONStorage(path).leftovers()):
            self.mid_write += 1
        on_disk = json.loads(path.read_bytes())
        Database(path, read_only=True).load()  # the application reads it, temp files or not
        assert on_disk in (before, after), "the file is neither the state before nor the state after the change"
        self.before += on_disk == before
        self.after += on_disk == after


def _states(tmp_path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(before, after) for both directions of the change: building the checklist up and tearing it down."""
    empty = _normal(small_document(CRASH_CODES))
    full = _normal(predicted_after(empty))
    return [(empty, full), (full, _normal(predicted_after(full)))]


def _child(path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(WORKLOAD), "crash", str(path)], stdout=subprocess.PIPE)


def _wait_for(proc: subprocess.Popen[bytes], signal: bytes) -> None:
    assert proc.stdout is not None
    got = proc.stdout.read(1)
    assert got == signal, f"child said {got!r}, expected {signal!r}"


def _calibrate(path: Path, before: dict[str, Any]) -> tuple[float, float]:
    """How long a whole transaction and its write take here, to spread kills over them (never asserted)."""
    whole, write = 0.0, 0.0
    for _ in range(3):
        write_document(path, before)
        proc = _child(path)
        _wait_for(proc, b"r")
        started = time.perf_counter()
        _wait_for(proc, b"w")
        writing = time.perf_counter()
        _wait_for(proc, b"d")
        ended = time.perf_counter()
        proc.wait(60)
        whole, write = max(whole, ended - started), max(write, ended - writing)
    return whole, write


def _kill_rounds(tmp_path: Path, kills: int, aim_at_write: bool, seed: int) -> Rounds:
    rng = random.Random(seed)
    path = tmp_path / "crash.json"
    states = _states(tmp_path)
    whole, write = _calibrate(path, states[0][0])
    rounds = Rounds()
    attempts = 0
    while rounds.kills < kills:
        attempts += 1
        assert attempts < kills * 3, "most children finished before the kill: the calibration is off"
        before, after = states[attempts % 2]
        write_document(path, before)
        proc = _child(path)
        _wait_for(proc, b"r")
        if aim_at_write:
            _wait_for(proc, b"w")
            time.sleep(rng.uniform(0, write * 1.2))
        else:
            time.sleep(rng.uniform(0, whole * 1.1))
        proc.kill()
        killed = proc.wait(60) == -9
        rounds.record(path, proc.pid, killed, before, after)
    _check_recovery(path)
    return rounds


def _check_recovery(path: Path) -> None:
    """After all the kills: the next writer removes leftover temp files and the file is sound."""
    with Database(path).transaction("tester", "after the kills") as state:
        state.put("regions", {**state.regions["DE"], "owner": "recovered"})
    assert AtomicJSONStorage(path).leftovers() == []
    report = examine(path)
    assert report.ok, report.problems
    assert 0 < len(list_backups(path)) <= 10


def test_kills_aimed_at_the_write_leave_the_state_before_or_after(tmp_path: Path) -> None:
    rounds = _kill_rounds(tmp_path, kills=90, aim_at_write=True, seed=1)
    assert rounds.kills == 90
    assert rounds.mid_write > 0
    assert rounds.before > 0 and rounds.after > 0
    print(f"\nkills aimed at the write: {vars(rounds)}")


def test_kills_at_any_moment_of_a_change_leave_the_state_before_or_after(tmp_path: Path) -> None:
    rounds = _kill_rounds(tmp_path, kills=90, aim_at_write=False, seed=2)
    assert rounds.kills == 90
    assert rounds.before > 0
    print(f"\nkills at any moment: {vars(rounds)}")


def _batch_file(path: Path) -> Path:
    lines = [f'check add DE "batch task {n}" --category other' for n in range(400)]
    lines += [f'promo add FR "batch event {n}" --start 2027-08-{n % 28 + 1:02d} --end 2027-09-01' for n in range(100)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.e2e
def test_killing_the_cli_during_a_large_batch_leaves_the_state_before_or_after(tmp_path: Path) -> None:
    from reliability_tools import ROLLOUT_BIN

    if not ROLLOUT_BIN.exists():
        pytest.skip(f"console script {ROLLOUT_BIN} is not installed")
    batch = _batch_file(tmp_path / "big-batch.txt")
    before = _normal(small_document(CRASH_CODES))
    reference = tmp_path / "reference.json"
    write_document(reference, before)
    assert run_cli("--db", str(reference), "--user", "batcher", "batch", str(batch)).exit_code == 0
    after = json.loads(reference.read_bytes())
    path = tmp_path / "crash.json"
    command = [str(ROLLOUT_BIN), "--db", str(path), "--user", "batcher", "batch", str(batch)]
    write_document(path, before)
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    whole = time.perf_counter() - started
    rng = random.Random(3)
    rounds = Rounds()
    while rounds.kills < 30:
        assert rounds.kills + rounds.finished < 100
        write_document(path, before)
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, whole * 1.1))
        proc.kill()
        rounds.record(path, proc.pid, proc.wait(60) == -9, before, after)
    _check_recovery(path)
    print(f"\nkills of the CLI batch: {vars(rounds)}")
