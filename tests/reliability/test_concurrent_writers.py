"""Many processes writing one database at once: every committed edit survives, once, with its author."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_tools import WORKLOAD, run_cli, run_script
from reliability_workload import SHARED_REGION, WRITER_REGIONS

from rollout.db import Database
from rollout.doctor import examine
from rollout.storage import AtomicJSONStorage, list_backups, write_lock

WRITERS = 8
EDITS = 200
CLI_WRITERS = 2
CLI_EDITS = 12
SEED = 7


class LockWatcher(threading.Thread):
    """Takes the lock again and again while writers run; the file must not change while it holds it."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.holds = 0
        self.changed_under_lock = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            with write_lock(self.path, timeout=120):
                before = self.path.read_bytes()
                time.sleep(0.005)
                if self.path.read_bytes() != before:
                    self.changed_under_lock += 1
                self.holds += 1
            time.sleep(0.01)


def _cli_writer(path: Path, writer: int, results: list[tuple[str, int]]) -> None:
    env = {**os.environ, "ROLLOUT_LOCK_TIMEOUT": "120"}
    for n in range(CLI_EDITS):
        title = f"cli{writer}-{n}"
        done = run_script("--db", str(path), "--user", f"cli{writer}", "check", "add", SHARED_REGION, title, env=env)
        results.append((title, done.exit_code))


def _start_writers(path: Path, go: Path) -> list[subprocess.Popen[str]]:
    env = {**os.environ, "ROLLOUT_LOCK_TIMEOUT": "120"}
    return [
        subprocess.Popen(
            [sys.executable, str(WORKLOAD), "writer", str(path), str(n), str(EDITS), str(SEED), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(WRITERS)
    ]


@pytest.mark.slow
def test_eight_writers_making_two_hundred_mixed_edits_each_lose_nothing(small_db: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    writers = _start_writers(small_db, go)
    watcher = LockWatcher(small_db)
    cli_results: list[tuple[str, int]] = []
    cli_threads = [threading.Thread(target=_cli_writer, args=(small_db, k, cli_results)) for k in range(CLI_WRITERS)]
    go.touch()
    watcher.start()
    for thread in cli_threads:
        thread.start()
    outputs = [proc.communicate(timeout=600) for proc in writers]
    for thread in cli_threads:
        thread.join(600)
    watcher.stopping.set()
    watcher.join(120)

    for proc, (_out, err) in zip(writers, outputs, strict=True):
        assert proc.returncode == 0, err
    models = [json.loads(out) for out, _err in outputs]
    state = Database(small_db).load()

    # Every process committed every edit, and each one is in history exactly once, with its author.
    assert [m["committed"] for m in models] == [EDITS] * WRITERS
    assert sum(m["batches"] for m in models) > 0
    authors = Counter(entry["user"] for entry in state.history)
    for model in models:
        assert authors[f"w{model['writer']}"] == EDITS
    cli_ok = [title for title, code in cli_results if code == 0]
    assert len(cli_ok) == CLI_WRITERS * CLI_EDITS
    for k in range(CLI_WRITERS):
        assert authors[f"cli{k}"] == CLI_EDITS
    total = WRITERS * EDITS + CLI_WRITERS * CLI_EDITS
    assert len(state.history) == total
    assert [e["id"] for e in state.history] == list(range(1, total + 1))
    assert [e["revision"] for e in state.history] == list(range(1, total + 1))
    assert state.revision == total

    # Every committed edit is there afterwards: each writer's records are exactly what it believes it wrote.
    for model in models:
        n = model["writer"]
        mine = {
            i["id"]: {"region": i["region"], "title": i["title"], "status": i["status"]}
            for i in state.items.values()
            if i["title"].startswith(f"w{n}-")
        }
        assert mine == model["items"]
        promos = {
            p["id"]: {"name": p["name"], "start": p["start"], "end": p["end"]}
            for p in state.promotions.values()
            if p["name"].startswith(f"w{n}-")
        }
        assert promos == model["promotions"]
        region = state.regions[WRITER_REGIONS[n]]
        assert {field: region[field] for field in model["region"]} == model["region"]
    shared_titles = {i["title"] for i in state.items_of(SHARED_REGION)}
    assert set(cli_ok) <= shared_titles

    # Nothing was written while another holder had the lock, and the file is sound.
    assert watcher.holds > 0
    assert watcher.changed_under_lock == 0
    report = examine(small_db)
    assert report.ok, report.problems
    assert AtomicJSONStorage(small_db).leftovers() == []
    assert len(list_backups(small_db)) == 10


def test_a_writer_that_cannot_get_the_lock_fails_clearly_and_writes_nothing(small_db: Path) -> None:
    before = small_db.read_bytes()
    with write_lock(small_db):
        result = run_cli("--db", str(small_db), "check", "add", "DE", "blocked", env={"ROLLOUT_LOCK_TIMEOUT": "0.2"})
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: database {small_db} is locked by another writer (waited 0.2 s); nothing was written"
    ]
    assert small_db.read_bytes() == before
    assert run_cli("--db", str(small_db), "check", "add", "DE", "after release").exit_code == 0


@pytest.mark.e2e
def test_the_console_script_never_waits_forever_for_the_lock(small_db: Path) -> None:
    before = small_db.read_bytes()
    env = {**os.environ, "ROLLOUT_LOCK_TIMEOUT": "0.5"}
    with write_lock(small_db):
        result = run_script("--db", str(small_db), "region", "set", "DE", "--owner", "x", env=env, timeout=60)
    assert result.exit_code == 1
    assert "is locked by another writer" in result.stderr
    assert "Traceback" not in result.stderr
    assert small_db.read_bytes() == before


@pytest.mark.parametrize("value", ["-1", "abc", "inf", "nan"])
def test_a_lock_timeout_that_could_wait_forever_is_refused(small_db: Path, value: str) -> None:
    before = small_db.read_bytes()
    result = run_cli("--db", str(small_db), "check", "add", "DE", "x", env={"ROLLOUT_LOCK_TIMEOUT": value})
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: invalid ROLLOUT_LOCK_TIMEOUT {value!r}: expected a number of seconds >= 0"
    )
    assert small_db.read_bytes() == before


def test_a_change_made_on_the_file_without_the_lock_is_not_overwritten(small_db: Path) -> None:
    db = Database(small_db)
    with pytest.raises(Exception, match="does not take the rollout lock"), db.transaction("me", "edit") as state:
        state.put("regions", {**state.regions["DE"], "owner": "me"})
        # A program that ignores the lock replaces the file meanwhile.
        outsider = json.loads(small_db.read_text())
        outsider["regions"]["1"]["name"] = "Deutschland"
        tmp = small_db.with_name("outsider.json")
        tmp.write_text(json.dumps(outsider))
        os.replace(tmp, small_db)
    after = Database(small_db).load()
    assert after.regions["DE"]["name"] == "Deutschland"
    assert after.regions["DE"]["owner"] == ""


def test_readers_never_see_half_a_file_while_a_writer_replaces_it(small_db: Path) -> None:
    stop = threading.Event()
    errors: list[Exception] = []
    reads = 0

    def read_forever() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                Database(small_db, read_only=True).load()
                reads += 1
            except Exception as exc:  # any failure to read a complete file is the bug this test looks for
                errors.append(exc)

    reader = threading.Thread(target=read_forever)
    reader.start()
    db = Database(small_db)
    for n in range(150):
        with db.transaction("writer", f"edit {n}") as state:
            state.put("regions", {**state.regions["DE"], "owner": f"owner {n}"})
    stop.set()
    reader.join(60)
    assert errors == []
    assert reads > 0
    assert Database(small_db).load().regions["DE"]["owner"] == "owner 149"
