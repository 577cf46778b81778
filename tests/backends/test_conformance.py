"""The storage contract (rollout.backends.base), checked on every backend: memory, file, PostgreSQL.

Each test goes through rollout.db.Database, as the operations do, and reads back through a new
backend object (another process's view) where the kind has one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest

from rollout import ops
from rollout.backends.base import HistoryQuery
from rollout.db import Database
from rollout.errors import DatabaseError, NotFound, StaleEdit


def db_of(connect, **options) -> Database:  # noqa: ANN001
    return Database(backend=connect(), **options)


def retitle(db: Database, item: str, title: str, user: str = "amara", base: int | None = None) -> dict:
    with db.transaction(user, f"check edit {item} --title {title}", base_revision=base) as state:
        state.put("items", {**state.items[item], "title": title})
    return state.commit.entry


def test_a_new_database_is_nothing_until_created(connect):
    backend = connect()
    assert not backend.exists()
    assert backend.read() is None
    assert backend.token() is None
    assert backend.revision() is None
    db = Database(backend=backend, create_missing=False)
    with pytest.raises(DatabaseError, match="rollout init"):
        db.load()
    assert not connect().exists()


def test_created_state_reads_back_the_same_in_another_view(connect):
    db = db_of(connect)
    db.create(empty=False, force=False, user="amara")
    other = connect()
    stored = other.read()
    assert stored is not None and stored.revision == 0 and len(stored.history) == 0
    from rollout.dataset import bundled_document
    from rollout.state import State

    assert State(stored.document).document() == State(bundled_document()).document()
    assert other.token() == stored.token and other.revision() == 0


def test_a_commit_stores_records_meta_and_one_entry_all_read_back(connect):
    db = db_of(connect)
    db.create(empty=False, force=False)
    before = connect().token()
    with db.transaction("amara", "several") as state:
        first = next(iter(state.items))
        state.put("items", {**state.items[first], "title": "Renamed", "status": "done"})
        new = ops.add_items(state, ["DE"], "Brand new item")[0]
        state.delete("promotions", next(iter(state.promotions)))
        wanted = state.document()
    stored = connect().read()
    assert stored.document == wanted  # records, their order, meta (counters) alike
    assert stored.revision == 1 and stored.token != before and connect().token() == stored.token
    entry = stored.history.entry(1)
    assert entry == state.commit.entry
    assert {(c["table"], c["key"]) for c in entry["changes"]} >= {("items", first), ("items", new["id"])}


def test_records_keep_their_order_and_shape_through_removal_undo_and_replacement(connect):
    db = db_of(connect)
    db.create(empty=False, force=False)
    with db.transaction("amara", "remove") as state:
        key = list(state.items)[3]
        state.delete("items", key)
    with db.transaction("amara", "undo") as state:
        state.apply(state.history.entry(1)["changes"], reverse=True)
        wanted = state.document()
    assert connect().read().document == wanted  # the item came back at the end, as in memory
    assert list(wanted["items"].values())[-1]["id"] == key
    db.create(empty=False, force=True, user="amara")  # every record back in the bundled order
    again = connect().read()
    assert [r["id"] for r in again.document["items"].values()] == [
        r["id"] for r in Database(backend=connect()).load().document()["items"].values()
    ]
    from rollout.dataset import bundled_document

    assert list(again.document["items"]) == list(bundled_document()["items"])


def test_revisions_and_ids_strictly_increase_and_are_never_reused(connect):
    db = db_of(connect)
    db.create(empty=False, force=False)
    entries = [retitle(db, "c1", f"t{n}") for n in range(5)]
    assert [e["id"] for e in entries] == [1, 2, 3, 4, 5]
    assert [e["revision"] for e in entries] == [1, 2, 3, 4, 5]
    db.create(empty=True, force=True, user="amara")  # init --force: one more change, counting on
    log = connect().history()
    assert [e["id"] for e in log] == [1, 2, 3, 4, 5, 6]
    assert log.last_id() == 6 and log.next_id() == 7 and connect().revision() == 6


def test_history_pages_newest_first_with_a_cursor_and_filters(connect):
    db = db_of(connect)
    db.create(empty=False, force=False)
    for n in range(12):
        retitle(db, "c1" if n % 2 else "c20", f"t{n}", user="amara" if n % 3 else "jonas")
    log = connect().history()
    assert log.count() == 12 and len(log) == 12
    page = log.page(HistoryQuery(limit=5))
    assert [e["id"] for e in page.entries] == [12, 11, 10, 9, 8] and page.next_before == 8
    assert "changes" not in page.entries[0] and page.entries[0]["summary"] == [["items", "change", 1]]
    rest = log.page(HistoryQuery(limit=50, before_id=page.next_before))
    assert [e["id"] for e in rest.entries] == [7, 6, 5, 4, 3, 2, 1] and rest.next_before is None
    jonas = [e["id"] for e in log.walk(HistoryQuery(user="jonas", limit=2))]
    assert jonas == [10, 7, 4, 1]
    region_of_c1 = Database(backend=connect()).load().items["c1"]["region"]
    touched = [e["id"] for e in log.walk(HistoryQuery(region=region_of_c1, limit=3))]
    assert touched == [12, 10, 8, 6, 4, 2]
    assert [e["id"] for e in log.walk(HistoryQuery(command="check edit c20", limit=4))] == [11, 9, 7, 5, 3, 1]
    full = log.page(HistoryQuery(limit=1, with_changes=True)).entries[0]
    assert full == log.entry(12) and full["changes"][0]["after"]["title"] == "t11"
    at = datetime.fromisoformat(full["at"])
    assert log.page(HistoryQuery(since=at + timedelta(seconds=1))).entries == []
    assert len(log.page(HistoryQuery(until=at + timedelta(seconds=1), limit=None)).entries) == 12
    assert log.page(HistoryQuery(until=at - timedelta(seconds=1))).entries == []
    with pytest.raises(NotFound):
        log.entry(99)
    assert [e["id"] for e in log.after(9)] == [10, 11, 12]
    assert log.at_revision(3)["id"] == 3 and log.at_revision(0) is None
    assert log[-1] == log.entry(12) and log[0] == log.entry(1)


def test_a_history_handed_out_never_shows_a_later_commit(connect):
    db = db_of(connect)
    db.create(empty=False, force=False)
    retitle(db, "c1", "one")
    seen = connect().read()
    retitle(db, "c1", "two")
    assert seen.history.count() == 1 and [e["id"] for e in seen.history] == [1]
    assert seen.history.after(0) == [seen.history.entry(1)]


def test_an_edit_on_an_older_view_is_refused_when_it_would_overwrite_a_newer_change(connect):
    db = db_of(connect)
    db.create(empty=False, force=False)
    seen = db.load().revision
    retitle(Database(backend=connect()), "c1", "by a colleague", user="jonas")
    before = connect().token()
    with pytest.raises(StaleEdit):
        retitle(db, "c1", "mine", base=seen)
    assert connect().token() == before  # nothing written
    entry = retitle(db, "c2", "another field", base=seen)  # no conflict: rebased on the newer data
    assert entry["revision"] == 2 and connect().read().document["items"]


def test_concurrent_writers_lose_nothing(connect):
    db = db_of(connect)
    db.create(empty=False, force=False)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        mine = Database(backend=connect())
        try:
            for step in range(5):
                with mine.transaction(f"user{n}", f"add {n}.{step}") as state:
                    ops.add_items(state, ["DE"], f"writer {n} step {step}")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    stored = connect().read()
    titles = {r["title"] for r in stored.document["items"].values()}
    assert {f"writer {n} step {s}" for n in range(4) for s in range(5)} <= titles
    assert stored.revision == 20 and [e["revision"] for e in stored.history] == list(range(1, 21))


def test_a_writer_waits_for_the_lock_at_most_its_timeout(connect, backend_kind):
    db = db_of(connect)
    db.create(empty=False, force=False)
    holder = connect()
    with holder.writing() as tx:
        tx.read()
        other = connect() if backend_kind != "memory" else holder
        start = time.monotonic()
        with pytest.raises(DatabaseError, match="locked by another writer"), other.writing(timeout=0.3):
            pass
        assert time.monotonic() - start < 5


CRASH_POINT = {"file": "index-written", "postgres": "rows-written"}
CRASH_WRITER = """
import sys
from rollout.db import Database
db = Database(sys.argv[1])
with db.transaction("amara", "crashing edit") as state:
    state.put("items", {**state.items["c1"], "title": "never committed"})
"""


def test_a_writer_killed_mid_commit_leaves_the_state_before_it(backend_kind, location, connect):
    if backend_kind == "memory":
        pytest.skip("the memory backend makes no promise past its process")
    db = db_of(connect)
    db.create(empty=False, force=False)
    retitle(db, "c1", "committed")
    before = connect().read()
    env = {**os.environ, "ROLLOUT_TEST_STOP_AT": CRASH_POINT[backend_kind]}
    writer = subprocess.Popen([sys.executable, "-c", CRASH_WRITER, location], env=env)
    try:
        deadline = time.monotonic() + 30
        while not _stopped(writer.pid):
            assert writer.poll() is None and time.monotonic() < deadline, "the writer never reached its stop point"
            time.sleep(0.05)
        assert connect().read().document == before.document  # a reader meanwhile sees the old state
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    after = connect().read()
    assert after.document == before.document and after.revision == 1 and after.history.count() == 1
    entry = retitle(Database(backend=connect()), "c1", "next")  # the next writer goes on as usual
    assert entry["id"] == 2 and entry["revision"] == 2


def _stopped(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "T"
    except FileNotFoundError:
        return False
