"""The agenda of the next days and each owner's workload (rollout.agenda), on crafted data."""

from __future__ import annotations

from datetime import date

import pytest
from crafted import NOW, day, fresh, item, region

from rollout import agenda, ops
from rollout.agenda import ITEM, LAUNCH, PROMO_END, PROMO_START
from rollout.errors import InvalidValue


@pytest.fixture
def state():
    """NL (Amsterdam, owner ana) launches in 3 days; JP (Tokyo, owner ken) launched long ago."""
    state = fresh()
    region(state, "NL", tz="Europe/Amsterdam", launch=day(3) + "T10:00", owner="ana")
    region(state, "JP", tz="Asia/Tokyo", launch=day(-400), status="launched", owner="ken")
    item(state, "NL", "Due today", due=day(0), owner="ops")  # c1
    item(state, "NL", "Due in a week", due=day(6), critical=True, owner="legal")  # c2: last day of 7
    item(state, "NL", "Due in 8 days", due=day(7), owner="ops")  # c3: outside 7 days
    item(state, "NL", "Long late", due=day(-30), owner="ops")  # c4
    item(state, "NL", "Late", due=day(-2), critical=True, owner="Legal")  # c5
    item(state, "NL", "Done late", due=day(-5), done_on=day(-1))  # c6
    item(state, "JP", "Old but open", due=day(-100), owner="ken")  # c7
    item(state, "NL", "Undated")  # c8
    ops.add_promotions(state, ["NL"], "Launch week", start=day(3) + "T10:00", end=day(10))  # p1: start in, end out
    ops.add_promotions(state, ["JP"], "Black Friday", start=day(3), end=day(6))  # p2: runs day 3 to day 5
    ops.add_promotions(state, ["JP"], "Long ago", start=day(-60), end=day(-50))  # p3
    return state


def keys(entries):
    return [(e.kind, e.id) for e in entries]


def test_the_next_seven_days_overdue_items_first(state):
    entries = agenda.agenda(state, reference=NOW)
    assert keys(entries) == [
        (ITEM, "c7"),  # overdue first, oldest due first
        (ITEM, "c4"),
        (ITEM, "c5"),
        (ITEM, "c1"),
        (LAUNCH, "NL"),
        (PROMO_START, "p2"),  # same day: by region (JP before NL)
        (PROMO_START, "p1"),
        (PROMO_END, "p2"),
        (ITEM, "c2"),
    ]
    late = entries[0]
    assert (late.overdue, late.days_overdue, late.day.isoformat()) == (True, 100, day(-100))
    assert entries[1].days_overdue == 30 and entries[3].overdue is False
    launch = entries[4]
    assert (launch.day.isoformat(), launch.time, launch.owner, launch.title) == (
        day(3),
        "10:00",
        "ana",
        "Launch of Region NL",
    )
    assert entries[7].day.isoformat() == day(5)  # a promotion ends on the last day it runs


def test_within_a_day_items_due_come_first_then_launches_then_promotions_starting_and_ending():
    state = fresh()
    region(state, "NL", tz="Europe/Amsterdam", launch=day(2) + "T10:00", owner="ana")
    region(state, "JP", tz="Asia/Tokyo", launch=day(2), owner="ken")
    ops.add_promotions(state, ["NL"], "Ends that day", start=day(0), end=day(3))  # p1: last day is day 2
    ops.add_promotions(state, ["JP"], "Starts that day", start=day(2), end=day(5))  # p2
    item(state, "NL", "Due that day", due=day(2))  # c1
    item(state, "JP", "Due that day too", due=day(2) + "T18:00")  # c2
    entries = [e for e in agenda.agenda(state, reference=NOW) if e.day.isoformat() == day(2)]
    assert keys(entries) == [
        (ITEM, "c2"),
        (ITEM, "c1"),
        (LAUNCH, "JP"),
        (LAUNCH, "NL"),
        (PROMO_START, "p2"),
        (PROMO_END, "p1"),
    ]


def test_json_entries_have_the_published_keys(state):
    data = agenda.agenda_json(agenda.agenda(state, reference=NOW)[0])
    assert data == {
        "date": day(-100),
        "kind": "item",
        "region": "JP",
        "id": "c7",
        "title": "Old but open",
        "owner": "ken",
        "overdue": True,
        "critical": False,
        "time": None,
        "days_overdue": 100,
    }


def test_days_sets_the_window_and_zero_keeps_only_what_is_overdue(state):
    assert (ITEM, "c3") in keys(agenda.agenda(state, days=8, reference=NOW))
    assert keys(agenda.agenda(state, days=0, reference=NOW)) == [(ITEM, "c7"), (ITEM, "c4"), (ITEM, "c5")]
    with pytest.raises(InvalidValue, match="expected 0 or more"):
        agenda.agenda(state, days=-1, reference=NOW)


def test_owner_and_selector_filters(state):
    assert keys(agenda.agenda(state, owner="LEGAL", reference=NOW)) == [(ITEM, "c5"), (ITEM, "c2")]
    # A launch and a promotion are their region owner's.
    assert keys(agenda.agenda(state, owner="ken", reference=NOW)) == [
        (ITEM, "c7"),
        (PROMO_START, "p2"),
        (PROMO_END, "p2"),
    ]
    assert {e.region for e in agenda.agenda(state, selectors=["jp"], reference=NOW)} == {"JP"}
    assert keys(agenda.agenda(state, kinds=[LAUNCH], reference=NOW)) == [(LAUNCH, "NL")]
    with pytest.raises(InvalidValue, match="unknown agenda kind 'meeting'"):
        agenda.agenda(state, kinds=["meeting"], reference=NOW)


def test_each_region_has_its_own_today():
    """At 09:00 UTC it is 23:00 on the 23rd in Honolulu and 22:00 on the 24th in Tokyo."""
    state = fresh()
    region(state, "US", tz="Pacific/Honolulu", launch="2027-06-01")
    region(state, "JP", tz="Asia/Tokyo", launch="2027-06-01")
    item(state, "US", "Due the 23rd", due="2026-11-23")
    item(state, "JP", "Due the 23rd", due="2026-11-23")
    item(state, "JP", "Due 23:00 the 24th", due="2026-11-24T23:00")
    by_id = {e.id: e for e in agenda.agenda(state, days=1, reference=NOW)}
    assert by_id["c1"].overdue is False and by_id["c1"].day == date(2026, 11, 23)  # still today in Honolulu
    assert by_id["c2"].overdue is True and by_id["c2"].days_overdue == 1
    assert (by_id["c3"].overdue, by_id["c3"].time) == (False, "23:00")


def test_paused_regions_launch_nothing_and_actual_launches_show():
    state = fresh()
    region(state, "NL", launch=day(2), status="paused")
    region(state, "DE", launch=day(-1), status="launched")
    assert keys(agenda.agenda(state, reference=NOW)) == []
    with_actual = fresh()
    region(with_actual, "DE", launch=day(5), status="preparing")
    with_actual.put(
        "regions", {**with_actual.regions["DE"], "status": "launched", "launched_at": day(1) + "T08:00:00+01:00"}
    )
    (entry,) = agenda.agenda(with_actual, reference=NOW)
    assert (entry.kind, entry.day.isoformat(), entry.title) == (LAUNCH, day(1), "Launch of Region DE (launched)")


# -- owners ---------------------------------------------------------------------------------------
def test_owners_busiest_first_with_overdue_critical_and_due_soon(state):
    loads = {w.owner: w for w in agenda.owners(state, NOW)}
    # most open, then most overdue, then most critical open, then by name
    assert list(loads) == ["ops", "Legal", "ken", "legal", "ana"]
    ops_load = loads["ops"]
    # ops: c1 (today), c3 (day 7), c4 (30 days late); due soon = c1 and c3 (within 14 days), overdue = c4
    assert (ops_load.open, ops_load.overdue, ops_load.critical_open, ops_load.due_soon) == (3, 1, 0, 2)
    assert ops_load.regions == ("NL",)
    assert loads["legal"] == agenda.OwnerLoad("legal", 1, 0, 1, 1, ("NL",))
    assert loads["Legal"].overdue == 1  # owners are as written on the items
    assert loads["ken"].regions == ("JP",)
    ordered = agenda.owners(state, NOW)
    assert [w.open for w in ordered] == sorted((w.open for w in ordered), reverse=True)
    assert agenda.owner_json(ordered[0])["regions"] == list(ordered[0].regions)


def test_due_soon_follows_the_window(state):
    loads = {w.owner: w for w in agenda.owners(state, NOW, soon=1)}
    assert loads["ops"].due_soon == 1  # only c1, due today
    with pytest.raises(InvalidValue):
        agenda.owners(state, NOW, soon=-3)


def test_owner_items_lists_one_owners_open_items_overdue_first(state):
    listed = agenda.owner_items(state, "OPS", NOW)
    assert [i["id"] for i in listed] == ["c4", "c1", "c3"]
