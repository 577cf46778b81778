"""The database file: plain TinyDB JSON, atomic and locked writes, clear errors, safe permissions."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat

import pytest
from tinydb import Query, TinyDB

from rollout import ops
from rollout.db import Database
from rollout.errors import DatabaseError, ReadOnly
from rollout.storage import SCHEMA_VERSION, AtomicJSONStorage, list_backups


def test_the_file_is_a_tinydb_database_any_tinydb_program_can_query(db_path):
    with TinyDB(db_path, storage=AtomicJSONStorage) as tiny:
        (germany,) = tiny.table("regions").search(Query().code == "DE")
        assert germany["currency"] == "EUR"
        assert tiny.table("_meta").get(doc_id=1)["schema"] == SCHEMA_VERSION == 4
    assert "regions" in json.loads(db_path.read_text())


def test_new_files_are_never_world_accessible(tmp_path):
    old = os.umask(0o002)
    try:
        path = tmp_path / "db.json"
        Database(path).create(empty=True, force=False)
        with Database(path).transaction("t", "x") as state:
            ops.add_region(state, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR")
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o007 == 0
        assert mode & 0o660 == 0o660
        for backup in list_backups(path):
            assert stat.S_IMODE(backup.stat().st_mode) & 0o007 == 0
        history = path.with_name(path.name + ".history")
        for kept in (history, history / "journal.jsonl", history / "index.jsonl"):
            assert stat.S_IMODE(kept.stat().st_mode) & 0o007 == 0, kept
    finally:
        os.umask(old)


def test_every_write_keeps_the_previous_version_as_a_backup(db_path):
    db = Database(db_path)
    original = db_path.read_bytes()
    with db.transaction("t", "x") as state:
        ops.add_items(state, ["DE"], "backup me")
    backups = list_backups(db_path)
    assert backups and backups[0].read_bytes() == original


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"{not json", "is corrupt"),
        (b'{"regions": {}}', "not a rollout database"),
        (b'{"_meta": {"1": {"schema": 99}}}', "newer rollout"),
        (b"\x00\x01\x02binary", "is corrupt"),
    ],
)
def test_bad_files_give_a_clear_error_naming_the_file_and_are_left_untouched(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(DatabaseError, match=message) as info:
        Database(path).load()
    assert str(path) in str(info.value)
    with pytest.raises(DatabaseError), Database(path).transaction("t", "x"):
        pass
    assert path.read_bytes() == content


def test_read_only_mode_refuses_writes(db_path):
    before = db_path.read_bytes()
    with pytest.raises(ReadOnly), Database(db_path, read_only=True).transaction("t", "x"):
        pass
    assert db_path.read_bytes() == before


def test_a_missing_database_is_created_from_the_bundled_dataset(tmp_path):
    db = Database(tmp_path / "sub" / "dir" / "new.json")
    state = db.load()
    assert db.created_from_seed
    assert "JP" in state.regions


def test_init_refuses_to_overwrite_without_force(db_path):
    with pytest.raises(DatabaseError, match="already exists"):
        Database(db_path).create(empty=True, force=False)
    Database(db_path).create(empty=True, force=True)
    assert Database(db_path).load().regions == {}


def _add_items(path: str, worker: int, count: int) -> None:
    os.environ["ROLLOUT_LOCK_TIMEOUT"] = "60"
    db = Database(path)
    for n in range(count):
        with db.transaction(f"w{worker}", f"check add DE w{worker}-{n}") as state:
            ops.add_items(state, ["DE"], f"w{worker}-{n}")


def test_eight_processes_adding_25_items_each_lose_nothing(db_path):
    before = len(Database(db_path).load().items_of("DE"))
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_add_items, args=(str(db_path), w, 25)) for w in range(8)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
        assert p.exitcode == 0
    state = Database(db_path).load()
    titles = [i["title"] for i in state.items_of("DE")]
    assert len(titles) == before + 200
    assert {f"w{w}-{n}" for w in range(8) for n in range(25)} <= set(titles)
    assert len(state.history) == 200
    assert len({i["id"] for i in state.items.values()}) == len(state.items)


# -- one atomic write, one signature, a cheap revision ---------------------------------------------
def test_the_atomic_write_replaces_whole_files_and_cleans_up_after_a_failure(tmp_path):
    from rollout.files import atomic_write, file_signature, leftovers

    path = tmp_path / "out.json"
    signature = atomic_write(path, b"first")
    assert path.read_bytes() == b"first" and signature == file_signature(path)
    assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0

    def fail() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(path, b"second", before_replace=fail)
    assert path.read_bytes() == b"first"
    assert leftovers(path) == []


def test_exports_are_written_through_the_atomic_write(tmp_path, monkeypatch):
    """The export writer used to write its temp file without fsync: it now uses the one helper."""
    import rollout.files
    from rollout.exchange import write_file

    calls = []
    monkeypatch.setattr(rollout.files, "fsync_dir", lambda folder: calls.append(folder))
    write_file(tmp_path / "export.csv", b"a,b\n")
    assert (tmp_path / "export.csv").read_bytes() == b"a,b\n"
    assert calls == [tmp_path]


def test_file_signature_has_one_definition():
    import rollout.files
    import rollout.storage
    import rollout.tui.session

    assert rollout.storage.file_signature is rollout.files.file_signature
    assert rollout.tui.session.file_signature is rollout.files.file_signature


def test_revision_reads_only_the_metadata_and_creates_nothing(db_path, tmp_path, monkeypatch):
    import rollout.storage

    with Database(db_path).transaction("t", "x") as state:
        ops.add_items(state, ["DE"], "one")
    monkeypatch.setattr(rollout.storage, "decode_document", lambda raw, path: pytest.fail("parsed the records"))
    assert Database(db_path).revision() == 1
    missing = tmp_path / "missing.json"
    assert Database(missing).revision() is None
    assert not missing.exists()


def test_deleting_a_record_that_is_not_there_is_a_clear_not_found():
    from rollout.errors import NotFound
    from rollout.state import State, empty_document

    state = State(empty_document())
    for table, key, message in (
        ("regions", "DE", "no region DE"),
        ("items", "c7", "no checklist item c7"),
        ("promotions", "p3", "no promotion p3"),
    ):
        with pytest.raises(NotFound, match=message):
            state.delete(table, key)
    assert state.changes() == []


def test_storage_and_migrations_import_in_one_direction():
    import ast
    from pathlib import Path

    import rollout.migrations

    tree = ast.parse(Path(rollout.migrations.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(module and module.startswith("rollout.storage") for module in imported)
