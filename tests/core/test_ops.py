"""Domain operations and read views on the bundled dataset, through the core alone."""

from __future__ import annotations

import pytest
from databases import stored
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout import ops, queries, times
from rollout import status as region_status
from rollout.dataset import bundled_document
from rollout.db import Database
from rollout.errors import InvalidValue, NotFound, Refused, StaleEdit
from rollout.model import STATUSES
from rollout.state import State

BACKENDS = ("file", "postgres")  # every test taking a database runs on both (tests/conftest.py)


@pytest.fixture
def db(db_path):
    return Database(db_path)


def change(db, command="test", user="tester"):
    return db.transaction(user, command)


def test_bundled_dataset_has_the_live_and_planned_regions(db):
    state = db.load()
    launched = {c for c, r in state.regions.items() if r["status"] == "launched"}
    assert {"ID", "TH", "VN", "MY", "PH", "SG", "GB", "US", "ES", "IE", "MX", "DE", "FR", "IT", "BR", "JP"} <= launched
    assert len(launched) >= 17
    latest = max(launched, key=lambda c: queries.effective_launch(state.regions[c]))
    assert latest == "JP"
    future = [r for r in state.regions.values() if r["status"] != "launched" and r["launch"] > "2026-11-24"]
    assert len(future) >= 3
    for code in launched:
        assert queries.readiness(state, code) == 100
    assert any(queries.readiness(state, r["code"]) < 100 for r in future)
    assert len(state.promotions) >= 40
    categories = {i["category"] for i in state.items.values()}
    assert {
        "legal",
        "payments",
        "logistics",
        "sellers",
        "creators",
        "localization",
        "support",
        "marketing",
        "tax",
    } <= categories


def test_selectors_union_codes_waves_statuses_and_all(db):
    state = db.load()
    assert queries.select(state, ["de"]) == ["DE"]
    wave0 = queries.select(state, ["wave=0"])
    assert set(wave0) == {"ID", "TH", "VN", "MY", "PH", "SG"}
    assert set(queries.select(state, ["wave=0", "DE", "ID"])) == set(wave0) | {"DE"}
    assert set(queries.select(state, ["status=planned"])) == {
        c for c, r in state.regions.items() if r["status"] == "planned"
    }
    assert len(queries.select(state, ["all"])) == len(state.regions)


@pytest.mark.parametrize(
    ("selector", "error", "message"),
    [
        ("wave=x", InvalidValue, "whole number"),
        ("wave=99", NotFound, "no region matches"),
        ("status=live", InvalidValue, "status must be one of"),
        ("colour=red", InvalidValue, "invalid selector"),
        ("ZZ", InvalidValue, "unknown region code"),
        ("AQ", NotFound, "no region AQ"),
        ("D3", InvalidValue, "invalid region code"),
    ],
)
def test_bad_selectors(db, selector, error, message):
    with pytest.raises(error, match=message):
        queries.select(db.load(), [selector])


def is_floored_percent(percent: int, done: int, total: int) -> bool:
    """`percent` is done/total as a whole percentage rounded down: percent <= 100*done/total < percent+1."""
    return percent * total <= 100 * done < (percent + 1) * total


def test_readiness_counts_done_items_and_tick_changes_it(db):
    with change(db) as state:
        items = state.items_of("AU")
        done = sum(1 for i in items if i["status"] == "done")
        assert 0 < done < len(items)
        before = queries.readiness(state, "AU")
        assert is_floored_percent(before, done, len(items))
        open_ids = [i["id"] for i in items if i["status"] == "open"][:2]
        ticked = ops.set_items_done(state, "au", open_ids, True, "tester")
        assert [i["id"] for i in ticked] == open_ids
        assert all(i["done_by"] == "tester" and i["done_at"] == "2026-11-24T20:00:00+11:00" for i in ticked)
    state = db.load()
    after = queries.readiness(state, "AU")
    assert after > before and is_floored_percent(after, done + 2, len(items))


def test_ticking_an_item_of_another_region_is_not_found(db):
    state = db.load()
    jp_item = state.items_of("JP")[0]["id"]
    with pytest.raises(NotFound, match=f"no checklist item {jp_item} in DE"), change(db) as state:
        ops.set_items_done(state, "DE", [jp_item], True, "tester")


def test_launch_is_refused_while_critical_items_are_open_unless_forced(db):
    with pytest.raises(Refused, match="cannot launch AU: 4 critical"), change(db) as state:
        ops.set_regions(state, ["AU"], status="launched")
    assert db.load().regions["AU"]["status"] == "planned"
    with change(db, "region set AU --status launched --force") as state:
        ops.set_regions(state, ["AU"], status="launched", force=True)
    state = db.load()
    assert state.regions["AU"]["status"] == "launched"
    assert state.regions["AU"]["launched_at"].startswith("2026-11-24T")
    entry = state.history[-1]
    assert entry["command"] == "region set AU --status launched --force"
    assert "forced launch of AU" in entry["notes"][0]


def test_launching_when_critical_items_are_done_sets_launched_at(db):
    with change(db) as state:
        critical = [i["id"] for i in queries.open_critical(state, "CA")]
        ops.set_items_done(state, "CA", critical, True, "tester")
        ops.set_regions(state, ["CA"], status="launched")
    assert db.load().regions["CA"]["launched_at"] == "2026-11-24T04:00:00-05:00"  # the clock, in Toronto


def test_set_validates_every_field(db):
    bad = [
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"currency": "EURO"}, "unknown currency"),
        ({"currency": "XXY"}, "unknown currency"),
        ({"status": "live"}, "invalid status"),
        ({"wave": "-1"}, "invalid wave"),
        ({"wave": "two"}, "invalid wave"),
        ({"name": "   "}, "name cannot be empty"),
        ({"launch": "2027-02-30"}, "invalid date"),
        ({}, "nothing to set"),
    ]
    for fields, message in bad:
        with pytest.raises(InvalidValue, match=message), change(db) as state:
            ops.set_regions(state, ["DE"], **fields)


def test_set_launch_is_read_in_the_new_timezone(db):
    with change(db) as state:
        (nl,) = ops.set_regions(state, ["NL"], timezone="Asia/Tokyo", launch="2027-02-01T10:00")
    assert nl["launch"] == "2027-02-01T10:00:00+09:00"


def test_stale_field_edit_is_refused_naming_who_changed_it(db):
    seen = db.load().regions["DE"]["owner"]
    with db.transaction("bob", "region set DE --owner bob") as state:
        ops.set_regions(state, ["DE"], owner="bob")
    with pytest.raises(StaleEdit, match=r"DE owner was changed by bob \(#1\)"), change(db) as state:
        ops.set_regions(state, ["DE"], owner="carol", expected={"owner": seen})
    assert db.load().regions["DE"]["owner"] == "bob"


def test_add_region_checks_code_and_duplicates(db):
    with change(db) as state:
        added = ops.add_region(
            state, "pt", name="Portugal", timezone="Europe/Lisbon", currency="eur", launch="2027-06-01"
        )
    assert added["code"] == "PT" and added["currency"] == "EUR"
    assert added["launch"] == "2027-06-01T00:00:00+01:00"
    with pytest.raises(Refused, match="already exists"), change(db) as state:
        ops.add_region(state, "PT", name="Portugal", timezone="Europe/Lisbon", currency="EUR")
    with pytest.raises(InvalidValue, match="unknown region code 'QQ'"), change(db) as state:
        ops.add_region(state, "QQ", name="X", timezone="Europe/Lisbon", currency="EUR")
    with pytest.raises(InvalidValue, match="invalid region code 'XK1'"), change(db) as state:
        ops.add_region(state, "XK1", name="X", timezone="Europe/Lisbon", currency="EUR")
    with change(db) as state:
        added = ops.add_region(state, "us-ca", name="California", timezone="America/Los_Angeles", currency="USD")
    assert (added["code"], added["status"], added["launch"], added["launched_at"]) == ("US-CA", "planned", None, None)
    assert db.load().regions["US-CA"] == added


def test_remove_region_takes_items_and_promotions_and_undo_restores_them(db):
    before = db.load().data()
    with change(db, "region remove GB --yes") as state:
        ops.remove_region(state, "GB")
    state = db.load()
    assert "GB" not in state.regions
    assert not [i for i in state.items.values() if i["region"] == "GB"]
    assert not [p for p in state.promotions.values() if p["region"] == "GB"]
    with change(db, "undo") as state:
        undone = ops.undo(state)
    assert undone["command"] == "region remove GB --yes"
    assert db.load().data() == before


def test_undo_walks_back_one_change_at_a_time_and_is_recorded(db):
    original = db.load().data()
    with change(db, "first") as state:
        ops.add_items(state, ["DE"], "One")
    after_first = db.load().data()
    with change(db, "second") as state:
        ops.add_items(state, ["DE"], "Two")
    with change(db, "undo") as state:
        assert ops.undo(state)["command"] == "second"
    assert db.load().data() == after_first
    with change(db, "undo") as state:
        assert ops.undo(state)["command"] == "first"
    assert db.load().data() == original
    with pytest.raises(NotFound, match="nothing to undo"), change(db, "undo") as state:
        ops.undo(state)
    history = db.load().history
    assert [e["command"] for e in history] == ["first", "second", "undo", "undo"]
    assert [e.get("undoes") for e in history] == [None, None, 2, 1]


def test_ids_are_never_reused_after_undo_or_remove(db):
    with change(db) as state:
        (first,) = ops.add_items(state, ["DE"], "One")
    with change(db) as state:
        ops.undo(state)
    with change(db) as state:
        (second,) = ops.add_items(state, ["DE"], "Two")
    assert second["id"] != first["id"]


def test_shift_moves_only_unlaunched_targets_and_optionally_future_promotions(db):
    state = db.load()
    assert state.regions["PL"]["launch"] == "2027-03-16T10:00:00+01:00"
    assert [(p["id"], p["start"], p["end"]) for p in state.promotions_of("PL")] == [
        ("p64", "2027-03-12T00:00:00+01:00", "2027-03-21T23:59:00+01:00")
    ]
    with change(db) as state:
        shifted = ops.shift(state, ["wave=5"], "2w", with_promos=True)
    assert {r["code"] for r in shifted} == {"NL", "PL", "CA"}
    state = db.load()
    # Two weeks on Warsaw's calendar: the same wall times, summer time from 2027-03-28 on.
    assert state.regions["PL"]["launch"] == "2027-03-30T10:00:00+02:00"
    assert (state.promotions["p64"]["start"], state.promotions["p64"]["end"]) == (
        "2027-03-26T00:00:00+01:00",
        "2027-04-04T23:59:00+02:00",
    )
    with pytest.raises(Refused, match="cannot shift DE: it has already launched"), change(db) as state:
        ops.shift(state, ["DE"], "1w")


def test_shift_all_skips_launched_regions(db):
    with change(db) as state:
        shifted = ops.shift(state, ["all"], "-1w")
    assert all(r["status"] != "launched" for r in shifted)
    assert len(shifted) == sum(1 for r in db.load().regions.values() if r["status"] != "launched")


def test_promotions_validate_span_and_warn_on_overlap_and_pre_launch(db):
    with pytest.raises(InvalidValue, match="must be before end"), change(db) as state:
        ops.add_promotions(state, ["DE"], "Backwards", start="2027-01-10", end="2027-01-09")
    with change(db) as state:
        created = ops.add_promotions(state, ["AU", "DE"], "Early", start="2027-01-01", end="2027-01-05", kind="Local")
    assert [p["region"] for p in created] == ["AU", "DE"]
    assert created[0]["kind"] == "local"
    assert created[0]["start"] == "2027-01-01T00:00:00+11:00"
    state = db.load()
    au_warnings = queries.promo_warnings(state, "AU", times.now())[created[0]["id"]]
    assert any("starts before AU launches" in w for w in au_warnings)
    gb = queries.promo_warnings(state, "GB", times.now())
    overlapping = [pid for pid, warnings in gb.items() if any("overlaps" in w for w in warnings)]
    assert len(overlapping) == 2


def test_move_promotion_and_edit(db):
    state = db.load()
    promo = state.promotions_of("DE")[0]
    assert (promo["id"], promo["start"], promo["end"]) == (
        "p9",
        "2025-10-07T00:00:00+02:00",
        "2025-10-10T23:59:00+02:00",
    )
    with change(db) as state:
        moved = ops.move_promotion(state, "P9", "1mo")
    # A calendar month in Berlin, wall times kept across the end of summer time.
    assert (moved["start"], moved["end"]) == ("2025-11-07T00:00:00+01:00", "2025-11-10T23:59:00+01:00")
    with pytest.raises(InvalidValue, match="must be before end"), change(db) as state:
        ops.edit_promotion(state, promo["id"], end="2000-01-01")
    with pytest.raises(NotFound, match="no promotion p99999"), change(db) as state:
        ops.move_promotion(state, "p99999", "1d")


def test_status_rows_are_sorted_by_launch_with_figures(db):
    rows = region_status.status_rows(db.load())
    launches = [r["launched_at"] or r["launch"] for r in rows]
    from datetime import datetime

    instants = [datetime.fromisoformat(x) for x in launches]
    assert instants == sorted(instants)
    au = next(r for r in rows if r["code"] == "AU")
    assert au["critical_open"] == 4 and au["days_to_launch"] > 0
    jp = next(r for r in rows if r["code"] == "JP")
    assert jp["days_to_launch"] < 0 and jp["readiness"] == 100


def test_history_filters_by_region_newest_first(db):
    with change(db, "a") as state:
        ops.add_items(state, ["DE"], "x")
    with change(db, "b") as state:
        ops.add_items(state, ["FR"], "y")
    with change(db, "c") as state:
        ops.set_regions(state, ["DE"], owner="z")
    state = db.load()
    assert [e["command"] for e in queries.history(state, "DE")] == ["c", "a"]
    assert [e["command"] for e in queries.history(state, limit=2)] == ["c", "b"]


def test_a_transaction_that_raises_writes_nothing(db, db_path):
    before = stored(db_path)
    with pytest.raises(NotFound), change(db) as state:
        ops.add_items(state, ["DE"], "kept only in memory")
        ops.set_items_done(state, "DE", ["c999999"], True, "tester")
    assert stored(db_path) == before


def test_a_no_op_change_writes_nothing(db, db_path):
    state = db.load()
    done = next(i for i in state.items_of("DE") if i["status"] == "done")
    before = stored(db_path)
    with change(db) as state:
        assert ops.set_items_done(state, "DE", [done["id"]], True, "tester") == []
    assert stored(db_path) == before


# -- selectors, property-based -----------------------------------------------------------

SEED_STATE = State(bundled_document())
CODES = sorted(SEED_STATE.regions)
WAVES = sorted({r["wave"] for r in SEED_STATE.regions.values()})
USED_STATUSES = sorted({r["status"] for r in SEED_STATE.regions.values()})


def expected_codes(selector: str) -> set[str]:
    if selector == "all":
        return set(CODES)
    key, _, value = selector.partition("=")
    if key == "wave":
        return {c for c, r in SEED_STATE.regions.items() if r["wave"] == int(value)}
    if key == "status":
        return {c for c, r in SEED_STATE.regions.items() if r["status"] == value}
    return {selector.upper()}


selector_strategy = st.one_of(
    st.sampled_from(CODES).flatmap(lambda c: st.sampled_from([c, c.lower()])),
    st.sampled_from(WAVES).map(lambda w: f"wave={w}"),
    st.sampled_from(USED_STATUSES).map(lambda s: f"status={s}"),
    st.just("all"),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(selectors=st.lists(selector_strategy, min_size=1, max_size=6))
def test_a_selector_list_selects_the_union_without_duplicates(selectors):
    selected = queries.select(SEED_STATE, selectors)
    assert len(selected) == len(set(selected))
    assert set(selected) == set().union(*(expected_codes(s) for s in selectors))


@given(selector=st.text(min_size=1, max_size=10))
def test_any_other_selector_is_a_clear_error_or_a_real_selection(selector):
    try:
        selected = queries.select(SEED_STATE, [selector])
    except (InvalidValue, NotFound) as exc:
        message = str(exc)  # names the selector as given, trimmed, or as the code it would be
        assert any(form in message for form in (repr(selector), repr(selector.strip()), selector.strip().upper()))
    else:
        assert selected and set(selected) <= set(CODES)


@given(status=st.sampled_from(STATUSES))
def test_status_selectors_match_exactly_the_regions_with_that_status(status):
    try:
        selected = set(queries.select(SEED_STATE, [f"status={status}"]))
    except NotFound:
        selected = set()
    assert selected == expected_codes(f"status={status}")
