"""Many processes writing one database at once: every committed edit survives, once, with its author."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from reliability_tools import WORKLOAD, run_cli, run_script
from reliability_workload import SHARED_REGION, WRITER_REGIONS, history_folder, journal_entries

from rollout import ops
from rollout.db import Database
from rollout.doctor import examine
from rollout.files import leftovers
from rollout.storage import list_backups, write_lock

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
        journal = history_folder(self.path) / "journal.jsonl"
        while not self.stopping.is_set():
            with write_lock(self.path, timeout=120):
                before = (self.path.read_bytes(), journal.stat().st_size if journal.exists() else 0)
                time.sleep(0.005)
                if (self.path.read_bytes(), journal.stat().st_size if journal.exists() else 0) != before:
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


@dataclass
class Run:
    """What happened while the writers ran: their outputs, the CLI writers', the lock watcher's, the TUI's."""

    outputs: list[tuple[str, str]] = field(default_factory=list)
    returncodes: list[int | None] = field(default_factory=list)
    cli_results: list[tuple[str, int]] = field(default_factory=list)
    watcher: LockWatcher | None = None
    tui_rows: list = field(default_factory=list)
    tui_expected_rows: list = field(default_factory=list)
    tui_lines: list[str] = field(default_factory=list)
    tui_reloads: int = 0


async def _run_with_tui_open(path: Path, go: Path, app_class: type) -> Run:
    """Writers, CLI writers and a lock watcher at work while the TUI is open on the same file; the TUI
    makes one edit of its own midway, then must come to show the final state."""
    from rollout.tui.views import region_rows

    run = Run()
    app = app_class(path, user="tui-user")
    reloads = 0
    original_apply = app.apply_snapshot

    def counting_apply(snapshot) -> None:
        nonlocal reloads
        reloads += 1
        original_apply(snapshot)

    app.apply_snapshot = counting_apply
    async with app.run_test(size=(140, 20)) as pilot:
        writers = _start_writers(path, go)
        run.watcher = LockWatcher(path)
        threads = [threading.Thread(target=_cli_writer, args=(path, k, run.cli_results)) for k in range(CLI_WRITERS)]
        go.touch()
        run.watcher.start()
        for thread in threads:
            thread.start()
        while Database(path).revision() < WRITERS * EDITS // 3:
            await pilot.pause(0.05)
        app.apply_edit(f"check add {SHARED_REGION} tui-edit", lambda s: ops.add_items(s, [SHARED_REGION], "tui-edit"))
        run.outputs = await asyncio.to_thread(lambda: [proc.communicate(timeout=600) for proc in writers])
        run.returncodes = [proc.returncode for proc in writers]
        for thread in threads:
            await asyncio.to_thread(thread.join, 600)
        run.watcher.stopping.set()
        await asyncio.to_thread(run.watcher.join, 120)
        final = Database(path).load()
        for _ in range(1200):  # the TUI polls the file; give it up to a minute to catch up
            if app.snapshot.revision == final.revision:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        table = app.screen.query_one("#regions")
        run.tui_rows = list(table.rows)
        run.tui_expected_rows = region_rows(final, app.snapshot.reference)
        run.tui_lines = [table.render_line(y).text for y in range(1, min(len(table.rows), 19) + 1)]
    run.tui_reloads = reloads
    return run


@pytest.mark.slow
@pytest.mark.e2e
def test_eight_writers_making_two_hundred_mixed_edits_each_lose_nothing_with_the_tui_open(
    small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLLOUT_LOCK_TIMEOUT", "120")
    from rollout.tui.app import RolloutApp

    run = asyncio.run(_run_with_tui_open(small_db, tmp_path / "go", RolloutApp))

    for code, (_out, err) in zip(run.returncodes, run.outputs, strict=True):
        assert code == 0, err
    models = [json.loads(out) for out, _err in run.outputs]
    state = Database(small_db).load()

    # Every process committed every edit, and each one is in history exactly once, with its author.
    assert [m["committed"] for m in models] == [EDITS] * WRITERS
    assert sum(m["batches"] for m in models) > 0
    authors = Counter(entry["user"] for entry in state.history)
    for model in models:
        assert authors[f"w{model['writer']}"] == EDITS
    cli_ok = [title for title, code in run.cli_results if code == 0]
    assert len(cli_ok) == CLI_WRITERS * CLI_EDITS
    for k in range(CLI_WRITERS):
        assert authors[f"cli{k}"] == CLI_EDITS
    assert authors["tui-user"] == 1
    total = WRITERS * EDITS + CLI_WRITERS * CLI_EDITS + 1
    assert len(state.history) == total
    # One entry per commit, in order, no gap and no duplicate: as read, and as stored.
    assert [(e["id"], e["revision"]) for e in state.history] == [(n, n) for n in range(1, total + 1)]
    assert journal_entries(small_db) == list(state.history)
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
    assert {*cli_ok, "tui-edit"} <= shared_titles

    # Nothing was written while another holder had the lock, and the file is sound.
    assert run.watcher is not None and run.watcher.holds > 0
    assert run.watcher.changed_under_lock == 0
    report = examine(small_db)
    assert report.ok, report.problems
    assert leftovers(small_db) == []
    assert len(list_backups(small_db)) == 10

    # The TUI, open all along, reloaded as the file changed and shows the final state.
    assert run.tui_reloads > 1
    # Every region's row as the final state gives it (the table's order is its sort: health first).
    assert {row.code: row for row in run.tui_rows} == {row.code: row for row in run.tui_expected_rows}
    assert len(run.tui_rows) == len(run.tui_expected_rows)
    for row, line in zip(run.tui_rows, run.tui_lines, strict=False):
        assert line.lstrip().startswith(row.code) and f"{row.readiness:>3}%" in line  # after the mark gutter


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
