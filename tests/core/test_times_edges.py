"""Dates and times at the edges, on the zones and days the tz database itself says are odd:
local midnights that are skipped or happen twice, wall times in gaps and folds, month ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import tzdb

from rollout import times
from rollout.errors import InvalidValue

ODD = tzdb.odd_midnights()
SKIPPED = tzdb.one_per_zone(ODD["skipped"])  # one day per zone whose midnight does not exist
REPEATED = tzdb.one_per_zone(ODD["repeated"])  # one day per zone whose midnight happens twice
SECOND = timedelta(seconds=1)
# Days that exist (a few zones skip a whole day, e.g. Pacific/Apia 2011-12-30), for the rules about a day.
EXISTING = [entry for entry in SKIPPED if entry[2].wall_after.date() == entry[1]]


def test_the_tz_database_has_enough_odd_days_to_test_on():
    assert len(SKIPPED) >= 20 and len(REPEATED) >= 10
    assert {"America/Santiago", "Africa/Cairo"} <= {zone for zone, _, _ in SKIPPED}


def local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(times.zone(tz)).date()


def is_first_instant_of(moment: datetime, day: date, tz: str) -> bool:
    return local_day(moment, tz) == day and local_day(moment - SECOND, tz) < day


@pytest.mark.parametrize(("tz", "day", "transition"), SKIPPED, ids=[f"{z}-{d}" for z, d, _ in SKIPPED])
def test_a_date_whose_midnight_is_skipped_is_the_instant_the_clocks_jump(tz, day, transition):
    if transition.wall_after.date() != day:  # the clocks skip the whole day (Pacific/Apia, 2011-12-30)
        with pytest.raises(InvalidValue, match="skip that whole day"):
            times.parse_when(day.isoformat(), tz)
        return
    parsed = times.parse_when(day.isoformat(), tz)
    assert parsed == transition.at
    assert is_first_instant_of(parsed, day, tz)


@pytest.mark.parametrize(("tz", "day", "transition"), REPEATED, ids=[f"{z}-{d}" for z, d, _ in REPEATED])
def test_a_date_whose_midnight_happens_twice_is_its_first_occurrence(tz, day, transition):
    parsed = times.parse_when(day.isoformat(), tz)
    assert is_first_instant_of(parsed, day, tz)
    assert parsed.utcoffset() == transition.before  # before the clocks go back
    # The same wall time comes again later, with the offset after the change.
    assert (parsed + (transition.before - transition.after)).astimezone(times.zone(tz)).utcoffset() == transition.after


@pytest.mark.parametrize(("tz", "day", "transition"), EXISTING[::4] + REPEATED[::3])
def test_today_and_tomorrow_are_days_of_the_regions_calendar(monkeypatch, tz, day, transition):
    afternoon = times.parse_when(f"{day.isoformat()}T15:00", tz)
    monkeypatch.setenv("ROLLOUT_NOW", afternoon.astimezone(UTC).isoformat())
    assert times.parse_when("today", tz) == times.parse_when(day.isoformat(), tz)
    before = day - timedelta(days=1)
    monkeypatch.setenv("ROLLOUT_NOW", times.parse_when(f"{before}T12:00", tz).astimezone(UTC).isoformat())
    assert times.parse_when("tomorrow", tz) == times.parse_when(day.isoformat(), tz)


def test_the_issue_inputs_for_santiago_and_cairo(monkeypatch):
    assert times.parse_when("2027-09-05", "America/Santiago").isoformat() == "2027-09-05T01:00:00-03:00"
    assert times.parse_when("2027-04-30", "Africa/Cairo").isoformat() == "2027-04-30T01:00:00+03:00"
    monkeypatch.setenv("ROLLOUT_NOW", "2027-09-05T15:00:00Z")
    assert times.parse_when("today", "America/Santiago").isoformat() == "2027-09-05T01:00:00-03:00"


ALL_CHANGES = [
    (zone, t)
    for zone in ("Europe/Berlin", "America/Santiago", "Africa/Cairo", "Australia/Lord_Howe", "America/Havana")
    for t in tzdb.transitions_between(zone, datetime(2026, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC))
]
GAPS = [(z, t) for z, t in ALL_CHANGES if t.after > t.before] + [
    (z, t) for z, _, t in SKIPPED[::5] if t.after - t.before >= timedelta(minutes=2)
]
FOLDS = [(z, t) for z, t in ALL_CHANGES if t.after < t.before] + [(z, t) for z, _, t in REPEATED[::3]]


@pytest.mark.parametrize(("tz", "transition"), GAPS, ids=[f"{z}-{t.at:%Y-%m-%d}" for z, t in GAPS])
def test_a_wall_time_in_a_gap_is_refused_naming_the_gap_and_the_first_valid_time(tz, transition):
    inside = transition.wall_before + (transition.wall_after - transition.wall_before) / 2
    inside = inside.replace(second=0, microsecond=0)
    text = inside.strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(InvalidValue) as refused:
        times.parse_when(text, tz)
    message = str(refused.value)
    assert "\n" not in message
    assert f"does not exist in {tz}" in message
    assert f"from {transition.wall_before:%H:%M} to {transition.wall_after:%H:%M}" in message
    suggested = message.rsplit("the first valid time after it is ", 1)[1]
    assert suggested == transition.wall_after.strftime("%Y-%m-%dT%H:%M") + (
        f":{transition.wall_after:%S}" if transition.wall_after.second else ""
    )
    assert times.parse_when(suggested, tz) == transition.at


@pytest.mark.parametrize(("tz", "transition"), FOLDS, ids=[f"{z}-{t.at:%Y-%m-%d}" for z, t in FOLDS])
def test_a_wall_time_that_happens_twice_is_the_first_occurrence_and_shows_its_offset(tz, transition):
    wall = transition.wall_after + (transition.wall_before - transition.wall_after) / 2
    wall = wall.replace(second=0, microsecond=0)
    parsed = times.parse_when(wall.strftime("%Y-%m-%dT%H:%M"), tz)
    assert parsed < transition.at  # before the clocks went back
    assert parsed.utcoffset() == transition.before
    shown = times.local_display(times.to_iso(parsed), tz)
    offset = times.to_iso(parsed)[-6:]
    assert shown == f"{wall:%Y-%m-%d %H:%M} {offset}"
    # An ordinary wall time shows no offset.
    assert times.local_display(times.to_iso(transition.at + timedelta(days=3)), tz).count(":") == 1


def test_the_issue_input_for_the_berlin_fall_back_night():
    assert times.parse_when("2027-10-31T02:30", "Europe/Berlin").isoformat() == "2027-10-31T02:30:00+02:00"


@pytest.mark.parametrize(("tz", "day", "transition"), EXISTING[::3] + REPEATED[::2])
def test_a_day_start_shifted_by_days_is_the_start_of_the_target_day(tz, day, transition):
    one_day = times.parse_duration("1d")
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    start_of = {d: times.to_iso(times.parse_when(d.isoformat(), tz)) for d in (before, day, after)}
    assert times.shift_iso(start_of[before], one_day, tz) == start_of[day]
    assert times.shift_iso(start_of[day], one_day, tz) == start_of[after]
    assert times.shift_iso(start_of[after], times.parse_duration("-1d"), tz) == start_of[day]


def test_a_wall_time_shifted_into_a_fold_is_its_first_occurrence():
    # pendulum's own arithmetic gives 02:30+01:00 here, the second occurrence.
    moved = times.shift_iso("2027-10-30T02:30:00+02:00", times.parse_duration("1d"), "Europe/Berlin")
    assert moved == "2027-10-31T02:30:00+02:00"


def test_a_wall_time_shifted_into_a_gap_is_read_with_the_offset_before_it():
    # RFC 5545 3.3.5: a nonexistent local time is read with the UTC offset before the gap.
    moved = times.shift_iso("2027-03-27T02:30:00+01:00", times.parse_duration("1d"), "Europe/Berlin")
    assert moved == "2027-03-28T03:30:00+02:00"


@pytest.mark.parametrize(
    ("start", "end", "by", "expected"),
    [
        # The issue's inputs: month ends clamp the start, the length stays.
        ("2027-01-30T00:00:00+01:00", "2027-01-31T00:00:00+01:00", "1mo", ("2027-02-28T00:00", "2027-03-01T00:00")),
        ("2027-01-30T23:00:00+01:00", "2027-01-31T01:00:00+01:00", "1mo", ("2027-02-28T23:00", "2027-03-01T01:00")),
        ("2027-01-31T00:00:00+01:00", "2027-02-01T00:00:00+01:00", "1mo", ("2027-02-28T00:00", "2027-03-01T00:00")),
        ("2028-02-29T20:00:00+01:00", "2028-03-01T02:00:00+01:00", "1y", ("2029-02-28T20:00", "2029-03-01T02:00")),
        ("2027-03-31T00:00:00+02:00", "2027-04-02T00:00:00+02:00", "-1mo", ("2027-02-28T00:00", "2027-03-02T00:00")),
        # Whole days stay whole days across the spring-forward day (a 23-hour day).
        ("2027-03-27T00:00:00+01:00", "2027-03-28T00:00:00+01:00", "1d", ("2027-03-28T00:00", "2027-03-29T00:00")),
        # Two hours of wall time stay two hours.
        ("2027-03-27T22:00:00+01:00", "2027-03-28T00:00:00+01:00", "1w", ("2027-04-03T22:00", "2027-04-04T00:00")),
    ],
)
def test_moving_a_span_keeps_its_length(start, end, by, expected):
    new_start, new_end = times.move_span(start, end, times.parse_duration(by), "Europe/Amsterdam")
    assert (new_start[:16], new_end[:16]) == expected
    assert times.instant(new_start) < times.instant(new_end)


def test_a_span_over_the_clocks_going_back_keeps_its_elapsed_length():
    # 02:30+02:00 to 02:15+01:00 is 45 minutes although the wall clock says -15.
    start, end = "2027-10-31T02:30:00+02:00", "2027-10-31T02:15:00+01:00"
    new_start, new_end = times.move_span(start, end, times.parse_duration("1w"), "Europe/Berlin")
    assert times.instant(new_end) - times.instant(new_start) == timedelta(minutes=45)


def test_days_until_refuses_a_naive_reference():
    with pytest.raises(ValueError, match="aware"):
        times.days_until("2027-01-01T00:00:00+00:00", "UTC", datetime(2026, 12, 1))
    assert times.days_until("2027-01-01T00:00:00+09:00", "Asia/Tokyo", datetime(2026, 12, 31, 14, tzinfo=UTC)) == 1


@pytest.mark.parametrize(("tz", "day", "transition"), EXISTING[::4])
def test_a_due_day_passes_at_the_next_local_midnight(tz, day, transition):
    stored = times.to_iso(times.parse_when(day.isoformat(), tz))
    deadline = times.due_deadline(stored, True, tz)
    assert is_first_instant_of(deadline, day + timedelta(days=1), tz)
    assert times.due_deadline(stored, False, tz) == times.instant(stored)


def test_a_spreadsheet_date_time_with_a_space_is_the_same_wall_time():
    assert times.parse_when("2027-01-05 10:00", "Europe/Berlin") == times.parse_when(
        "2027-01-05T10:00", "Europe/Berlin"
    )


def test_stored_instants_need_an_offset():
    assert times.stored_instant("2027-01-05T10:00:00+01:00").utcoffset() == timedelta(hours=1)
    for bad in ("2027-01-05T10:00:00", "2027-01-05", "soon", 5, None):
        with pytest.raises(InvalidValue):
            times.stored_instant(bad)
