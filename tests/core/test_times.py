"""WHEN and DURATION parsing: the accepted forms, their meaning, and everything else refused."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollout import times
from rollout.errors import InvalidValue

ZONES = ["Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo", "America/New_York", "UTC", "Asia/Kolkata"]


def test_date_is_start_of_day_in_the_region():
    dt = times.parse_when("2026-03-01", "Asia/Tokyo")
    assert dt.isoformat() == "2026-03-01T00:00:00+09:00"


def test_local_time_uses_the_region_offset_and_dst():
    assert times.parse_when("2026-07-01T10:00", "Europe/Berlin").isoformat() == "2026-07-01T10:00:00+02:00"
    assert times.parse_when("2026-01-01T10:00", "Europe/Berlin").isoformat() == "2026-01-01T10:00:00+01:00"


def test_full_iso_keeps_its_own_offset():
    dt = times.parse_when("2026-03-01T10:00:00-05:00", "Asia/Tokyo")
    assert dt.utcoffset() == timedelta(hours=-5)
    assert times.parse_when("2026-03-01T10:00:00Z", "Asia/Tokyo").utcoffset() == timedelta(0)


def test_today_and_tomorrow_follow_the_pinned_clock_in_the_region():
    # ROLLOUT_NOW is 2026-11-24T09:00Z: already the 24th in Tokyo, still the 24th in Los Angeles (01:00).
    assert times.parse_when("today", "Asia/Tokyo").isoformat() == "2026-11-24T00:00:00+09:00"
    assert times.parse_when("tomorrow", "America/Los_Angeles").isoformat() == "2026-11-25T00:00:00-08:00"
    assert times.parse_when("TODAY", "UTC").day == 24


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-01",
        "2026-02-30",
        "2026/03/01",
        "01-03-2026",
        "next week",
        "now",
        "2026-03-01  10:00",
        "2026-03-01T25:00",
        "2026-03-01T10",
        "1700000000",
        "",
        "2026-03-01T10:00+0100",
    ],
)
def test_everything_else_is_refused(text):
    with pytest.raises(InvalidValue, match="invalid date"):
        times.parse_when(text, "Europe/Berlin")


def test_a_local_time_inside_the_spring_forward_gap_is_refused():
    with pytest.raises(InvalidValue, match="does not exist"):
        times.parse_when("2026-03-29T02:30", "Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("3d", "2026-03-01T00:00:00+01:00", "2026-03-04T00:00:00+01:00"),
        ("2w", "2026-03-01T00:00:00+01:00", "2026-03-15T00:00:00+01:00"),
        ("-1w", "2026-03-08T00:00:00+01:00", "2026-03-01T00:00:00+01:00"),
        ("1mo", "2026-01-31T10:00:00+01:00", "2026-02-28T10:00:00+01:00"),
        ("1y", "2028-02-29T00:00:00+01:00", "2029-02-28T00:00:00+01:00"),
    ],
)
def test_durations_move_on_the_local_calendar(text, start, expected):
    assert times.shift_iso(start, times.parse_duration(text), "Europe/Berlin") == expected


def test_shifting_across_dst_keeps_local_wall_time():
    # 2026-03-29 is the spring-forward day in Berlin: a midnight launch stays at local midnight.
    shifted = times.shift_iso("2026-03-25T00:00:00+01:00", times.parse_duration("1w"), "Europe/Berlin")
    assert shifted == "2026-04-01T00:00:00+02:00"


@pytest.mark.parametrize("text", ["3", "d", "3 d", "3days", "1m", "+-1d", "1.5d", "", "3D ", "P3D"])
def test_bad_durations_are_refused(text):
    with pytest.raises(InvalidValue, match="invalid duration"):
        times.parse_duration(text)


@given(
    day=st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2090, 12, 31).date()),
    zone=st.sampled_from(ZONES),
)
def test_any_real_date_parses_to_local_midnight(day, zone):
    dt = times.parse_when(day.isoformat(), zone)
    local = dt.in_tz(zone)
    assert (local.year, local.month, local.day) == (day.year, day.month, day.day)
    assert dt.isoformat() == times.to_iso(dt)


@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
)
def test_iso_with_offset_round_trips_to_the_same_instant(moment, offset_minutes):
    sign = "+" if offset_minutes >= 0 else "-"
    hh, mm = divmod(abs(offset_minutes), 60)
    text = moment.replace(microsecond=0).isoformat() + f"{sign}{hh:02d}:{mm:02d}"
    parsed = times.parse_when(text, "Asia/Tokyo")
    assert parsed == datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(minutes=offset_minutes)


@given(amount=st.integers(min_value=-9999, max_value=9999))
def test_hours_are_exact_elapsed_time(amount):
    base = datetime.fromisoformat("2030-03-30T12:00:00+01:00")
    moved = times.parse_duration(f"{amount}h").apply(base, "Europe/Berlin")
    assert moved - base == timedelta(hours=amount)


@given(amount=st.integers(min_value=-999, max_value=999), unit=st.sampled_from(["d", "w"]))
def test_days_and_weeks_keep_the_local_wall_time(amount, unit):
    base = datetime.fromisoformat("2030-06-15T12:00:00+02:00")
    moved = times.parse_duration(f"{amount}{unit}").apply(base, "Europe/Berlin")
    local = moved.astimezone(times.zone("Europe/Berlin"))
    days = amount * (7 if unit == "w" else 1)
    assert local.date() == base.date() + timedelta(days=days)
    assert (local.hour, local.minute) == (12, 0)


@given(amount=st.integers(min_value=-600, max_value=600))
def test_month_durations_are_calendar_months(amount):
    base = datetime.fromisoformat("2030-01-31T00:00:00+01:00")
    moved = times.parse_duration(f"{amount}mo").apply(base, "Europe/Berlin").astimezone(times.zone("Europe/Berlin"))
    months_apart = (moved.year - base.year) * 12 + moved.month - base.month
    assert months_apart == amount
    # Jan 31 + n months is the last day of a shorter month, never a day in the month after.
    assert moved.day == min(31, calendar.monthrange(moved.year, moved.month)[1])


@given(text=st.text(max_size=12))
def test_random_text_is_a_clear_error_or_a_valid_duration(text):
    try:
        duration = times.parse_duration(text)
    except InvalidValue as exc:
        assert "invalid duration" in str(exc)
    else:
        amount = text.strip().removesuffix(duration.unit)
        assert duration.unit in ("h", "d", "w", "mo", "y") and text.strip().endswith(duration.unit)
        assert int(amount) == duration.amount and amount.lstrip("+-").isdigit()


def test_countdown_wording():
    assert times.countdown(0) == "today"
    assert times.countdown(1) == "in 1 day"
    assert times.countdown(12) == "in 12 days"
    assert times.countdown(-95) == "3 months ago"
    assert times.countdown(None) == "-"


def test_a_bad_pinned_clock_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("ROLLOUT_NOW", "yesterday-ish")
    with pytest.raises(InvalidValue, match="ROLLOUT_NOW"):
        times.now()
    monkeypatch.setenv("ROLLOUT_NOW", "2026-11-24T09:00:00Z")
    assert times.now().isoformat() == "2026-11-24T09:00:00+00:00"


def test_the_clock_reads_utc_whatever_the_machines_zone(monkeypatch):
    import pendulum

    monkeypatch.delenv("ROLLOUT_NOW", raising=False)
    with pendulum.test_local_timezone(pendulum.timezone("Asia/Tokyo")):
        moment = times.now()
    assert moment.utcoffset() == timedelta(0)


def test_today_is_the_regions_own_day_on_either_side_of_the_date_line(monkeypatch):
    monkeypatch.setenv("ROLLOUT_NOW", "2026-11-24T12:00:00+00:00")  # 02:00 on the 25th at +14, 01:00 on the 24th at -11
    assert times.parse_when("today", "Pacific/Kiritimati").isoformat() == "2026-11-25T00:00:00+14:00"
    assert times.parse_when("today", "Pacific/Pago_Pago").isoformat() == "2026-11-24T00:00:00-11:00"


def test_tomorrow_on_a_day_the_zone_skips_is_the_next_day_that_exists(monkeypatch):
    monkeypatch.setenv("ROLLOUT_NOW", "2011-12-29T12:00:00-10:00")  # Samoa skipped 2011-12-30
    assert times.parse_when("tomorrow", "Pacific/Apia").isoformat() == "2011-12-31T00:00:00+14:00"
    with pytest.raises(InvalidValue, match="2011-12-30 does not exist in Pacific/Apia"):
        times.parse_when("2011-12-30", "Pacific/Apia")


# -- pendulum DateTimes made fast, the same as pendulum.instance's -------------------------------
_ZONES = ["Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata", "UTC"]


@given(
    moment=st.datetimes(datetime(1971, 1, 1), datetime(2998, 12, 31)),
    zone=st.sampled_from(_ZONES),
    fold=st.sampled_from([0, 1]),
)
def test_as_pendulum_is_pendulum_instance_for_every_instant(moment, zone, fold):
    import pendulum

    aware = moment.replace(tzinfo=times.zone(zone), fold=fold)
    if not times._happens(aware.replace(fold=0)):  # inside a gap: no instant rollout ever makes
        return
    made, reference = times.as_pendulum(aware), pendulum.instance(aware)
    assert made == reference and made.isoformat() == reference.isoformat()
    assert (made.tzinfo.name, made.fold, type(made.tzinfo)) == (
        reference.tzinfo.name,
        reference.fold,
        type(reference.tzinfo),
    )


@pytest.mark.parametrize(
    "text", ["2027-03-01T10:00:00+00:00", "2027-03-01T10:00:00+05:30", "2027-03-01T10:00:00-03:00"]
)
def test_as_pendulum_keeps_a_fixed_offset_as_pendulum_instance_does(text):
    import pendulum

    moment = datetime.fromisoformat(text)
    made, reference = times.as_pendulum(moment), pendulum.instance(moment)
    assert made.isoformat() == reference.isoformat() and type(made.tzinfo) is type(reference.tzinfo)
    assert made.tzinfo.name == reference.tzinfo.name


@pytest.mark.parametrize("pinned", ["2026-11-24T09:00:00+00:00", "2027-03-28T01:30:00+00:00", None])
@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Europe/Berlin", "UTC", "America/St_Johns"])
def test_now_stored_is_now_in_the_zone_as_pendulum_gives_it(monkeypatch, pinned, zone):
    if pinned is None:
        monkeypatch.delenv("ROLLOUT_NOW", raising=False)
        frozen = times.now()
        monkeypatch.setattr(times, "now", lambda: frozen)
    else:
        monkeypatch.setenv("ROLLOUT_NOW", pinned)
    assert times.now_stored(zone) == times.to_iso(times.now().in_tz(zone))
