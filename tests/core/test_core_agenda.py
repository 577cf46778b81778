"""The agenda of the next days and each owner's workload (rollout.agenda), on crafted data."""

from __future__ import annotations

from datetime import date, timedelta

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
    # Legal (c5) and legal (c2) are one person: one row, shown as "Legal" (a tie: sorted first)
    assert list(loads) == ["ops", "Legal", "ken", "ana"]
    ops_load = loads["ops"]
    # ops: c1 (today), c3 (day 7), c4 (30 days late); due soon = c1 and c3 (within 14 days), overdue = c4
    assert (ops_load.open, ops_load.overdue, ops_load.critical_open, ops_load.due_soon) == (3, 1, 0, 2)
    assert ops_load.regions == ("NL",)
    assert loads["Legal"] == agenda.OwnerLoad("Legal", 2, 1, 2, 1, ("NL",))  # counts merged
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


def test_an_unknown_kind_is_refused_naming_every_kind(state):
    with pytest.raises(InvalidValue) as refused:
        agenda.agenda(state, kinds=[ITEM, "meeting"], reference=NOW)
    assert str(refused.value) == "unknown agenda kind 'meeting': expected one of item, launch, promo-start, promo-end"


@pytest.mark.parametrize("kind", [PROMO_START, PROMO_END])
def test_one_promotion_kind_alone_lists_it(state, kind):
    assert keys(agenda.agenda(state, kinds=[kind], reference=NOW)) == [
        (kind, promo) for promo in (["p2", "p1"] if kind == PROMO_START else ["p2"])
    ]


def test_within_a_day_and_region_a_due_given_as_a_day_comes_before_timed_ones_earliest_first():
    state = fresh()
    region(state, "NL", tz="Europe/Amsterdam", launch=day(30))
    item(state, "NL", "Evening", due=day(2) + "T18:00")  # c1
    item(state, "NL", "Morning", due=day(2) + "T09:00")  # c2
    item(state, "NL", "Some time that day", due=day(2))  # c3
    entries = agenda.agenda(state, reference=NOW)
    assert [(e.id, e.time) for e in entries] == [("c3", None), ("c2", "09:00"), ("c1", "18:00")]


def test_a_timed_due_stored_in_a_zone_a_day_ahead_shows_on_the_regions_own_day():
    """A timed due keeps its instant, and the offset it was written in, when its region moves zone:
    written at +14:00 (Kiritimati), read at -11:00 (Pago Pago), its date text is two days after the
    local day it falls on. It is listed on that local day."""
    state = fresh()
    region(state, "KI", tz="Pacific/Kiritimati", launch=day(60))
    item(state, "KI", "Just after midnight", due="2026-11-25T00:30")  # 2026-11-24T10:30Z
    ops.set_regions(state, ["KI"], timezone="Pacific/Pago_Pago")
    assert state.items["c1"]["due"].startswith("2026-11-25T00:30:00+14:00")
    (entry,) = agenda.agenda(state, days=1, reference=NOW)  # 2026-11-23 22:00 in Pago Pago
    assert (entry.id, entry.day, entry.time, entry.overdue) == ("c1", date(2026, 11, 23), "23:30", False)


def test_owners_soon_zero_counts_nothing_as_due_soon_and_a_negative_one_is_refused(state):
    loads = {w.owner: w for w in agenda.owners(state, NOW, soon=0)}
    assert loads["ops"].due_soon == 0 and loads["ops"].overdue == 1
    with pytest.raises(InvalidValue) as refused:
        agenda.owners(state, NOW, soon=-1)
    assert str(refused.value) == "invalid number of days -1: expected 0 or more"


def test_due_soon_is_today_and_the_next_soon_minus_one_days(state):
    # ops: c1 due today, c3 due on day 7 (the eighth local day, today included)
    assert {w.owner: w for w in agenda.owners(state, NOW, soon=7)}["ops"].due_soon == 1
    assert {w.owner: w for w in agenda.owners(state, NOW, soon=8)}["ops"].due_soon == 2


def test_owners_count_every_overdue_item_and_regions_after_one_with_nothing_open():
    state = fresh()
    region(state, "AT", tz="Europe/Vienna")
    item(state, "AT", "Done", due=day(-3), owner="ops", done_on=day(-1))
    region(state, "BE", tz="Europe/Brussels")
    item(state, "BE", "Late", due=day(-3), owner="ops")
    item(state, "BE", "Later", due=day(-2), owner="ops")
    item(state, "BE", "Hours late", due=day(0) + "T08:00", owner="ops")  # 07:00Z, two hours before NOW
    item(state, "BE", "At NOW", due=day(0) + "T10:00", owner="ops")  # exactly NOW: not overdue yet
    item(state, "BE", "Midnight", due=day(2) + "T00:00", owner="ops")  # due by the end of day 1
    (load,) = agenda.owners(state, NOW, soon=2)
    assert (load.open, load.overdue, load.due_soon, load.regions) == (5, 3, 2, ("BE",))
    # A timed due at midnight belongs to the day before: with soon=1 (today only) it is not soon.
    (load,) = agenda.owners(state, NOW, soon=1)
    assert (load.overdue, load.due_soon) == (3, 1)


def test_owner_items_order_by_due_instant_undated_last_done_left_out():
    state = fresh()
    region(state, "NL", tz="Europe/Amsterdam", launch=day(30))
    item(state, "NL", "Undated", owner="ux")  # c1
    item(state, "NL", "Late", due=day(20), owner="ux")  # c2
    item(state, "NL", "Soon", due=day(5), owner="ux")  # c3
    item(state, "NL", "Overdue", due=day(-1), owner="ux")  # c4
    item(state, "NL", "Done", due=day(1), owner="ux", done_on=day(0))  # c5
    assert [i["id"] for i in agenda.owner_items(state, "ux", NOW)] == ["c4", "c3", "c2", "c1"]
    # An overdue item comes before one due earlier that is not overdue yet: a day's items are due
    # by its end, a timed one at its instant. Each at the reference instant given.
    item(state, "NL", "Today", due=day(0), owner="qa")  # c6: due by the end of today
    item(state, "NL", "This morning", due=day(0) + "T08:00", owner="qa")  # c7: 07:00Z
    assert [i["id"] for i in agenda.owner_items(state, " QA ", NOW)] == ["c7", "c6"]
    assert [i["id"] for i in agenda.owner_items(state, "qa", NOW - timedelta(hours=3))] == ["c6", "c7"]


def test_timed_items_midnight_is_the_day_before_and_a_due_at_the_reference_is_not_overdue_yet():
    state = fresh()
    region(state, "NL", tz="Europe/Amsterdam", launch=day(30))
    item(state, "NL", "At NOW", due=day(0) + "T10:00")  # c1: 09:00Z, the reference itself
    item(state, "NL", "Midnight", due=day(2) + "T00:00")  # c2: due by the end of day 1
    by_id = {e.id: e for e in agenda.agenda(state, reference=NOW)}
    assert (by_id["c1"].overdue, by_id["c1"].days_overdue, by_id["c1"].day) == (False, 0, date.fromisoformat(day(0)))
    assert (by_id["c2"].day, by_id["c2"].time) == (date.fromisoformat(day(1)), "00:00")


def test_launches_on_the_first_and_last_day_of_the_window_are_listed():
    state = fresh()
    region(state, "NL", tz="Europe/Amsterdam", launch=day(0) + "T23:00", owner="ana")
    region(state, "DE", tz="Europe/Berlin", launch=day(6), owner="ana")
    region(state, "FR", tz="Europe/Paris", launch=day(7), owner="ana")
    assert [(e.id, e.day.isoformat()) for e in agenda.agenda(state, kinds=[LAUNCH], reference=NOW)] == [
        ("NL", day(0)),
        ("DE", day(6)),
    ]


def test_promotions_start_and_end_on_the_regions_own_days_with_their_wall_times():
    state = fresh()
    region(state, "JP", tz="Asia/Tokyo", launch=day(60), owner="ken")
    ops.add_promotions(state, ["JP"], "Long ago", start=day(-60), end=day(-50))  # p1: skipped, then more
    ops.add_promotions(state, ["JP"], "Flash", start=day(0), end=day(3) + "T05:00")  # p2: 20:00Z on day 2
    ops.add_promotions(state, ["JP"], "Week", start=day(1) + "T10:00", end=day(7))  # p3: last day is day 6
    ops.add_promotions(state, ["JP"], "Later", start=day(6), end=day(9))  # p4
    ops.add_promotions(state, ["JP"], "Ending", start=day(-9), end=day(1))  # p5: last day is today
    listed = [(e.kind, e.id, e.day.isoformat(), e.time) for e in agenda.agenda(state, reference=NOW)]
    assert listed == [
        (PROMO_START, "p2", day(0), None),
        (PROMO_END, "p5", day(0), None),
        (PROMO_START, "p3", day(1), "10:00"),
        (PROMO_END, "p2", day(3), "05:00"),
        (PROMO_START, "p4", day(6), None),
        (PROMO_END, "p3", day(6), None),
    ]


def test_launches_and_promotions_written_in_a_zone_a_day_away_show_on_the_regions_own_day():
    """Instants keep the offset they were written in when a region moves zone. Moved from +14:00
    (Kiritimati) to -11:00 (Pago Pago), a launch and a promotion start read two days earlier than
    their text; moved the other way, a promotion's end two days later."""
    state = fresh()
    region(state, "KI", tz="Pacific/Kiritimati", launch="2026-11-25T00:30")  # 2026-11-24T10:30Z
    ops.add_promotions(state, ["KI"], "Start", start="2026-11-25T00:30", end="2026-11-30")
    ops.set_regions(state, ["KI"], timezone="Pacific/Pago_Pago")
    assert state.regions["KI"]["launch"].startswith("2026-11-25T00:30:00+14:00")
    listed = [(e.kind, e.day, e.time) for e in agenda.agenda(state, days=1, reference=NOW)]
    assert listed == [(LAUNCH, date(2026, 11, 23), "23:30"), (PROMO_START, date(2026, 11, 23), "23:30")]
    other = fresh()
    region(other, "AS", tz="Pacific/Pago_Pago", launch=day(60))
    ops.add_promotions(other, ["AS"], "End", start="2026-11-20", end="2026-11-22T23:30")  # 2026-11-23T10:30Z
    ops.set_regions(other, ["AS"], timezone="Pacific/Kiritimati")
    assert other.promotions["p1"]["end"].startswith("2026-11-22T23:30:00-11:00")
    listed = [(e.kind, e.day, e.time) for e in agenda.agenda(other, days=1, reference=NOW)]
    assert listed == [(PROMO_END, date(2026, 11, 24), "00:30")]
