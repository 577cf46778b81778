"""GMV numbers on every command that takes them (kpi target/actual/import, fx set, import of JSON and
CSV, batch): an amount or rate out of bounds is one `Error:` line with the database unchanged, doctor
names one stored before the bounds, rates print as typed (never 1E-7), the total counts a month and
its quarter once, and a file setting one actual or rate twice is refused naming both lines."""

from __future__ import annotations

import json

import pytest
from databases import stored
from results import ok, refused

BIG = "999999999999999999999999999999"  # 30 digits: past Decimal's default 28


AMOUNT_TOO_LARGE = "an amount must be less than 10^18"
EXPORT_KPIS = "id,region,period,promo,currency,target,actual\n"
# Each way in: (files written first, the command, the words of its one error line).
WAYS_IN = {
    "kpi actual": ({}, ("kpi", "actual", "JP", "--period", "2027-01", "--gmv", BIG), (f"'{BIG}'", AMOUNT_TOO_LARGE)),
    "kpi target promo": ({}, ("kpi", "target", "--promo", "p61", "--gmv", BIG), (AMOUNT_TOO_LARGE,)),
    "kpi import": (
        {"a.csv": f"region,period,gmv\nNL,2027-01,5\nJP,2027-01,{BIG}\n"},
        ("kpi", "import", "{a.csv}"),
        ("a.csv line 3", AMOUNT_TOO_LARGE),
    ),
    "import gmv csv": (
        {"a.csv": f"region,period,gmv\nJP,2027-01,{BIG}\n"},
        ("import", "{a.csv}"),
        ("a.csv line 2", AMOUNT_TOO_LARGE),
    ),
    "import kpis csv": (
        {"kpis.csv": EXPORT_KPIS + f"JP/2027-01,JP,2027-01,,JPY,{BIG},\n"},
        ("import", "{kpis.csv}"),
        ("kpis.csv line 2", AMOUNT_TOO_LARGE),
    ),
    "import json": (
        {"all.json": json.dumps({"rollout_export": 1, "kpis": [{"region": "JP", "period": "2027-01", "actual": BIG}]})},
        ("import", "{all.json}"),
        ("all.json line 1", AMOUNT_TOO_LARGE),
    ),
    "batch": (
        {"plan.txt": f"kpi target NL --period 2027-01 --gmv 5\nkpi actual JP --period 2027-01 --gmv {BIG}\n"},
        ("batch", "{plan.txt}"),
        ("line 2", AMOUNT_TOO_LARGE),
    ),
    "fx set": (
        {},
        ("fx", "set", "EUR", "USD", "1000000000000", "--period", "2027-01"),
        ("a rate must be less than 10^12",),
    ),
    "fx set decimals": (
        {},
        ("fx", "set", "IRR", "USD", "0.0000000000000000001", "--period", "2027-01"),
        ("invalid rate '0.0000000000000000001': a rate has at most 18 decimals",),
    ),
    "import fx csv": (
        {"fx.csv": "base,quote,rate,period\nIRR,USD,0.0000000000000000001,2027-01\n"},
        ("import", "{fx.csv}"),
        ("fx.csv line 2", "at most 18 decimals"),
    ),
    "batch fx": (
        {"plan.txt": "fx set EUR USD 1000000000000 --period 2027-01\n"},
        ("batch", "{plan.txt}"),
        ("line 1", "less than 10^12"),
    ),
}


@pytest.mark.parametrize("way", sorted(WAYS_IN))
def test_an_amount_or_rate_out_of_bounds_is_refused_on_every_way_in(rollout, db_path, tmp_path, way):
    files, args, words = WAYS_IN[way]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ok(rollout("status"))
    before = stored(db_path)
    paths = {f"{{{name}}}": str(tmp_path / name) for name in files}
    refused(rollout(*(paths.get(a, a) for a in args)), db_path, before, *words)
    assert "No GMV recorded." in ok(rollout("kpi")).stdout


def test_a_stored_amount_past_the_bounds_is_named_by_doctor_and_reported_without_a_crash(rollout, db_path):
    out = ok(rollout("kpi", "actual", "JP", "--period", "2027-01", "--gmv", "999999999999999999")).stdout
    assert out == "JP 2027-01: target -, actual 999,999,999,999,999,999 JPY\n"  # the largest amount is taken
    document = json.loads(db_path.read_text(encoding="utf-8"))
    (record,) = document["kpis"].values()
    record["actual"] = BIG  # as a file written before the bounds holds it
    db_path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    result = rollout("doctor")
    assert result.exit_code == 1
    assert f"KPI JP/2027-01: actual '{BIG}' is not valid ({AMOUNT_TOO_LARGE}" in result.stdout
    assert "999,999,999,999,999,999,999,999,999,999 JPY" in ok(rollout("kpi", "JP")).stdout
    assert "999,999,999,999,999,999,999,999,999,999 JPY" in ok(rollout("export", "--format", "markdown")).stdout


# -- rates as typed --------------------------------------------------------------------------------
def test_a_tiny_rate_is_taken_stored_and_shown_as_typed(rollout, empty_db_path, tmp_path):
    assert ok(rollout("fx", "set", "IRR", "USD", "0.0000001", "--period", "2027-02")).stdout == (
        "2027-02: 1 IRR = 0.0000001 USD\n"
    )
    again = ok(rollout("fx", "set", "IRR", "USD", "0.0000001", "--period", "2027-02")).stdout
    assert again == "Nothing changed: IRR/USD/2027-02 is already 0.0000001.\n"
    ok(rollout("fx", "set", "IRR", "EUR", "0.00000100", "--period", "2027-02"))
    assert ok(rollout("fx", "list")).stdout.splitlines()[1:] == [
        "IRR   EUR    2027-02  0.00000100",
        "IRR   USD    2027-02  0.0000001",
    ]
    rates = json.loads(ok(rollout("fx", "list", "--json")).stdout)
    assert [r["rate"] for r in rates] == ["0.00000100", "0.0000001"]
    assert (
        "IRR/USD/2027-02,IRR,USD,2027-02,0.0000001" in ok(rollout("export", "--format", "csv", "--what", "fx")).stdout
    )
    ok(rollout("export", "--what", "fx", "-o", str(tmp_path / "fx.json")))
    ok(rollout("import", str(tmp_path / "fx.json"), db=empty_db_path))
    restored = json.loads(ok(rollout("fx", "list", "--json", db=empty_db_path)).stdout)
    assert restored == rates


def test_a_report_converted_at_a_tiny_rate_is_positional(rollout):
    ok(rollout("region", "set", "NL", "--currency", "IRR"))
    ok(rollout("kpi", "target", "NL", "--period", "2027-02", "--gmv", "10"))
    ok(rollout("kpi", "actual", "NL", "--period", "2027-02", "--gmv", "0"))
    ok(rollout("fx", "set", "IRR", "USD", "0.0000001", "--period", "2027-02"))
    total = json.loads(ok(rollout("kpi", "report", "NL", "--json")).stdout)["total"]
    assert total == {
        "currency": "USD",
        "target": "0.00",
        "actual": "0.00",
        "attainment": "0.0",
        "missing_rates": [],
        "unmatched": [],
    }


# -- months and quarters ------------------------------------------------------------------------------
@pytest.fixture
def quarter(rollout):  # noqa: ANN001, ANN201
    """NL: targets for 2027-Q1 (3,000,000) and 2027-01 (1,000,000), actuals for January and February,
    EUR/USD rates for Q1 (1.08), January (1.14) and February (1.10)."""
    ok(rollout("kpi", "target", "NL", "--period", "2027-Q1", "--gmv", "3000000"))
    ok(rollout("kpi", "target", "NL", "--period", "2027-01", "--gmv", "1000000"))
    ok(rollout("kpi", "actual", "NL", "--period", "2027-01", "--gmv", "800000"))
    ok(rollout("kpi", "actual", "NL", "--period", "2027-02", "--gmv", "900000.50"))
    for period, rate in (("2027-Q1", "1.08"), ("2027-01", "1.14"), ("2027-02", "1.10")):
        ok(rollout("fx", "set", "EUR", "USD", rate, "--period", period))
    return rollout


def test_the_total_counts_a_quarter_once(quarter):
    text = ok(quarter("kpi", "NL")).stdout
    assert text.endswith(
        "Total in USD: target 3,240,000.00 USD, actual 1,902,000.55 USD, attainment 58.7 %\n"
    )  # not 4,380,000.00: January's target is inside Q1's
    assert "NL      2027-Q1  3,000,000.00 EUR  1,700,000.50 EUR (months)  56.7 %" in text
    assert "(months): not recorded for the quarter itself: the sum of its months." in text


def test_a_quarter_asked_for_shows_its_months_summed(quarter):
    shown = json.loads(ok(quarter("kpi", "report", "NL", "--period", "2027-Q1", "--json")).stdout)
    (row,) = shown["periods"]
    assert (row["actual"], row["attainment"], row["rolled_up"]) == ("1700000.50", "56.7", ["actual"])
    assert shown["total"]["actual"] == "1902000.55"
    text = ok(quarter("kpi", "NL", "--period", "2027-Q1")).stdout
    assert "- " not in text.splitlines()[1]  # the actual is not "-"


def test_the_markdown_report_marks_a_rolled_up_figure(quarter):
    report = ok(quarter("export", "--format", "markdown")).stdout
    assert "| NL | 2027-Q1 | 3,000,000.00 EUR | 1,700,000.50 EUR (months) | 56.7% |" in report
    assert "Total in USD: target 3,240,000.00 USD, actual 1,902,000.55 USD, attainment 58.7 %." in report


# -- one key twice ------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["kpi import", "import"])
def test_an_actuals_csv_setting_one_actual_twice_is_refused(rollout, db_path, tmp_path, command):
    sheet = tmp_path / "actuals.csv"
    sheet.write_text("region,period,gmv\nNL,2027-01,100\nPL,2027-01,5\nnl,2027-01,200\n", encoding="utf-8")
    ok(rollout("status"))
    before = stored(db_path)
    line = refused(
        rollout(*command.split(), str(sheet)), db_path, before, "actuals.csv line 4: NL/2027-01 appears twice"
    )
    assert line.endswith(("(also line 2)", "actuals.csv line 2)"))


def test_a_promotion_set_twice_in_an_actuals_csv_is_refused(rollout, db_path, tmp_path):
    sheet = tmp_path / "actuals.csv"
    sheet.write_text("promo,gmv\np61,100\nP61,200\n", encoding="utf-8")
    ok(rollout("status"))
    before = stored(db_path)
    refused(rollout("kpi", "import", str(sheet)), db_path, before, "actuals.csv line 3: p61 appears twice", "line 2")


def test_a_rates_csv_without_ids_setting_one_rate_twice_is_refused(rollout, db_path, tmp_path):
    sheet = tmp_path / "fx.csv"
    sheet.write_text("base,quote,rate,period\nEUR,USD,1.1,2027-01\neur,usd,1.2,2027-01\n", encoding="utf-8")
    ok(rollout("status"))
    before = stored(db_path)
    refused(rollout("import", str(sheet)), db_path, before, "fx.csv line 3: EUR/USD/2027-01 appears twice", "line 2")
