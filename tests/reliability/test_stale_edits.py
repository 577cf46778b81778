"""Edits based on an old view of the data: re-applied on fresh data when safe, refused otherwise.

A screen loads the state at some revision and edits later; meanwhile other processes write.
The screen passes the revision it loaded as `base_revision`; the transaction re-runs the edit on
fresh data and refuses it (StaleEdit, nothing written) when it would change a field someone
else changed since.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rollout import ops
from rollout.db import Database
from rollout.errors import NotFound, StaleEdit


@pytest.fixture
def db(small_db: Path) -> Database:
    with Database(small_db).transaction("setup", "setup") as state:
        ops.add_items(state, ["DE"], "Tax registration", critical=True)
        ops.add_items(state, ["DE"], "Payment provider")
        ops.add_promotions(state, ["DE"], "Launch week", start="2027-06-01", end="2027-06-08")
    return Database(small_db)


def other_process(db: Database, user: str = "bob"):
    """Another writer: a separate Database object on the same file, like another process."""
    return Database(db.path).transaction(user, "other edit")


def test_ticking_an_item_someone_renamed_meanwhile_is_applied_on_fresh_data(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.edit_item(state, "DE", "c1", title="Tax registration (VAT)")
    with db.transaction("alice", "check done DE c1", base_revision=view.revision) as state:
        ops.set_items_done(state, "DE", ["c1"], True, "alice")
    assert (state.commit.entry["user"], state.commit.entry["command"]) == ("alice", "check done DE c1")
    assert state.commit.rebased
    item = db.load().items["c1"]
    assert item["title"] == "Tax registration (VAT)"
    assert (item["status"], item["done_by"]) == ("done", "alice")


def test_setting_a_field_someone_else_just_changed_is_refused_with_who_did_it(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.set_regions(state, ["DE"], owner="bob")
    before = db.path.read_bytes()
    with (
        pytest.raises(StaleEdit, match=r"region DE owner changed by bob \(#2\) since you opened it"),
        db.transaction("alice", "region set DE --owner alice", base_revision=view.revision) as state,
    ):
        ops.set_regions(state, ["DE"], owner="alice")
    assert db.path.read_bytes() == before
    assert db.load().regions["DE"]["owner"] == "bob"


def test_changing_another_field_of_the_same_record_is_applied(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.set_regions(state, ["DE"], owner="bob")
    with db.transaction("alice", "region set DE --wave 4", base_revision=view.revision) as state:
        ops.set_regions(state, ["DE"], wave=4)
    region = db.load().regions["DE"]
    assert (region["owner"], region["wave"]) == ("bob", 4)


def test_moving_a_promotion_someone_else_moved_is_refused(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.move_promotion(state, "p1", "1w")
    with (
        pytest.raises(StaleEdit, match="promotion p1 end, start changed by bob"),
        db.transaction("alice", "promo move p1 --by 1d", base_revision=view.revision) as state,
    ):
        ops.move_promotion(state, "p1", "1d")
    assert db.load().promotions["p1"]["start"] == view.promotions["p1"]["start"].replace("06-01", "06-08")


def test_removing_an_item_someone_edited_meanwhile_is_refused(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.edit_item(state, "DE", "c2", owner="bob")
    with (
        pytest.raises(StaleEdit, match="checklist item c2 was changed by bob"),
        db.transaction("alice", "check remove DE c2", base_revision=view.revision) as state,
    ):
        ops.remove_items(state, "DE", ["c2"])
    assert "c2" in db.load().items


def test_ticking_an_item_someone_removed_meanwhile_says_it_is_gone(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.remove_items(state, "DE", ["c2"])
    with (
        pytest.raises(NotFound, match="no checklist item c2 in DE"),
        db.transaction("alice", "check done DE c2", base_revision=view.revision) as state,
    ):
        ops.set_items_done(state, "DE", ["c2"], True, "alice")


def test_ticking_an_item_someone_already_ticked_changes_nothing(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.set_items_done(state, "DE", ["c1"], True, "bob")
    with db.transaction("alice", "check done DE c1", base_revision=view.revision) as state:
        ops.set_items_done(state, "DE", ["c1"], True, "alice")
    assert state.commit.entry is None
    assert db.load().items["c1"]["done_by"] == "bob"


def test_undo_from_an_old_view_does_not_undo_someone_elses_newer_change(db: Database) -> None:
    view = db.load()
    with other_process(db) as state:
        ops.set_regions(state, ["FR"], owner="bob")
    with (
        pytest.raises(StaleEdit, match="region FR owner changed by bob"),
        db.transaction("alice", "undo", base_revision=view.revision) as state,
    ):
        ops.undo(state)
    assert db.load().regions["FR"]["owner"] == "bob"


def test_an_edit_from_a_view_older_than_init_force_is_refused(db: Database) -> None:
    """`init --force` is a change in history (every record replaced), so an edit made on a view from
    before it conflicts with it, or with what was added since."""
    view = db.load()
    Database(db.path).create(empty=True, force=True, user="carol")
    with Database(db.path).transaction("bob", "region add") as state:
        ops.add_region(state, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR")
    before = db.path.read_bytes()
    with (
        pytest.raises(StaleEdit, match=r"region DE was added by bob \(#3\) since you opened it"),
        db.transaction("alice", "region set DE --wave 2", base_revision=view.revision) as state,
    ):
        ops.set_regions(state, ["DE"], wave=2)
    assert db.path.read_bytes() == before


def test_an_edit_from_a_view_of_a_database_whose_revisions_history_cannot_explain_is_refused() -> None:
    """Revisions without history entries (files from before every change had one) mean the data
    may have changed in ways history cannot tell: refused rather than guessed."""
    from reliability_workload import small_document

    from rollout.backends.memory import MemoryBackend

    backend = MemoryBackend(small_document(("DE",)))
    db = Database(backend=backend)
    view = db.load()
    with backend.writing() as tx:
        stored = tx.read()
        assert stored is not None
        stored.document["_meta"]["1"]["revision"] += 3  # three revisions, no entry
        tx.commit(stored.document, None)
    with (
        pytest.raises(StaleEdit, match=r"the database was replaced since you opened it \(revision 0, now 3\)"),
        db.transaction("alice", "region set DE --wave 2", base_revision=view.revision) as state,
    ):
        ops.set_regions(state, ["DE"], wave=2)
    assert db.load().regions["DE"]["wave"] == 0


def test_form_edits_carry_the_values_they_were_based_on(db: Database) -> None:
    """ops' `expected` values catch a stale form field even without a base revision."""
    with other_process(db) as state:
        ops.edit_item(state, "DE", "c1", title="Renamed by bob")
    with (
        pytest.raises(StaleEdit, match="c1 title was changed by bob"),
        db.transaction("alice", "check edit DE c1") as state,
    ):
        ops.edit_item(state, "DE", "c1", title="Alice's title", expected={"title": "Tax registration"})
    assert db.load().items["c1"]["title"] == "Renamed by bob"


def test_an_edit_on_an_up_to_date_view_is_simply_applied(db: Database) -> None:
    view = db.load()
    with db.transaction("alice", "region set DE --owner alice", base_revision=view.revision) as state:
        ops.set_regions(state, ["DE"], owner="alice")
    assert (state.commit.entry["user"], state.commit.entry["revision"]) == ("alice", view.revision + 1)
    assert not state.commit.rebased
    assert db.load().regions["DE"]["owner"] == "alice"
