"""What a launch manager is warned about, and the wording of counts and countdowns, at each boundary.

A state in memory with one region, NL (Europe/Amsterdam, UTC+1 in winter), launch target
2027-03-01 10:00 local; each test moves the reference instant across one rule's edge.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from rollout import ops, queries, times
from rollout.state import State


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def warnings(state: State, reference: str) -> list[str]:
    return queries.region_warnings(state, "NL", at(reference))


# -- the launch target --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("2027-02-14T22:59:00+00:00", []),  # 2027-02-14 23:59 local: 15 days ahead
        ("2027-02-14T23:00:00+00:00", ["1 critical item(s) open with launch in 2 weeks"]),  # 2027-02-15 local
        ("2027-02-28T23:30:00+00:00", ["1 critical item(s) open with launch today"]),  # launch day, before 10:00
        ("2027-03-01T12:00:00+00:00", ["1 critical item(s) open with launch today"]),  # launch day, after the target
        ("2027-03-01T23:00:00+00:00", ["launch target passed 1 day(s) ago and NL has not launched"]),
        ("2027-03-11T12:00:00+00:00", ["launch target passed 10 day(s) ago and NL has not launched"]),
    ],
)
def test_critical_items_warn_from_14_local_days_before_the_launch_and_a_missed_day_says_so(state, reference, expected):
    ops.add_items(state, ["NL"], "Payment provider live", critical=True)
    assert warnings(state, reference) == expected


def test_without_open_critical_items_a_close_launch_is_no_warning(state):
    (item,) = ops.add_items(state, ["NL"], "Payment provider live", critical=True)
    ops.add_items(state, ["NL"], "Banner copy")
    ops.set_items_done(state, "NL", [item["id"]], True, "amara")
    assert warnings(state, "2027-02-28T12:00:00+00:00") == []


@pytest.mark.parametrize("status", ["launched", "paused"])
def test_launched_and_paused_regions_get_no_launch_warnings(state, status):
    ops.add_items(state, ["NL"], "Payment provider live", critical=True)
    ops.set_regions(state, ["NL"], status=status, force=True)
    assert warnings(state, "2027-02-28T12:00:00+00:00") == []
    assert warnings(state, "2027-03-11T12:00:00+00:00") == []


@pytest.mark.parametrize("status", ["planned", "preparing", "ready"])
def test_regions_not_launched_yet_are_warned(state, status):
    ops.set_regions(state, ["NL"], status=status)
    assert warnings(state, "2027-03-03T12:00:00+00:00") == ["launch target passed 2 day(s) ago and NL has not launched"]


def test_a_region_without_a_launch_target_gets_no_launch_warning(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    ops.add_items(state, ["BE"], "Payment provider live", critical=True)
    assert queries.region_warnings(state, "BE", at("2027-03-11T12:00:00+00:00")) == []


# -- overdue items ---------------------------------------------------------------------------
def test_open_items_past_their_due_are_counted_done_ones_are_not(state):
    ops.add_items(state, ["NL"], "Day due", due="2027-01-10")  # due by the end of 2027-01-10 local
    ops.add_items(state, ["NL"], "Timed due", due="2027-01-10T15:00")
    (done,) = ops.add_items(state, ["NL"], "Done late", due="2027-01-05")
    ops.set_items_done(state, "NL", [done["id"]], True, "amara")
    assert warnings(state, "2027-01-10T13:59:00+00:00") == []  # 14:59 local
    assert warnings(state, "2027-01-10T14:01:00+00:00") == ["1 open item(s) overdue"]  # the timed one
    assert warnings(state, "2027-01-10T22:59:00+00:00") == ["1 open item(s) overdue"]  # 23:59 local
    assert warnings(state, "2027-01-10T23:00:00+00:00") == ["2 open item(s) overdue"]  # next local midnight


# -- public holidays -------------------------------------------------------------------------
def test_an_upcoming_launch_on_a_public_holiday_is_warned_until_the_day_passes(state):
    ops.set_regions(state, ["NL"], launch="2027-04-27T10:00")  # King's Day
    message = "launch on 2027-04-27 falls on a public holiday in NL: King's Day"
    assert warnings(state, "2027-04-01T12:00:00+00:00") == [message]
    assert warnings(state, "2027-04-27T20:00:00+00:00") == [message]  # 22:00 local, still that day
    assert warnings(state, "2027-04-28T12:00:00+00:00") == ["launch target passed 1 day(s) ago and NL has not launched"]
    assert queries.launch_holiday_warning(state, "NL", at("2027-04-28T12:00:00+00:00")) is None


def test_a_launch_on_an_ordinary_day_or_already_made_is_no_holiday_warning(state):
    ops.set_regions(state, ["NL"], launch="2027-04-26T10:00")
    assert queries.launch_holiday_warning(state, "NL", at("2027-04-01T12:00:00+00:00")) is None
    ops.set_regions(state, ["NL"], launch="2027-04-27T10:00", status="launched")
    assert queries.launch_holiday_warning(state, "NL", at("2027-04-01T12:00:00+00:00")) is None


# -- countdown wording ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days", "words"),
    [
        (0, "today"),
        (1, "in 1 day"),
        (-1, "1 day ago"),
        (13, "in 13 days"),
        (14, "in 2 weeks"),
        (-20, "2 weeks ago"),
        (59, "in 8 weeks"),
        (60, "in 2 months"),
        (-89, "2 months ago"),
        (729, "in 24 months"),
        (730, "in 2 years"),
        (-1095, "3 years ago"),
        (None, "-"),
    ],
)
def test_countdown_says_days_under_two_weeks_then_weeks_months_and_years(days, words):
    assert times.countdown(days) == words


# -- counts in words ------------------------------------------------------------------------------
def test_a_change_is_summed_up_per_kind_and_action_with_plurals(state):
    state.before.clear()
    ops.add_items(state, ["NL"], "One")
    ops.add_items(state, ["NL"], "Two")
    ops.set_regions(state, ["NL"], owner="amara")
    (promo,) = ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08")
    changes = state.changes()
    assert queries.summarize_changes(changes) == "2 checklist items added, 1 region changed, 1 promotion added"
    assert queries.summarize_changes([]) == "no change"
    assert queries.preview_lines(changes, limit=2) == [
        "add checklist item c1 One",
        "add checklist item c2 Two",
        "... and 2 more",
    ]
    assert queries.describe_change(changes[2]) == "change region NL Netherlands (owner)"
    assert queries.describe_change({"table": "promotions", "key": promo["id"], "before": promo, "after": None}) == (
        "remove promotion p1 Spring"
    )
