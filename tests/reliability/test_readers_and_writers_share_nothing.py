"""A read running in one thread never changes what a write in another thread relies on.

The TUI reloads the database in a worker thread while the UI thread may be making an edit through
the same Session. Each read returns what it saw; nothing is kept on shared objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability_tools import run_script

import rollout.storage
from rollout import ops
from rollout.db import Database
from rollout.state import State
from rollout.tui.session import Session


class PausedReads:
    """Makes reads of the database file made by one thread stop half-way (file open and read, not
    yet parsed) until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.thread: threading.Thread | None = None
        self.inside = threading.Event()
        self.release = threading.Event()
        original = rollout.storage.decode_document

        def paused(raw: bytes, path: Path) -> Any:
            if threading.current_thread() is self.thread:
                self.inside.set()
                assert self.release.wait(60), "the paused read was never released"
            return original(raw, path)

        monkeypatch.setattr(rollout.storage, "decode_document", paused)

    def start(self, target: Callable[[], None]) -> threading.Thread:
        self.thread = threading.Thread(target=target)
        self.thread.start()
        assert self.inside.wait(60), "the read never started"
        return self.thread


def test_a_reload_finishing_during_an_edit_does_not_make_the_edit_fail(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = Session(db_path, "ui-user")
    shown = session.load()
    reads = PausedReads(monkeypatch)
    reloaded: list[Any] = []
    worker = reads.start(lambda: reloaded.append(session.load()))  # the TUI's reload worker, paused in its read
    # Another process commits meanwhile.
    done = run_script("--db", str(db_path), "--user", "colleague", "region", "set", "PL", "--owner", "ola")
    assert done.exit_code == 0, done.stderr

    def edit(state: State) -> Any:
        reads.release.set()  # the reload finishes while the UI's transaction holds the lock
        worker.join(60)
        return ops.set_regions(state, ["NL"], owner="ui")

    outcome = session.edit("region set NL --owner ui", edit, shown.revision)
    assert outcome.entry is not None and outcome.entry["user"] == "ui-user"
    after = Database(db_path).load()
    assert (after.regions["NL"]["owner"], after.regions["PL"]["owner"]) == ("ui", "ola")
    # The reload saw the file as it was when its read began, and says so.
    (snapshot,) = reloaded
    assert snapshot.revision == shown.revision
    assert snapshot.signature == shown.signature != session.signature()


def test_a_reader_thread_never_sees_a_half_committed_change(db_path: Path) -> None:
    """Readers in threads of the writing process see each state with exactly its history."""
    from rollout.backends.base import HistoryQuery

    db = Database(db_path)
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def read_forever() -> None:
        nonlocal reads
        reader = Database(db_path, read_only=True)
        while not stop.is_set():
            state = reader.load()
            newest = state.history.page(HistoryQuery(limit=1)).entries
            if state.revision and (not newest or newest[0]["revision"] != state.revision):
                problems.append(f"revision {state.revision} read with history up to {newest}")
            reads += 1

    threads = [threading.Thread(target=read_forever) for _ in range(2)]
    for thread in threads:
        thread.start()
    for n in range(60):
        with db.transaction("writer", f"edit {n}") as state:
            ops.add_items(state, ["DE"], f"item {n}")
    stop.set()
    for thread in threads:
        thread.join(60)
    assert problems == []
    assert reads > 0
