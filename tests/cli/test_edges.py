"""The CLI at the edges: odd local days, month moves, region-local filters, date-only due dates.

Each test starts from an empty database with the clock at 2026-11-29T09:00Z."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import stored

from rollout.db import Database
from rollout.doctor import examine_location

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)

NOW = "2026-11-29T09:00:00+00:00"


@pytest.fixture
def cli(empty_db_path: Path, rollout, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ROLLOUT_NOW", NOW)

    def run(*args: str, ok: bool = True):
        result = rollout(*args, db=empty_db_path)
        if ok:
            assert result.exit_code == 0, result.stderr
        return result

    return run


def stored_record(path: Path, table: str, key: str) -> dict:
    return Database(path).load().tables[table][key]


def json_of(result) -> object:  # noqa: ANN001
    return json.loads(result.stdout)


def add_region(cli, code: str, tz: str, *extra: str) -> None:  # noqa: ANN001
    cli("region", "add", code, "--name", code, "--tz", tz, "--currency", "EUR", *extra)


# -- 1. days whose local midnight does not exist or happens twice ---------------------------
def test_a_plain_date_on_a_day_without_midnight_is_the_first_instant_of_that_day(cli, empty_db_path):
    cli(
        "region",
        "add",
        "CL",
        "--name",
        "Chile",
        "--tz",
        "America/Santiago",
        "--currency",
        "CLP",
        "--launch",
        "2027-09-05",
    )
    assert stored_record(empty_db_path, "regions", "CL")["launch"] == "2027-09-05T01:00:00-03:00"
    add_region(cli, "EG", "Africa/Cairo", "--launch", "2027-04-30")
    assert stored_record(empty_db_path, "regions", "EG")["launch"] == "2027-04-30T01:00:00+03:00"


def test_today_is_the_regions_calendar_day(cli, empty_db_path, monkeypatch):
    add_region(cli, "CL", "America/Santiago")
    monkeypatch.setenv("ROLLOUT_NOW", "2027-09-05T15:00:00Z")
    cli("region", "set", "CL", "--launch", "today")
    assert stored_record(empty_db_path, "regions", "CL")["launch"] == "2027-09-05T01:00:00-03:00"
    status = json_of(cli("status", "--json"))
    assert status[0]["days_to_launch"] == 0
    assert "passed" not in " ".join(status[0]["warnings"])


def test_a_wall_time_that_happens_twice_is_the_first_and_shows_its_offset(cli, empty_db_path):
    add_region(cli, "DE", "Europe/Berlin")
    cli("region", "set", "DE", "--launch", "2027-10-31T02:30")
    assert stored_record(empty_db_path, "regions", "DE")["launch"] == "2027-10-31T02:30:00+02:00"
    shown = cli("region", "show", "DE").stdout
    assert "2027-10-31 02:30 +02:00" in shown


def test_a_wall_time_in_a_gap_is_one_line_naming_the_gap(cli, empty_db_path):
    add_region(cli, "DE", "Europe/Berlin")
    before = stored(empty_db_path)
    result = cli("region", "set", "DE", "--launch", "2027-03-28T02:30", ok=False)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert "the clocks jump from 02:00 to 03:00" in result.stderr
    assert "first valid time after it is 2027-03-28T03:00" in result.stderr
    assert stored(empty_db_path) == before


def test_shift_by_a_day_onto_a_day_without_midnight_lands_on_its_start(cli, empty_db_path):
    add_region(cli, "CL", "America/Santiago", "--launch", "2027-09-04")
    cli("shift", "CL", "--by", "1d")
    assert stored_record(empty_db_path, "regions", "CL")["launch"] == "2027-09-05T01:00:00-03:00"
    cli("shift", "CL", "--by", "1d")
    assert stored_record(empty_db_path, "regions", "CL")["launch"] == "2027-09-06T00:00:00-03:00"


# -- 2. month moves keep every record valid -------------------------------------------------
def test_promo_move_by_a_month_keeps_the_length(cli, empty_db_path):
    add_region(cli, "NL", "Europe/Amsterdam")
    cli("promo", "add", "NL", "End of month", "--start", "2027-01-30", "--end", "2027-01-31")
    cli("promo", "move", "p1", "--by", "1mo")
    promo = stored_record(empty_db_path, "promotions", "p1")
    assert (promo["start"], promo["end"]) == ("2027-02-28T00:00:00+01:00", "2027-03-01T00:00:00+01:00")
    assert examine_location(str(empty_db_path)).ok


def test_shift_with_promos_keeps_each_promotion_after_its_start(cli, empty_db_path, tmp_path):
    add_region(cli, "NL", "Europe/Amsterdam", "--launch", "2027-01-15")
    cli("promo", "add", "NL", "Late night", "--start", "2027-01-30T23:00", "--end", "2027-01-31T01:00")
    cli("shift", "NL", "--by", "1mo", "--with-promos")
    promo = stored_record(empty_db_path, "promotions", "p1")
    assert (promo["start"], promo["end"]) == ("2027-02-28T23:00:00+01:00", "2027-03-01T01:00:00+01:00")
    assert examine_location(str(empty_db_path)).ok
    cli("promo", "edit", "p1", "--name", "Still editable")
    dump = tmp_path / "dump.json"
    cli("export", "-o", str(dump))
    fresh = tmp_path / "fresh.json"
    Database(fresh).create(empty=True, force=False)
    cli("--db", str(fresh), "import", str(dump))  # a later --db wins
    assert Database(fresh).load().data() == Database(empty_db_path).load().data()


def test_a_change_that_would_store_an_invalid_record_is_refused_whole(empty_db_path):
    """The core validates every touched record after the operation, whatever made it invalid."""
    from rollout import ops
    from rollout.errors import InvalidValue

    db = Database(empty_db_path)
    with db.transaction("t", "setup") as state:
        ops.add_region(state, "NL", name="NL", timezone="Europe/Amsterdam", currency="EUR")
        ops.add_promotions(state, ["NL"], "Sale", start="2027-01-01", end="2027-01-02")
    before = stored(empty_db_path)
    with (
        pytest.raises(InvalidValue, match="promotion p1 starts at or after its end"),
        db.transaction("t", "x") as state,
    ):
        ops.add_items(state, ["NL"], "fine")
        promo = state.promotions["p1"]
        state.put("promotions", {**promo, "end": promo["start"]})
    with pytest.raises(InvalidValue, match="region NL: currency 'eur' is not valid"), db.transaction("t", "y") as state:
        state.put("regions", {**state.regions["NL"], "currency": "eur"})
    with pytest.raises(InvalidValue, match="region ZZ, which does not exist"), db.transaction("t", "z") as state:
        state.put("items", {**ops.add_items(state, ["NL"], "x")[0], "region": "ZZ"})
    assert stored(empty_db_path) == before


# -- 3. days in filters and warnings are each region's own days ------------------------------
def test_a_date_filter_means_that_day_in_each_regions_calendar(cli):
    add_region(cli, "US-HI", "Pacific/Honolulu")
    add_region(cli, "JP", "Asia/Tokyo")
    cli("promo", "add", "US-HI", "Evening", "--start", "2027-01-31T20:00", "--end", "2027-01-31T23:00")
    cli("promo", "add", "JP", "Night owl", "--start", "2027-02-01T00:30", "--end", "2027-02-01T03:00")
    listed = json_of(cli("promo", "list", "--from", "2027-02-01", "--to", "2027-02-02", "--json"))
    assert [p["name"] for p in listed] == ["Night owl"]
    assert [p["name"] for p in json_of(cli("promo", "list", "--to", "2027-02-01", "--json"))] == ["Evening"]
    assert [p["name"] for p in json_of(cli("promo", "list", "--region", "JP", "--from", "2027-02-01", "--json"))] == [
        "Night owl"
    ]


def test_a_bad_filter_date_is_an_error_even_without_regions(cli):
    result = cli("promo", "list", "--from", "2027-02-30", ok=False)
    assert result.exit_code == 1 and "invalid date '2027-02-30'" in result.stderr


def test_an_item_due_today_is_overdue_only_from_the_next_local_midnight(cli, empty_db_path, monkeypatch):
    add_region(cli, "GB", "Europe/London")
    cli("check", "add", "GB", "Sign carrier SLA", "--due", "today")
    cli("check", "add", "GB", "Call at ten", "--due", "2026-11-29T10:00")
    item = json_of(cli("check", "list", "GB", "--json"))[0]
    assert item["due"] == "2026-11-29T00:00:00+00:00" and item["due_all_day"] is True
    assert json_of(cli("check", "list", "GB", "--json"))[1]["due_all_day"] is False
    assert json_of(cli("status", "--json"))[0]["warnings"] == []
    monkeypatch.setenv("ROLLOUT_NOW", "2026-11-29T10:00:00+00:00")
    assert json_of(cli("status", "--json"))[0]["warnings"] == []  # due at ten: not overdue yet
    monkeypatch.setenv("ROLLOUT_NOW", "2026-11-29T10:00:01+00:00")
    assert json_of(cli("status", "--json"))[0]["warnings"] == ["1 open item(s) overdue"]
    monkeypatch.setenv("ROLLOUT_NOW", "2026-11-29T23:59:59+00:00")
    assert json_of(cli("status", "--json"))[0]["warnings"] == ["1 open item(s) overdue"]
    monkeypatch.setenv("ROLLOUT_NOW", "2026-11-30T00:00:00+00:00")
    assert json_of(cli("status", "--json"))[0]["warnings"] == ["2 open item(s) overdue"]
    monkeypatch.setenv("ROLLOUT_NOW", "2026-12-05T00:00:00+00:00")
    assert json_of(cli("status", "--json"))[0]["warnings"] == ["2 open item(s) overdue"]


def test_a_due_day_on_a_day_without_midnight_ends_at_the_next_local_midnight(cli, monkeypatch):
    add_region(cli, "CL", "America/Santiago")
    cli("check", "add", "CL", "Permits", "--due", "2027-09-05")
    monkeypatch.setenv("ROLLOUT_NOW", "2027-09-06T02:59:00Z")  # 23:59 on the 5th in Santiago
    assert json_of(cli("status", "--json"))[0]["warnings"] == []
    monkeypatch.setenv("ROLLOUT_NOW", "2027-09-06T03:00:00Z")
    assert json_of(cli("status", "--json"))[0]["warnings"] == ["1 open item(s) overdue"]


def test_editing_a_due_to_a_time_makes_it_timed_and_clearing_it_clears_both(cli, empty_db_path):
    add_region(cli, "GB", "Europe/London")
    cli("check", "add", "GB", "x", "--due", "2027-01-05")
    cli("check", "edit", "GB", "c1", "--due", "2027-01-05T17:00")
    assert stored_record(empty_db_path, "items", "c1")["due_all_day"] is False
    cli("check", "edit", "GB", "c1", "--due", "")
    item = stored_record(empty_db_path, "items", "c1")
    assert (item["due"], item["due_all_day"]) == (None, False)


def test_a_region_changing_zone_keeps_its_items_due_day(cli, empty_db_path):
    add_region(cli, "GB", "Europe/London")
    cli("check", "add", "GB", "x", "--due", "2027-01-05")
    cli("region", "set", "GB", "--tz", "Asia/Tokyo")
    assert stored_record(empty_db_path, "items", "c1")["due"] == "2027-01-05T00:00:00+09:00"


def test_tables_show_a_day_for_a_due_day_and_a_time_for_a_timed_due(cli):
    add_region(cli, "GB", "Europe/London")
    cli("check", "add", "GB", "By the day", "--due", "2027-01-05")
    cli("check", "add", "GB", "At five", "--due", "2027-01-05T17:00")
    table = cli("check", "list", "GB").stdout
    assert "2027-01-05 17:00" in table
    day_row = next(line for line in table.splitlines() if "By the day" in line)
    assert day_row.rstrip().endswith("2027-01-05")
