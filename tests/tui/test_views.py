"""The data behind the screens: rows, countdowns, filtering, calendar spans, and edits through the session."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rollout import ops, times
from rollout.db import Database
from rollout.errors import ReadOnly
from rollout.tui.session import Session, file_signature
from rollout.tui.views import CalendarIndex, filter_rows, launch_countdown, month_grid, region_rows, sort_rows

REFERENCE = datetime(2026, 11, 24, 9, tzinfo=UTC)


def region(**fields):
    return {"code": "NL", "timezone": "Europe/Amsterdam", "launch": None, "launched_at": None, **fields}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"launch": "2026-12-06T10:00:00+01:00"}, "in 12 days"),
        ({"launch": "2026-11-24T23:30:00+01:00"}, "today"),
        ({"launch": "2026-11-21T10:00:00+01:00"}, "overdue 3 days"),
        ({"launch": "2026-08-01T10:00:00+02:00", "launched_at": "2026-08-20T10:00:00+02:00"}, "launched 3 months ago"),
        ({}, "-"),
    ],
)
def test_launch_countdown(fields, expected):
    assert launch_countdown(region(**fields), REFERENCE) == expected


def test_rows_follow_the_core_figures(db_path):
    state = Database(db_path).load()
    rows = region_rows(state, REFERENCE)
    assert len(rows) == len(state.regions)
    ca = next(r for r in rows if r.code == "CA")
    assert ca.critical_open == 1 and ca.launch == "2027-05-11"
    assert [r.code for r in sort_rows(rows, "critical")][0] == "AU"  # the most critical items open


@pytest.mark.parametrize(("done", "total", "percent"), [(1, 3, 33), (2, 3, 66), (3, 3, 100), (0, 2, 0), (0, 0, 0)])
def test_row_readiness_is_done_items_as_a_floored_percentage(empty_db_path, done, total, percent):
    """2 of 3 is 66 (floored: 100 only when every item is done); an empty checklist is 0, not 100."""
    with Database(empty_db_path).transaction("t", "setup") as state:
        ops.add_region(state, "JP", name="Japan", timezone="Asia/Tokyo", currency="JPY")
        ids = [ops.add_items(state, ["JP"], f"item {n}")[0]["id"] for n in range(total)]
        ops.set_items_done(state, "JP", ids[:done], True, "t")
    (row,) = region_rows(Database(empty_db_path).load(), REFERENCE)
    assert (row.items_done, row.items_total, row.readiness) == (done, total, percent)


def test_filter_needs_every_word(db_path):
    rows = region_rows(Database(db_path).load(), REFERENCE)
    assert [r.code for r in filter_rows(rows, "united")] == ["GB", "US"]
    assert [r.code for r in filter_rows(rows, "united launched kingdom")] == ["GB"]
    assert filter_rows(rows, "  ") == rows


def test_month_grid_is_six_monday_first_weeks():
    days = month_grid(2026, 11)
    assert (days[0], days[-1], len(days)) == (date(2026, 10, 26), date(2026, 12, 6), 42)
    assert all(d.weekday() == 0 for d in days[::7])


def test_calendar_uses_local_days_and_an_exclusive_end(empty_db_path):
    with Database(empty_db_path).transaction("t", "setup") as state:
        ops.add_region(state, "JP", name="Japan", timezone="Asia/Tokyo", currency="JPY", launch="2027-01-05T10:00")
        ops.add_promotions(state, ["JP"], "New Year", start="2027-01-01", end="2027-01-03")  # ends at midnight
        ops.add_promotions(state, ["JP"], "Clash", start="2027-01-02T12:00", end="2027-01-02T18:00")
    index = CalendarIndex(Database(empty_db_path).load())
    days = index.events(date(2026, 12, 28), date(2027, 1, 10))
    assert [e.label for e in days[date(2027, 1, 1)]] == ["JP New Year"]
    assert date(2027, 1, 3) not in days  # the sale ends at the start of the 3rd
    assert [e.kind for e in days[date(2027, 1, 5)]] == ["launch"]
    clash = days[date(2027, 1, 2)]
    assert all(e.conflict for e in clash) and len(clash) == 2
    assert any("overlaps" in w for e in clash for w in e.warnings)


def test_session_edits_go_through_a_transaction_with_cli_like_history(db_path):
    session = Session(db_path, "manager")
    snapshot = session.load()
    outcome = session.edit(
        "check done NL c329", lambda s: ops.set_items_done(s, "NL", ["c329"], True, "manager"), snapshot.revision
    )
    assert not outcome.applied_on_fresh_data
    assert outcome.entry["command"] == "tui: check done NL c329"
    assert outcome.snapshot.state.items["c329"]["status"] == "done"
    assert Database(db_path).load().revision == outcome.snapshot.revision == snapshot.revision + 1
    assert outcome.snapshot.signature is None  # the next poll confirms it by revision


def test_session_reports_an_edit_made_on_newer_data(db_path):
    session = Session(db_path, "manager")
    seen = session.load().revision
    with Database(db_path).transaction("colleague", "region set PL --owner ola") as state:
        ops.set_regions(state, ["PL"], owner="ola")
    outcome = session.edit("check done NL c329", lambda s: ops.set_items_done(s, "NL", ["c329"], True, "m"), seen)
    assert outcome.applied_on_fresh_data
    assert outcome.snapshot.state.region("PL")["owner"] == "ola"


def test_read_only_session_refuses_before_touching_the_file(db_path):
    before = db_path.read_bytes()
    session = Session(db_path, "viewer", read_only=True)
    with pytest.raises(ReadOnly):
        session.edit("undo", ops.undo, session.load().revision)
    assert db_path.read_bytes() == before


def test_signature_changes_on_every_write(db_path):
    first = file_signature(db_path)
    with Database(db_path).transaction("t", "region set PL --owner ola") as state:
        ops.set_regions(state, ["PL"], owner="ola")
    assert file_signature(db_path) != first
    assert file_signature(db_path.with_name("missing.json")) is None


def test_times_are_pinned_by_the_suite():
    assert times.now().isoformat() == "2026-11-24T09:00:00+00:00"
