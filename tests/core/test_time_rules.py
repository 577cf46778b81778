"""Time rules at their edges: the message for a wall time in a gap (wherever in the gap, and for
gaps of odd lengths), displays of repeated wall times, deadlines and span moves over days a zone
skips, the pinned clock, and the wording of refused instants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollout import times
from rollout.errors import InvalidValue

BERLIN_GAP = (
    "it does not exist in Europe/Berlin: on 2027-03-28 the clocks jump from 02:00 to 03:00 (+01:00 to +02:00); "
    "the first valid time after it is 2027-03-28T03:00"
)


@pytest.mark.parametrize("wall", ["02:00", "02:01", "02:10", "02:30", "02:45", "02:59"])
def test_every_wall_time_in_a_gap_names_the_same_gap(wall):
    with pytest.raises(InvalidValue) as refused:
        times.parse_when(f"2027-03-28T{wall}", "Europe/Berlin")
    assert str(refused.value) == f"invalid date '2027-03-28T{wall}': {BERLIN_GAP}"


@pytest.mark.parametrize(
    ("text", "tz", "gap"),
    [
        (  # a skipped midnight
            "2027-09-05T00:20",
            "America/Santiago",
            "on 2027-09-05 the clocks jump from 00:00 to 01:00 (-04:00 to -03:00); "
            "the first valid time after it is 2027-09-05T01:00",
        ),
        (  # half an hour
            "2027-10-03T02:10",
            "Australia/Lord_Howe",
            "on 2027-10-03 the clocks jump from 02:00 to 02:30 (+10:30 to +11:00); "
            "the first valid time after it is 2027-10-03T02:30",
        ),
        (  # an offset with seconds, given up for GMT
            "1972-01-07T00:30",
            "Africa/Monrovia",
            "on 1972-01-07 the clocks jump from 00:00 to 00:44:30 (-00:44:30 to +00:00); "
            "the first valid time after it is 1972-01-07T00:44:30",
        ),
    ],
)
def test_gaps_of_odd_lengths_are_named_to_the_second(text, tz, gap):
    with pytest.raises(InvalidValue) as refused:
        times.parse_when(text, tz)
    assert str(refused.value) == f"invalid date '{text}': it does not exist in {tz}: {gap}"


def test_both_occurrences_of_a_repeated_wall_time_show_their_offset():
    assert times.local_display("2027-10-31T02:30:00+02:00", "Europe/Berlin") == "2027-10-31 02:30 +02:00"
    assert times.local_display("2027-10-31T02:30:00+01:00", "Europe/Berlin") == "2027-10-31 02:30 +01:00"
    assert times.local_display("2027-10-31T03:30:00+01:00", "Europe/Berlin") == "2027-10-31 03:30"
    assert times.local_display(None, "Europe/Berlin") == "-"


def test_a_due_day_before_a_skipped_day_ends_when_the_next_day_that_exists_starts():
    """Samoa skipped 2011-12-30: a due of 2011-12-29 passes at the start of 2011-12-31."""
    deadline = times.due_deadline("2011-12-29T00:00:00-10:00", True, "Pacific/Apia")
    assert deadline.isoformat() == "2011-12-31T00:00:00+14:00"


@pytest.mark.parametrize(
    ("start", "end", "by", "moved"),
    [
        # whole local days keep their count of days; months clamp to the month's end
        (
            "2027-01-30T00:00:00+01:00",
            "2027-01-31T00:00:00+01:00",
            "1mo",
            ("2027-02-28T00:00:00+01:00", "2027-03-01T00:00:00+01:00"),
        ),
        # a start of day and a timed end: the wall-clock length is kept
        (
            "2027-01-30T00:00:00+01:00",
            "2027-01-31T12:00:00+01:00",
            "1mo",
            ("2027-02-28T00:00:00+01:00", "2027-03-01T12:00:00+01:00"),
        ),
        # two wall-clock hours over the clocks going forward end in the gap's after side
        (
            "2027-03-27T01:30:00+01:00",
            "2027-03-27T02:30:00+01:00",
            "1d",
            ("2027-03-28T01:30:00+01:00", "2027-03-28T03:30:00+02:00"),
        ),
        # a day span moved onto the day Samoa skipped starts at the first day that exists
        (
            "2011-12-28T00:00:00-10:00",
            "2011-12-29T00:00:00-10:00",
            "2d",
            ("2011-12-31T00:00:00+14:00", "2012-01-01T00:00:00+14:00"),
        ),
    ],
)
def test_a_span_moves_by_its_start_and_keeps_its_length(start, end, by, moved):
    tz = "Pacific/Apia" if start.startswith("2011") else "Europe/Berlin"
    assert times.move_span(start, end, times.parse_duration(by), tz) == moved


def test_a_span_whose_wall_length_would_end_before_its_start_keeps_its_elapsed_length():
    """30 minutes over the clocks going back (02:50 summer time to 02:20 winter time), moved a week."""
    moved = times.move_span(
        "2027-10-31T02:50:00+02:00", "2027-10-31T02:20:00+01:00", times.parse_duration("1w"), "Europe/Berlin"
    )
    assert moved == ("2027-11-07T02:50:00+01:00", "2027-11-07T03:20:00+01:00")


def test_moving_an_end_past_the_last_year_is_refused():
    with pytest.raises(InvalidValue) as refused:
        times.move_span(
            "2999-11-30T00:00:00+01:00", "2999-12-31T12:00:00+01:00", times.parse_duration("1mo"), "Europe/Berlin"
        )
    assert str(refused.value) == "moving the end by 1 month leaves the years 1970-2999"


def test_the_clock_is_pinned_by_rollout_now_with_z_or_an_offset(monkeypatch):
    monkeypatch.setenv("ROLLOUT_NOW", "2027-01-05T10:00:00Z")
    assert times.now() == datetime(2027, 1, 5, 10, tzinfo=UTC)
    monkeypatch.setenv("ROLLOUT_NOW", "2027-01-05T10:00:00+09:00")
    assert times.now().isoformat() == "2027-01-05T10:00:00+09:00"
    monkeypatch.delenv("ROLLOUT_NOW")
    before = datetime.now(UTC)
    now = times.now()
    assert now.utcoffset().total_seconds() == 0 and before <= now <= datetime.now(UTC)


def test_days_until_counts_local_days_and_refuses_a_naive_reference():
    reference = datetime(2026, 12, 31, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo
    assert times.days_until("2027-01-01T00:00:00+09:00", "Asia/Tokyo", reference) == 1
    assert times.days_until("2027-01-01T00:00:00+09:00", "UTC", reference) == 0  # 15:00Z the day before
    with pytest.raises(ValueError, match="^days_until needs an aware reference instant, not a naive datetime$"):
        times.days_until("2027-01-01T00:00:00+09:00", "Asia/Tokyo", datetime(2026, 12, 31, 14, 59))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3, "expected an ISO 8601 instant, found int"),
        ("soon", "'soon' is not an ISO 8601 instant"),
        ("2027-01-05T10:00:00", "'2027-01-05T10:00:00' has no UTC offset"),
    ],
)
def test_a_stored_instant_that_is_not_one_says_why(value, message):
    with pytest.raises(InvalidValue) as refused:
        times.stored_instant(value)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("text", "reason"),
    [("2027-02-30", "day is out of range for month"), ("2027-13-01", "month must be in 1..12")],
)
def test_an_impossible_date_says_why_in_one_line(text, reason):
    with pytest.raises(InvalidValue) as refused:
        times.parse_when(text, "UTC")
    assert str(refused.value) == f"invalid date '{text}': {reason}"


def test_a_day_span_keeps_its_local_days_across_a_clock_change_and_onto_a_skipped_day():
    """2027-03-28 has 23 hours in Berlin; a one-day span stays one local day wherever it lands."""
    berlin = times.move_span(
        "2027-03-28T00:00:00+01:00", "2027-03-29T00:00:00+02:00", times.parse_duration("1w"), "Europe/Berlin"
    )
    assert berlin == ("2027-04-04T00:00:00+02:00", "2027-04-05T00:00:00+02:00")
    apia = times.move_span(  # the end lands on 2011-12-30, which Samoa skipped
        "2011-12-27T00:00:00-10:00", "2011-12-28T00:00:00-10:00", times.parse_duration("2d"), "Pacific/Apia"
    )
    assert apia == ("2011-12-29T00:00:00-10:00", "2011-12-31T00:00:00+14:00")


def test_a_span_whose_wall_length_is_zero_after_the_move_keeps_its_elapsed_hour():
    """02:30 summer time to 02:30 winter time is an hour; a week later both are the same wall time."""
    moved = times.move_span(
        "2027-10-31T02:30:00+02:00", "2027-10-31T02:30:00+01:00", times.parse_duration("1w"), "Europe/Berlin"
    )
    assert moved == ("2027-11-07T02:30:00+01:00", "2027-11-07T03:30:00+01:00")


def test_a_span_may_end_in_the_last_year():
    moved = times.move_span(
        "2999-06-01T00:00:00+02:00", "2999-06-02T00:00:00+02:00", times.parse_duration("1d"), "Europe/Berlin"
    )
    assert moved == ("2999-06-02T00:00:00+02:00", "2999-06-03T00:00:00+02:00")


@pytest.mark.parametrize(
    ("text", "words"), [("1d", "1 day"), ("-1w", "-1 week"), ("2mo", "2 months"), ("12h", "12 hours")]
)
def test_a_duration_in_words_is_singular_for_one_only(text, words):
    assert times.parse_duration(text).in_words() == words


@pytest.mark.parametrize(
    ("text", "accepted"), [("1970-01-01", True), ("2999-12-31", True), ("1969-12-31", False), ("3000-01-01", False)]
)
def test_dates_are_taken_from_1970_to_2999(text, accepted):
    if accepted:
        assert times.parse_when(text, "UTC").isoformat() == f"{text}T00:00:00+00:00"
    else:
        with pytest.raises(InvalidValue) as refused:
            times.parse_when(text, "UTC")
        assert str(refused.value) == f"invalid date '{text}': years 1970-2999 only"


def test_a_move_by_months_keeps_the_wall_clock_to_the_second():
    moved = times.shift_iso("2027-01-31T10:30:15+01:00", times.parse_duration("1mo"), "Europe/Berlin")
    assert moved == "2027-02-28T10:30:15+01:00"
    moved = times.shift_iso("2027-01-31T10:30:15+01:00", times.parse_duration("-1y"), "Europe/Berlin")
    assert moved == "2026-01-31T10:30:15+01:00"


def test_a_move_by_hours_is_exact_elapsed_time_shown_in_the_regions_offset():
    by = times.parse_duration("2h")
    assert times.shift_iso("2027-01-10T10:00:00+00:00", by, "Europe/Berlin") == "2027-01-10T13:00:00+01:00"
    # over the clocks going forward (02:00 -> 03:00): two hours after 01:30 is 04:30 summer time
    assert times.shift_iso("2027-03-28T01:30:00+01:00", by, "Europe/Berlin") == "2027-03-28T04:30:00+02:00"


@pytest.mark.parametrize(
    ("start", "by", "refusal"),
    [
        ("2999-06-01T00:00:00+02:00", "1y", "shifting 2999-06-01 by 1 year"),  # one year too far
        ("2999-06-01T10:00:00+02:00", "99999y", "shifting 2999-06-01 by 99999 years"),  # past what a date holds
        ("1970-01-01T10:00:00+01:00", "-99999mo", "shifting 1970-01-01 by -99999 months"),
        ("1970-01-02T00:00:00+01:00", "-2d", "shifting 1970-01-02 by -2 days"),
    ],
)
def test_a_move_out_of_the_years_1970_to_2999_is_refused(start, by, refusal):
    with pytest.raises(InvalidValue) as refused:
        times.shift_iso(start, times.parse_duration(by), "Europe/Berlin")
    assert str(refused.value) == f"{refusal} leaves the years 1970-2999"


def test_a_move_within_the_first_and_last_years_is_taken():
    assert times.shift_iso("1970-02-01T00:00:00+01:00", times.parse_duration("-1mo"), "Europe/Berlin") == (
        "1970-01-01T00:00:00+01:00"
    )
    assert times.shift_iso("2999-11-30T10:00:00+01:00", times.parse_duration("1mo"), "Europe/Berlin") == (
        "2999-12-30T10:00:00+01:00"
    )


def test_a_wall_time_that_happens_twice_is_its_first_occurrence_whatever_its_fold():
    from datetime import datetime

    for fold in (0, 1):
        moment = times.local_instant(datetime(2027, 10, 31, 2, 30, fold=fold), "Europe/Berlin")
        assert moment.isoformat() == "2027-10-31T02:30:00+02:00", fold


def test_a_day_the_zone_skips_whole_has_no_start_unless_asked_for_the_next_one():
    from datetime import date

    with pytest.raises(InvalidValue) as refused:
        times.day_start(date(2011, 12, 30), "Pacific/Apia")
    assert str(refused.value) == "2011-12-30 does not exist in Pacific/Apia: the clocks skip that whole day"
    assert times.day_start(date(2011, 12, 30), "Pacific/Apia", strict=False).isoformat() == "2011-12-31T00:00:00+14:00"
