"""The read side's rules: overdue, the next promotion, date filters, ordering, JSON shapes,
holiday warnings on promotions, and history wording, each at its edge.

A state in memory with NL (Europe/Amsterdam: UTC+1 in winter, UTC+2 in summer), launch target
2027-03-01 10:00 local; the suite's clock is 2026-11-24T09:00Z.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollout import ops, queries
from rollout import status as region_status
from rollout.backends.memory import MemoryBackend
from rollout.db import Database
from rollout.errors import InvalidValue, NotFound, StaleEdit
from rollout.state import State, empty_document


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- overdue ------------------------------------------------------------------------------------
def test_a_timed_due_is_overdue_only_once_its_instant_has_passed():
    item = {"due": "2027-01-10T15:00:00+01:00", "due_all_day": False}
    assert not queries.is_overdue(item, "Europe/Amsterdam", at("2027-01-10T14:00:00+00:00"))  # the instant itself
    assert queries.is_overdue(item, "Europe/Amsterdam", at("2027-01-10T14:00:01+00:00"))
    assert not queries.is_overdue({"due": None}, "Europe/Amsterdam", at("2030-01-01T00:00:00+00:00"))


@pytest.mark.parametrize(
    ("reference", "overdue"),
    [
        ("2027-01-09T12:00:00+00:00", False),  # the day before
        ("2027-01-09T23:00:00+00:00", False),  # the day's first instant
        ("2027-01-10T22:59:59+00:00", False),  # its last second
        ("2027-01-10T23:00:00+00:00", True),  # the next local midnight
        ("2027-01-12T23:00:00+00:00", True),  # long past (48 hours and more)
        ("2027-01-11T23:00:00+00:00", True),
    ],
)
def test_a_due_day_is_overdue_from_the_next_local_midnight(reference, overdue):
    item = {"due": "2027-01-10T00:00:00+01:00", "due_all_day": True}
    assert queries.is_overdue(item, "Europe/Amsterdam", at(reference)) is overdue


# -- the next promotion and the status row -------------------------------------------------------------
def test_the_next_promotion_is_the_one_running_or_starting_soonest(state):
    ops.add_promotions(state, ["NL"], "Over", start="2026-11-01", end="2026-11-24T10:00")  # ends at the clock
    ops.add_promotions(state, ["NL"], "Later", start="2026-12-10", end="2026-12-12")
    ops.add_promotions(state, ["NL"], "Running", start="2026-11-20", end="2026-11-25")
    ops.add_promotions(state, ["NL"], "Also later", start="2026-12-10", end="2026-12-11")
    reference = at("2026-11-24T09:00:00+00:00")
    assert queries.next_promotion(state, "NL", reference)["name"] == "Running"
    assert queries.next_promotion(state, "NL", at("2026-11-25T12:00:00+00:00"))["name"] == "Later"  # first of equals
    assert queries.next_promotion(state, "NL", at("2026-12-12T12:00:00+00:00")) is None


def test_a_promotion_that_ended_a_moment_ago_is_not_next(state):
    ops.add_promotions(state, ["NL"], "Just over", start="2026-11-20", end="2026-11-24T09:59:59")
    ops.add_promotions(state, ["NL"], "Ahead", start="2027-01-05", end="2027-01-06")
    assert queries.next_promotion(state, "NL", at("2026-11-24T09:00:00+00:00"))["name"] == "Ahead"


def test_the_status_row_gives_counts_warnings_and_the_next_promotion_in_the_regions_offset(state):
    ops.add_items(state, ["NL"], "Tax letter", critical=True)
    (done,) = ops.add_items(state, ["NL"], "Banner")
    ops.set_items_done(state, "NL", [done["id"]], True, "amara")
    ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08T18:00")
    row = region_status.status_row(state, state.regions["NL"], at("2027-02-20T12:00:00+00:00"))
    assert (row["readiness"], row["items_done"], row["items_total"], row["critical_open"]) == (50, 1, 2, 1)
    assert row["days_to_launch"] == 9
    assert row["warnings"] == ["1 critical item(s) open with launch in 9 days"]
    assert row["next_promotion"] == {
        "id": "p1",
        "name": "Spring",
        "start": "2027-04-01T00:00:00+02:00",
        "end": "2027-04-08T18:00:00+02:00",
    }
    assert (
        region_status.status_row(state, state.regions["NL"], at("2027-05-01T12:00:00+00:00"))["next_promotion"] is None
    )


def test_status_rows_read_the_reference_once_in_utc_to_the_microsecond(state):
    reference = at("2027-03-01T10:59:59.999999+01:00")
    assert queries.plain_utc(reference) == datetime(2027, 3, 1, 9, 59, 59, 999999, tzinfo=UTC)
    (row,) = region_status.status_rows(state, reference)
    assert row["days_to_launch"] == 0


def test_regions_are_ordered_by_effective_launch_then_undated_by_code(state):
    ops.add_region(state, "FR", name="France", timezone="Europe/Paris", currency="EUR", launch="2027-02-01")
    ops.add_region(state, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR")
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    ops.add_region(state, "JP", name="Japan", timezone="Asia/Tokyo", currency="JPY", launch="2027-04-01")
    ops.set_regions(state, ["JP"], status="launched")  # actually launched now, 2026-11-24
    assert [r["code"] for r in queries.sorted_regions(state)] == ["JP", "FR", "NL", "BE", "DE"]
    assert [r["code"] for r in queries.list_regions(state, status="planned")] == ["FR", "NL", "BE", "DE"]


# -- JSON shapes ------------------------------------------------------------------------------------------
def test_promo_json_computes_its_warnings_at_the_reference_when_not_given(state):
    (promo,) = ops.add_promotions(state, ["NL"], "Teaser", start="2027-02-20", end="2027-02-22")
    data = queries.promo_json(state, promo, reference=at("2026-12-01T00:00:00+00:00"))
    assert data["warnings"] == ["starts before NL launches (2027-03-01 10:00)"]
    assert data["start"] == "2027-02-20T00:00:00+01:00"
    assert queries.promo_json(state, promo, ["given"])["warnings"] == ["given"]


def test_promotions_get_holiday_warnings_only_while_not_over(state):
    ops.set_regions(state, ["NL"], status="launched")
    (promo,) = ops.add_promotions(state, ["NL"], "Christmas", start="2026-12-24", end="2026-12-27")
    message = "runs on a public holiday: 2026-12-25 Christmas Day, 2026-12-26 Second Day of Christmas"
    assert queries.promo_warnings(state, "NL", at("2026-12-26T22:59:59+00:00"))[promo["id"]] == [message]
    assert queries.promo_warnings(state, "NL", at("2026-12-26T23:00:00+00:00"))[promo["id"]] == []  # its end


def test_a_promotion_ending_at_the_first_instant_of_a_holiday_does_not_run_on_it(state):
    ops.set_regions(state, ["NL"], status="launched")
    (promo,) = ops.add_promotions(state, ["NL"], "Eve", start="2026-12-24", end="2026-12-25")
    assert queries.promo_warnings(state, "NL", at("2026-12-01T00:00:00+00:00"))[promo["id"]] == []


# -- date filters: [start, end) overlaps ------------------------------------------------------------------
def test_promotions_between_keep_those_overlapping_the_window_ordered_by_start(state):
    ops.add_promotions(state, ["NL"], "Before", start="2027-03-25", end="2027-04-01")  # ends as the window starts
    ops.add_promotions(state, ["NL"], "Inside", start="2027-04-10", end="2027-04-12")
    ops.add_promotions(state, ["NL"], "Across", start="2027-03-30", end="2027-04-02")
    ops.add_promotions(state, ["NL"], "After", start="2027-05-01", end="2027-05-02")  # starts as it ends
    found = queries.promotions_between(state, "NL", "2027-04-01", "2027-05-01")
    assert [p["name"] for p in found] == ["Across", "Inside"]
    window = (at("2027-03-31T22:00:00+00:00"), at("2027-04-30T22:00:00+00:00"))  # the same, as instants
    assert queries.promotions_between(state, None, *window) == found
    assert [p["name"] for p in queries.promotions_between(state, "NL", None, None)] == [
        "Before",
        "Across",
        "Inside",
        "After",
    ]


# -- wording ---------------------------------------------------------------------------------------------------
def test_items_are_named_three_at_a_time_then_counted():
    items = [{"id": f"c{n}", "title": f"T{n}"} for n in range(1, 6)]
    assert queries.describe_items(items[:3]) == "c1 'T1', c2 'T2', c3 'T3'"
    assert queries.describe_items(items) == "c1 'T1', c2 'T2', c3 'T3' and 2 more"
    assert queries.describe_items(items[:4], limit=4) == "c1 'T1', c2 'T2', c3 'T3', c4 'T4'"


def test_the_checklist_lists_all_items_or_only_the_open_ones(state):
    first, second = (ops.add_items(state, ["NL"], title)[0]["id"] for title in ("One", "Two"))
    ops.set_items_done(state, "NL", [first], True, "amara")
    assert [i["id"] for i in queries.checklist(state, "NL")] == [first, second]
    assert [i["id"] for i in queries.checklist(state, "NL", open_only=True)] == [second]


def test_history_words_and_json_for_full_entries_and_headers():
    db = Database(backend=MemoryBackend(empty_document()))
    with db.transaction("amara", "region add NL") as state:
        ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
        ops.add_items(state, ["NL"], "One")
        ops.add_items(state, ["NL"], "Two")
    with db.transaction("amara", "check remove NL c1") as state:
        ops.remove_items(state, "NL", ["c1"])
    with db.transaction("jonas", "undo") as state:
        ops.undo(state)
    loaded = db.load()
    headers = queries.history(loaded)
    full = queries.history(loaded, with_changes=True)
    assert "changes" not in headers[0] and len(full[0]["changes"]) == 1
    assert (
        [queries.describe_entry(e) for e in headers]
        == [queries.describe_entry(e) for e in full]
        == [
            "#3 undo (1 checklist item added)",
            "#2 check remove NL c1 (1 checklist item removed)",
            "#1 region add NL (1 region added, 2 checklist items added)",
        ]
    )
    assert queries.describe_changes(headers[0]) == "undoes #2: 1 checklist item added"
    assert queries.history_json(full[0]) == {
        "id": 3,
        "at": full[0]["at"],
        "user": "jonas",
        "command": "undo",
        "changes": full[0]["changes"],
        "undoes": 2,
    }
    assert "undoes" not in queries.history_json(full[1])
    assert queries.describe_change(full[1]["changes"][0]) == "remove checklist item c1 One"


def test_a_stale_edit_names_who_changed_the_record_last(state):
    db = Database(backend=MemoryBackend(empty_document()))
    with db.transaction("amara", "setup") as fresh:
        ops.add_region(fresh, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
        ops.add_region(fresh, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
        ops.add_items(fresh, ["NL", "BE"], "Tax letter")
        ops.add_promotions(fresh, ["NL"], "Spring", start="2027-04-01", end="2027-04-08")
    with db.transaction("jonas", "check edit NL c1") as fresh:
        ops.edit_item(fresh, "NL", "c1", title="VAT letter")
    with db.transaction("priya", "check edit BE c2") as fresh:
        ops.edit_item(fresh, "BE", "c2", owner="priya")
    with db.transaction("carol", "promo edit p1") as fresh:
        ops.edit_promotion(fresh, "p1", name="Easter")
    with pytest.raises(StaleEdit, match=r"^c1 title was changed by jonas \(#2\) since you opened it"):
        ops.edit_item(db.load(), "NL", "c1", owner="x", expected={"title": "Tax letter"})
    with pytest.raises(StaleEdit, match=r"^p1 name was changed by carol \(#4\) since you opened it"):
        ops.edit_promotion(db.load(), "p1", kind="x", expected={"name": "Spring"})
    assert queries.last_change_of(db.load(), "regions", "BE")["id"] == 1


def test_promo_json_holiday_warnings_are_at_the_reference_given(state):
    ops.set_regions(state, ["NL"], status="launched")
    (promo,) = ops.add_promotions(state, ["NL"], "Christmas", start="2026-12-24", end="2026-12-27")
    assert queries.promo_json(state, promo, reference=at("2027-01-01T00:00:00+00:00"))["warnings"] == []
    assert queries.promo_json(state, promo, reference=at("2026-12-01T00:00:00+00:00"))["warnings"] == [
        "runs on a public holiday: 2026-12-25 Christmas Day, 2026-12-26 Second Day of Christmas"
    ]


def test_a_stale_edit_names_the_last_change_of_that_record_not_of_its_neighbours():
    db = Database(backend=MemoryBackend(empty_document()))
    with db.transaction("amara", "setup") as fresh:
        ops.add_region(fresh, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
        ops.add_items(fresh, ["NL"], "One")
        ops.add_items(fresh, ["NL"], "Two")
    with db.transaction("jonas", "check edit NL c1") as fresh:
        ops.edit_item(fresh, "NL", "c1", title="Uno")
    with db.transaction("priya", "check edit NL c2") as fresh:
        ops.edit_item(fresh, "NL", "c2", title="Dos")
    with pytest.raises(StaleEdit, match=r"^c1 title was changed by jonas \(#2\)"):
        ops.edit_item(db.load(), "NL", "c1", owner="x", expected={"title": "One"})


def test_change_words_list_every_field_changed_and_notes():
    before = {"code": "NL", "name": "Netherlands", "wave": 1, "owner": ""}
    change = {"table": "regions", "key": "NL", "before": before, "after": {**before, "wave": 2, "owner": "amara"}}
    assert queries.describe_change(change) == "change region NL Netherlands (wave, owner)"
    assert queries.preview_lines([change], limit=1) == ["change region NL Netherlands (wave, owner)"]
    header = {"id": 4, "command": "region set NL --status launched --force", "summary": [["regions", "change", 1]]}
    noted = {**header, "notes": ["forced launch of NL with 1 critical item(s) open", "second note"]}
    assert queries.describe_changes(header) == "1 region changed"
    assert queries.describe_changes(noted) == (
        "1 region changed [forced launch of NL with 1 critical item(s) open; second note]"
    )


def test_holidays_are_those_of_the_regions_local_days(state):
    """00:30 in Amsterdam is still the day before in UTC: the region's calendar decides."""
    ops.set_regions(state, ["NL"], launch="2027-04-27T00:30")
    assert queries.launch_holiday_warning(state, "NL", at("2027-04-01T00:00:00+00:00")) == (
        "launch on 2027-04-27 falls on a public holiday in NL: King's Day"
    )
    ops.set_regions(state, ["NL"], status="launched")
    (ends, starts) = (
        ops.add_promotions(state, ["NL"], name, start=start, end=end)[0]["id"]
        for name, start, end in [
            ("Ends on Christmas", "2026-12-24T10:00", "2026-12-25T00:30"),
            ("Starts on the second day", "2026-12-26T00:30", "2026-12-27"),
        ]
    )
    found = queries.promo_warnings(state, "NL", at("2026-12-01T00:00:00+00:00"))
    assert found[ends] == ["runs on a public holiday: 2026-12-25 Christmas Day"]
    assert found[starts] == ["runs on a public holiday: 2026-12-26 Second Day of Christmas"]


def test_the_status_reference_is_read_in_utc_whatever_the_machines_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert queries.plain_utc(at("2027-03-01T10:00:00+01:00")) == datetime(2027, 3, 1, 9, tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_entry_touches_the_regions_of_its_records_before_and_after():
    moved = {"table": "items", "key": "c1", "before": {"region": "NL"}, "after": {"region": "BE"}}
    added = {"table": "regions", "key": "FR", "before": None, "after": {"code": "FR"}}
    full = {"changes": [moved, added]}
    assert [queries.touches_region(full, code) for code in ("NL", "BE", "FR", "DE")] == [True, True, True, False]
    header = {"regions": ["NL"]}  # a header lists the regions it touched
    assert (queries.touches_region(header, "NL"), queries.touches_region(header, "BE")) == (True, False)


@pytest.mark.parametrize(
    ("words", "split"),
    [
        (["c337"], (None, ["c337"])),  # ids stand alone
        (["c1", "p2"], (None, ["c1", "p2"])),
        (["PL", "c337"], ("PL", ["c337"])),  # a region code before them is still accepted
        (["x1", "c2"], ("x1", ["c2"])),  # the first of several words, not an id: the region, to be checked
        (["DE"], ("DE", [])),  # a code alone: the ids are missing
        (["us-ca"], ("us-ca", [])),
        (["x1"], (None, ["x1"])),  # one word that is neither: an id, for the lookup to report
        ([], (None, [])),
    ],
)
def test_ids_typed_alone_or_after_their_region(words, split):
    assert queries.split_ids(words) == split


def test_an_unknown_id_is_named_with_the_region_it_was_looked_for_in(state):
    for lookup, message in [
        (lambda: queries.item(state, None, "c9"), "no checklist item c9"),
        (lambda: queries.item(state, "nl", "C9"), "no checklist item C9 in NL"),
        (lambda: queries.promotion(state, "p9"), "no promotion p9"),
        (lambda: queries.promotion(state, "p9", "nl"), "no promotion p9 in NL"),
    ]:
        with pytest.raises(NotFound) as missing:
            lookup()
        assert str(missing.value) == message


def test_promotion_cells_show_local_times_and_the_warnings_joined(state):
    (promo,) = ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01T10:00", end="2027-04-08", kind="Flash")
    cells = queries.promo_cells(state, promo, {promo["id"]: ["one", "two"]})
    assert cells == ["p1", "NL", "Spring", "flash", "2027-04-01 10:00", "2027-04-08 00:00", "one; two"]
    assert queries.promo_cells(state, promo, {})[-1] == ""


# -- selectors -------------------------------------------------------------------------------------------
def test_an_owner_selector_matches_the_name_in_any_case_and_spacing(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR", owner="Ana María")
    ops.add_region(state, "LU", name="Luxembourg", timezone="Europe/Luxembourg", currency="EUR")
    ops.add_region(state, "FR", name="France", timezone="Europe/Paris", currency="EUR", owner="R=D team")
    assert queries.select(state, [" owner=  ANA   maría "]) == ["BE"]
    assert queries.select(state, ["owner="]) == ["LU"]  # regions without an owner
    assert queries.select(state, ["owner=r=d team"]) == ["FR"]  # the value is all after the first "="


def test_a_status_selector_outside_the_statuses_lists_them():
    state = State(empty_document())
    with pytest.raises(InvalidValue) as refused:
        queries.select(state, ["status=live"])
    assert str(refused.value) == (
        "invalid selector 'status=live': status must be one of planned, preparing, ready, launched, paused"
    )


def test_a_region_is_marked_explicit_when_any_selector_names_its_code(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    assert queries.select_with_origin(state, ["NL", "all"]) == [("NL", True), ("BE", False)]
    assert queries.select_with_origin(state, ["all", "be"]) == [("NL", False), ("BE", True)]
    assert queries.select_with_origin(state, [], reading=True) == [("NL", False), ("BE", False)]
    with pytest.raises(InvalidValue) as refused:
        queries.select_with_origin(state, [])
    assert str(refused.value) == "no region selected: give CODE, wave=N, status=S, owner=NAME or all"


def test_a_region_stored_under_a_code_iso_3166_has_since_withdrawn_is_still_found():
    state = State(empty_document())
    ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    state.put("regions", {**state.regions["NL"], "code": "AN", "name": "Netherlands Antilles"})
    assert queries.region_named(state, " an ")["name"] == "Netherlands Antilles"
