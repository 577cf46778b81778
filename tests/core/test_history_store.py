"""The history store beside a TinyDB database: pages newest first, filters, lookups, and reads that
cost what they return, not what the history holds."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import rollout.backends.journal
from rollout import ops, queries
from rollout import status as region_status
from rollout.backends.base import HistoryQuery, MemoryHistory, header_of
from rollout.backends.journal import JournalHistory
from rollout.db import Database
from rollout.errors import NotFound
from rollout.state import State, empty_document

CODES = ("DE", "FR", "JP")
USERS = ("ana", "ben", "cem")


def _build(
    path: Path,
    changes: int,
    monkeypatch: pytest.MonkeyPatch,
    seed: int = 1,
    kinds: tuple[str, ...] = ("check add", "region set", "undo"),
) -> None:
    """A database of three regions and `changes` varied changes, one an hour, by three users."""
    rng = random.Random(seed)
    state = State(empty_document())
    for code, tz in zip(CODES, ("Europe/Berlin", "Europe/Paris", "Asia/Tokyo"), strict=True):
        ops.add_region(state, code, name=code, timezone=tz, currency="EUR")
    from rollout.storage import write_state_file

    write_state_file(path, state.document(), previous_schema=None)
    db = Database(path)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(changes):
        monkeypatch.setenv("ROLLOUT_NOW", (start + timedelta(hours=n)).isoformat())
        user = rng.choice(USERS)
        picked = rng.sample(CODES, rng.choice((1, 1, 1, 2)))
        kind = rng.choice(kinds)
        with db.transaction(user, f"{kind} {' '.join(picked)} #{n}") as state:
            if kind == "check add":
                ops.add_items(state, picked, f"task {n}")
            elif kind == "region set":
                ops.set_regions(state, picked, owner=f"{user}-{n}")
            else:
                try:
                    ops.undo(state)
                except Exception:
                    ops.add_items(state, picked, f"task {n}")


@pytest.fixture
def aged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "aged.json"
    _build(path, 150, monkeypatch)
    return path


def _queries(rng: random.Random) -> list[HistoryQuery]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    found = []
    for _ in range(150):
        since = start + timedelta(hours=rng.randint(0, 160)) if rng.random() < 0.3 else None
        found.append(
            HistoryQuery(
                region=rng.choice((None, *CODES)),
                user=rng.choice((None, None, *USERS, "nobody")),
                command=rng.choice((None, None, "check add", "undo", "region set DE", "x")),
                since=since,
                until=since + timedelta(hours=rng.randint(1, 48)) if since and rng.random() < 0.5 else None,
                before_id=rng.choice((None, None, rng.randint(1, 160))),
                limit=rng.choice((1, 5, 50, None)),
                with_changes=rng.random() < 0.3,
            )
        )
    return found


def test_pages_and_filters_give_what_a_plain_list_gives(aged: Path) -> None:
    log = Database(aged).history()
    assert isinstance(log, JournalHistory)
    plain = MemoryHistory(list(log))
    assert len(plain) == len(log) == 150
    for query in _queries(random.Random(2)):
        assert log.page(query) == plain.page(query), query


def test_walking_pages_visits_every_matching_entry_once_newest_first(aged: Path) -> None:
    log = Database(aged).load().history
    everything = [e["id"] for e in log]
    walked = [e["id"] for e in log.walk(HistoryQuery(limit=7))]
    assert walked == everything[::-1]
    by_region = [e["id"] for e in log.walk(HistoryQuery(region="JP", limit=4))]
    assert by_region == [e["id"] for e in reversed(list(log)) if "JP" in header_of(e)["regions"]]


def test_lookups_by_id_and_revision_and_entries_after_a_revision(aged: Path) -> None:
    log = Database(aged).load().history
    entries = list(log)
    for entry in random.Random(3).sample(entries, 20):
        assert log.entry(entry["id"]) == entry
        assert log.at_revision(entry["revision"]) == header_of(entry)
        assert log.after(entry["revision"]) == [e for e in entries if e["revision"] > entry["revision"]]
    assert log.after(0) == entries and log.after(150) == []
    assert log.at_revision(0) is None
    with pytest.raises(NotFound, match="no history entry #151"):
        log.entry(151)
    assert log[-1] == entries[-1] and log[0] == entries[0] and log[-3] == entries[-3]


def test_a_history_read_stops_at_the_revision_of_its_state(aged: Path) -> None:
    earlier = Database(aged).load()
    with Database(aged).transaction("dora", "check add DE later") as state:
        ops.add_items(state, ["DE"], "later")
    assert [e["id"] for e in earlier.history.page(HistoryQuery(limit=2)).entries] == [150, 149]
    assert len(earlier.history) == 150 and earlier.history.after(149)[-1]["id"] == 150
    assert Database(aged).load().history.page(HistoryQuery(limit=1)).entries[0]["id"] == 151


def _index(path: Path) -> Path:
    return path.with_name(path.name + ".history") / "index.jsonl"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",  # lost (a power cut before it was written back)
        lambda data: data[: len(data) // 2],  # cut in the middle
        lambda data: data[:100] + b"\0" * 500 + data[600:],  # zeros where blocks never reached the disk
        lambda data: b"\n".join(reversed(data.rstrip(b"\n").split(b"\n"))) + b"\n",  # lines in the wrong order
    ],
    ids=["empty", "cut", "zeros", "reordered"],
)
def test_an_index_that_disagrees_with_the_journal_is_not_trusted_and_the_next_write_rebuilds_it(
    aged: Path, damage
) -> None:
    log = Database(aged).load().history
    entries = list(log)
    expected = [log.page(q) for q in _queries(random.Random(4))[:40]]
    _index(aged).write_bytes(damage(_index(aged).read_bytes()))
    again = Database(aged).load().history
    assert [again.page(q) for q in _queries(random.Random(4))[:40]] == expected
    assert again.entry(77) == entries[76]
    with Database(aged).transaction("t", "check add FR x") as state:
        ops.add_items(state, ["FR"], "x")
    store = rollout.backends.journal.Store(aged)
    fresh = Database(aged).history()
    assert isinstance(fresh, JournalHistory) and store.index_agrees(fresh.mark)
    assert [e["id"] for e in fresh.walk(HistoryQuery(limit=40))] == list(range(151, 0, -1))


class CountedReads:
    """Bytes read from each history file while a block runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: dict[str, int] = {}
        self.opened: list[str] = []
        original_pread, original_open = os.pread, os.open

        def pread(fd: int, size: int, offset: int) -> bytes:
            data = original_pread(fd, size, offset)
            name = os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1]
            self.read[name] = self.read.get(name, 0) + len(data)
            return data

        def tracked_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.opened.append(os.fspath(path))
            return original_open(path, *args, **kwargs)

        monkeypatch.setattr(rollout.backends.journal.os, "pread", pread)
        monkeypatch.setattr(os, "open", tracked_open)


def _reads_for(path: Path, monkeypatch: pytest.MonkeyPatch, action) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with monkeypatch.context() as patch:
        counted = CountedReads(patch)
        action(Database(path))
    return counted.read


@pytest.mark.parametrize(
    ("what", "action"),
    [
        ("a page of 5", lambda db: db.history().page(HistoryQuery(limit=5))),
        ("undo", lambda db: ops.undoable(db.load())),
        ("entry by id", lambda db: db.history().entry(3)),
        ("the stale-edit check's entries", lambda db: db.load().history.after(db.revision() - 2)),
    ],
)
def test_history_reads_cost_what_they_return_not_the_length_of_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, action
) -> None:
    short, long = tmp_path / "short.json", tmp_path / "long.json"
    _build(short, 20, monkeypatch, seed=5, kinds=("check add", "region set"))
    _build(long, 400, monkeypatch, seed=5, kinds=("check add", "region set"))
    small, large = _reads_for(short, monkeypatch, action), _reads_for(long, monkeypatch, action)
    assert large.get("index.jsonl", 0) <= small.get("index.jsonl", 0) * 3 + 8192, (what, small, large)
    assert large.get("journal.jsonl", 0) <= max(small.get("journal.jsonl", 0) * 3, 8192), (what, small, large)


def test_reading_the_state_never_opens_the_history(aged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        counted = CountedReads(patch)
        state = Database(aged).load()
        region_status.status_rows(state)
    assert not any(".history" in path for path in counted.opened), counted.opened


def test_a_change_costs_the_same_however_long_the_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What one commit writes and reads of the history does not grow with it."""
    costs = []
    for changes in (10, 300):
        path = tmp_path / f"db{changes}.json"
        _build(path, changes, monkeypatch, seed=6)
        with monkeypatch.context() as patch:
            counted = CountedReads(patch)
            with Database(path).transaction("t", "check add DE x") as state:
                ops.add_items(state, ["DE"], "x")
        costs.append(sum(counted.read.values()))
    assert costs[1] <= costs[0] + 4096, costs


def test_history_headers_describe_changes_as_the_full_entries_do(aged: Path) -> None:
    log = Database(aged).load().history
    for entry in list(log)[-30:]:
        header = log.page(HistoryQuery(before_id=entry["id"] + 1, limit=1)).entries[0]
        assert "changes" not in header
        assert queries.describe_changes(header) == queries.describe_changes(entry)
        assert queries.describe_entry(header) == queries.describe_entry(entry)
        for code in CODES:
            assert queries.touches_region(header, code) == queries.touches_region(entry, code)


def test_undo_of_one_users_latest_change_skips_newer_changes_of_others_and_what_is_undone(aged: Path) -> None:
    db = Database(aged)
    with db.transaction("ana", "region set DE --owner ana") as state:
        ops.set_regions(state, ["DE"], owner="ana-own")
    with db.transaction("ben", "region set FR --owner ben") as state:
        ops.set_regions(state, ["FR"], owner="ben-own")
    with db.transaction("ana", "undo", dry_run=True) as state:
        undone = ops.undo(state, user="ana")
        assert (undone["user"], undone["command"]) == ("ana", "region set DE --owner ana")
        assert state.regions["FR"]["owner"] == "ben-own"
    with db.transaction("ana", "undo") as state:
        ops.undo(state, user="ana")
    with db.transaction("ana", "undo", dry_run=True) as state:
        again = ops.undoable(state, user="ana")
        assert again is not None and again["id"] < undone["id"] and again["user"] == "ana"
    assert ops.undoable(db.load(), user="nobody") is None


def test_the_same_changes_give_the_same_records_and_history_on_every_backend(tmp_path: Path) -> None:
    """The core runs unchanged on another backend: the in-memory one gives what the file gives."""
    from rollout.backends.memory import MemoryBackend

    seed = State(empty_document())
    ops.add_region(seed, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR")
    from rollout.storage import write_state_file

    write_state_file(tmp_path / "file.json", seed.document(), previous_schema=None)
    databases = [Database(tmp_path / "file.json"), Database(backend=MemoryBackend(seed.document()))]
    for db in databases:
        with db.transaction("ana", "check add DE a") as state:
            ops.add_items(state, ["DE"], "a", critical=True)
        with db.transaction("ben", "check done DE c1") as state:
            ops.set_items_done(state, "DE", ["c1"], True, "ben")
        with db.transaction("ana", "undo") as state:
            ops.undo(state)
        view = db.load()
        with db.transaction("cem", "region set DE --owner cem") as state:
            ops.set_regions(state, ["DE"], owner="cem")
        with db.transaction("dan", "check edit DE c1", base_revision=view.revision) as state:
            ops.edit_item(state, "DE", "c1", title="renamed")  # re-applied on fresh data: no conflict
    file_state, memory_state = (db.load() for db in databases)
    assert file_state.data() == memory_state.data()
    assert file_state.revision == memory_state.revision == 5
    strip = [{k: v for k, v in e.items() if k != "at"} for e in file_state.history]
    assert strip == [{k: v for k, v in e.items() if k != "at"} for e in memory_state.history]
    for query in (HistoryQuery(region="DE", limit=2), HistoryQuery(user="ana"), HistoryQuery(command="check")):
        assert file_state.history.page(query) == memory_state.history.page(query)
