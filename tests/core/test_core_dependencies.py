"""Dependencies between checklist items (`after`): adding and editing them, ticking, cycles,
removal, validation of every change, doctor, JSON, export and import."""

from __future__ import annotations

import csv
import io
import json

import pytest
from crafted import database, item, region

from rollout import exchange, model, ops, queries, schema
from rollout.doctor import check_document
from rollout.errors import InvalidValue, NotFound, Refused


@pytest.fixture
def db():
    """NL and DE; c1 'Payment provider live' (DE), c2 'Contract' (NL), c3 'Go-live' (NL) waits for c1 and c2."""
    db = database()
    with db.transaction("ana", "setup") as state:
        region(state, "NL")
        region(state, "DE")
        item(state, "DE", "Payment provider live")
        item(state, "NL", "Contract")
        item(state, "NL", "Go-live", after="c1,c2")
    return db


def test_add_and_edit_store_the_ids_an_item_waits_for(db):
    state = db.load()
    assert state.items["c3"]["after"] == ["c1", "c2"]
    with db.transaction("ana", "check edit NL c2 --after C1") as state:
        ops.edit_item(state, "NL", "c2", after="C1")
    assert db.load().items["c2"]["after"] == ["c1"]
    with db.transaction("ana", "check edit NL c3 --no-after") as state:
        ops.edit_item(state, "NL", "c3", after=[])
    assert db.load().items["c3"]["after"] == []


@pytest.mark.parametrize(
    ("typed", "ids"),
    [
        ("c1,c2", ["c1", "c2"]),
        ("c1; c2", ["c1", "c2"]),
        ("C2 c1 c2", ["c2", "c1"]),
        ("", []),
        (["c1", "c2,c3"], ["c1", "c2", "c3"]),
    ],
)
def test_typed_ids_are_read_in_order_once_each(typed, ids):
    assert model.item_ids(typed) == ids


@pytest.mark.parametrize("typed", ["p1", "c0", "12", "c1,x"])
def test_text_that_is_not_an_item_id_is_refused(typed):
    with pytest.raises(InvalidValue, match="expected an id like c12"):
        model.item_ids(typed)


def test_unknown_ids_are_refused_and_nothing_is_written(db):
    before = db.load().data()
    with pytest.raises(NotFound, match="no checklist item c99"), db.transaction("ana", "x") as state:
        ops.add_items(state, ["NL"], "Waits", after="c1,c99")
    with pytest.raises(NotFound, match="no checklist item c42"), db.transaction("ana", "x") as state:
        ops.edit_item(state, "NL", "c2", after="c42")
    assert db.load().data() == before


def test_an_item_cannot_wait_for_itself(db):
    with pytest.raises(Refused, match="c2 cannot wait for itself"), db.transaction("ana", "x") as state:
        ops.edit_item(state, "NL", "c2", after="c2")


@pytest.mark.parametrize(
    ("edit", "cycle"),
    [
        (("DE", "c1", "c3"), "c1 -> c3 -> c1"),  # two links
        (("NL", "c2", "c4"), "c2 -> c4 -> c3 -> c2"),  # three links
    ],
)
def test_a_cycle_is_refused_naming_it(db, edit, cycle):
    with db.transaction("ana", "setup") as state:
        item(state, "NL", "After go-live", after="c3")  # c4
    code, item_id, after = edit
    with (
        pytest.raises(Refused, match=f"{item_id} cannot wait for .*: that makes a cycle {cycle}$"),
        db.transaction("ana", "x") as state,
    ):
        ops.edit_item(state, code, item_id, after=after)


def test_ticking_an_item_whose_blocker_is_open_is_refused_unless_forced(db):
    with db.transaction("ana", "setup") as state:
        ops.set_items_done(state, "NL", ["c2"], True, "ana")
    with pytest.raises(Refused) as refused, db.transaction("ana", "check done NL c3") as state:
        ops.set_items_done(state, "NL", ["c3"], True, "ana")
    assert str(refused.value) == "c3 waits for c1 'Payment provider live' (open, in DE); use --force"
    with db.transaction("ana", "check done NL c3 --force") as state:
        (ticked,) = ops.set_items_done(state, "NL", ["c3"], True, "ana", force=True)
    assert ticked["status"] == "done"
    entry = db.load().history[-1]
    assert entry["notes"] == ["forced tick of c3 while it waits for c1 'Payment provider live' (open, in DE)"]


def test_the_refusal_names_every_open_blocker_in_its_region_words():
    db = database()
    with db.transaction("ana", "setup") as state:
        region(state, "NL")
        item(state, "NL", "Payment provider live")
        item(state, "NL", "Contract")
        item(state, "NL", "Go-live", after="c1,c2")
    with pytest.raises(Refused) as refused, db.transaction("ana", "x") as state:
        ops.set_items_done(state, "NL", ["c3"], True, "ana")
    assert str(refused.value) == (
        "c3 waits for c1 'Payment provider live' (open) and c2 'Contract' (open); use --force"
    )


def test_items_ticked_together_count_as_done_for_each_other(db):
    with db.transaction("ana", "x") as state:
        ops.set_items_done(state, "DE", ["c1"], True, "ana")
        ticked = ops.set_items_done(state, "NL", ["c3", "c2"], True, "ana")  # c3 before its blocker c2
    assert [i["id"] for i in ticked] == ["c3", "c2"]


def test_reopening_a_blocker_is_allowed_and_blocks_again(db):
    with db.transaction("ana", "x") as state:
        ops.set_items_done(state, "DE", ["c1"], True, "ana")
        ops.set_items_done(state, "NL", ["c2", "c3"], True, "ana")
        ops.set_items_done(state, "DE", ["c1"], False, "ana")
    state = db.load()
    assert queries.item_json(state, state.items["c3"])["blocked"] is False  # done: nothing left to block
    with db.transaction("ana", "x") as state:
        ops.set_items_done(state, "NL", ["c3"], False, "ana")
    state = db.load()
    assert queries.item_json(state, state.items["c3"])["blocked"] is True


def test_item_json_has_after_and_blocked(db):
    state = db.load()
    data = queries.item_json(state, state.items["c3"])
    assert (data["after"], data["blocked"]) == (["c1", "c2"], True)
    assert queries.item_json(state, state.items["c1"])["blocked"] is False
    with db.transaction("ana", "x") as state:
        ops.set_items_done(state, "DE", ["c1"], True, "ana")
        ops.set_items_done(state, "NL", ["c2"], True, "ana")
    state = db.load()
    assert queries.item_json(state, state.items["c3"])["blocked"] is False


def test_an_item_stored_before_dependencies_waits_for_nothing(db):
    with db.transaction("ana", "x") as state:
        legacy = {k: v for k, v in state.items["c2"].items() if k != "after"}
        state.put("items", legacy)
    state = db.load()
    assert "after" not in state.items["c2"]
    data = queries.item_json(state, state.items["c2"])
    assert (data["after"], data["blocked"]) == ([], False)
    assert queries.open_blockers(state, state.items["c2"]) == []


def test_removing_an_item_takes_it_out_of_the_others_after_in_the_same_change(db):
    with db.transaction("ana", "check remove DE c1") as state:
        ops.remove_items(state, "DE", ["c1"])
    state = db.load()
    assert state.items["c3"]["after"] == ["c2"]
    entry = state.history[-1]
    assert {(c["table"], c["key"]) for c in entry["changes"]} == {("items", "c1"), ("items", "c3")}
    with db.transaction("ana", "undo") as state:
        ops.undo(state)
    state = db.load()
    assert state.items["c3"]["after"] == ["c1", "c2"] and "c1" in state.items


def test_removing_a_region_takes_its_items_out_of_other_regions_after(db):
    with db.transaction("ana", "region remove DE --yes") as state:
        ops.remove_region(state, "DE")
    assert db.load().items["c3"]["after"] == ["c2"]
    with db.transaction("ana", "undo") as state:
        ops.undo(state)
    assert db.load().items["c3"]["after"] == ["c1", "c2"]


def test_every_change_is_checked_for_unknown_ids_cycles_and_removed_blockers(db):
    """What the operations refuse, the schema refuses too, for changes made otherwise (imports, undo)."""
    cases = [
        (
            lambda s: s.put("items", {**s.items["c2"], "after": ["c77"]}),
            "checklist item c2 waits for c77, which does not exist",
        ),
        (
            lambda s: s.put("items", {**s.items["c1"], "after": ["c3"]}),
            "checklist item c1 waits for itself through c1 -> c3 -> c1",
        ),
        (lambda s: s.put("items", {**s.items["c2"], "after": ["c2"]}), "checklist item c2 waits for itself"),
        (lambda s: s.delete("items", "c1"), "checklist item c3 waits for c1, which would be removed"),
        (lambda s: s.put("items", {**s.items["c2"], "after": "c1"}), "after 'c1' is not valid"),
    ]
    for change, message in cases:
        with (
            pytest.raises(InvalidValue, match="refused: .*nothing was changed") as refused,
            db.transaction("ana", "x") as state,
        ):
            change(state)
        assert message in str(refused.value)


def test_undoing_the_addition_of_an_item_others_now_wait_for_is_refused(db):
    with db.transaction("ana", "check add NL Blocker") as state:
        ops.add_items(state, ["NL"], "Blocker")  # c4
    with db.transaction("ben", "check edit NL c2 --after c4") as state:
        ops.edit_item(state, "NL", "c2", after="c4")
    with (
        pytest.raises(InvalidValue, match="c2 waits for c4, which would be removed"),
        db.transaction("ana", "undo") as state,
    ):
        ops.undo(state, user="ana")


def test_doctor_reports_unknown_ids_and_cycles(db):
    document = db.load().document()
    records = {r["id"]: (doc_id, r) for doc_id, r in document["items"].items()}
    doc_id, c1 = records["c1"]
    document["items"][doc_id] = {**c1, "after": ["c3"]}
    doc_id, c2 = records["c2"]
    document["items"][doc_id] = {**c2, "after": ["c500"]}
    problems = [f.message for f in check_document(document) if f.level == "problem"]
    assert "checklist item c2 waits for c500, which does not exist" in problems
    assert "checklist item c1 waits for itself through c1 -> c3 -> c1" in problems


def test_doctor_reports_an_after_that_is_not_a_list_of_ids(db):
    document = db.load().document()
    doc_id = next(d for d, r in document["items"].items() if r["id"] == "c2")
    document["items"][doc_id] = {**document["items"][doc_id], "after": ["c1", 7]}
    problems = [f.message for f in check_document(document) if f.level == "problem"]
    assert any(p.startswith("checklist item c2: after ['c1', 7] is not valid") for p in problems), problems


def test_export_and_import_keep_after_in_json_and_csv(db):
    state = db.load()
    dump = json.loads(exchange.export_json(state, exchange.KINDS))
    assert [i["after"] for i in dump["checklist"]] == [[], [], ["c1", "c2"]]
    rows = list(csv.DictReader(io.StringIO(exchange.export_csv(state, "checklist"))))
    assert [r["after"] for r in rows] == ["", "", "c1,c2"]
    for label, data in (("dump.json", exchange.export_json(state, exchange.KINDS)), ("items.csv", None)):
        target = database()
        with target.transaction("ana", "import") as fresh_state:
            if data is None:
                regions = exchange.read_rows("regions.csv", exchange.export_csv(state, "regions").encode())
                items = exchange.read_rows(label, exchange.export_csv(state, "checklist").encode())
                exchange.apply_rows(fresh_state, regions + items, "ana")
            else:
                exchange.apply_rows(fresh_state, exchange.read_rows(label, data), "ana")
        assert target.load().items == state.items


def test_an_import_may_refer_to_items_it_creates_later_and_is_refused_for_unknown_ones(db):
    rows = exchange.read_rows(
        "items.csv",
        b"id,region,title,after\nc10,NL,Waits,c11\nc11,NL,Blocker,\n",
    )
    with db.transaction("ana", "import") as state:
        exchange.apply_rows(state, rows, "ana")
    assert db.load().items["c10"]["after"] == ["c11"]
    bad = exchange.read_rows("items.csv", b"id,region,title,after\nc20,NL,Waits,c999\n")
    with (
        pytest.raises(InvalidValue, match="c20 waits for c999, which does not exist"),
        db.transaction("ana", "import") as state,
    ):
        exchange.apply_rows(state, bad, "ana")
    odd = exchange.read_rows("items.json", b'{"rollout_export": 1, "checklist": [{"id": "c2", "after": [3]}]}')
    with pytest.raises(InvalidValue, match="after: expected item ids"), db.transaction("ana", "import") as state:
        exchange.apply_rows(state, odd, "ana")


def test_an_import_that_leaves_after_as_it_was_changes_nothing(db):
    with db.transaction("ana", "x") as state:
        state.put("items", {k: v for k, v in state.items["c2"].items() if k != "after"})
    rows = exchange.read_rows("items.csv", b"id,after\nc2,\n")
    with db.transaction("ana", "import") as state:
        exchange.apply_rows(state, rows, "ana")
        assert state.changes() == []


def test_cycle_search_names_the_cycle_and_ignores_missing_ids():
    items = {
        "c1": {"id": "c1", "after": ["c2"]},
        "c2": {"id": "c2", "after": ["c3", "c9"]},
        "c3": {"id": "c3", "after": ["c1"]},
        "c4": {"id": "c4", "after": []},
    }
    assert schema.find_cycle(items, ["c1"]) == ["c1", "c2", "c3", "c1"]
    assert schema.find_cycle(items, ["c4"]) is None
    del items["c3"]["after"]
    assert schema.find_cycle(items, ["c1", "c2", "c4"]) is None
