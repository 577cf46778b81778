"""The cockpit's read commands on a crafted database and the suite's fixed clock: `health`,
`agenda`, `owners`, `timeline`, `digest`, and the health column of `status`. Every --json output
is validated against the command's published schema by the `rollout` fixture."""

from __future__ import annotations

import json
from pathlib import Path

import cli_cockpit_data
import click
import pytest

from rollout import agenda, health, timeline
from rollout.cli import output
from rollout.db import Database

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


def as_json(result) -> object:  # noqa: ANN001
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def state_of(path: Path):  # noqa: ANN201
    return Database(path).load()


# -- health ---------------------------------------------------------------------------------
def test_health_json_is_the_cores_rows_worst_first(run, crafted):
    rows = as_json(run("health", "--json"))
    assert [r["code"] for r in rows] == ["PL", "NL", "DE", "US", "FR", "JP"]
    assert {r["code"]: r["health"] for r in rows} == cli_cockpit_data.HEALTH_OF
    assert rows == health.health_rows(state_of(crafted), reference=cli_cockpit_data.NOW)
    poland = rows[0]
    assert poland["reasons"][0] == "c1 'Payment provider live' is 4 days overdue (payments)"
    assert (poland["critical_open"], poland["overdue"], poland["open"]) == (1, 1, 2)
    assert poland["launch"] == "2027-03-01T00:00:00+01:00"


def test_health_takes_the_selector_list(run):
    assert [r["code"] for r in as_json(run("health", "jp", "status=ready", "--json"))] == ["NL", "JP"]
    assert as_json(run("health", "wave=9", "--json")) == []
    missing = run("health", "BE")
    assert missing.exit_code == 1 and missing.stderr == "Error: no region BE\n"


def test_health_table_shows_the_symbol_and_every_reason_under_the_reasons_column(run, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = run("health")
    assert result.exit_code == 0 and "\x1b" not in result.stdout
    header, *lines = result.stdout.splitlines()
    assert header.split() == ["CODE", "NAME", "HEALTH", "LAUNCH", "FORECAST", "OPEN", "CRIT", "LATE", "REASONS"]
    column = header.index("REASONS")
    assert lines[0].startswith("PL    Poland") and "✖ off track" in lines[0]
    assert lines[0][column:] == "c1 'Payment provider live' is 4 days overdue (payments)"
    # the second reason continues under the column, on a line of its own
    assert lines[1][:column].strip() == ""
    assert lines[1][column:] == "no item done in the last 28 days: the forecast follows due dates only"
    symbols = {line.split()[0]: line for line in lines if not line.startswith(" ")}
    for code, name in cli_cockpit_data.HEALTH_OF.items():
        assert f"{health.SYMBOLS[name]} {name}" in symbols[code]


def test_health_on_a_terminal_wraps_each_reason_under_its_row(run, crafted, monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    lines = run("health").stdout.splitlines()
    assert max(output.display_width(line) for line in lines) <= 70
    assert lines[0].split() == ["CODE", "NAME", "HEALTH", "LAUNCH", "FORECAST", "CRIT", "LATE"]  # OPEN left out
    rows = health.health_rows(state_of(crafted), reference=cli_cockpit_data.NOW)
    shown = "\n".join(lines[1:])
    for row in rows:  # every reason whole, wrapped: nothing cut
        assert f"\n{row['code']}  " in f"\n{shown}"
        for reason in row["reasons"]:
            assert reason in " ".join(part.strip().removeprefix("- ") for part in shown.splitlines())
    assert lines[1].startswith("PL") and lines[2] == "  - c1 'Payment provider live' is 4 days overdue (payments)"
    assert any(line.startswith("    ") for line in lines)  # a long reason wraps with an indent
    monkeypatch.setenv("COLUMNS", "120")
    wide = run("health").stdout.splitlines()
    assert "OPEN" in wide[0] and "REASONS" not in wide[0]


def test_health_is_coloured_on_a_terminal_unless_no_color(monkeypatch):
    monkeypatch.setattr(output.sys.stdout, "isatty", lambda: True, raising=False)
    assert output.health_text("off track", ascii_only=False) == click.style("✖ off track", fg="red", bold=True)
    assert output.health_text("at risk", ascii_only=True) == click.style("! at risk", fg="yellow")
    monkeypatch.setenv("NO_COLOR", "1")
    assert output.health_text("off track", ascii_only=False) == "✖ off track"


def test_health_symbols_fall_back_to_ascii_where_stdout_cannot_show_them(run, monkeypatch):
    monkeypatch.setattr(output, "unicode_ok", lambda: False)
    text = run("health").stdout
    assert "X off track" in text and "! at risk" in text and "+ launched" in text
    assert text.isascii() or "…" in text


# -- status ---------------------------------------------------------------------------------
def test_status_shows_health_after_the_name_and_keeps_it_when_the_terminal_is_narrow(run, monkeypatch):
    wide = run("status").stdout.splitlines()
    assert wide[0].split()[:3] == ["CODE", "NAME", "HEALTH"] and "NEXT PROMOTION" in wide[0]
    monkeypatch.setenv("COLUMNS", "60")
    narrow = run("status").stdout.splitlines()
    assert narrow[0].split() == ["CODE", "NAME", "HEALTH", "LAUNCH", "READY", "CRIT"]
    assert max(output.display_width(line) for line in narrow) <= 60
    monkeypatch.setenv("COLUMNS", "50")
    narrower = run("status").stdout.splitlines()
    assert narrower[0].split() == ["CODE", "NAME", "HEALTH", "LAUNCH", "CRIT"]
    poland = next(line for line in narrower if line.startswith("PL"))
    assert "✖ off track" in poland and poland.split()[-1] == "1"


def test_status_json_rows_carry_health_reasons_and_forecast(run, crafted):
    rows = {r["code"]: r for r in as_json(run("status", "--json"))}
    expected = {r["code"]: r for r in health.health_rows(state_of(crafted), reference=cli_cockpit_data.NOW)}
    for code, row in rows.items():
        assert (row["health"], row["reasons"], row["forecast"]) == (
            expected[code]["health"],
            expected[code]["reasons"],
            expected[code]["forecast"],
        )


# -- agenda ---------------------------------------------------------------------------------
def test_agenda_json_lists_overdue_first_then_by_each_regions_own_day(run):
    entries = as_json(run("agenda", "--days", "14", "--json"))
    assert [(e["date"], e["region"], e["kind"], e["id"]) for e in entries] == [
        ("2026-11-20", "PL", "item", "c1"),
        ("2026-11-23", "US", "item", "c5"),  # Honolulu's today: due by its end, not overdue
        ("2026-11-26", "PL", "item", "c2"),
        ("2026-11-27", "JP", "promo-start", "p1"),
        ("2026-11-29", "JP", "promo-end", "p1"),
        ("2026-12-01", "NL", "item", "c3"),
        ("2026-12-04", "NL", "launch", "NL"),
    ]
    first = entries[0]
    assert first["overdue"] and first["days_overdue"] == 4 and first["critical"] and first["owner"] == "payments"
    assert not any(e["overdue"] for e in entries[1:])


def test_agenda_days_window(run):
    assert [e["id"] for e in as_json(run("agenda", "--days", "0", "--json"))] == ["c1"]
    assert [e["id"] for e in as_json(run("agenda", "--json"))] == ["c1", "c5", "c2", "p1", "p1"]
    bad = run("agenda", "--days", "-1")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: Invalid value for '--days'")


def test_agenda_for_one_owner_or_the_acting_user(run, rollout, crafted):
    assert [e["id"] for e in as_json(run("agenda", "--days", "14", "--owner", "PAYMENTS", "--json"))] == ["c1", "c2"]
    mine = rollout("--user", "anna", "agenda", "--days", "14", "--mine", "--json", db=crafted)
    assert [(e["kind"], e["id"]) for e in as_json(mine)] == [("launch", "NL")]  # a launch is its region owner's
    by_env = run("agenda", "--days", "14", "--mine", "--json")  # ROLLOUT_USER is tester: owns nothing
    assert as_json(by_env) == []
    both = run("agenda", "--owner", "anna", "--mine")
    assert both.exit_code == 2 and both.stderr.startswith("Error: give --owner NAME or --mine, not both")


def test_agenda_region_option_is_the_selector_list(run):
    positional = as_json(run("agenda", "--days", "14", "NL", "jp", "--json"))
    option = as_json(run("agenda", "--days", "14", "--region", "NL", "--region", "jp", "--json"))
    assert positional == option and {e["region"] for e in option} == {"NL", "JP"}
    assert as_json(run("agenda", "owner=nobody", "--json")) == []
    assert run("agenda", "--region", "BE").stderr == "Error: no region BE\n"


def test_agenda_table_shows_each_regions_day_with_its_code(run, crafted):
    result = run("agenda", "--days", "14")
    header, *lines = result.stdout.splitlines()
    assert header.split() == ["DAY", "LATE", "TIME", "REGION", "WHAT", "ID", "OWNER", "TITLE"]
    entries = agenda.agenda(state_of(crafted), days=14, reference=cli_cockpit_data.NOW)
    assert len(lines) == len(entries)
    for line, entry in zip(lines, entries, strict=True):
        assert line.startswith(entry.day.isoformat()) and f" {entry.region} " in line and line.endswith(entry.title)
    assert lines[0].split()[:3] == ["2026-11-20", "4", "days"] and lines[0].endswith("! Payment provider live")
    launch = next(line for line in lines if " launch " in line)
    assert launch.split()[:3] == ["2026-12-04", "NL", "launch"]


def test_agenda_on_a_narrow_terminal_leaves_out_time_and_owner_first(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "64")
    lines = run("agenda", "--days", "14").stdout.splitlines()
    assert lines[0].split() == ["DAY", "LATE", "REGION", "WHAT", "ID", "TITLE"]
    assert max(output.display_width(line) for line in lines) <= 64


def test_an_item_overdue_since_earlier_today_says_since_when(run, rollout, crafted):
    assert run("check", "add", "DE", "Go/no-go call", "--due", "2026-11-24T08:30").exit_code == 0
    line = next(line for line in run("agenda", "DE").stdout.splitlines() if "Go/no-go" in line)
    assert line.split()[:4] == ["2026-11-24", "since", "08:30", "08:30"]  # LATE, then TIME


def test_agenda_with_nothing_says_so(run):
    result = run("agenda", "US", "--days", "0")
    assert result.exit_code == 0 and result.stdout == "Nothing overdue.\n"
    week = run("agenda", "FR", "--owner", "ola")
    assert week.stdout == "Nothing due, overdue, launching or on promotion in the next 7 days for ola.\n"


# -- owners ---------------------------------------------------------------------------------
def test_owners_json_busiest_first(run, crafted):
    rows = as_json(run("owners", "--json"))
    assert rows == [agenda.owner_json(w) for w in agenda.owners(state_of(crafted), reference=cli_cockpit_data.NOW)]
    assert rows[0] == {
        "owner": "payments",
        "open": 2,
        "overdue": 1,
        "critical_open": 1,
        "due_soon": 1,
        "regions": ["PL"],
    }
    assert [r["owner"] for r in as_json(run("owners", "NL", "US", "--json"))] == ["legal", "tax"]


def test_owners_table_and_the_soon_window(run):
    lines = run("owners").stdout.splitlines()
    assert lines[0].split() == ["OWNER", "OPEN", "OVERDUE", "CRIT", "DUE", "14D", "REGIONS"]
    assert lines[1].split() == ["payments", "2", "1", "1", "1", "PL"]
    soon = {r["owner"]: r["due_soon"] for r in as_json(run("owners", "--soon", "3", "--json"))}
    assert soon == {"payments": 1, "legal": 0, "tax": 1}  # c3 is due in 7 days
    assert "DUE 3D" in run("owners", "--soon", "3").stdout


def test_owners_lists_many_regions_briefly():
    assert cockpit_codes(tuple(f"R{n}" for n in range(10))) == "R0 R1 R2 R3 R4 R5 R6 R7 +2 more"
    assert cockpit_codes(("NL", "PL")) == "NL PL"


def cockpit_codes(codes: tuple[str, ...]) -> str:
    from rollout.cli.cockpit import _codes

    return _codes(codes)


# -- timeline -------------------------------------------------------------------------------
def test_timeline_piped_is_plain_ascii_within_the_width_with_a_legend(run):
    result = run("timeline", "--width", "60")
    assert result.exit_code == 0 and result.stdout.isascii()
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    rows = [line for line in lines if line[:2] in cli_cockpit_data.HEALTH_OF]
    assert [line[:2] for line in rows] == ["JP", "NL", "FR", "PL", "US", "DE"]  # launch order, undated last
    assert all("|" in line for line in rows)  # the today marker on every row
    assert "* launch target" in result.stdout and "= promotion" in result.stdout
    japan = rows[0]
    assert "=" in japan  # Black Friday's bar


@pytest.mark.parametrize("width", ["40", "80"])
def test_timeline_labels_every_month_and_wraps_its_legend_whole(run, width):
    lines = run("timeline", "--from", "2026-11-23", "--to", "2027-02-28", "--width", width).stdout.splitlines()
    header, legend = lines[0], " ".join(line for line in lines if line[:2] not in cli_cockpit_data.HEALTH_OF)
    for month in ("2026-12", "2027-01", "2027-02"):
        assert month in header or {"2026-12": "Dec", "2027-01": "Jan", "2027-02": "Feb"}[month] in header
    assert max(len(line) for line in lines) <= int(width) and "~" not in legend
    assert "public holiday" in legend and "today" in legend and "2026-11-23 to 2027-02-28" in legend


def test_timeline_draws_symbols_on_a_terminal_and_fits_its_width(run, monkeypatch):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "72")
    text = run("timeline").stdout
    assert "◆ launch target" in text and "━" in text
    assert max(output.display_width(line) for line in text.splitlines()) <= 72
    assert run("timeline", "--ascii").stdout.isascii()


def test_timeline_default_width_is_100_when_piped_else_the_terminals(run, crafted, monkeypatch):
    model = timeline.Timeline(state_of(crafted), reference=cli_cockpit_data.NOW)
    first, last = model.default_window()
    assert run("timeline").stdout == timeline.render_timeline(model, first, last, width=100, ascii_only=True)
    monkeypatch.setenv("COLUMNS", "45")
    assert run("timeline").stdout == timeline.render_timeline(model, first, last, width=45, ascii_only=True)


def test_timeline_window_and_its_errors(run):
    text = run("timeline", "NL", "--from", "2026-12-01", "--to", "2026-12-10").stdout
    assert "2026-12-01 to 2026-12-10, a column is 1 day" in text
    only_from = run("timeline", "NL", "--from", "2027-01-01").stdout
    assert "2027-01-01 to 2027-04-08" in only_from  # the default window's length
    reversed_window = run("timeline", "--from", "2027-01-02", "--to", "2027-01-01")
    assert reversed_window.exit_code == 1
    assert reversed_window.stderr == "Error: the timeline ends (2027-01-01) before it starts (2027-01-02)\n"
    narrow = run("timeline", "--width", "20")
    assert narrow.exit_code == 1 and narrow.stderr.startswith("Error: Invalid value for '--width'")
    timed = run("timeline", "--from", "2027-01-01T10:00")
    assert timed.exit_code == 1 and "the timeline takes days" in timed.stderr


def test_timeline_json_is_the_model_of_the_window(run, crafted):
    data = as_json(run("timeline", "JP", "NL", "--from", "2026-11-24", "--to", "2026-12-31", "--json"))
    assert (data["from"], data["to"], data["today"]) == ("2026-11-24", "2026-12-31", "2026-11-24")
    model = timeline.Timeline(state_of(crafted), ["JP", "NL"], cli_cockpit_data.NOW)
    from datetime import date

    rows = model.rows(date(2026, 11, 24), date(2026, 12, 31))
    assert [r["code"] for r in data["rows"]] == [r.code for r in rows] == ["JP", "NL"]
    japan, netherlands = data["rows"]
    assert japan["launched"] and japan["launch"] == "2026-10-20" and japan["health"] == "launched"
    assert japan["promotions"] == [
        {
            "id": "p1",
            "name": "Black Friday",
            "kind": rows[0].promotions[0].kind,
            "first": "2026-11-27",
            "last": "2026-11-29",
            "conflict": False,
            "notes": [],
        }
    ]
    assert netherlands["launch"] == "2026-12-04" and netherlands["health"] == "at risk"
    assert {"date": "2026-12-25", "name": dict(rows[1].holidays)[date(2026, 12, 25)]} in netherlands["holidays"]


# -- digest ---------------------------------------------------------------------------------
@pytest.fixture
def changed(run):
    """A change since the setup: c1 ticked (PL stops being off track for it)."""
    assert run("check", "done", "c1").exit_code == 0
    return run


def test_digest_is_markdown_by_default_with_every_section(changed):
    text = changed("digest").stdout
    assert text.startswith("# Rollout digest, 2026-11-24 09:00 UTC\n")
    for heading in (
        "## Health changes",
        "## Off track",
        "## At risk (1)",
        "## Overdue critical items",
        "## Next 7 days: launches and promotions",
        "## What changed (2 changes)",
    ):
        assert f"\n{heading}" in text, heading
    assert "- setup: 1 change, tester: 1 change" in text and "check done c1" in text


def test_digest_formats(changed):
    text = changed("digest", "--format", "text").stdout
    assert text.startswith("Rollout digest, 2026-11-24 09:00 UTC (since 2026-11-23 09:00 UTC)\n")
    assert "\nAt risk (1)\n  NL Netherlands, launch 2026-12-04: " in text
    data = as_json(changed("digest", "--json"))
    assert data == as_json(changed("digest", "--format", "JSON"))
    assert data["since"] == "2026-11-23T09:00:00+00:00" and data["days"] == 7
    assert [r["code"] for r in data["at_risk"]] == ["NL"]
    assert data["changes"]["total"] == 2 and data["changes"]["by_user"] == {"setup": 1, "tester": 1}
    assert data["changes"]["entries"][0]["command"] == "check done c1"
    assert [(e["id"], e["kind"]) for e in data["upcoming"]] == [("p1", "promo-start"), ("p1", "promo-end")]


def test_digest_since_and_days(changed):
    longer = as_json(changed("digest", "--since", "2026-11-01T00:00:00+00:00", "--days", "14", "--json"))
    assert longer["since"] == "2026-11-01T00:00:00+00:00"
    assert ("NL", "launch") in {(e["region"], e["kind"]) for e in longer["upcoming"]}
    assert longer["changes"]["total"] == 2  # the setup and the tick
    hours = as_json(changed("digest", "--since", "12h", "--json"))
    assert hours["since"] == "2026-11-23T21:00:00+00:00"
    conflict = changed("digest", "--json", "--format", "text")
    assert conflict.exit_code == 2 and conflict.stderr.startswith("Error: --json prints JSON: leave out --format text")
    future = changed("digest", "--since", "2027-01-01T00:00:00+00:00")
    assert future.exit_code == 1 and future.stderr.startswith("Error: invalid --since")
