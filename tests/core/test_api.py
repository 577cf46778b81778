"""`rollout.open`: the Python API for scripts goes through the lock, the operations, the schema
check and the history, exactly as the command line does (rollout.api)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from databases import stored

import rollout
from rollout.db import Database
from rollout.errors import DatabaseError, InvalidValue, ReadOnly, Refused

BACKENDS = ("file", "postgres")  # every test taking a database runs on both (tests/conftest.py)


@pytest.fixture
def shop(db_path: Path) -> rollout.api.Shop:
    return rollout.open(db_path, user="script-bot")


def test_importing_rollout_loads_neither_the_api_nor_the_database() -> None:
    code = "import sys, rollout; print(sorted(m for m in sys.modules if m.startswith('rollout')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded.replace("'", '"')) == ["rollout"]


def test_a_change_is_one_history_entry_by_the_scripts_user_that_undo_reverts(shop, db_path: Path) -> None:
    before = shop.read()
    with shop.change("script: DE check") as change:
        (item,) = change.add_items(["DE"], "Check invoices", critical=True)
        change.set_items_done("DE", [item["id"]], True)
    assert change.entry is not None
    entry = shop.history(limit=1, with_changes=True)[0]
    assert (entry["id"], entry["user"], entry["command"]) == (change.entry["id"], "script-bot", "script: DE check")
    assert shop.read().items[item["id"]]["done_by"] == "script-bot"
    assert shop.revision() == before.revision + 1
    with shop.change("script: undo") as change:
        change.undo()
    assert shop.read().items.keys() == before.items.keys()


def test_a_refused_operation_writes_nothing(shop, db_path: Path) -> None:
    raw = stored(db_path)
    with pytest.raises(Refused), shop.change("script: launch CA") as change:
        change.add_items(["CA"], "Still open", critical=True)
        change.set_regions(["CA"], status="launched")
    assert stored(db_path) == raw
    assert change.entry is None


def test_a_record_the_schema_refuses_is_never_stored(shop, db_path: Path) -> None:
    """Writing the state directly inside a block still goes through the schema check of every touched record."""
    raw = stored(db_path)
    with pytest.raises(InvalidValue), shop.change("script: bad") as change:
        change.state.put("regions", {**change.state.regions["DE"], "currency": "euros"})
    assert stored(db_path) == raw


def test_a_change_holds_the_writers_lock(shop, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLOUT_LOCK_TIMEOUT", "0.05")
    outcome: list[str] = []

    def other_writer() -> None:
        try:
            with Database(db_path).transaction("other", "other") as state:
                state.put("regions", {**state.regions["FR"], "owner": "other"})
            outcome.append("written")
        except DatabaseError as exc:
            outcome.append(str(exc))

    with shop.change("script: slow") as change:
        change.set_regions(["DE"], owner="script")
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join()
    assert len(outcome) == 1 and "is locked by another writer" in outcome[0]


def test_one_change_per_with_block(shop) -> None:
    with shop.change("first") as change:
        with pytest.raises(RuntimeError, match="one change per `with` block"), shop.change("nested"):
            pass
        change.set_regions(["DE"], owner="a")
    with pytest.raises(RuntimeError, match="this change is over"):
        change.set_regions(["DE"], owner="b")
    assert shop.read().regions["DE"]["owner"] == "a"
    with pytest.raises(AttributeError, match="no operation 'drop_everything'"):
        getattr(change, "drop_everything")  # noqa: B009


def test_a_dry_run_checks_and_writes_nothing(shop, db_path: Path) -> None:
    raw = stored(db_path)
    with shop.change("script: try", dry_run=True) as change:
        change.set_regions(["DE"], owner="maybe")
    assert change.entry is None and stored(db_path) == raw


def test_open_never_creates_a_database_and_read_only_refuses_changes(tmp_path: Path, db_path: Path) -> None:
    missing = tmp_path / "nowhere" / "rollout.json"
    with pytest.raises(DatabaseError, match="no database at"):
        rollout.open(missing)
    assert not missing.parent.exists()
    reader = rollout.open(db_path, read_only=True)
    assert reader.read().regions
    with pytest.raises(ReadOnly), reader.change("x") as change:
        change.set_regions(["DE"], owner="x")


@pytest.mark.file_only  # the file's lock; a server serialises every writer itself
def test_a_script_write_after_a_write_that_bypassed_the_lock_is_refused(shop, db_path: Path) -> None:
    document = json.loads(db_path.read_bytes())
    document["regions"]["1"]["owner"] = "behind rollout's back"
    db_path.write_text(json.dumps(document))
    with pytest.raises(DatabaseError, match="was changed without the rollout lock"), shop.change("x") as change:
        change.set_regions(["DE"], owner="x")


# -- the page that documents it runs as shown ---------------------------------------------------------
DOC = Path(__file__).resolve().parents[2] / "docs" / "scripting-python.md"


def test_the_scripting_page_runs_as_shown(tmp_path: Path) -> None:
    """With README.md's runner (tests/cli/test_readme.py); once that runner covers docs/ itself, it runs the page."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
    try:
        import test_readme
    finally:
        sys.path.pop(0)
    if DOC in getattr(test_readme, "FILES", ()):
        pytest.skip("tests/cli/test_readme.py runs every page of docs/")
    from test_readme import chains, environment, parse, run_command

    blocks = [b for b in parse(DOC.read_text(encoding="utf-8")) if not b.marker.startswith("not run")]
    assert len(blocks) >= 2
    for chain in chains(blocks):
        folder = tmp_path / f"chain{chain[0].number}"
        folder.mkdir()
        Database(folder / "rollout.json").create(empty=False, force=False)
        env = environment(folder)
        for block in chain:
            for command in block.commands:
                run_command(block, command, folder, env)
