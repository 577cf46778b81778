"""Health and forecast (rollout.health): every rule and every reason, on crafted data and a fixed clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from crafted import NOW, TODAY, database, day, fresh, item, region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout import health, ops, times
from rollout import status as region_status
from rollout.health import AT_RISK, LAUNCHED, NO_DATE, NOTE, OFF_TRACK, ON_TRACK, PAUSED


def check(state, code="NL"):
    return health.region_health(state, code, NOW)


def texts(found):
    return [r.text for r in found.reasons]


# -- the statuses that decide alone -----------------------------------------------------------
def test_a_launched_region_is_launched_with_no_forecast_even_with_items_overdue():
    state = fresh()
    region(state, "NL", status="launched", launch=day(-30))
    item(state, "NL", due=day(-10), critical=True)
    found = check(state)
    assert (found.health, found.reasons, found.forecast) == (LAUNCHED, (), None)
    assert (found.critical_open, found.overdue) == (1, 1)


def test_a_paused_region_is_paused_whatever_is_late():
    state = fresh()
    region(state, "NL", status="paused", launch=day(-3))
    item(state, "NL", "Late", due=day(-2), critical=True)
    found = check(state)
    assert found.health == PAUSED
    assert all(r.level == NOTE for r in found.reasons)


def test_a_region_without_a_target_launch_has_no_date():
    state = fresh()
    region(state, "NL", launch=None)
    item(state, "NL", "Late", due=day(-2), critical=True, owner="ops")
    found = check(state)
    assert found.health == NO_DATE
    assert texts(found)[:2] == ["NL has no target launch date", "c1 'Late' is 2 days overdue (ops)"]


# -- off track --------------------------------------------------------------------------------
def test_a_passed_launch_target_without_a_launch_is_off_track():
    state = fresh()
    region(state, "NL", launch=day(-4))
    found = check(state)
    assert found.health == OFF_TRACK
    assert texts(found)[0] == f"launch target {day(-4)} passed 4 days ago without a launch"


def test_an_overdue_open_critical_item_is_off_track_naming_item_days_and_owner():
    state = fresh()
    region(state, "NL", launch=day(60))
    item(state, "NL", "Payment provider live", due=day(-5), critical=True, owner="ops")
    found = check(state)
    assert found.health == OFF_TRACK
    assert texts(found)[0] == "c1 'Payment provider live' is 5 days overdue (ops)"
    assert found.reasons[0].item == "c1"


def test_overdue_is_counted_in_the_regions_own_days():
    """At 09:00 UTC it is still the 23rd in Honolulu: an item due the 23rd is not late there yet,
    and is 1 day late in Berlin, where the 24th began ten hours ago."""
    state = fresh()
    region(state, "US", tz="Pacific/Honolulu", launch="2027-03-01")
    region(state, "DE", tz="Europe/Berlin", launch="2027-03-01")
    for code in ("US", "DE"):
        item(state, code, "Contract", due="2026-11-23", critical=True)
    assert check(state, "US").health != OFF_TRACK
    assert check(state, "US").overdue == 0
    berlin = check(state, "DE")
    assert berlin.health == OFF_TRACK
    assert texts(berlin)[0] == "c2 'Contract' is 1 day overdue (ana)"


def test_a_timed_due_is_overdue_from_its_instant_on_the_same_day():
    state = fresh()
    region(state, "NL", launch=day(60))
    item(state, "NL", "Call", due="2026-11-24T08:00", critical=True)  # 07:00 UTC, two hours ago
    item(state, "NL", "Later call", due="2026-11-24T11:00", critical=True)  # 10:00 UTC, ahead
    found = check(state)
    assert found.overdue == 1
    assert texts(found)[0] == "c1 'Call' is overdue since 08:00 today (ana)"


def test_a_forecast_after_the_launch_is_off_track_naming_the_item():
    state = fresh()
    region(state, "NL", launch="2027-01-26")
    item(state, "NL", "App store listing", due="2027-02-01")
    found = check(state)
    assert found.health == OFF_TRACK
    assert found.forecast.ready == date(2027, 2, 1)
    assert texts(found)[0] == ("forecast ready 2027-02-01, 6 days after launch: c1 'App store listing' due 2027-02-01")


# -- at risk ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("days_away", "expected"), [(0, AT_RISK), (16, AT_RISK), (21, AT_RISK), (22, ON_TRACK)])
def test_a_critical_item_open_within_the_at_risk_window_is_at_risk(days_away, expected):
    state = fresh()
    region(state, "NL", launch=day(days_away))
    item(state, "NL", "Support staffed", critical=True)  # no due and no pace: no forecast either
    found = check(state)
    assert found.health == expected
    risk = [r.text for r in found.reasons if r.level == AT_RISK and "critical" in r.text]
    if expected == AT_RISK:
        when = "today" if days_away == 0 else f"in {days_away} days"
        assert risk == [f"launch {when} with 1 critical item open: c1 'Support staffed'"]
    else:
        assert risk == []


def test_the_at_risk_window_is_the_shared_setting():
    db = database()
    with db.transaction("ana", "setup") as state:
        region(state, "NL", launch=day(16))
        item(state, "NL", "Support staffed", critical=True)
    assert check(db.load()).health == AT_RISK
    with db.transaction("ana", "config set health.at_risk_days 10") as state:
        ops.set_setting(state, "health.at_risk_days", "10")
    assert check(db.load()).health == ON_TRACK
    with db.transaction("ana", "undo") as state:
        ops.undo(state)
    assert check(db.load()).health == AT_RISK


def test_an_overdue_item_that_is_not_critical_is_at_risk():
    state = fresh()
    region(state, "NL", launch=day(90))
    item(state, "NL", "Banner copy", due=day(-3), owner="growth")
    found = check(state)
    assert found.health == AT_RISK
    assert texts(found)[0] == "c1 'Banner copy' is 3 days overdue (growth)"


def test_many_overdue_items_are_named_up_to_a_limit_and_counted_after_it():
    state = fresh()
    region(state, "NL", launch=day(90), owner="")  # items take the region's owner: nobody
    for n in range(8):
        item(state, "NL", f"Late {n}", due=day(-1 - n))
    found = check(state)
    late = [r.text for r in found.reasons if r.level == AT_RISK and "overdue" in r.text]
    assert late[0] == "c8 'Late 7' is 8 days overdue"  # the most overdue first; no owner, no parentheses
    assert late[-1] == f"and {8 - health.LISTED_ITEMS + 1} more items overdue"
    assert len(late) == health.LISTED_ITEMS
    assert found.overdue == 8


def test_five_overdue_items_are_all_named_and_more_critical_ones_are_counted_as_critical():
    state = fresh()
    region(state, "NL", launch=day(90), owner="")
    for n in range(health.LISTED_ITEMS):
        item(state, "NL", f"Late {n}", due=day(-1 - n))
    late = [r.text for r in check(state).reasons if "overdue" in r.text]
    assert late[0] == "c5 'Late 4' is 5 days overdue" and late[-1] == "c1 'Late 0' is 1 day overdue"
    assert len(late) == 5  # all named: no "and 1 more items overdue"
    critical = fresh()
    region(critical, "NL", launch=day(90), owner="")
    for n in range(8):
        item(critical, "NL", f"Late {n}", due=day(-1 - n), critical=True)
    found = check(critical)
    assert found.health == OFF_TRACK
    assert [r for r in found.reasons if r.level == OFF_TRACK][-1] == health.Reason(
        OFF_TRACK, "and 4 more critical items overdue"
    )


def test_every_reason_carries_its_level_and_the_item_it_is_about():
    state = fresh()
    region(state, "NL", launch=day(-2))
    item(state, "NL", "Contract", due=day(30))  # c1: the forecast, past the passed launch
    found = check(state)
    assert found.reasons[:2] == (
        health.Reason(OFF_TRACK, f"launch target {day(-2)} passed 2 days ago without a launch"),
        health.Reason(OFF_TRACK, f"forecast ready {day(30)}, 32 days after launch: c1 'Contract' due {day(30)}", "c1"),
    )
    undated = fresh()
    region(undated, "NL", launch=None)
    item(undated, "NL", "Open")
    assert check(undated).reasons == (
        health.Reason(NO_DATE, "NL has no target launch date"),
        health.Reason(NOTE, "no forecast: no open item has a due date and none was done in the last 28 days"),
    )


@pytest.mark.parametrize("status", ["launched", "paused"])
def test_launched_and_paused_regions_still_report_their_days(status):
    state = fresh()
    region(state, "NL", launch=day(10) if status == "paused" else day(-30), status=status)
    item(state, "NL", "Open", due=day(5))
    found = check(state)
    expected_launch = TODAY + timedelta(days=10 if status == "paused" else -30)
    assert (found.launch_day, found.days_to_launch, found.today) == (
        expected_launch,
        (expected_launch - TODAY).days,
        TODAY,
    )
    assert (found.forecast.ready if found.forecast else None) == (
        TODAY + timedelta(days=5) if status == "paused" else None
    )


@pytest.mark.parametrize("critical", [1, 2])
def test_at_risk_reasons_name_the_critical_items_and_point_at_them(critical):
    state = fresh()
    region(state, "NL", launch=day(10))
    item(state, "NL", "Contract", due=day(9), critical=True)  # c1: ready 1 day before launch
    if critical == 2:
        item(state, "NL", "Payments", due=day(2), critical=True)
    found = check(state)
    named = (
        "1 critical item open: c1 'Contract'"
        if critical == 1
        else "2 critical items open: c1 'Contract', c2 'Payments'"
    )
    assert found.reasons[:2] == (
        health.Reason(AT_RISK, f"launch in 10 days with {named}", "c1"),
        health.Reason(
            AT_RISK, f"forecast ready {day(9)}, 1 day before launch (slack 7 days): c1 'Contract' due {day(9)}", "c1"
        ),
    )
    assert (found.health, found.launch_day, found.days_to_launch, found.today) == (
        AT_RISK,
        TODAY + timedelta(days=10),
        10,
        TODAY,
    )


def test_timed_dues_fall_on_the_regions_own_day_and_midnight_on_the_day_before():
    """At 09:00 UTC it is 18:00 in Tokyo. A due at 17:00 Tokyo today is overdue since then; one at
    08:00 Tokyo on day 3 (23:00 UTC on day 2) is due on day 3; one at midnight starting day 6 is due
    by the end of day 5."""
    state = fresh()
    region(state, "JP", tz="Asia/Tokyo", launch=day(60))
    item(state, "JP", "Banner", due=day(0) + "T17:00", owner="growth")
    item(state, "JP", "Morning", due=day(3) + "T08:00")
    found = check(state, "JP")
    assert texts(found)[0] == "c1 'Banner' is overdue since 17:00 today (growth)"
    assert found.forecast.by_due == TODAY + timedelta(days=3)
    item(state, "JP", "Midnight", due=day(6) + "T00:00")
    assert check(state, "JP").forecast.by_due == TODAY + timedelta(days=5)


@pytest.mark.parametrize(
    ("before_launch", "expected", "words"),
    [
        (7, ON_TRACK, None),
        (6, AT_RISK, "6 days before launch"),
        (1, AT_RISK, "1 day before launch"),
        (0, AT_RISK, "on the launch day"),
        (-1, OFF_TRACK, "1 day after launch"),
    ],
)
def test_a_forecast_within_the_slack_before_launch_is_at_risk(before_launch, expected, words):
    state = fresh()
    launch = TODAY + timedelta(days=60)
    region(state, "NL", launch=launch.isoformat())
    ready = launch - timedelta(days=before_launch)
    item(state, "NL", "Last step", due=ready.isoformat())
    found = check(state)
    assert found.health == expected
    forecast_reasons = [r.text for r in found.reasons if r.text.startswith("forecast ready")]
    if words is None:
        assert forecast_reasons == []
    else:
        slack = " (slack 7 days)" if expected == AT_RISK else ""
        assert forecast_reasons == [
            f"forecast ready {ready.isoformat()}, {words}{slack}: c1 'Last step' due {ready.isoformat()}"
        ]


def test_the_slack_is_the_shared_setting():
    db = database()
    with db.transaction("ana", "setup") as state:
        region(state, "NL", launch=day(60))
        item(state, "NL", "Last step", due=day(50))  # 10 days of slack
    assert check(db.load()).health == ON_TRACK
    with db.transaction("ana", "config set health.slack_days 14") as state:
        ops.set_setting(state, "health.slack_days", 14)
    assert check(db.load()).health == AT_RISK


def test_on_track_when_nothing_applies():
    state = fresh()
    region(state, "NL", launch=day(60))
    item(state, "NL", "Step", due=day(30), critical=True)
    item(state, "NL", "Done", done_on=day(-3))
    found = check(state)
    assert found.health == ON_TRACK
    assert found.reasons == ()


def test_off_track_reasons_come_before_at_risk_ones():
    state = fresh()
    region(state, "NL", launch=day(10))
    item(state, "NL", "Critical late", due=day(-2), critical=True)
    item(state, "NL", "Plain late", due=day(-1))
    found = check(state)
    assert found.health == OFF_TRACK
    levels = [r.level for r in found.reasons]
    assert levels == sorted(levels, key=[OFF_TRACK, AT_RISK, NOTE].index)
    assert texts(found)[0].startswith("c1 'Critical late'")


# -- the forecast formula ---------------------------------------------------------------------------
def test_the_pace_is_items_done_per_week_over_the_last_28_local_days():
    state = fresh()
    region(state, "NL", launch=day(200))
    for offset in (0, -1, -20, -27):  # inside the window: today and the 27 days before
        item(state, "NL", "Recent", done_on=day(offset))
    for offset in (-28, -100):  # outside
        item(state, "NL", "Old", done_on=day(offset))
    for _ in range(6):
        item(state, "NL", "Open")
    forecast = check(state).forecast
    assert forecast.pace == 4 * 7 / 28  # 4 done in 28 days: 1 a week
    assert (forecast.driver, forecast.via) == (None, None)  # no due date gives it
    assert forecast.by_pace == TODAY + timedelta(days=42)  # 6 open at 1 a week
    assert forecast.by_due is None
    assert forecast.ready == TODAY + timedelta(days=42)
    assert forecast.open == 6


def test_the_pace_rounds_the_days_up():
    state = fresh()
    region(state, "NL", launch=day(200))
    for offset in (-1, -2, -3):
        item(state, "NL", "Recent", done_on=day(offset))
    item(state, "NL", "Open")
    # 1 open item at 3 per 28 days: 28 / 3 = 9.33 days, so ready on the 10th day
    assert check(state).forecast.by_pace == TODAY + timedelta(days=10)


def test_the_forecast_is_the_later_of_the_due_dates_and_the_pace():
    state = fresh()
    region(state, "NL", launch=day(200))
    item(state, "NL", "Recent", done_on=day(-1))  # 1 per 28 days
    item(state, "NL", "Open", due=day(100))
    forecast = check(state).forecast
    assert (forecast.by_due, forecast.by_pace) == (TODAY + timedelta(days=100), TODAY + timedelta(days=28))
    assert forecast.ready == forecast.by_due
    with_more = fresh()
    region(with_more, "NL", launch=day(200))
    item(with_more, "NL", "Recent", done_on=day(-1))
    for _ in range(5):
        item(with_more, "NL", "Open", due=day(30))
    assert check(with_more).forecast.ready == TODAY + timedelta(days=140)  # 5 * 28 days beats day 30


@pytest.mark.parametrize(("open_items", "words"), [(2, "2 open items"), (1, "1 open item")])
def test_a_forecast_given_by_the_pace_says_so(open_items, words):
    state = fresh()
    region(state, "NL", launch=day(20))
    item(state, "NL", "Recent", done_on=day(-1))  # 1 in 28 days: 0.25 a week
    for _ in range(open_items):
        item(state, "NL", "Open")
    ready = TODAY + timedelta(days=28 * open_items)
    found = check(state)
    assert texts(found)[0] == (
        f"forecast ready {ready.isoformat()}, {(ready - TODAY).days - 20} days after launch: "
        f"{words} at 0.25 done a week"
    )


def test_a_forecast_given_by_a_due_date_names_the_item_even_with_a_pace():
    state = fresh()
    region(state, "NL", launch=day(60))
    item(state, "NL", "Recent", done_on=day(-1))  # pace: ready on day 28
    item(state, "NL", "Contract", due=day(100))  # c2
    assert texts(check(state))[0] == f"forecast ready {day(100)}, 40 days after launch: c2 'Contract' due {day(100)}"


def test_a_forecast_of_today_because_work_is_overdue_says_so():
    state = fresh()
    region(state, "NL", launch=day(3))
    item(state, "NL", "Late", due=day(-2), owner="ops")
    found = check(state)
    assert found.forecast.ready == TODAY
    assert texts(found) == [
        "c1 'Late' is 2 days overdue (ops)",
        f"forecast ready {day(0)}, 3 days before launch (slack 7 days): open items overdue",
        "no item done in the last 28 days: the forecast follows due dates only",
    ]


def test_a_wait_within_the_region_names_no_region():
    state = fresh()
    region(state, "NL", launch=day(52))
    item(state, "NL", "Go-live", due=day(10))  # c1
    item(state, "NL", "Contract", due=day(50))  # c2
    ops.edit_item(state, "NL", "c1", after="c2")
    found = check(state)
    assert (found.forecast.driver, found.forecast.via) == ("c2", "c1")
    assert texts(found)[0] == (
        f"forecast ready {day(50)}, 2 days before launch (slack 7 days): c1 waits for c2 'Contract' (due {day(50)})"
    )


def test_without_completions_the_pace_is_absent_and_a_reason_says_so():
    state = fresh()
    region(state, "NL", launch=day(200))
    item(state, "NL", "Open", due=day(30))
    found = check(state)
    assert (found.forecast.pace, found.forecast.by_pace, found.forecast.ready) == (None, None, TODAY + timedelta(30))
    assert texts(found) == ["no item done in the last 28 days: the forecast follows due dates only"]
    assert found.reasons[0].level == NOTE


def test_without_completions_or_due_dates_there_is_no_forecast():
    state = fresh()
    region(state, "NL", launch=day(200))
    item(state, "NL", "Open")
    found = check(state)
    assert found.forecast.ready is None
    assert texts(found) == ["no forecast: no open item has a due date and none was done in the last 28 days"]


def test_open_work_is_never_forecast_ready_in_the_past_and_nothing_open_is_ready_today():
    state = fresh()
    region(state, "NL", launch=day(200))
    item(state, "NL", "Late", due=day(-10))
    assert check(state).forecast.ready == TODAY
    done = fresh()
    region(done, "NL", launch=day(200))
    item(done, "NL", "Done", done_on=day(-40))
    forecast = check(done).forecast
    assert (forecast.ready, forecast.open, forecast.pace) == (TODAY, 0, None)
    assert check(done).reasons == ()


# -- dependency chains --------------------------------------------------------------------------
def test_an_item_finishes_no_earlier_than_the_items_it_waits_for():
    state = fresh()
    region(state, "NL", launch="2027-03-01")
    contract = item(state, "NL", "Contract", due="2027-02-20")
    item(state, "NL", "Go-live", due="2027-02-01", after=contract["id"])
    forecast = check(state).forecast
    assert forecast.by_due == date(2027, 2, 20)
    assert (forecast.driver, forecast.via) == ("c1", "c1")


def test_a_chain_across_regions_pushes_the_forecast_past_the_launch():
    state = fresh()
    region(state, "NL", launch="2027-02-15")
    region(state, "DE", launch="2027-06-01")
    global_contract = item(state, "DE", "Global payments contract", due="2027-02-28")
    middle = item(state, "NL", "Local payments setup", after=global_contract["id"])  # no due of its own
    item(state, "NL", "Payment provider live", due="2027-02-10", after=middle["id"])
    found = check(state)
    assert found.forecast.by_due == date(2027, 2, 28)
    assert found.health == OFF_TRACK
    assert texts(found)[0] == (
        "forecast ready 2027-02-28, 13 days after launch: "
        "c2 waits for c1 'Global payments contract' (due 2027-02-28, DE)"
    )


def test_a_done_blocker_no_longer_pushes_the_forecast():
    state = fresh()
    region(state, "NL", launch="2027-03-01")
    contract = item(state, "NL", "Contract", due="2027-02-20", done_on=day(-1))
    item(state, "NL", "Go-live", due="2027-02-01", after=contract["id"])
    assert check(state).forecast.by_due == date(2027, 2, 1)


@pytest.mark.parametrize(
    ("blocker_tz", "waiting_tz", "expected"),
    [
        # The end of 2027-03-01 in Tokyo is 07:00 that day in Los Angeles: still the 1st there.
        ("Asia/Tokyo", "America/Los_Angeles", date(2027, 3, 1)),
        # The end of 2027-03-01 in Los Angeles is 17:00 on the 2nd in Tokyo.
        ("America/Los_Angeles", "Asia/Tokyo", date(2027, 3, 2)),
    ],
)
def test_a_blocker_in_another_zone_finishes_at_the_end_of_its_own_day(blocker_tz, waiting_tz, expected):
    state = fresh()
    region(state, "JP", tz=blocker_tz, launch="2027-06-01")
    region(state, "US", tz=waiting_tz, launch="2027-06-01")
    blocker = item(state, "JP", "Contract", due="2027-03-01")
    item(state, "US", "Go-live", after=blocker["id"])
    assert check(state, "US").forecast.by_due == expected


@pytest.mark.parametrize(
    ("blocker_tz", "blocker_due", "waiting_tz", "expected"),
    [
        # Same offset, another zone: the end of the 1st in Tokyo is still the 1st in Seoul.
        ("Asia/Tokyo", "2027-03-01", "Asia/Seoul", date(2027, 3, 1)),
        # The end of the 1st in Tokyo (15:00 UTC) is already the 2nd in Auckland.
        ("Asia/Tokyo", "2027-03-01", "Pacific/Auckland", date(2027, 3, 2)),
    ],
)
def test_a_blocker_day_is_read_in_the_waiting_regions_calendar(blocker_tz, blocker_due, waiting_tz, expected):
    state = fresh()
    region(state, "JP", tz=blocker_tz, launch="2027-06-01")
    region(state, "US", tz=waiting_tz, launch="2027-06-01")
    blocker = item(state, "JP", "Contract", due=blocker_due)
    item(state, "US", "Go-live", after=blocker["id"])
    assert check(state, "US").forecast.by_due == expected


def test_a_timed_due_at_midnight_ends_a_chain_on_the_day_before():
    state = fresh()
    region(state, "NL", launch="2027-06-01")
    region(state, "DE", launch="2027-06-01")
    blocker = item(state, "DE", "Contract", due="2027-03-02T00:00")
    item(state, "NL", "Go-live", after=blocker["id"])
    assert check(state).forecast.by_due == date(2027, 3, 1)


def test_a_chain_of_several_links_in_other_regions_is_followed_to_its_end():
    state = fresh()
    region(state, "NL", launch="2027-06-01")
    region(state, "DE", launch="2027-06-01")
    contract = item(state, "DE", "Contract", due="2027-04-20")  # c1
    setup = item(state, "DE", "Setup", after=contract["id"])  # c2: no due of its own
    item(state, "NL", "Go-live", due="2027-03-01", after=setup["id"])  # c3
    forecast = check(state).forecast
    assert (forecast.by_due, forecast.driver, forecast.via) == (date(2027, 4, 20), "c1", "c3")


def test_an_items_own_due_drives_when_its_blocker_is_due_the_same_day():
    state = fresh()
    region(state, "NL", launch="2027-06-01")
    region(state, "DE", launch="2027-06-01")
    contract = item(state, "DE", "Contract", due="2027-04-20")
    item(state, "NL", "Go-live", due="2027-04-20", after=contract["id"])  # c2
    forecast = check(state).forecast
    assert (forecast.by_due, forecast.driver, forecast.via) == (date(2027, 4, 20), "c2", "c2")


def test_a_damaged_file_cycle_off_the_start_or_a_blocker_of_no_region_still_gives_a_forecast():
    """Only a damaged file has these (doctor reports them): a cycle c2 -> c3 -> c2 reached from c1,
    and a blocker whose region is gone, read as a UTC day."""
    state = fresh()
    region(state, "NL", tz="Asia/Tokyo", launch="2027-06-01")
    c1 = item(state, "NL", "Go-live")
    c2 = item(state, "NL", "Setup")
    c3 = item(state, "NL", "Contract", due="2027-04-20")
    state.tables["items"][c1["id"]] = {**c1, "after": [c2["id"]]}
    state.tables["items"][c2["id"]] = {**c2, "after": [c3["id"]]}
    state.tables["items"][c3["id"]] = {**c3, "after": [c2["id"]]}
    assert health.Chains(state).finish(state.items["c1"]) == health.Finish(date(2027, 4, 20), "Asia/Tokyo", "c3")
    orphan = {**c3, "id": "c9", "region": "ZZ", "due": "2027-05-01T00:00:00+00:00", "due_all_day": True, "after": []}
    state.tables["items"]["c9"] = orphan
    waiting = {**c1, "after": ["c9"]}
    # the end of 2027-05-01 in UTC is 08:59 on the 2nd in Tokyo
    assert health.Chains(state).finish(waiting) == health.Finish(date(2027, 5, 2), "Asia/Tokyo", "c9")


def test_a_long_chain_is_followed_without_recursion_limits():
    state = fresh()
    region(state, "NL", launch="2030-01-01")
    previous = item(state, "NL", "Link 0", due="2029-06-01")
    for n in range(1, 3000):
        previous = item(state, "NL", f"Link {n}", after=previous["id"])
    assert check(state).forecast.by_due == date(2029, 6, 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["NL", "JP", "US"]),
            st.one_of(st.none(), st.integers(-40, 200)),
            st.booleans(),
            st.booleans(),
            st.lists(st.integers(0, 30), max_size=3),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_the_forecast_is_never_before_any_open_due_reachable_through_open_blockers(specs):
    """Property: for every region, forecast >= the local day (in that region) by whose end each
    open item is due, for its own open items and every open item up their chains."""
    state = fresh()
    zones = {"NL": "Europe/Amsterdam", "JP": "Asia/Tokyo", "US": "Pacific/Honolulu"}
    for code, tz in zones.items():
        region(state, code, tz=tz, launch="2027-09-01")
    ids: list[str] = []
    for code, due, timed, done, links in specs:
        after = sorted({ids[n % len(ids)] for n in links}) if ids else None  # only earlier items: no cycle
        when = None if due is None else (day(due) + "T15:30" if timed else day(due))
        created = item(state, code, due=when, after=after, done_on=day(-1) if done else None)
        ids.append(created["id"])
    for code, tz in zones.items():
        forecast = health.region_health(state, code, NOW).forecast
        for own in (i for i in state.items_of(code) if i["status"] == "open"):
            for reached in _open_chain(state, own):
                if reached.get("due") is None:
                    continue
                reached_tz = state.region(reached["region"])["timezone"]
                deadline = times.due_deadline(reached["due"], reached["due_all_day"], reached_tz)
                local_day = (deadline - timedelta(microseconds=1)).astimezone(times.zone(tz)).date()
                assert forecast.ready is not None and forecast.ready >= local_day


def _open_chain(state, start):
    seen, todo = {}, [start]
    while todo:
        current = todo.pop()
        if current["id"] in seen:
            continue
        seen[current["id"]] = current
        todo += [b for b in (state.items.get(i) for i in current.get("after", [])) if b and b["status"] == "open"]
    return seen.values()


# -- status rows and JSON ---------------------------------------------------------------------------
def test_status_rows_carry_health_reasons_and_forecast():
    state = fresh()
    region(state, "NL", launch="2027-01-26")
    item(state, "NL", "App store listing", due="2027-02-01")
    (row,) = region_status.status_rows(state, NOW)
    assert row["health"] == OFF_TRACK
    assert row["forecast"] == "2027-02-01"
    assert row["reasons"] == [r.text for r in check(state).reasons]


def test_health_rows_are_worst_first_with_the_published_keys():
    state = fresh()
    region(state, "NL", launch=day(60))
    item(state, "NL", "Done", done_on=day(-3))  # an empty checklist is "no checklist", not on track
    region(state, "DE", launch=day(-2))
    region(state, "FR", status="launched", launch=day(-100))
    region(state, "IT", launch=day(60))
    item(state, "IT", "Late", due=day(-1))
    rows = health.health_rows(state, reference=NOW)
    assert [r["health"] for r in rows] == [OFF_TRACK, AT_RISK, ON_TRACK, LAUNCHED]
    assert [r["code"] for r in rows] == ["DE", "IT", "NL", "FR"]
    assert set(rows[0]) >= {"code", "name", "launch", "health", "reasons", "forecast", "critical_open", "overdue"}
    assert rows[1]["overdue"] == 1 and rows[1]["launch"] == times.in_region(
        state.regions["IT"]["launch"], "Europe/Berlin"
    )
    assert [r["code"] for r in health.health_rows(state, ["IT", "FR"], NOW)] == ["IT", "FR"]


def test_health_json_carries_both_forecast_dates_the_pace_and_open_counts():
    state = fresh()
    region(state, "NL", launch=day(200))
    item(state, "NL", "Recent", done_on=day(-1))  # 1 done in 28 days: 0.25 a week
    item(state, "NL", "Open", due=day(100))
    region(state, "FR", status="launched", launch=day(-100))
    item(state, "FR", "Still open", due=day(-10))
    by_code = {row["code"]: row for row in health.health_rows(state, reference=NOW)}
    nl = by_code["NL"]
    assert (nl["forecast"], nl["forecast_by_due"], nl["forecast_by_pace"]) == (day(100), day(100), day(28))
    assert (nl["pace"], nl["open"]) == (0.25, 1)
    # A launched region has no forecast: no dates, no pace, and its open count is 0.
    fr = by_code["FR"]
    assert (fr["forecast"], fr["forecast_by_due"], fr["forecast_by_pace"], fr["pace"], fr["open"]) == (
        None,
        None,
        None,
        None,
        0,
    )
    assert fr["overdue"] == 1


def test_health_of_many_regions_is_at_the_reference_given():
    """health_all and health_rows read the clock only without a reference."""
    state = fresh()
    region(state, "NL", launch=day(10))
    item(state, "NL", "Done", done_on=day(-3))  # an empty checklist is "no checklist", not on track
    later = NOW + timedelta(days=12)  # the launch target has passed by then
    assert [h.health for h in health.health_all(state, reference=NOW)] == [ON_TRACK]
    assert [h.health for h in health.health_all(state, reference=later)] == [OFF_TRACK]
    assert [r["health"] for r in health.health_rows(state, reference=later)] == [OFF_TRACK]
    assert [r["days_to_launch"] for r in health.health_rows(state, ["NL"], later)] == [-2]


def test_health_is_read_not_stored():
    db = database()
    with db.transaction("ana", "setup") as state:
        region(state, "NL", launch=day(60))
    stored = db.load().document()
    assert "health" not in stored["regions"]["1"] and "forecast" not in stored["regions"]["1"]


def test_the_status_reference_is_respected():
    """A reference instant decides: the same data is on track before the due day ends, at risk after."""
    state = fresh()
    region(state, "NL", launch=day(60))
    item(state, "NL", "Copy", due=day(2))
    assert health.region_health(state, "NL", NOW).health == ON_TRACK
    later = NOW + timedelta(days=3)
    assert health.region_health(state, "NL", later).health == AT_RISK
    assert isinstance(later, datetime)


def test_every_health_has_a_symbol_of_one_cell_and_they_differ():
    for table in (health.SYMBOLS, health.ASCII_SYMBOLS):
        assert set(table) == set(health.HEALTHS)
        assert len(set(table.values())) == len(table) and all(len(s) == 1 for s in table.values())
    assert all(s.isascii() for s in health.ASCII_SYMBOLS.values())


@pytest.mark.parametrize(
    ("day", "from_tz", "to_tz", "expected"),
    [
        # Apia skipped 2011-12-30 whole: 2011-12-29 ends at 2011-12-30T10:00Z, a Friday in Berlin.
        (date(2011, 12, 29), "Pacific/Apia", "Europe/Berlin", date(2011, 12, 30)),
        # Santiago's 2027-09-05 starts at 01:00 -03:00 (04:00Z): the 4th ends at 23:59:59 in New York.
        (date(2027, 9, 4), "America/Santiago", "America/New_York", date(2027, 9, 4)),
        # Cairo's 2027-04-30 starts at 01:00 +03:00 (2027-04-29T22:00Z): the 29th ends at 23:59:59
        # in Johannesburg (+02:00).
        (date(2027, 4, 29), "Africa/Cairo", "Africa/Johannesburg", date(2027, 4, 29)),
        (date(2027, 4, 29), "Africa/Cairo", "Asia/Tokyo", date(2027, 4, 30)),
    ],
)
def test_a_day_converts_by_its_last_instant_when_the_next_day_starts_after_a_gap(day, from_tz, to_tz, expected):
    """convert_day takes the instant before the next local day starts, in exact time: wall-clock
    arithmetic would step back into the gap and land an hour (or a day) late."""
    assert health.convert_day(day, from_tz, to_tz) == expected
