"""The signoff, kpi, fx and freeze commands, plain and --json, on the bundled dataset (clock pinned,
user tester); status, health, digest and export showing them; undo of each change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import stored
from results import ok, refused

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


# -- kpi and fx --------------------------------------------------------------------------------
def test_kpi_target_actual_and_report_plain_and_json(rollout):
    assert ok(rollout("kpi", "target", "NL", "--period", "2027-01", "--gmv", "1000000")).stdout == (
        "NL 2027-01: target 1,000,000.00 EUR, actual -\n"
    )
    out = ok(rollout("kpi", "actual", "nl", "--period", "2027-01", "--gmv", "870000.50", "--json")).stdout
    assert json.loads(out)["changed"]["kpis"] == [
        {
            "id": "NL/2027-01",
            "region": "NL",
            "period": "2027-01",
            "promo": None,
            "currency": "EUR",
            "target": "1000000",
            "actual": "870000.50",
        }
    ]
    ok(rollout("kpi", "target", "--promo", "p61", "--gmv", "50000"))
    ok(rollout("kpi", "actual", "--promo", "p61", "--gmv", "61000.5"))
    text = ok(rollout("kpi", "NL", "--currency", "EUR")).stdout
    assert "NL      2027-01  1,000,000.00 EUR  870,000.50 EUR  87.0 %" in text
    assert "p61    Launch Week Deals  50,000.00 EUR  61,000.50 EUR  122.0 %" in text
    assert text.endswith("Total in EUR: target 1,000,000.00 EUR, actual 870,000.50 EUR, attainment 87.0 %\n")
    shown = json.loads(ok(rollout("kpi", "report", "NL", "--json")).stdout)
    assert shown["total"]["missing_rates"] == ["EUR/USD/2027-01"]
    assert "unavailable, no rate for EUR/USD/2027-01" in ok(rollout("kpi")).stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--period", "2027-01", "--gmv", "1e3"), ("exponents",)),
        (("--period", "2027-01", "--gmv", "NaN"), ("NaN",)),
        (("--period", "2027-01", "--gmv", "1.234"), ("EUR amounts have 2 decimals",)),
        (("--period", "2027-13", "--gmv", "1"), ("no month 13",)),
        (("--period", "2027-Q5", "--gmv", "1"), ("no quarter Q5",)),
        (("--period", "2027-01", "--gmv", "1,000"), ("thousands separators",)),
    ],
)
def test_bad_amounts_and_periods_are_one_error_line(rollout, db_path, args, words):
    ok(rollout("status"))  # the database exists
    before = stored(db_path)
    refused(rollout("kpi", "target", "NL", *args), db_path, before, *words)


def test_a_csv_line_with_a_bad_number_writes_nothing(rollout, db_path, tmp_path):
    ok(rollout("status"))
    sheet = tmp_path / "actuals.csv"
    sheet.write_text("region,period,gmv\nNL,2027-01,870000.50\nPL,2027-01,12.345\n", encoding="utf-8")
    before = stored(db_path)
    refused(rollout("kpi", "import", str(sheet)), db_path, before, "actuals.csv line 3", "PLN amounts have 2 decimals")
    refused(rollout("import", str(sheet)), db_path, before, "actuals.csv line 3", "12.345")
    sheet.write_text("promo,gmv\np61,1e5\n", encoding="utf-8")
    refused(rollout("kpi", "import", str(sheet)), db_path, before, "line 2", "exponents")
    # a row short of a cell, after a blank line and a quoted cell spanning two lines: its own line named
    sheet.write_text('region,period,gmv\n\n"NL",2027-01,"870000\n.50"\nPL,2027-01\n', encoding="utf-8")
    refused(rollout("kpi", "import", str(sheet)), db_path, before, "actuals.csv line 5: expected 3 fields, found 2")
    sheet.write_text("region,period,gmv\nNL,2027-01,870000.50\nPL,2027-Q1,12.34\n", encoding="utf-8")
    assert ok(rollout("kpi", "import", str(sheet))).stdout == "2 actual(s) set.\n"
    assert ok(rollout("undo")).exit_code == 0
    assert json.loads(ok(rollout("kpi", "report", "--json")).stdout)["periods"] == []


def test_fx_set_list_remove_and_the_total(rollout):
    ok(rollout("kpi", "target", "NL", "--period", "2027-01", "--gmv", "100"))
    ok(rollout("kpi", "target", "JP", "--period", "2027-01", "--gmv", "20000"))
    ok(rollout("kpi", "actual", "JP", "--period", "2027-01", "--gmv", "10000"))
    assert ok(rollout("fx", "set", "EUR", "USD", "1.10", "--period", "2027-01")).stdout == "2027-01: 1 EUR = 1.10 USD\n"
    ok(rollout("fx", "set", "jpy", "usd", "0.0067", "--period", "2027-01", "--json"))
    assert ok(rollout("fx", "list")).stdout.splitlines() == [
        "BASE  QUOTE  PERIOD   RATE",
        "EUR   USD    2027-01  1.10",
        "JPY   USD    2027-01  0.0067",
    ]
    total = json.loads(ok(rollout("kpi", "report", "--json")).stdout)["total"]
    assert total == {  # NL's target has no actual yet: in the totals, not in the attainment (JP's 50 %)
        "currency": "USD",
        "target": "244.00",
        "actual": "67.00",
        "attainment": "50.0",
        "missing_rates": [],
        "unmatched": ["NL 2027-01: target without actual"],
    }
    text = ok(rollout("kpi")).stdout.splitlines()[-1]
    assert text == (
        "Total in USD: target 244.00 USD, actual 67.00 USD, attainment 50.0 % "
        "(left out of the attainment: NL 2027-01: target without actual)"
    )
    ok(rollout("fx", "remove", "EUR", "USD", "--period", "2027-01"))
    assert json.loads(ok(rollout("fx", "list", "--json")).stdout)[0]["id"] == "JPY/USD/2027-01"
    ok(rollout("undo"))
    assert len(json.loads(ok(rollout("fx", "list", "--json")).stdout)) == 2


# -- sign-off ------------------------------------------------------------------------------------
def test_signoff_request_approve_show_and_the_launch_gate(rollout, db_path):
    assert ok(rollout("signoff", "request", "NL", "--approvers", "tester, Li Wei")).stdout == (
        "Sign-off of NL asked of tester, Li Wei.\n"
    )
    before = stored(db_path)
    refused(rollout("--user", "bob", "signoff", "approve", "NL"), db_path, before, "bob is not an approver of NL")
    ok(rollout("--user", "TESTER ", "signoff", "approve", "NL", "--note", "go"))
    ok(rollout("--user", "li wei", "signoff", "approve", "NL"))
    shown = json.loads(ok(rollout("signoff", "show", "NL", "--json")).stdout)
    assert shown["state"] == "approved" and [a["state"] for a in shown["approvals"]] == ["approved", "approved"]
    ok(rollout("promo", "move", "p61", "--by", "1d"))
    text = ok(rollout("signoff", "show", "NL")).stdout
    assert text.startswith("NL sign-off: stale\n") and "promotion p61 start, end changed" in text
    before = stored(db_path)
    refused(rollout("region", "set", "NL", "--status", "launched"), db_path, before, "sign-off not fresh")
    ok(rollout("undo"))  # the promotion back where it was approved: fresh again
    assert json.loads(ok(rollout("signoff", "show", "NL", "--json")).stdout)["state"] == "approved"
    ok(rollout("region", "set", "NL", "--status", "launched"))


def test_a_rejection_and_the_forced_launch_are_recorded(rollout):
    ok(rollout("signoff", "request", "NL", "--approvers", "tester"))
    assert (
        "tester rejected the launch of NL (sign-off: rejected)"
        in ok(rollout("signoff", "reject", "NL", "--note", "carrier")).stdout
    )
    result = ok(rollout("region", "set", "NL", "--status", "launched", "--force", "--json"))
    assert "forced launch of NL without a fresh sign-off (tester rejected)" in json.loads(result.stdout)["warnings"]
    history = json.loads(ok(rollout("history", "NL", "--json")).stdout)
    assert "forced launch of NL without a fresh sign-off (tester rejected)" in history[0]["notes"]


def test_status_and_health_show_the_sign_off_state(rollout):
    assert "SIGN-OFF" not in ok(rollout("status")).stdout  # no column until a sign-off is asked for
    ok(rollout("signoff", "request", "NL", "--approvers", "tester"))
    rows = {r["code"]: r for r in json.loads(ok(rollout("status", "--json")).stdout)}
    assert rows["NL"]["signoff"] == "pending" and rows["PL"]["signoff"] is None
    assert "SIGN-OFF" in ok(rollout("status", "NL")).stdout.splitlines()[0]
    health = {r["code"]: r for r in json.loads(ok(rollout("health", "--json")).stdout)}
    assert health["NL"]["signoff"] == "pending"
    digest = json.loads(ok(rollout("digest", "--json")).stdout)
    assert {"code": "NL", "signoff": "pending", "freezes": []} in digest["go_no_go"]
    assert "NL Netherlands: sign-off pending" in ok(rollout("digest")).stdout


# -- freeze windows --------------------------------------------------------------------------------
def test_freeze_add_list_remove_and_the_refusal(rollout, db_path):
    result = ok(
        rollout(
            "freeze",
            "add",
            "NL",
            "PL",
            "--from",
            "2027-01-20",
            "--to",
            "2027-01-31",
            "--reason",
            "Lunar new year",
            "--blocks",
        )
    )
    assert result.stdout == "Added freeze f1 2027-01-20..2027-01-31 (blocks): Lunar new year over NL, PL.\n"
    assert "NL: launch 2027-01-26 is inside freeze f1" in result.stderr
    listed = json.loads(ok(rollout("freeze", "list", "--json")).stdout)
    assert listed[0]["id"] == "f1" and listed[0]["regions"] == ["NL", "PL"] and listed[0]["blocks"] is True
    assert "Lunar new year" in ok(rollout("freeze", "list")).stdout
    before = stored(db_path)
    refused(rollout("region", "set", "PL", "--launch", "2027-01-25"), db_path, before, "inside freeze f1", "--force")
    refused(rollout("shift", "PL", "--by", "-7w"), db_path, before, "inside freeze f1")
    refused(
        rollout("promo", "add", "PL", "Sale", "--start", "2027-01-22", "--end", "2027-01-24"), db_path, before, "f1"
    )
    result = ok(rollout("region", "set", "PL", "--launch", "2027-01-25", "--force"))
    assert "forced: launch of PL on 2027-01-25 is inside freeze f1" in result.stderr
    status = {r["code"]: r for r in json.loads(ok(rollout("status", "--json")).stdout)}
    assert any("inside freeze f1" in w for w in status["PL"]["warnings"])
    health = {r["code"]: r for r in json.loads(ok(rollout("health", "--json")).stdout)}
    assert any("inside freeze f1" in w for w in health["PL"]["reasons"])
    timeline = ok(rollout("timeline", "PL", "--from", "2027-01-15", "--to", "2027-02-05", "--width", "60")).stdout
    assert "#" in timeline.splitlines()[1] and "freeze window" in timeline
    assert ok(rollout("freeze", "remove", "F1")).stdout.startswith("Removed freeze f1")
    ok(rollout("undo"))
    assert len(json.loads(ok(rollout("freeze", "list", "--json")).stdout)) == 1


def test_one_refusal_names_every_date_it_would_force(rollout, db_path):
    ok(rollout("freeze", "add", "NL", "--from", "2027-02-01", "--to", "2027-02-14", "--reason", "Carnival", "--blocks"))
    before = stored(db_path)
    line = refused(rollout("shift", "NL", "--by", "1w", "--with-promos"), db_path, before, "--force")
    assert (
        "launch of NL on 2027-02-02 is inside freeze f1" in line and "start of promotion p61 (NL) on 2027-02-02" in line
    )
    forced = ok(rollout("shift", "NL", "--by", "1w", "--with-promos", "--force")).stderr
    assert "forced: launch of NL on 2027-02-02" in forced and "forced: start of promotion p61" in forced


def test_an_import_notes_dates_inside_a_window_as_imported(rollout, empty_db_path, tmp_path):
    ok(rollout("freeze", "add", "NL", "--from", "2027-01-20", "--to", "2027-01-31", "--reason", "Peak", "--blocks"))
    dump = tmp_path / "dump.json"
    ok(rollout("export", "-o", str(dump)))
    warnings = ok(rollout("import", str(dump), db=empty_db_path)).stderr
    assert "imported: launch of NL on 2027-01-26 is inside freeze f1" in warnings and "forced" not in warnings


def test_a_batch_line_into_a_blocking_window_is_named(rollout, db_path, tmp_path):
    ok(rollout("freeze", "add", "PL", "--from", "2027-03-01", "--to", "2027-03-10", "--reason", "Peak", "--blocks"))
    before = stored(db_path)
    edits = tmp_path / "edits.txt"
    edits.write_text(
        "region set NL --owner li\n\n# the sale\npromo add PL Sale --start 2027-03-05 --end 2027-03-08\n"
        "region set DE --owner li\n"
    )
    line = refused(rollout("batch", str(edits)), db_path, before, "inside freeze f1", "--force")
    assert line.startswith(f"Error: {edits} line 4: start of promotion p")


def test_a_window_that_does_not_block_warns_on_the_change(rollout):
    ok(rollout("freeze", "add", "PL", "--from", "2027-01-20", "--to", "2027-01-31", "--reason", "Stock count"))
    result = ok(rollout("region", "set", "PL", "--launch", "2027-01-22"))
    assert (
        "Warning: launch of PL on 2027-01-22 is inside freeze f1 2027-01-20..2027-01-31: Stock count" in result.stderr
    )


# -- export and import -----------------------------------------------------------------------------
def test_export_import_round_trip_of_every_outcome(rollout, tmp_path):
    ok(rollout("kpi", "target", "NL", "--period", "2027-Q1", "--gmv", "3000000"))
    ok(rollout("kpi", "actual", "--promo", "p61", "--gmv", "61000.5"))
    ok(rollout("fx", "set", "EUR", "USD", "1.08", "--period", "2027-Q1"))
    ok(rollout("signoff", "request", "NL", "--approvers", "tester,li"))
    ok(rollout("signoff", "approve", "NL"))
    ok(rollout("freeze", "add", "wave=5", "--from", "2027-02-10", "--to", "2027-02-12", "--reason", "Stock count"))
    for fmt, out in (("json", f"{tmp_path}/all.json"), ("csv", f"{tmp_path}/sheets/")):
        ok(rollout("export", "--format", fmt, "-o", out))
    sheets = sorted(str(p) for p in (tmp_path / "sheets").iterdir())
    assert [Path(p).name for p in sheets] == [
        "checklist.csv", "freezes.csv", "fx.csv", "kpis.csv", "promotions.csv", "regions.csv", "signoffs.csv"
    ]  # fmt: skip
    original = json.loads((tmp_path / "all.json").read_text())
    for source, name in (([str(tmp_path / "all.json")], "a.json"), (sheets, "b.json")):
        db = str(tmp_path / name)
        ok(rollout("--db", db, "init", "--empty"))
        ok(rollout("--db", db, "import", *source))
        ok(rollout("--db", db, "export", "-o", str(tmp_path / f"again-{name}")))
        again = json.loads((tmp_path / f"again-{name}").read_text())
        for kind in ("kpis", "fx", "signoffs", "freezes", "regions", "promotions"):
            assert again[kind] == original[kind], (source, kind)
        assert json.loads(ok(rollout("--db", db, "signoff", "show", "NL", "--json")).stdout)["state"] == "pending"
    report = ok(rollout("export", "--format", "markdown")).stdout
    assert "## GMV against target" in report and "| NL | 2027-Q1 | 3,000,000.00 EUR | - | - |" in report


def test_an_export_without_outcomes_is_as_before(rollout, tmp_path):
    ok(rollout("export", "-o", str(tmp_path / "x.json")))
    assert set(json.loads((tmp_path / "x.json").read_text())) == {
        "rollout_export", "exported_at", "regions", "checklist", "promotions"
    }  # fmt: skip
    assert "GMV" not in ok(rollout("export", "--format", "markdown")).stdout


SETUP = {
    "signoff approve": [("signoff", "request", "NL", "--approvers", "tester")],
    "signoff reject": [("signoff", "request", "NL", "--approvers", "tester")],
    "fx remove": [("fx", "set", "EUR", "USD", "1.1", "--period", "2027-01")],
    "freeze remove": [("freeze", "add", "NL", "--from", "2027-02-01", "--to", "2027-02-02", "--reason", "x")],
}
CHANGES = {
    "signoff request": ("signoff", "request", "NL", "--approvers", "tester,li"),
    "signoff approve": ("signoff", "approve", "NL"),
    "signoff reject": ("signoff", "reject", "NL", "--note", "no"),
    "kpi target": ("kpi", "target", "NL", "--period", "2027-Q1", "--gmv", "10"),
    "kpi actual": ("kpi", "actual", "--promo", "p61", "--gmv", "10.5"),
    "fx set": ("fx", "set", "EUR", "USD", "1.1", "--period", "2027-01"),
    "fx remove": ("fx", "remove", "EUR", "USD", "--period", "2027-01"),
    "freeze add": ("freeze", "add", "all", "--from", "2027-02-01", "--to", "2027-02-02", "--reason", "x"),
    "freeze remove": ("freeze", "remove", "f1"),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_undo_takes_each_change_back(rollout, db_path, name):
    from rollout.db import Database

    for setup in SETUP.get(name, []):
        ok(rollout(*setup))
    before = Database(db_path).load().data()
    ok(rollout(*CHANGES[name]))
    assert Database(db_path).load().data() != before
    ok(rollout("undo"))
    assert Database(db_path).load().data() == before


def test_a_batch_runs_the_outcome_commands_as_one_change(rollout, db_path, tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text(
        "signoff request NL --approvers tester\n"
        "kpi target NL --period 2027-01 --gmv 100\n"
        "fx set EUR USD 1.1 --period 2027-01\n"
        "freeze add PL --from 2027-03-10 --to 2027-03-20 --reason 'Stock count' --blocks\n"
        "signoff approve NL\n"
        "region set NL --status launched\n",
        encoding="utf-8",
    )
    result = ok(rollout("batch", str(plan)))
    assert (
        "1 sign-off added, 1 KPI added, 1 exchange rate added, 1 freeze window added, 1 region changed" in result.stdout
    )
    plan.write_text("kpi actual NL --period 2027-01 --gmv 1e3\n", encoding="utf-8")
    before = stored(db_path)
    refused(rollout("batch", str(plan)), db_path, before, "line 1", "exponents")
