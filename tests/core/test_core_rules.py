"""The rules written once (rollout.rules): each change is judged as a whole, whatever path made it."""

from __future__ import annotations

import pytest

from rollout import exchange, ops, rules
from rollout.backends.memory import MemoryBackend
from rollout.db import Database
from rollout.errors import InvalidValue, Refused
from rollout.state import State, empty_document


@pytest.fixture
def db() -> Database:
    """NL with c1 (critical), c2 waiting for c1, and c3, c4, c5 waiting for nothing."""
    db = Database(backend=MemoryBackend(empty_document()))
    with db.transaction("ana", "setup") as state:
        ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
        ops.add_items(state, ["NL"], "Payment provider live", critical=True)
        ops.add_items(state, ["NL"], "Banner copy", after="c1")
        for title in ("Legal review", "Translations", "Press kit"):
            ops.add_items(state, ["NL"], title)
    return db


def _rows(text: str) -> list[exchange.Row]:
    return exchange.read_rows("items.csv", text.encode())


# -- cycles on import: every touched item is checked, not only the first ---------------------------
@pytest.mark.parametrize(
    "sheet",
    [
        "id,after\nc3,c4\nc1,c2\n",  # the second row closes c1 -> c2 -> c1
        "id,after\nc3,c4\nc4,c5\nc1,c2\n",  # the last of three
        "id,title,after\nc3,Legal,\nc1,Payment,c2\n",  # the first touched item waits for nothing
    ],
)
def test_an_import_whose_later_row_makes_a_cycle_is_refused(db, sheet):
    before = db.load().data()
    refused = pytest.raises(InvalidValue, match=r"waits for itself through c1 -> c2 -> c1|c2 -> c1 -> c2")
    with refused, db.transaction("ana", "import") as state:
        exchange.apply_rows(state, _rows(sheet), "ana")
    assert db.load().data() == before


def test_a_cycle_made_by_a_later_touched_item_of_any_change_is_refused(db):
    with pytest.raises(InvalidValue, match="waits for itself"), db.transaction("ana", "edit") as state:
        ops.edit_item(state, None, "c3", title="Legal review, again")  # touched first
        state.put("items", {**state.items["c1"], "after": ["c2"]})  # bypassing edit_item's own check


# -- what no operation judged is judged at commit ---------------------------------------------------
def test_a_tick_put_directly_is_judged_when_the_change_is_committed(db):
    before = db.load().data()
    with (
        pytest.raises(
            Refused, match=r"change would tick c2, which waits for c1 'Payment provider live' \(open\); use --force"
        ),
        db.transaction("ana", "script") as state,
    ):
        state.put("items", ops.stamp_done({**state.items["c2"], "status": "done"}, "ana", "Europe/Amsterdam"))
    assert db.load().data() == before


def test_a_launch_put_directly_is_judged_and_stamped(db):
    with pytest.raises(Refused, match="cannot launch NL: 1 critical item"), db.transaction("ana", "script") as state:
        state.put("regions", {**state.regions["NL"], "status": "launched"})
    with db.transaction("ana", "tick") as state:
        ops.set_items_done(state, "NL", ["c1"], True, "ana")
    with db.transaction("ana", "script") as state:
        state.put("regions", {**state.regions["NL"], "status": "launched"})
    assert db.load().regions["NL"]["launched_at"]  # stamped on launch, whatever put it


def test_enforce_with_force_notes_each_crossing_once():
    state = State(empty_document())
    ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    ops.add_items(state, ["NL"], "Payment provider live", critical=True)
    ops.add_items(state, ["NL"], "Banner copy", after="c1")
    state.before.clear()
    state.judged.clear()
    state.put("items", {**state.items["c2"], "status": "done"})
    state.put("regions", {**state.regions["NL"], "status": "launched"})
    rules.enforce(state, force=True, how="import")
    assert state.notes == [
        "forced launch (import) of NL with 1 critical item(s) open",
        "forced tick (import) of c2 while it waits for c1 'Payment provider live' (open)",
    ]
    rules.enforce(state, force=True, how="import")  # judged once: nothing noted twice
    assert len(state.notes) == 2


def test_items_ticked_together_count_as_done_for_each_other_on_import(db):
    with db.transaction("ana", "import") as state:
        exchange.apply_rows(state, _rows("id,status\nc2,done\nc1,done\n"), "ana")
    assert "notes" not in db.history()[-1]
    assert {db.load().items[i]["status"] for i in ("c1", "c2")} == {"done"}
