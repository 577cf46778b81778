"""Each operation's rules, field by field, on a state built in memory: defaults, what is stored,
what is refused and with which message, what is left alone.

The clock is the suite's (2026-11-24T09:00Z). NL is Europe/Amsterdam (UTC+1 in winter).
"""

from __future__ import annotations

import pytest

from rollout import ops, schema
from rollout.backends.memory import MemoryBackend
from rollout.db import Database
from rollout.errors import InvalidValue, NotFound, Refused, StaleEdit
from rollout.state import State, empty_document


# -- regions ---------------------------------------------------------------------------------------
def test_a_region_is_added_planned_in_wave_0_without_an_owner_by_default(state):
    added = ops.add_region(state, " be ", name=" Belgium ", timezone="Europe/Brussels", currency="eur")
    assert added == {
        "code": "BE",
        "name": "Belgium",
        "timezone": "Europe/Brussels",
        "currency": "EUR",
        "status": "planned",
        "wave": 0,
        "owner": "",
        "launch": None,
        "launched_at": None,
        "notes": [],
    }
    assert state.regions["BE"] == added


def test_a_region_added_as_launched_is_stamped_with_its_target_else_now(state):
    with_target = ops.add_region(
        state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR", launch="2026-06-01", status="launched"
    )
    assert with_target["launched_at"] == with_target["launch"] == "2026-06-01T00:00:00+02:00"
    without = ops.add_region(
        state, "LU", name="Luxembourg", timezone="Europe/Luxembourg", currency="EUR", status="launched"
    )
    assert without["launched_at"] == "2026-11-24T10:00:00+01:00"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: ops.add_region(s, "BE", name=" ", timezone="UTC", currency="EUR"), "name cannot be empty"),
        (lambda s: ops.set_regions(s, ["NL"], name=""), "name cannot be empty"),
        (lambda s: ops.add_items(s, ["NL"], "  "), "title cannot be empty"),
        (lambda s: ops.edit_item(s, "NL", "c1", title=""), "title cannot be empty"),
        (lambda s: ops.add_promotions(s, ["NL"], "", start="2027-04-01", end="2027-04-02"), "name cannot be empty"),
        (lambda s: ops.edit_promotion(s, "p1", name="\t"), "name cannot be empty"),
        (lambda s: ops.set_regions(s, ["NL"]), "nothing to set: give at least one field"),
    ],
)
def test_an_empty_text_is_refused_naming_the_field(state, call, message):
    ops.add_items(state, ["NL"], "Tax letter")
    ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08")
    before = state.data()
    with pytest.raises(InvalidValue) as refused:
        call(state)
    assert str(refused.value) == message
    assert state.data() == before


def test_set_regions_stores_each_field_given_and_keeps_the_others(state):
    (region,) = ops.set_regions(state, ["NL"], name="Holland", currency="usd", wave="3", owner=" amara ")
    assert region == {
        **state.regions["NL"],
        "name": "Holland",
        "currency": "USD",
        "wave": 3,
        "owner": "amara",
        "timezone": "Europe/Amsterdam",
        "launch": "2027-03-01T10:00:00+01:00",
    }
    assert state.regions["NL"] == region


@pytest.mark.parametrize("status", ["planned", "preparing", "ready"])
def test_a_launched_region_set_back_before_launch_loses_its_stamp_and_a_paused_one_keeps_it(state, status):
    ops.set_regions(state, ["NL"], status="launched")
    (paused,) = ops.set_regions(state, ["NL"], status="paused")
    assert paused["launched_at"] == "2026-11-24T10:00:00+01:00"
    (back,) = ops.set_regions(state, ["NL"], status=status)
    assert back["launched_at"] is None


def test_launching_again_keeps_the_first_launch_stamp(state, monkeypatch):
    ops.set_regions(state, ["NL"], status="launched")
    ops.set_regions(state, ["NL"], status="paused")
    monkeypatch.setenv("ROLLOUT_NOW", "2026-12-01T09:00:00+00:00")
    (relaunched,) = ops.set_regions(state, ["NL"], status="launched")
    assert relaunched["launched_at"] == "2026-11-24T10:00:00+01:00"


def test_items_due_on_a_day_keep_that_day_when_the_zone_changes_and_timed_ones_keep_their_instant(state):
    (day,) = ops.add_items(state, ["NL"], "Day", due="2027-01-10")
    (timed,) = ops.add_items(state, ["NL"], "Timed", due="2027-01-10T15:00")
    ops.set_regions(state, ["NL"], timezone="Asia/Tokyo")
    assert state.items[day["id"]]["due"] == "2027-01-10T00:00:00+09:00"
    assert state.items[timed["id"]]["due"] == "2027-01-10T15:00:00+01:00"


def test_a_due_day_the_new_zone_skips_becomes_the_first_instant_after_it(state):
    """Samoa skipped 2011-12-30 whole (tz database): the item stays due at the end of the day it named."""
    ops.add_region(state, "WS", name="Samoa", timezone="UTC", currency="WST")
    (item,) = ops.add_items(state, ["WS"], "Day", due="2011-12-30")
    ops.set_regions(state, ["WS"], timezone="Pacific/Apia")
    assert state.items[item["id"]]["due"] == "2011-12-31T00:00:00+14:00"


def test_remove_region_takes_its_checklist_and_promotions_and_leaves_the_others(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    ops.add_items(state, ["NL", "BE"], "Tax letter")
    ops.add_promotions(state, ["NL", "BE"], "Spring", start="2027-04-01", end="2027-04-08")
    removed = ops.remove_region(state, "nl")
    assert removed["code"] == "NL" and list(state.regions) == ["BE"]
    assert [(i["id"], i["region"]) for i in state.items.values()] == [("c2", "BE")]
    assert [(p["id"], p["region"]) for p in state.promotions.values()] == [("p2", "BE")]


# -- shift ------------------------------------------------------------------------------------------
def test_shift_moves_promotions_not_yet_started_and_leaves_one_starting_now(state):
    (now,) = ops.add_promotions(state, ["NL"], "Now", start="2026-11-24T10:00", end="2026-12-01")  # 09:00Z: the clock
    (later,) = ops.add_promotions(state, ["NL"], "Later", start="2026-11-24T10:01", end="2026-12-01")
    ops.shift(state, ["NL"], "1w", with_promos=True)
    assert state.promotions[now["id"]]["start"] == "2026-11-24T10:00:00+01:00"
    assert state.promotions[later["id"]]["start"] == "2026-12-01T10:01:00+01:00"
    assert state.regions["NL"]["launch"] == "2027-03-08T10:00:00+01:00"


def test_shift_without_promotions_leaves_them(state):
    (promo,) = ops.add_promotions(state, ["NL"], "Later", start="2027-01-05", end="2027-01-06")
    ops.shift(state, ["NL"], "1w")
    assert state.promotions[promo["id"]] == promo


def test_shifting_a_region_named_without_a_launch_date_is_refused(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    with pytest.raises(Refused) as refused:
        ops.shift(state, ["BE"], "1w")
    assert str(refused.value) == "cannot shift BE: it has no launch date"


def test_shifting_a_selection_with_nothing_to_shift_is_not_found(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR", wave=2)
    ops.set_regions(state, ["NL"], status="launched")
    with pytest.raises(NotFound) as missing:
        ops.shift(state, ["all"], "1w")
    assert str(missing.value) == "no selected region has a launch to shift (launched regions are skipped)"


# -- checklist ----------------------------------------------------------------------------------------
def test_a_new_item_is_open_not_critical_in_other_and_owned_by_the_regions_owner(state):
    (item,) = ops.add_items(state, ["NL"], " Tax   letter ")
    assert set(item) == set(schema.ITEMS.names)  # every field of the schema, set
    assert (item["id"], item["region"], item["title"], item["owner"]) == ("c1", "NL", "Tax letter", "priya")
    assert (item["category"], item["status"], item["critical"]) == ("other", "open", False)
    assert (item["due"], item["due_all_day"], item["done_at"], item["done_by"]) == (None, False, None, None)


def test_a_new_item_takes_the_category_owner_and_flag_given(state):
    (item,) = ops.add_items(state, ["NL"], "Tax letter", category="TAX", owner="amara", critical=True)
    assert (item["category"], item["owner"], item["critical"]) == ("tax", "amara", True)


def test_ticking_skips_items_already_done_and_ticks_the_rest(state):
    first, second = (ops.add_items(state, ["NL"], title)[0]["id"] for title in ("One", "Two"))
    ops.set_items_done(state, "NL", [first], True, "amara")
    ticked = ops.set_items_done(state, "NL", [first, second], True, "jonas")
    assert [i["id"] for i in ticked] == [second]
    assert (state.items[first]["done_by"], state.items[second]["done_by"]) == ("amara", "jonas")
    assert state.items[second]["done_at"] == "2026-11-24T10:00:00+01:00"
    reopened = ops.set_items_done(state, "NL", [first, second], False, "jonas")
    assert [(i["status"], i["done_at"], i["done_by"]) for i in reopened] == [("open", None, None)] * 2


def test_edit_item_changes_only_the_fields_given(state):
    (item,) = ops.add_items(state, ["NL"], "Tax letter", due="2027-01-10T15:00")
    edited = ops.edit_item(state, "nl", "C1", category="Legal", owner=" amara ", critical=True)
    assert edited == {**item, "category": "legal", "owner": "amara", "critical": True}
    edited = ops.edit_item(state, "NL", "c1", title="VAT letter", due="2027-01-12", critical=False)
    expected = {"title": "VAT letter", "due": "2027-01-12T00:00:00+01:00", "due_all_day": True, "critical": False}
    assert edited == {**item, "category": "legal", "owner": "amara", **expected}
    assert ops.edit_item(state, "NL", "c1", due="")["due"] is None
    assert ops.edit_item(state, "NL", "c1", owner="")["owner"] == ""


def test_an_edit_on_an_out_of_date_view_is_refused_for_items_and_promotions(state):
    ops.add_items(state, ["NL"], "Tax letter")
    ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08")
    ops.edit_item(state, "NL", "c1", title="VAT letter")
    ops.edit_promotion(state, "p1", name="Easter")
    with pytest.raises(StaleEdit, match=r"^c1 title was changed since you opened it; reload and try again$"):
        ops.edit_item(state, "NL", "c1", owner="amara", expected={"title": "Tax letter"})
    with pytest.raises(StaleEdit, match=r"^p1 name was changed since you opened it; reload and try again$"):
        ops.edit_promotion(state, "p1", kind="flash", expected={"name": "Spring"})
    assert ops.edit_item(state, "NL", "c1", owner="amara", expected={"title": "VAT letter"})["owner"] == "amara"
    assert ops.edit_promotion(state, "p1", kind="Flash", expected={"name": "Easter"})["kind"] == "flash"


def test_removing_items_refuses_all_when_one_is_not_in_the_region(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    ops.add_items(state, ["NL", "BE"], "Tax letter")
    with pytest.raises(NotFound, match="no checklist item c2 in NL"):
        ops.remove_items(state, "NL", ["c1", "c2"])
    assert sorted(state.items) == ["c1", "c2"]
    assert [i["id"] for i in ops.remove_items(state, "NL", ["C1"])] == ["c1"]


# -- promotions -----------------------------------------------------------------------------------------
def test_edit_promotion_reads_new_times_in_the_regions_zone_and_keeps_what_is_not_given(state):
    (promo,) = ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08", kind=None)
    assert promo["kind"] == "campaign"
    edited = ops.edit_promotion(state, "P1", kind="Flash Sale", start="2027-04-02T12:00")
    assert edited == {**promo, "kind": "flash sale", "start": "2027-04-02T12:00:00+02:00"}
    edited = ops.edit_promotion(state, "p1", end="2027-04-09T18:00")
    assert (edited["start"], edited["end"]) == ("2027-04-02T12:00:00+02:00", "2027-04-09T18:00:00+02:00")
    with pytest.raises(InvalidValue, match="must be before end"):
        ops.edit_promotion(state, "p1", start="2027-04-09T18:00")
    assert ops.remove_promotion(state, "P1")["id"] == "p1" and not state.promotions


# -- undo ------------------------------------------------------------------------------------------------
def test_undo_of_one_user_skips_the_others_and_refuses_when_a_later_change_touched_the_record():
    db = Database(backend=MemoryBackend(empty_document()))
    with db.transaction("amara", "region add NL") as state:
        ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    with db.transaction("jonas", "region set NL --owner jonas") as state:
        ops.set_regions(state, ["NL"], owner="jonas")
    with db.transaction("amara", "check add NL x") as state:
        ops.add_items(state, ["NL"], "x")
    with db.transaction("jonas", "undo") as state:
        assert ops.undo(state, "jonas")["command"] == "region set NL --owner jonas"
    assert db.load().regions["NL"]["owner"] == ""
    with (
        pytest.raises(NotFound, match="^nothing to undo: no change by carol is in effect$"),
        db.transaction("carol", "undo") as state,
    ):
        ops.undo(state, "carol")
    with db.transaction("jonas", "check edit NL c1") as state:
        ops.edit_item(state, "NL", "c1", title="y")
    with pytest.raises(Refused) as refused, db.transaction("amara", "undo") as state:
        ops.undo(state, "amara")
    assert str(refused.value) == (
        "cannot undo #3: checklist item c1 title changed by jonas (#5) since; undoing #3 would overwrite it"
    )
    assert db.load().items["c1"]["title"] == "y"


def test_a_done_item_keeps_its_own_stamps_and_an_open_one_has_none():
    """What an import gives: a done row with its done_at and done_by keeps them; an open row loses them."""
    done = {"status": "done", "done_at": "2026-11-01T10:00:00+01:00", "done_by": "amara"}
    assert ops.stamp_done(dict(done), "jonas", "Europe/Amsterdam") == done
    assert ops.stamp_done({"status": "done"}, "jonas", "Europe/Amsterdam") == {
        "status": "done",
        "done_at": "2026-11-24T10:00:00+01:00",
        "done_by": "jonas",
    }
    assert ops.stamp_done({**done, "status": "open"}, "jonas", "UTC") == {
        "status": "open",
        "done_at": None,
        "done_by": None,
    }


def test_an_invalid_category_lists_the_categories(state):
    with pytest.raises(InvalidValue) as refused:
        ops.add_items(state, ["NL"], "Tax letter", category="fun")
    assert str(refused.value) == (
        "invalid category 'fun': expected one of legal, payments, logistics, sellers, creators, localization, "
        "support, marketing, tax, other"
    )


def test_ids_used_elsewhere_move_the_counter_past_them_and_it_never_goes_back():
    state = State(empty_document())
    state.reserve_id("items", "c12")
    assert state.new_id("items") == "c13"
    state.reserve_id("items", "c5")  # lower: no change
    state.reserve_id("items", "p40")  # another kind's id
    state.reserve_id("regions", "DE")  # not a generated id
    assert (state.new_id("items"), state.new_id("promotions")) == ("c14", "p1")
    state.raise_counter("promotions", 7)
    assert state.new_id("promotions") == "p7"
    state.raise_counter("regions", 9)  # regions have no counter
    assert "next_regions" not in state.meta


def test_an_invalid_status_lists_the_statuses(state):
    with pytest.raises(InvalidValue) as refused:
        ops.set_regions(state, ["NL"], status="live")
    assert str(refused.value) == "invalid status 'live': expected one of planned, preparing, ready, launched, paused"


def test_a_missing_record_is_named_when_it_cannot_be_removed():
    with pytest.raises(NotFound) as missing:
        State(empty_document()).delete("items", "c9")
    assert str(missing.value) == "no checklist item c9"


def test_changes_applied_backwards_then_forwards_give_the_records_back(state):
    state.before.clear()
    ops.add_items(state, ["NL"], "Tax letter")
    ops.set_regions(state, ["NL"], owner="amara")
    changes, after = state.changes(), state.data()
    state.apply(changes, reverse=True)
    assert "c1" not in state.items and state.regions["NL"]["owner"] == "priya"
    state.apply(changes)
    assert state.data() == after


def test_an_imported_item_starts_from_the_same_defaults_as_an_added_one(state):
    from rollout import exchange

    rows = exchange.parse_csv("new.csv", "region,title\nNL,Tax letter\n")
    exchange.apply_rows(state, rows, "amara")
    imported = state.items["c1"]
    (added,) = ops.add_items(state, ["NL"], "Tax letter")
    assert {**imported, "id": "c2"} == added
    assert (imported["category"], imported["status"], imported["critical"], imported["due_all_day"]) == (
        "other",
        "open",
        False,
        False,
    )


def test_a_database_from_before_the_id_counters_starts_them_at_1():
    state = State({"_meta": {"1": {"revision": 0}}})
    state.raise_counter("items", 1)
    state.reserve_id("promotions", "not-an-id")
    assert (state.meta["next_items"], state.meta["next_promotions"]) == (1, 1)
    assert (state.new_id("items"), state.new_id("promotions")) == ("c1", "p1")
    untouched = State({"_meta": {"1": {"revision": 0}}})
    assert (untouched.new_id("items"), untouched.new_id("items")) == ("c1", "c2")


def test_the_document_numbers_each_tables_records_from_1_in_key_order(state):
    ops.add_items(state, ["NL"], "Tax letter")
    ops.add_items(state, ["NL"], "Carrier SLA")
    doc = state.document()
    assert {doc_id: record["id"] for doc_id, record in doc["items"].items()} == {"1": "c1", "2": "c2"}
    assert list(doc["regions"]) == ["1"] and doc["promotions"] == {}
    assert doc["_meta"] == {"1": state.meta}


def test_an_empty_document_holds_every_table_empty_at_revision_0_in_the_current_schema():
    from rollout.migrations import SCHEMA_VERSION
    from rollout.state import TABLES

    doc = empty_document()
    assert (doc["_meta"]["1"]["schema"], doc["_meta"]["1"]["revision"]) == (SCHEMA_VERSION, 0)
    assert {name: doc[name] for name in TABLES} == {name: {} for name in TABLES}
    assert State(empty_document()).document() == doc


def test_a_loaded_state_carries_the_change_token_of_what_was_read():
    from rollout.backends.memory import MemoryBackend
    from rollout.db import Database

    db = Database(backend=MemoryBackend(empty_document()))
    state = db.load()
    assert state.token is not None and state.token == db.token()
