"""The numbers of GMV: amounts and rates within bounds on every path, sums and attainment exact for
any value the bounds allow, decimals always positional (never 1E-7), a month never counted again
inside its quarter, and a file that sets one actual twice refused."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from rollout import doctor, exchange, kpi, money, ops, schema
from rollout.errors import InvalidValue, RolloutError
from rollout.state import State

BIG = "999999999999999999999999999999"  # 30 digits: more than Decimal's default 28-digit context


def _region(state: State, code: str, currency: str) -> None:
    ops.add_region(state, code, name=code, timezone="UTC", currency=currency, launch="2027-03-01")


# -- bounds -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [BIG, "1000000000000000000", "1000000000000000000.00"])
def test_an_amount_of_10_to_the_18_or_more_is_refused_quoting_it(state: State, text: str):
    with pytest.raises(InvalidValue, match=rf"invalid actual GMV '{text}': an amount must be less than 10\^18"):
        kpi.set_gmv(state, "actual", text, code="NL", period="2027-01")
    assert state.tables["kpis"] == {}
    # The largest amount below the bound is taken and reported.
    kpi.set_gmv(state, "target", "999999999999999999.99", code="NL", period="2027-01")
    kpi.set_gmv(state, "actual", "999999999999999999.99", code="NL", period="2027-01")
    (row,) = kpi.report(state, ["NL"], reporting="EUR")["periods"]
    assert (row["target"], row["attainment"]) == ("999999999999999999.99", "100.0")
    assert kpi.describe(state.tables["kpis"]["NL/2027-01"]).startswith("NL 2027-01: target 999,999,999,999,999,999.99")


def test_every_path_that_sets_an_amount_or_rate_keeps_the_bounds(state: State):
    (promo,) = ops.add_promotions(state, ["NL"], "Launch", start="2027-03-01", end="2027-03-08")
    with pytest.raises(InvalidValue, match="less than 10\\^18"):
        kpi.set_gmv(state, "target", BIG, promo=promo["id"])
    with pytest.raises(InvalidValue, match="actuals.csv line 3: .*less than 10\\^18"):
        kpi.import_actuals(state, "actuals.csv", f"region,period,gmv\nNL,2027-01,1\nNL,2027-02,{BIG}\n")
    with pytest.raises(InvalidValue, match="less than 10\\^18"):
        kpi.put_record(state, {"region": "NL", "period": "2027-01", "target": BIG})
    rows = exchange.parse_csv("fx.csv", "base,quote,rate,period\nEUR,USD,1000000000000,2027-01\n")
    with pytest.raises(RolloutError, match="fx.csv line 2: .*a rate must be less than 10\\^12"):
        exchange.apply_rows(state, rows, "tester")


@pytest.mark.parametrize(
    ("rate", "reason"),
    [
        ("1000000000000", "a rate must be less than 10^12"),
        ("0.0000000000000000001", "a rate has at most 18 decimals"),
    ],
)
def test_a_rate_out_of_bounds_is_refused_quoting_what_was_typed(state: State, rate: str, reason: str):
    with pytest.raises(InvalidValue) as caught:
        kpi.set_rate(state, "IRR", "USD", f" {rate} ", "2027-02")
    assert str(caught.value) == f"invalid rate '{rate}': {reason}"
    assert state.tables["fx_rates"] == {}


def test_the_widest_rates_allowed_are_stored(state: State):
    assert kpi.set_rate(state, "XAU", "IRR", "999999999999.999999999999999999", "2027-01")["rate"] == (
        "999999999999.999999999999999999"
    )
    assert kpi.set_rate(state, "IRR", "XAU", "0.000000000000000001", "2027-01")["rate"] == "0.000000000000000001"


@pytest.mark.parametrize(
    ("table", "field", "value", "problem"),
    [
        ("kpis", "actual", BIG, "less than 10^18"),
        ("kpis", "target", "1000000000000000000", "less than 10^18"),
        ("fx_rates", "rate", "1000000000000", "less than 10^12"),
        ("fx_rates", "rate", "0.0000000000000000001", "at most 18 decimals"),
    ],
)
def test_doctor_reports_a_stored_amount_or_rate_out_of_bounds(state: State, table, field, value, problem):
    kpi.set_gmv(state, "target", "100", code="NL", period="2027-01")
    kpi.set_rate(state, "EUR", "USD", "1.08", "2027-01")
    document = state.document()
    (record,) = document[table].values()
    record[field] = value  # as a hand-edited file, or one written before the bounds, holds it
    messages = [f.message for f in doctor.check_document(document)]
    assert any(problem in m and field in m for m in messages), messages
    kind = schema.KINDS[table]
    assert any(problem in p.describe("x") for p in kind.problems(record))


def test_a_stored_amount_beyond_the_bounds_never_crashes_the_report(state: State):
    """A file written before the bounds may hold 30 digits: the report shows it (doctor names it)."""
    kpi.set_gmv(state, "target", "1", code="NL", period="2027-01")
    state.tables["kpis"]["NL/2027-01"] = {**state.tables["kpis"]["NL/2027-01"], "actual": BIG}
    shown = kpi.report(state, ["NL"], reporting="EUR")
    assert shown["total"]["actual"] == BIG + ".00"
    assert shown["periods"][0]["attainment"] == BIG + "00.0"
    assert money.display(BIG, "EUR").startswith("999,999,999,999,999,999,999,999,999,999.00")


# -- exact arithmetic ----------------------------------------------------------------------------
def test_the_total_is_exact_for_the_largest_amounts_and_rates_allowed(state: State):
    """Amounts of 18 digits and 4 decimals at rates of 12 digits and 18 decimals: products of 52
    digits, far past the default 28, added without a digit lost."""
    _region(state, "CL", "CLF")  # 4 decimals
    _region(state, "KW", "KWD")  # 3 decimals
    figures = {"CL": ("999999999999999999.9999", "0.0001"), "KW": ("999999999999999999.999", "3.3")}
    rates = {"CL": "999999999999.999999999999999999", "KW": "0.000000000000000007"}
    for code, (target, actual) in figures.items():
        kpi.set_gmv(state, "target", target, code=code, period="2027-01")
        kpi.set_gmv(state, "actual", actual, code=code, period="2027-01")
        kpi.set_rate(state, state.region(code)["currency"], "USD", rates[code], "2027-01")
    total = kpi.report(state, ["CL", "KW"], reporting="USD")["total"]
    exact_target = sum(Fraction(figures[c][0]) * Fraction(rates[c]) for c in figures)
    exact_actual = sum(Fraction(figures[c][1]) * Fraction(rates[c]) for c in figures)
    assert Fraction(total["target"]) == round(exact_target * 100) / Fraction(100)
    assert Fraction(total["actual"]) == round(exact_actual * 100) / Fraction(100)
    assert total["target"] == "999999999999999999999900000006.00"
    assert total["attainment"] == "0.0"


def test_attainment_rounds_half_even_on_the_exact_quotient():
    """A converted total carries up to 64 digits: a quotient of 12.34999... (40 nines) is 12.3, not
    the 12.4 a 28-digit division rounding to 12.35 first would give."""
    assert money.percent(Decimal("0.1234" + "9" * 40), Decimal(1)) == Decimal("12.3")
    assert money.percent(Decimal("0.1235"), Decimal(1)) == Decimal("12.4")  # a tie: to the even tenth
    assert money.percent(Decimal("0.1225"), Decimal(1)) == Decimal("12.2")
    assert money.percent(Decimal(1), Decimal(3)) == Decimal("33.3")
    assert money.percent(Decimal(0), Decimal(0)) is None


# -- positional decimals ----------------------------------------------------------------------------
def test_a_rate_is_stored_positional_as_typed(state: State):
    """Whatever its size: 0.0000001 was stored as str()'s 1E-7 and refused, 0.00000100 taken."""
    typed = {
        "2027-01": ("0.0000001", "0.0000001"),
        "2027-02": ("0.000000000000000001", "0.000000000000000001"),
        "2027-03": ("0.00000100", "0.00000100"),
        "2027-04": ("000.5", "0.5"),
    }
    for period, (text, kept) in typed.items():
        assert kpi.set_rate(state, "IRR", "USD", text, period)["rate"] == kept


def test_plain_never_writes_an_exponent():
    for value, text in (("1E-7", "0.0000001"), ("1E+3", "1000"), ("0E-8", "0.00000000"), ("12.50", "12.50")):
        assert money.plain(Decimal(value)) == text
        assert money.stored(Decimal(value)) == text


def test_report_figures_are_positional(state: State):
    _region(state, "IR", "IRR")
    kpi.set_gmv(state, "target", "0", code="IR", period="2027-02")
    kpi.set_gmv(state, "actual", "10", code="IR", period="2027-02")
    kpi.set_rate(state, "IRR", "USD", "0.0000001", "2027-02")
    shown = kpi.report(state, ["IR"], reporting="USD")
    assert shown["total"] == {
        "currency": "USD", "target": "0.00", "actual": "0.00", "attainment": None, "missing_rates": [], "unmatched": []
    }  # fmt: skip
    assert kpi.rates(state)[0]["rate"] == "0.0000001"


# -- months and quarters -------------------------------------------------------------------------------
@pytest.fixture
def quarter(state: State) -> State:
    """NL: a Q1 target of 3,000,000 EUR and a January one of 1,000,000; actuals for January and
    February only; EUR/USD rates for Q1 (1.08), January (1.14) and February (1.10)."""
    kpi.set_gmv(state, "target", "3000000", code="NL", period="2027-Q1")
    kpi.set_gmv(state, "target", "1000000", code="NL", period="2027-01")
    kpi.set_gmv(state, "actual", "800000", code="NL", period="2027-01")
    kpi.set_gmv(state, "actual", "900000.50", code="NL", period="2027-02")
    for period, rate in (("2027-Q1", "1.08"), ("2027-01", "1.14"), ("2027-02", "1.10")):
        kpi.set_rate(state, "EUR", "USD", rate, period)
    return state


def test_the_total_never_adds_a_month_and_its_quarter(quarter: State):
    total = kpi.report(quarter, ["NL"])["total"]
    # target: Q1's own 3,000,000 at 1.08 (January's is inside it, not added again: 4,380,000 was wrong);
    # actual: Q1 has none of its own, so its months, each at its month's rate.
    assert total["target"] == "3240000.00"
    assert total["actual"] == "1902000.55"  # 800,000 x 1.14 + 900,000.50 x 1.10
    assert total["attainment"] == "58.7"  # 1,902,000.55 / 3,240,000


def test_a_quarter_without_an_actual_shows_the_sum_of_its_months(quarter: State):
    shown = kpi.report(quarter, ["NL"], period="2027-Q1")
    assert shown["periods"] == [
        {
            "region": "NL",
            "period": "2027-Q1",
            "currency": "EUR",
            "target": "3000000",
            "actual": "1700000.50",
            "attainment": "56.7",
            "rolled_up": ["actual"],
        }
    ]
    assert shown["total"]["target"] == "3240000.00" and shown["total"]["actual"] == "1902000.55"
    assert kpi.report(quarter, ["NL"], period="2027-01")["total"]["target"] == "1140000.00"


def test_a_quarter_of_months_alone_is_rolled_up_when_asked_for(state: State):
    kpi.set_gmv(state, "target", "100", code="NL", period="2027-04")
    kpi.set_gmv(state, "target", "200.50", code="NL", period="2027-05")
    kpi.set_gmv(state, "actual", "150", code="NL", period="2027-06")
    full = kpi.report(state, ["NL"], reporting="EUR")
    assert [r["period"] for r in full["periods"]] == ["2027-04", "2027-05", "2027-06"]
    assert full["total"]["target"] == "300.50"
    (row,) = kpi.report(state, ["NL"], period="2027-q2", reporting="EUR")["periods"]
    assert (row["target"], row["actual"], row["rolled_up"]) == ("300.50", "150", ["target", "actual"])
    assert kpi.report(state, ["NL"], period="2027-Q3", reporting="EUR")["periods"] == []


def test_a_quarter_needs_only_the_rates_of_what_it_counts(state: State):
    kpi.set_gmv(state, "target", "3000", code="NL", period="2027-Q1")
    kpi.set_gmv(state, "target", "1000", code="NL", period="2027-01")
    kpi.set_gmv(state, "actual", "900", code="NL", period="2027-01")
    assert kpi.report(state, ["NL"])["total"]["missing_rates"] == ["EUR/USD/2027-01", "EUR/USD/2027-Q1"]
    kpi.set_gmv(state, "actual", "2900", code="NL", period="2027-Q1")
    assert kpi.report(state, ["NL"])["total"]["missing_rates"] == ["EUR/USD/2027-Q1"]


def test_the_tui_rows_roll_a_quarter_up_like_the_report(quarter: State):
    from rollout.tui.widgets.kpi import period_lines

    rows = kpi.period_rows(quarter, "NL")
    assert rows == kpi.report(quarter, ["NL"])["periods"]
    assert "1,700,000.50 (months) / 3,000,000.00 EUR  56.7 %" in period_lines(rows)[-1]


# -- a key set twice --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "region,period,gmv\nNL,2027-01,100\nNL,2027-02,5\nnl,2027-01,200\n",
        "region;period;gmv\nNL;2027-q1;100\nNL;2027-02;5\nNL;2027-Q1;100\n",
    ],
)
def test_an_actuals_csv_setting_one_actual_twice_is_refused_naming_both_lines(state: State, text: str):
    with pytest.raises(
        InvalidValue, match=r"^a\.csv line 4: NL/2027-(01|Q1) appears twice in this file \(also line 2\)"
    ):
        kpi.import_actuals(state, "a.csv", text)


def test_a_promotion_set_twice_is_refused_too(state: State):
    (promo,) = ops.add_promotions(state, ["NL"], "Launch", start="2027-03-01", end="2027-03-08")
    text = f"promo,gmv\n{promo['id']},100\n{promo['id'].upper()},200\n"
    with pytest.raises(InvalidValue, match=rf"a\.csv line 3: {promo['id']} appears twice in this file \(also line 2\)"):
        kpi.import_actuals(state, "a.csv", text)


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("gmv.csv", "region,period,gmv\nNL,2027-01,100\nNL,2027-01,200\n", "NL/2027-01"),
        ("kpis.csv", "region,period,target\nNL,2027-01,100\nnl,2027-01,200\n", "NL/2027-01"),
        ("fx.csv", "base,quote,rate,period\nEUR,USD,1.1,2027-01\neur,usd,1.2,2027-01\n", "EUR/USD/2027-01"),
    ],
)
def test_rollout_import_refuses_one_kpi_or_rate_set_twice(state: State, name: str, text: str, key: str):
    rows = exchange.parse_csv(name, text)
    with pytest.raises(
        RolloutError, match=rf"^{name} line 3: {key} appears twice in this import \(also {name} line 2\)"
    ):
        exchange.apply_rows(state, rows, "tester")


def test_an_imported_kpi_row_must_name_its_own_record(state: State):
    with pytest.raises(InvalidValue, match=r"id 'NL/2027-02' is not this KPI's \(NL/2027-01"):
        kpi.put_record(state, {"id": "NL/2027-02", "region": "NL", "period": "2027-01", "target": "1"})
    assert kpi.put_record(state, {"id": "nl/2027-01", "region": "NL", "period": "2027-01", "target": "1"})


@pytest.mark.parametrize("named", ["USD", "jpy"])
def test_an_imported_kpi_row_in_another_currency_is_refused(state: State, named: str):
    row = {"id": "NL/2027-05", "region": "NL", "period": "2027-05", "currency": named, "target": "100"}
    with pytest.raises(InvalidValue, match=rf"currency {named} is not the currency of NL \(EUR\)"):
        kpi.put_record(state, row)
    assert kpi.put_record(state, {**row, "currency": "eur"})["target"] == "100"  # its own, in any case
    text = "id,region,period,promo,currency,target,actual\nNL/2027-06,NL,2027-06,,USD,100,\n"
    with pytest.raises(RolloutError, match=r"^k.csv line 2: currency USD is not the currency of NL"):
        exchange.apply_rows(state, exchange.parse_csv("k.csv", text), "tester")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,5", "a decimal comma"),
        ("1234,56", "a decimal comma"),
        ("1,000", "thousands separators"),
        ("1 000,5", "thousands"),
    ],
)
def test_a_comma_is_named_for_what_it_most_likely_is(text: str, reason: str):
    with pytest.raises(InvalidValue, match=rf"invalid rate '{text}': {reason}"):
        money.parse_rate(text)


def test_the_attainment_is_over_region_periods_with_both_figures(state: State):
    """An actual without its target (or a target not yet reported against) stays in the totals but
    out of the attainment, and is named: otherwise 48,000,000 EUR against 10 EUR reads 480,000,000 %."""
    _region(state, "PL", "EUR")
    kpi.set_gmv(state, "actual", "48000000", code="NL", period="2027-01")
    kpi.set_gmv(state, "target", "10", code="PL", period="2027-01")
    total = kpi.report(state, ["NL", "PL"], reporting="EUR")["total"]
    assert (total["target"], total["actual"], total["attainment"]) == ("10.00", "48000000.00", None)
    assert total["unmatched"] == ["NL 2027-01: actual without target", "PL 2027-01: target without actual"]
    kpi.set_gmv(state, "target", "60000000", code="NL", period="2027-01")
    total = kpi.report(state, ["NL", "PL"], reporting="EUR")["total"]
    assert (total["attainment"], total["unmatched"]) == ("80.0", ["PL 2027-01: target without actual"])


def test_a_quarter_target_pairs_with_its_months_actuals(state: State):
    kpi.set_gmv(state, "target", "300", code="NL", period="2027-Q1")
    kpi.set_gmv(state, "actual", "100", code="NL", period="2027-01")
    kpi.set_gmv(state, "actual", "50", code="NL", period="2027-02")
    total = kpi.report(state, ["NL"], reporting="EUR")["total"]
    assert (total["attainment"], total["unmatched"]) == ("50.0", [])
