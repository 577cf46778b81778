"""Launch templates (issue 21): offsets in working days on the region's calendar, applying and
re-applying with a per-item diff, not-applicable items, notes, shifting with the launch, undo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import health, offsets, ops, queries, schema, templates
from rollout.dataset import bundled_document
from rollout.db import Database
from rollout.errors import InvalidValue, NotFound, Refused
from rollout.state import State, empty_document


def _region(state: State, code: str, tz: str, launch: str, currency: str = "EUR", owner: str = "priya") -> None:
    ops.add_region(state, code, name=code, timezone=tz, currency=currency, launch=launch, owner=owner)


def _template(state: State, *items: tuple[str, str | None], name: str = "plan") -> None:
    """A template `name` with one item per (key, due offset)."""
    templates.add_template(state, name, "amara")
    for key, due in items:
        templates.edit_template(state, name, key, "amara", title=f"Item {key}", due=due if due is not None else "")


def _dues(state: State, code: str) -> dict[str, str | None]:
    return {i["origin"]["key"]: i["due"] for i in state.items_of(code) if i.get("origin")}


# -- offsets ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("-10wd", -10, "wd"), ("+3d", 3, "d"), ("2w", 2, "w"), (" 0D ", 0, "d"), ("-0wd", 0, "wd")],
)
def test_an_offset_is_an_amount_and_a_unit(text, amount, unit):
    assert offsets.parse_offset(text) == offsets.Offset(amount, unit)


@pytest.mark.parametrize("text", ["3x", "wd", "1.5d", "３wd", "٣wd", "-１0d", "+-3d", "", "10", "d3", "12345d", "3 wd"])
def test_a_bad_offset_is_refused_naming_it(text):
    with pytest.raises(InvalidValue, match="invalid offset"):
        offsets.parse_offset(text)


def test_working_days_skip_the_weekend():
    weekdays = offsets.WorkingDays(frozenset((5, 6)), lambda year: ())
    monday, friday = date(2027, 3, 1), date(2027, 3, 5)
    assert offsets.resolve(offsets.Offset(-1, "wd"), monday, weekdays) == date(2027, 2, 26)
    assert offsets.resolve(offsets.Offset(1, "wd"), friday, weekdays) == date(2027, 3, 8)
    assert offsets.resolve(offsets.Offset(-5, "wd"), monday, weekdays) == date(2027, 2, 22)
    assert offsets.resolve(offsets.Offset(0, "wd"), date(2027, 3, 6), weekdays) == date(2027, 3, 6)
    assert offsets.resolve(offsets.Offset(-1, "w"), monday, weekdays) == date(2027, 2, 22)


def _walked(day: date, amount: int, is_working) -> date:
    """The definition of a working-day offset, one day at a time (what WorkingDays.shift counts)."""
    step = 1 if amount > 0 else -1
    left = abs(amount)
    while left:
        day = date.fromordinal(day.toordinal() + step)
        left -= is_working(day)
    return day


@settings(max_examples=300, deadline=None)
@given(
    weekend=st.frozensets(st.integers(0, 6), max_size=6),
    holidays=st.sets(st.dates(date(2025, 1, 1), date(2029, 12, 31)), max_size=80),
    day=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    amount=st.integers(-400, 400),
)
def test_counted_working_days_are_the_walked_ones(weekend, holidays, day, amount):
    calendar = offsets.WorkingDays(weekend, lambda year: [d for d in holidays if d.year == year])
    walked = _walked(day, amount, lambda d: d.weekday() not in weekend and d not in holidays)
    assert calendar.shift(day, amount) == walked
    assert calendar.is_working(walked) or amount == 0
    fresh = offsets.WorkingDays(weekend, lambda year: [d for d in holidays if d.year == year])
    others = [amount, -amount, amount // 3, 0, amount]
    assert fresh.shift_many(day, others) == [calendar.shift(day, n) for n in others]


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(InvalidValue, match="no working day"):
        offsets.WorkingDays(frozenset(range(7)), lambda year: ()).shift(date(2027, 3, 1), 1)
    every_day = offsets.WorkingDays(
        frozenset(),
        lambda year: [
            date.fromordinal(n) for n in range(date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal())
        ],
    )
    with pytest.raises(InvalidValue, match="no working day"):
        every_day.shift(date(2027, 3, 1), -3)


def test_working_days_follow_the_region_holidays_its_weekend_and_dst():
    state = State(empty_document())
    _region(state, "NL", "Europe/Amsterdam", "2027-04-01T10:00")  # a Thursday after Easter and the DST change
    _template(state, ("a", "-2wd"), ("b", "-3wd"), ("c", "-3d"))
    templates.apply(state, "plan", ["NL"])
    # Easter Monday (29th), the weekend and Good Friday (26th) are not working days; the clocks
    # went forward on the 28th, so the days before start at +01:00 and the ones after at +02:00.
    assert _dues(state, "NL") == {
        "a": "2027-03-30T00:00:00+02:00",
        "b": "2027-03-25T00:00:00+01:00",
        "c": "2027-03-29T00:00:00+02:00",
    }
    assert all(i["due_all_day"] for i in state.items_of("NL"))


def test_a_friday_saturday_weekend_and_a_subdivision_holiday():
    state = State(empty_document())
    _region(state, "SA", "Asia/Riyadh", "2027-05-02T10:00", currency="SAR")  # a Sunday
    _region(state, "DE-BY", "Europe/Berlin", "2027-01-07T10:00")  # Epiphany (6 January) is a holiday in Bavaria
    _region(state, "DE-BE", "Europe/Berlin", "2027-01-07T10:00")  # ...not in Berlin
    _template(state, ("a", "-1wd"))
    templates.apply(state, "plan", ["SA", "DE-BY", "DE-BE"])
    assert _dues(state, "SA") == {"a": "2027-04-29T00:00:00+03:00"}  # Thursday: Friday and Saturday are the weekend
    assert _dues(state, "DE-BY") == {"a": "2027-01-05T00:00:00+01:00"}
    assert _dues(state, "DE-BE") == {"a": "2027-01-06T00:00:00+01:00"}


def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump():
    state = State(empty_document())
    _region(state, "CL", "America/Santiago", "2027-09-10T10:00", currency="CLP")
    _template(state, ("a", "-5d"))  # Sunday 5 September 2027: clocks jump from 00:00 to 01:00
    templates.apply(state, "plan", ["CL"])
    assert _dues(state, "CL") == {"a": "2027-09-05T01:00:00-03:00"}


# -- applying and re-applying ----------------------------------------------------------------------
@pytest.fixture
def planned(state: State) -> State:
    """NL (launch Monday 2027-03-01) with template `plan` (a: -10wd, b after a: -3d, c: no due) applied."""
    _template(state, ("a", "-10wd"), ("b", "-3d"), ("c", None))
    templates.edit_template(state, "plan", "b", "amara", after="a", critical=True)
    templates.apply(state, "plan", ["NL"])
    return state


def test_applied_items_remember_template_version_key_and_wait_by_key(planned: State):
    items = {i["origin"]["key"]: i for i in planned.items_of("NL")}
    assert set(items) == {"a", "b", "c"}
    assert items["b"]["after"] == [items["a"]["id"]]
    assert items["a"]["due"] == "2027-02-15T00:00:00+01:00"
    assert items["c"]["due"] is None and items["c"]["origin"]["offset"] is None
    assert {i["origin"]["version"] for i in items.values()} == {5}
    assert items["a"]["owner"] == "priya"  # no owner in the template: the region's


def test_reapplying_an_unchanged_template_changes_nothing_and_never_duplicates(planned: State):
    before = planned.data()
    steps = templates.apply(planned, "plan", ["NL"])
    assert {s.action for s in steps} == {"unchanged"}
    assert planned.data() == before


def test_reapplying_a_changed_template_adds_updates_keeps_hand_edits_and_reports_removed(planned: State):
    ids = {i["origin"]["key"]: i["id"] for i in planned.items_of("NL")}
    ops.edit_item(planned, None, ids["b"], title="b, as the region needs it")  # a hand edit
    templates.edit_template(planned, "plan", "a", "amara", due="-12wd")
    templates.edit_template(planned, "plan", "b", "amara", due="-4d")
    templates.edit_template(planned, "plan", "c", "amara", remove=True)
    templates.edit_template(planned, "plan", "d", "amara", title="New item", category="legal")
    steps = {s.key: s for s in templates.apply(planned, "plan", ["NL"])}
    assert {k: s.action for k, s in steps.items()} == {"a": "update", "b": "conflict", "c": "removed", "d": "add"}
    assert steps["a"].fields == ["due"]
    assert planned.items[ids["a"]]["due"] == "2027-02-11T00:00:00+01:00"
    assert planned.items[ids["b"]]["title"] == "b, as the region needs it"  # never overwritten
    assert planned.items[ids["b"]]["due"] == "2027-02-26T00:00:00+01:00"
    assert ids["c"] in planned.items  # reported, kept
    assert len(planned.items_of("NL")) == 4
    again = templates.apply(planned, "plan", ["NL"])
    assert [s.action for s in again if s.action != "unchanged"] == ["conflict", "removed"]


def test_a_status_change_or_a_note_is_not_a_hand_edit(planned: State):
    item = next(i for i in planned.items_of("NL") if i["origin"]["key"] == "a")
    ops.set_items_done(planned, None, [item["id"]], True, "amara")
    templates.add_note(planned, "items", item["id"], "Signed", "amara")
    templates.edit_template(planned, "plan", "a", "amara", title="A, renamed")
    steps = {s.key: s.action for s in templates.apply(planned, "plan", ["NL"])}
    assert steps["a"] == "update"
    assert planned.items[item["id"]]["status"] == "done"


def test_applying_needs_a_template_and_a_launch(state: State):
    with pytest.raises(NotFound, match="no template nope"):
        templates.apply(state, "nope", ["NL"])
    _template(state, ("a", "-1wd"))
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    with pytest.raises(Refused, match="BE has no launch date"):
        templates.apply(state, "plan", ["BE"])


def test_a_template_captured_from_a_region_plans_another_the_same():
    state = State(bundled_document())
    captured = templates.add_template(state, "from-de", "amara", source="DE")
    de = [i for i in state.items_of("DE") if schema.counts(i)]
    assert [s["title"] for s in captured["items"]] == [i["title"] for i in de]
    assert len({s["key"] for s in captured["items"]}) == len(captured["items"])
    ops.add_region(state, "KR", name="Korea", timezone="Asia/Seoul", currency="KRW", launch="2027-03-02")
    templates.apply(state, "from-de", ["KR"])
    assert [i["title"] for i in state.items_of("KR")] == [i["title"] for i in de]


def test_the_bundled_standard_template_is_already_applied_to_the_bundled_regions():
    state = State(bundled_document())
    standard = templates.template(state, "standard")
    assert standard["version"] == 1 and len(standard["items"]) >= 10
    assert all(s["due"].endswith("d") for s in standard["items"])
    steps = templates.apply(state, "standard", ["DE"])
    assert {s.action for s in steps} == {"unchanged"}


def test_a_region_added_with_a_template_is_planned_in_the_same_change(state: State):
    _template(state, ("a", "-1wd"))
    region, steps = templates.add_region(
        state, "KR", "plan", name="Korea", timezone="Asia/Seoul", currency="KRW", launch="2027-03-02"
    )
    assert region["code"] == "KR" and [s.action for s in steps] == ["add"]
    assert _dues(state, "KR") == {"a": "2027-02-26T00:00:00+09:00"}  # 1 March is a holiday in Korea


# -- template edits, bad values, export and import ----------------------------------------------
def test_each_edit_makes_a_new_version_and_a_no_op_edit_keeps_it(state: State):
    _template(state, ("a", "-1wd"))
    assert templates.template(state, "plan")["version"] == 2
    _, action = templates.edit_template(state, "plan", "a", "amara", due="-1wd")
    assert action == "unchanged" and templates.template(state, "plan")["version"] == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"due": "3x"}, "invalid offset"),
        ({"after": "a"}, "waits for itself"),
        ({"after": "zz"}, "waits for zz, which is not in the template"),
        ({"category": "food"}, "invalid category"),
        ({"title": " "}, "title cannot be empty"),
    ],
)
def test_a_bad_template_edit_is_refused(state: State, fields, message):
    _template(state, ("a", "-1wd"))
    before = state.data()
    with pytest.raises(InvalidValue, match=message):
        templates.edit_template(state, "plan", "a", "amara", **fields)
    assert state.data() == before


def test_export_and_import_round_trip(state: State):
    _template(state, ("a", "-10wd"), ("b", "2w"))
    templates.edit_template(state, "plan", "sale", "amara", promotion=True, title="Launch sale", start="0d", end="7d")
    exported = templates.export_template(templates.template(state, "plan"))
    other = State(empty_document())
    stored, action = templates.import_template(other, exported, "li")
    assert action == "added" and stored["items"] == exported["items"] and stored["promotions"] == exported["promotions"]
    assert templates.import_template(other, exported, "li")[1] == "unchanged"
    with pytest.raises(InvalidValue, match="not a rollout template file"):
        templates.import_template(other, {"name": "x"}, "li", "x.json")
    broken = {**exported, "items": [{**exported["items"][0], "due": "３wd"}]}
    with pytest.raises(InvalidValue, match="x.json"):
        templates.import_template(other, broken, "li", "x.json")


def test_promotions_are_applied_from_the_launch_day(state: State):
    templates.add_template(state, "plan", "amara")
    templates.edit_template(state, "plan", "sale", "amara", promotion=True, title="Launch sale", start="0d", end="7d")
    templates.apply(state, "plan", ["NL"])
    (promo,) = state.promotions_of("NL")
    assert (promo["start"], promo["end"]) == ("2027-03-01T00:00:00+01:00", "2027-03-08T00:00:00+01:00")
    assert promo["origin"]["key"] == "sale"


# -- not applicable ------------------------------------------------------------------------------
def test_a_not_applicable_item_counts_neither_for_readiness_nor_for_the_gate(planned: State):
    b = next(i for i in planned.items_of("NL") if i["origin"]["key"] == "b")
    assert queries.readiness(planned, "NL") == 0 and queries.open_critical(planned, "NL")
    for item in planned.items_of("NL"):
        if item["id"] != b["id"]:
            ops.set_items_done(planned, None, [item["id"]], True, "amara")
    templates.set_not_applicable(planned, None, b["id"], "No such rule in NL")
    assert queries.readiness(planned, "NL") == 100
    assert queries.open_critical(planned, "NL") == []
    assert planned.checklist_counts("NL") == (2, 2, 0)
    before_launch = health.region_health(planned, "NL")
    assert before_launch.critical_open == 0 and before_launch.forecast.open == 0
    ops.set_regions(planned, ["NL"], status="launched")  # no --force needed


def test_the_counts_agree_with_a_fresh_count_after_marking_and_unmarking(planned: State):
    item = planned.items_of("NL")[0]
    templates.set_not_applicable(planned, None, item["id"], "n/a here")
    fresh = State(planned.document())
    assert fresh.checklist_counts("NL") == planned.checklist_counts("NL") == (0, 2, 1)
    templates.set_not_applicable(planned, None, item["id"], None)
    assert planned.checklist_counts("NL") == (0, 3, 1)
    with pytest.raises(InvalidValue, match="reason cannot be empty"):
        templates.set_not_applicable(planned, None, item["id"], "  ")


# -- notes ---------------------------------------------------------------------------------------
def test_notes_are_dated_attributed_and_appended(planned: State):
    item = planned.items_of("NL")[0]
    templates.add_note(planned, "items", item["id"], "Filed", "amara", "https://example.com/a?b=1")
    templates.add_note(planned, "items", item["id"], "Approved", "li")
    notes = planned.items[item["id"]]["notes"]
    assert [(n["user"], n["text"], n["link"]) for n in notes] == [
        ("amara", "Filed", "https://example.com/a?b=1"),
        ("li", "Approved", None),
    ]
    assert notes[0]["at"] == "2026-11-24T09:00:00+00:00"
    templates.add_note(planned, "regions", "nl", "Kickoff", "amara")
    assert planned.region("NL")["notes"][0]["text"] == "Kickoff"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.com",
        "https://",
        "example.com",
        "http://a b.com",
        "http://[::1",
    ],
)
def test_a_note_link_must_be_an_http_url(planned: State, link):
    before = planned.data()
    with pytest.raises(InvalidValue, match="invalid link"):
        templates.add_note(planned, "regions", "NL", "x", "amara", link)
    assert planned.data() == before


# -- shifting with the launch ------------------------------------------------------------------------
def test_shift_with_items_keeps_working_day_offsets_and_leaves_edited_and_done_items(state: State):
    _region(state, "DE", "Europe/Berlin", "2026-12-21T10:00")  # a Monday
    _template(state, ("a", "-1wd"), ("b", "-2wd"), ("c", "-3wd"))
    templates.apply(state, "plan", ["DE"])
    ids = {i["origin"]["key"]: i["id"] for i in state.items_of("DE")}
    ops.edit_item(state, None, ids["b"], due="2026-12-01")
    ops.set_items_done(state, None, [ids["c"]], True, "amara")
    done_due = state.items[ids["c"]]["due"]
    _, moved = templates.shift(state, ["DE"], "1w", with_items=True)  # launch Monday 28 December
    assert [i["id"] for i in moved] == [ids["a"]]
    # One working day before 28 December: Christmas (25th, a Friday) and the weekend are skipped.
    assert state.items[ids["a"]]["due"] == "2026-12-24T00:00:00+01:00"
    assert state.items[ids["b"]]["due"] == "2026-12-01T00:00:00+01:00"
    assert state.items[ids["c"]]["due"] == done_due
    steps = {s.key: s.action for s in templates.apply(state, "plan", ["DE"])}
    assert steps["a"] == "unchanged"  # the moved item still counts as not edited


# -- undo of each change -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        lambda s: templates.add_template(s, "x", "amara", source="NL"),
        lambda s: templates.edit_template(s, "standard", "cx-coverage", "amara", due="-10wd"),
        lambda s: templates.remove_template(s, "standard"),
        lambda s: (
            templates.edit_template(s, "standard", "x", "amara", title="X"),
            templates.apply(s, "standard", ["NL"]),
        ),
        lambda s: templates.add_region(
            s, "KR", "standard", name="Korea", timezone="Asia/Seoul", currency="KRW", launch="2027-03-02"
        ),
        lambda s: templates.set_not_applicable(s, None, s.items_of("NL")[0]["id"], "why"),
        lambda s: templates.add_note(s, "promotions", s.promotions_of("NL")[0]["id"], "x", "amara", "https://a.b"),
        lambda s: templates.import_template(
            s, {"rollout_template": 1, "name": "y", "version": 1, "items": [], "promotions": []}, "amara"
        ),
        lambda s: templates.shift(s, ["NL"], "1w", with_items=True),
    ],
)
def test_each_change_is_recorded_and_undone(db_path: Path, change):
    db = Database(db_path)
    before = db.load().data()
    with db.transaction("amara", "change") as state:
        change(state)
    assert db.load().data() != before
    with db.transaction("amara", "undo") as state:
        ops.undo(state)
    assert db.load().data() == before
