"""Launch templates, second round: promotions that could never run (start at or after the end),
edit options that do not fit the key, blocking freeze windows on apply, template promotions moved
with the launch keeping their offsets, and the wording of conflicts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import freeze, offsets, ops, templates, times
from rollout.errors import InvalidValue, Refused
from rollout.state import State, empty_document

parse = offsets.parse_offset


def _state() -> State:
    """A state with US-TX (launch Tuesday 1 June 2027, Chicago) and a template `plan` with one item."""
    state = State(empty_document())
    ops.add_region(state, "US-TX", name="Texas", timezone="America/Chicago", currency="USD", launch="2027-06-01")
    templates.add_template(state, "plan", "amara")
    templates.edit_template(state, "plan", "kickoff", "amara", title="Kickoff", due="-20wd")
    return state


def _promo(state: State, key: str = "spring", start: str = "-10wd", end: str = "-5wd") -> None:
    templates.edit_template(state, "plan", key, "amara", promotion=True, title="Spring sale", start=start, end=end)


# -- offsets that can never be before one another ------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "never"),
    [
        ("5wd", "1wd", True),  # the user test's case
        ("1wd", "1wd", True),  # equal: a promotion of no length
        ("-3wd", "-2wd", False),
        ("1w", "7d", True),  # a week is seven calendar days, exactly
        ("1w", "8d", False),
        ("-1w", "-7d", True),
        ("3wd", "3d", True),  # three working days after the launch are at least three days after it
        ("3wd", "4d", False),  # depends on the calendar: a weekend in between
        ("-3d", "-3wd", True),  # three working days before it are at least three days before it
        ("-4d", "-3wd", False),
        ("0wd", "0d", True),  # both the launch day
        ("-2wd", "1d", False),
        ("5d", "3wd", False),  # 3wd may be a week later
        ("2w", "10wd", False),
    ],
)
def test_never_before_refuses_only_what_no_calendar_can_order(start, end, never):
    assert offsets.never_before(parse(start), parse(end)) is never


@settings(max_examples=300, deadline=None)
@given(
    weekend=st.frozensets(st.integers(0, 6), max_size=6),
    holidays=st.sets(st.dates(date(2026, 1, 1), date(2028, 12, 31)), max_size=60),
    launch=st.dates(date(2027, 1, 1), date(2027, 12, 31)),
    start=st.tuples(st.integers(-40, 40), st.sampled_from(["d", "w", "wd"])),
    end=st.tuples(st.integers(-40, 40), st.sampled_from(["d", "w", "wd"])),
)
def test_what_never_before_refuses_is_refused_on_every_calendar(weekend, holidays, launch, start, end):
    """Sound: an order it refuses never runs, whatever the weekend, holidays and launch day."""
    calendar = offsets.WorkingDays(weekend, lambda year: [d for d in holidays if d.year == year])
    first, last = offsets.Offset(*start), offsets.Offset(*end)
    if offsets.never_before(first, last):
        assert offsets.resolve(first, launch, calendar) >= offsets.resolve(last, launch, calendar)


# -- a promotion that could never run --------------------------------------------------------------
@pytest.mark.parametrize(("start", "end"), [("5wd", "1wd"), ("5wd", "5wd"), ("3wd", "3d"), ("2w", "14d")])
def test_an_edit_whose_promotion_could_never_run_is_refused(start, end):
    state = _state()
    _promo(state)
    before = state.tables["templates"]["plan"]
    with pytest.raises(InvalidValue, match=f"promotion spring would start at or after its end: start {start}"):
        templates.edit_template(state, "plan", "spring", "amara", start=start, end=end)
    assert state.tables["templates"]["plan"] == before
    with pytest.raises(InvalidValue, match="promotion late would start at or after its end"):
        _promo(state, "late", start, end)  # a new promotion too


def test_an_edit_moving_only_the_start_past_the_end_is_refused():
    state = _state()
    _promo(state, start="-10wd", end="-5wd")
    with pytest.raises(InvalidValue, match="start -4wd is never before end -5wd"):
        templates.edit_template(state, "plan", "spring", "amara", start="-4wd")


def test_mixed_units_that_depend_on_the_calendar_are_kept_and_refused_per_region_at_apply():
    state = _state()
    _promo(state, start="3wd", end="4d")  # accepted: on a Monday launch, 3wd is the Thursday, before day 4
    ops.add_region(
        state, "US-CA", name="California", timezone="America/Los_Angeles", currency="USD", launch="2027-05-31"
    )
    steps = templates.apply(state, "plan", ["US-CA"])
    assert {s.key: s.action for s in steps}["spring"] == "add"
    # Thursday 3 June: 3wd skips the weekend to Tuesday 8 June, after day 4 (Monday 7 June).
    ops.set_regions(state, ["US-TX"], launch="2027-06-03")
    with pytest.raises(InvalidValue) as refused:
        templates.apply(state, "plan", ["US-TX"])
    message = str(refused.value)
    assert "cannot be applied to US-TX" in message and "promotion spring" in message
    assert "2027-06-08 (3wd)" in message and "2027-06-07 (4d)" in message
    assert state.promotions_of("US-TX") == []


def test_an_imported_template_whose_promotion_could_never_run_is_refused_naming_the_file():
    state = _state()
    _promo(state)
    data = templates.export_template(state.tables["templates"]["plan"])
    data["promotions"][0].update(start="9d", end="1w")
    with pytest.raises(InvalidValue, match="^plan.json: template plan: promotion spring would start at or after"):
        templates.import_template(state, data, "amara", "plan.json")


# -- options that do not fit the key ------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "options", "message"),
    [
        ("kickoff", {"promotion": True, "start": "1d"}, "--promo is for promotions, and kickoff is a checklist item"),
        ("kickoff", {"start": "1d"}, "--start is for promotions, and kickoff is a checklist item of template plan"),
        ("kickoff", {"kind": "sale"}, "--kind is for promotions, and kickoff is a checklist item"),
        ("spring", {"due": "-1d"}, "--due is for checklist items, and spring is a promotion of template plan"),
        ("spring", {"critical": False}, "--not-critical is for checklist items, and spring is a promotion"),
        ("spring", {"after": "kickoff"}, "--after is for checklist items, and spring is a promotion"),
        ("spring", {"owner": ""}, "--owner is for checklist items, and spring is a promotion"),
        ("fresh", {"title": "X", "start": "1d"}, "--start is for promotions: fresh is not in template plan"),
        (
            "fresh",
            {"promotion": True, "title": "X", "start": "0d", "end": "1d", "category": "legal"},
            "--category is for checklist items, and fresh is a new promotion",
        ),
        ("spring", {"remove": True, "title": "X"}, r"--remove takes no other option \(--title given\)"),
        ("kickoff", {"remove": True, "due": "1d"}, r"--remove takes no other option \(--due given\)"),
    ],
)
def test_an_option_that_does_not_fit_the_key_is_refused_naming_it(key, options, message):
    state = _state()
    _promo(state)
    before = state.tables["templates"]["plan"]
    with pytest.raises(InvalidValue, match=message):
        templates.edit_template(state, "plan", key, "amara", **options)
    assert state.tables["templates"]["plan"] == before
    # What fits still works: --promo with --remove of a promotion removes it.
    edited, action = templates.edit_template(state, "plan", "spring", "amara", remove=True, promotion=True)
    assert action == "removed" and edited["promotions"] == []


# -- blocking freeze windows ----------------------------------------------------------------------
def _frozen_state() -> State:
    state = _state()
    _promo(state)  # -10wd from Tuesday 1 June 2027: Monday 17 May (Memorial Day is 31 May)
    ops.add_freeze(state, ["US-TX"], start="2027-05-01", end="2027-05-31", reason="Warehouse move", blocks=True)
    state.before.clear()  # the change under test starts here
    return state


def test_a_promotion_applied_into_a_blocking_window_is_frozen_and_refused_when_the_change_ends():
    state = _frozen_state()
    steps = templates.apply(state, "plan", ["US-TX"])
    (frozen,) = [s for s in steps if s.kind == "promotion"]
    assert frozen.action == "frozen" and frozen.record is not None
    assert frozen.why == "would start 2027-05-17, inside freeze f1 2027-05-01..2027-05-31 (blocks): Warehouse move"
    assert templates.refusals(steps) == [
        "promotion spring (US-TX) would start 2027-05-17, inside freeze f1 2027-05-01..2027-05-31 (blocks): "
        "Warehouse move; use --force to apply it anyway"
    ]
    assert templates.summary(steps).endswith(", 1 refused by a blocking freeze window")
    with pytest.raises(
        Refused, match=r"promotion p1 \(US-TX, template plan spring\) on 2027-05-17 is inside freeze f1"
    ):
        freeze.check_change(state)  # stored all the same: the real apply is refused, as every path


def test_a_preview_leaves_the_frozen_promotion_out_and_the_change_passes():
    state = _frozen_state()
    steps = templates.apply(state, "plan", ["US-TX"], preview=True)
    assert [s.action for s in steps] == ["add", "frozen"]
    assert state.promotions_of("US-TX") == [] and len(state.items_of("US-TX")) == 1
    freeze.check_change(state)  # nothing to refuse
    text = templates.diff_text(state.tables["templates"]["plan"], steps, dry_run=True).splitlines()
    assert text[1].startswith("x US-TX p1     promotion spring: refused: would start 2027-05-17, inside freeze f1")
    assert text[-1].startswith("Dry run: nothing was written; applying is refused while 1 promotion would start")


def test_a_forced_apply_stores_the_promotion_and_history_notes_it():
    state = _frozen_state()
    state.overrides.add(freeze.FORCE)
    steps = templates.apply(state, "plan", ["US-TX"], preview=True)
    assert [s.action for s in steps] == ["add", "add"]
    freeze.check_change(state)
    assert state.notes == [
        "forced: start of promotion p1 (US-TX, template plan spring) on 2027-05-17 is inside freeze f1 "
        "2027-05-01..2027-05-31 (blocks): Warehouse move"
    ]


def test_a_reapply_moving_a_promotion_into_a_window_is_frozen_and_one_staying_there_is_not():
    state = _state()
    _promo(state, start="-2wd", end="0d")  # Thursday 27 May, before the window
    templates.apply(state, "plan", ["US-TX"])
    ops.add_freeze(state, ["US-TX"], start="2027-05-10", end="2027-05-20", reason="Warehouse move", blocks=True)
    templates.edit_template(state, "plan", "spring", "amara", start="-10wd")  # Monday 17 May: inside
    state.before.clear()
    (step,) = [s for s in templates.apply(state, "plan", ["US-TX"], preview=True) if s.kind == "promotion"]
    assert (step.action, step.fields) == ("frozen", ["start"])
    state.overrides.add(freeze.FORCE)
    templates.apply(state, "plan", ["US-TX"])
    state.overrides.clear()
    templates.edit_template(state, "plan", "spring", "amara", title="Spring sale!")  # the start stays
    (step,) = [s for s in templates.apply(state, "plan", ["US-TX"], preview=True) if s.kind == "promotion"]
    assert (step.action, step.fields) == ("update", ["name"])


# -- promotions moved with the launch --------------------------------------------------------------
def _sa() -> State:
    """SA (weekend Friday and Saturday; Eid al-Fitr 9-12 March 2027) launching Tuesday 16 March 2027,
    planned from `plan` with promotions spring -5wd..-1wd and summer 10d..20d, a hand-made promotion
    and an item."""
    state = State(empty_document())
    templates.add_template(state, "plan", "amara")
    templates.edit_template(state, "plan", "kickoff", "amara", title="Kickoff", due="-5wd")
    _promo(state, start="-5wd", end="-1wd")
    _promo(state, "summer", start="10d", end="20d")
    templates.add_region(
        state, "SA", "plan", name="Saudi Arabia", timezone="Asia/Riyadh", currency="SAR", launch="2027-03-16"
    )
    ops.add_promotions(state, ["SA"], "Hand-made", start="2027-03-20", end="2027-03-22")
    return state


def _days(state: State, promo_id: str) -> tuple[date, date]:
    promo = state.promotions[promo_id]
    return times.local_date(promo["start"], "Asia/Riyadh"), times.local_date(promo["end"], "Asia/Riyadh")


def _ids(state: State) -> dict[str, str]:
    return {p["origin"]["key"] if p.get("origin") else "hand": p["id"] for p in state.promotions_of("SA")}


def test_shift_with_promos_keeps_a_template_promotions_working_day_offsets():
    state = _sa()
    spring = _ids(state)["spring"]
    # Five working days before 16 March: the Eid holidays and the weekends do not count.
    assert _days(state, spring) == (date(2027, 3, 3), date(2027, 3, 15))
    templates.shift(state, ["SA"], "0d", with_promos=False)
    assert _days(state, spring) == (date(2027, 3, 3), date(2027, 3, 15))
    templates.shift(state, ["SA"], "1w", with_promos=True, with_items=True)
    # Before Tuesday 23 March: not 10 March (an Eid holiday, a calendar week later).
    assert _days(state, spring) == (date(2027, 3, 16), date(2027, 3, 22))
    steps = templates.apply(state, "plan", ["SA"])
    assert {s.key: s.action for s in steps} == {"kickoff": "unchanged", "spring": "unchanged", "summer": "unchanged"}


def test_shift_with_promos_moves_hand_made_and_hand_edited_promotions_by_the_duration():
    state = _sa()
    ids = _ids(state)
    ops.edit_promotion(state, ids["summer"], name="Summer sale (edited)")
    templates.shift(state, ["SA"], "1w", with_promos=True)  # the TUI's path: the same core function
    assert _days(state, ids["spring"]) == (date(2027, 3, 16), date(2027, 3, 22))  # unedited: its offsets
    assert _days(state, ids["summer"]) == (date(2027, 4, 2), date(2027, 4, 12))  # edited: a week later
    assert _days(state, ids["hand"]) == (date(2027, 3, 27), date(2027, 3, 29))
    steps = templates.apply(state, "plan", ["SA"])
    # The item was not moved (no --with-items): the template updates it; the edited promotion is kept.
    assert {s.key: s.action for s in steps} == {"kickoff": "update", "spring": "unchanged", "summer": "conflict"}


def test_a_template_promotion_whose_template_changed_keeps_its_length_when_shifted():
    state = _sa()
    spring = _ids(state)["spring"]
    templates.edit_template(state, "plan", "spring", "amara", end="2d")  # not the end it was applied from
    templates.shift(state, ["SA"], "1w", with_promos=True)
    first, last = _days(state, spring)
    assert first == date(2027, 3, 16) and last - first == timedelta(days=12)


# -- a region planned without a launch; conflicts in words ------------------------------------------
def test_a_region_planned_from_a_template_without_a_launch_is_told_to_give_one():
    state = _state()
    with pytest.raises(
        Refused, match=r"^region KR needs a launch date to be planned from template plan: give --launch"
    ):
        templates.add_region(state, "kr", "plan", name="Korea", timezone="Asia/Seoul", currency="KRW")
    assert "KR" not in state.regions


def test_a_conflict_names_the_fields_that_differ_from_the_template_not_a_template_change():
    state = _state()
    templates.apply(state, "plan", ["US-TX"])
    (item,) = state.items_of("US-TX")
    ops.edit_item(state, None, item["id"], title="Kickoff (Austin)")
    steps = templates.apply(state, "plan", ["US-TX"])
    text = templates.diff_text(state.tables["templates"]["plan"], steps)
    assert "kickoff: conflict: edited by hand, kept (title differs from the template)" in text
    assert "template changes" not in text
