"""Core rules of the outcomes: money and periods, GMV targets and actuals with exchange rates,
go/no-go sign-offs that go stale with their scope, and freeze windows."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from rollout import freeze, kpi, money, ops, periods, signoff
from rollout.db import Database
from rollout.errors import InvalidValue, NotFound, Refused, RolloutError
from rollout.state import State

# -- money -------------------------------------------------------------------------------------
# A sample of ISO 4217 list one (SIX, the maintenance agency): code -> minor units.
ISO_SAMPLE = {
    "EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "KRW": 0, "VND": 0, "ISK": 0, "CLP": 0, "XOF": 0, "BHD": 3,
    "KWD": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3, "OMR": 3, "CLF": 4, "UYW": 4, "HUF": 2, "IDR": 2,
    "TWD": 2, "MGA": 2, "MRU": 2, "CHF": 2, "CNY": 2, "INR": 2, "XAU": None, "XDR": None, "XTS": None,
}  # fmt: skip


def test_minor_units_follow_iso_4217_on_a_sample():
    for code, digits in ISO_SAMPLE.items():
        assert money.MINOR_UNITS[code] == digits, code


def test_every_bundled_region_currency_has_minor_units():
    regions = json.loads((Path(__file__).parents[2] / "data" / "regions.json").read_text())
    rows = regions if isinstance(regions, list) else list(regions.values())
    for region in rows:
        assert region["currency"] in money.MINOR_UNITS, region["code"]


def test_every_active_pycountry_currency_is_in_the_table():
    """pycountry lists ISO 4217 codes (without minor units): every one still current is pinned."""
    import pycountry

    withdrawn = {"HRK", "SLL", "ZWL", "CUC", "VEF", "STD", "MRO", "BYR", "LTL", "LVL", "EEK", "SKK", "CYP", "MTL"}
    missing = sorted(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in money.MINOR_UNITS)
    assert set(missing) <= withdrawn, missing


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("1e3", "EUR", "exponents"),
        ("1E+3", "EUR", "exponents"),
        ("NaN", "EUR", "NaN"),
        ("inf", "EUR", "infinities"),
        ("-Infinity", "EUR", "infinities"),
        ("1.234", "EUR", "EUR amounts have 2 decimals"),
        ("1.5", "JPY", "JPY amounts have no decimals"),
        ("1.2345", "BHD", "BHD amounts have 3 decimals"),
        ("1,000", "EUR", "thousands separators"),
        ("1 000", "EUR", "thousands separators"),
        ("1_000", "EUR", "thousands separators"),
        ("1.000.000", "EUR", "thousands separators"),
        ("١٢٣", "EUR", "digits 0-9"),
        ("１２", "EUR", "digits 0-9"),
        ("-5", "EUR", "at least 0"),
        ("+5", "EUR", "without a sign"),
        ("", "EUR", "empty"),
        ("0x10", "EUR", "expected decimal text"),
        (".5", "EUR", "expected decimal text"),
    ],
)
def test_bad_amounts_are_refused_with_the_reason(text, currency, reason):
    with pytest.raises(InvalidValue, match=reason):
        money.parse_amount(text, currency)


def test_amounts_are_exact_decimals_rounded_once_at_display():
    value = money.parse_amount(" 1250.50 ", "EUR")
    assert value == Decimal("1250.50") and money.stored(value) == "1250.50"
    assert money.parse_amount("0.125", "BHD") == Decimal("0.125")
    assert money.display("1234567.5", "EUR") == "1,234,567.50 EUR"
    assert money.display(Decimal("0.125"), "EUR") == "0.12 EUR"  # half-even, once
    assert money.display("120000000", "JPY") == "120,000,000 JPY"


@pytest.mark.parametrize(
    ("text", "stored"),
    [("2027-01", "2027-01"), (" 2027-q1 ", "2027-Q1"), ("2027-12", "2027-12"), ("2027-Q4", "2027-Q4")],
)
def test_periods(text, stored):
    assert periods.parse_period(text) == stored


@pytest.mark.parametrize(
    "text", ["2027-13", "2027-00", "2027-Q5", "2027-Q0", "2027-1", "27-01", "2027/01", "", "3000-01"]
)
def test_bad_periods_are_refused(text):
    with pytest.raises(InvalidValue, match="period"):
        periods.parse_period(text)


# -- GMV ---------------------------------------------------------------------------------------
def _region(state: State, code: str, currency: str, tz: str = "UTC") -> None:
    ops.add_region(state, code, name=code, timezone=tz, currency=currency, launch="2027-03-01")


def test_targets_and_actuals_per_period_and_promotion(state: State):
    kpi.set_gmv(state, "target", "1000000", code="nl", period="2027-01")
    kpi.set_gmv(state, "actual", "870000.50", code="NL", period="2027-01")
    (promo,) = ops.add_promotions(state, ["NL"], "Launch", start="2027-03-01", end="2027-03-08")
    kpi.set_gmv(state, "target", "50000", promo=promo["id"])
    kpi.set_gmv(state, "actual", "61000", promo=promo["id"].upper())
    shown = kpi.report(state, ["NL"], reporting="EUR")
    assert shown["periods"] == [
        {
            "region": "NL",
            "period": "2027-01",
            "currency": "EUR",
            "target": "1000000",
            "actual": "870000.50",
            "attainment": "87.0",
        }
    ]
    assert shown["promotions"][0]["attainment"] == "122.0"
    assert shown["total"] == {
        "currency": "EUR", "target": "1000000.00", "actual": "870000.50", "attainment": "87.0", "missing_rates": [], "unmatched": []
    }  # fmt: skip


def test_a_bad_amount_period_or_subject_changes_nothing(state: State):
    for args in (
        {"code": "NL", "period": "2027-13"},
        {"code": "NL", "period": "2027-Q5"},
        {"code": "NL"},
        {"promo": "p1", "code": "NL", "period": "2027-01"},
    ):
        with pytest.raises(InvalidValue):
            kpi.set_gmv(state, "target", "10", **args)
    with pytest.raises(NotFound):
        kpi.set_gmv(state, "target", "10", promo="p999")
    with pytest.raises(InvalidValue, match="EUR amounts have 2 decimals"):
        kpi.set_gmv(state, "actual", "1.234", code="NL", period="2027-01")
    assert state.tables["kpis"] == {}


def test_the_total_converts_each_period_at_its_own_rate_then_adds(state: State):
    _region(state, "JP", "JPY", "Asia/Tokyo")
    for period, target, actual in (("2027-01", "100", "90"), ("2027-02", "100", "110")):
        kpi.set_gmv(state, "target", target, code="NL", period=period)
        kpi.set_gmv(state, "actual", actual, code="NL", period=period)
    kpi.set_gmv(state, "target", "10000", code="JP", period="2027-01")
    kpi.set_gmv(state, "actual", "5000", code="JP", period="2027-01")
    missing = kpi.report(state, ["NL", "JP"], reporting="USD")["total"]
    assert missing["target"] is None and missing["attainment"] is None
    assert missing["missing_rates"] == ["EUR/USD/2027-01", "EUR/USD/2027-02", "JPY/USD/2027-01"]
    kpi.set_rate(state, "EUR", "USD", "1.10", "2027-01")
    kpi.set_rate(state, "EUR", "USD", "1.20", "2027-02")
    kpi.set_rate(state, "jpy", "usd", "0.0067", "2027-01")
    total = kpi.report(state, ["NL", "JP"], reporting="USD")["total"]
    # 100*1.10 + 100*1.20 + 10000*0.0067 = 297; 90*1.10 + 110*1.20 + 5000*0.0067 = 264.50
    assert (total["target"], total["actual"]) == ("297.00", "264.50")
    assert total["attainment"] == "89.1"  # 264.5 / 297, not the mean of 90 %, 110 % and 50 %


def test_rates_are_decimal_and_positive(state: State):
    for bad, reason in (("0", "more than 0"), ("1e-3", "exponents"), ("NaN", "NaN"), ("-1", "at least 0")):
        with pytest.raises(InvalidValue, match=reason):
            kpi.set_rate(state, "EUR", "USD", bad, "2027-01")
    with pytest.raises(InvalidValue, match="itself"):
        kpi.set_rate(state, "EUR", "EUR", "1", "2027-01")
    with pytest.raises(InvalidValue, match="unknown currency"):
        kpi.set_rate(state, "EUR", "ZZZ", "1", "2027-01")


def test_an_actuals_csv_is_all_or_nothing_with_the_line(state: State):
    text = "region,period,gmv\nNL,2027-01,100\n\nNL,2027-02,1.234\n"
    with pytest.raises(InvalidValue, match=r"^actuals.csv line 4: invalid actual GMV '1.234'"):
        kpi.import_actuals(state, "actuals.csv", text)
    good = kpi.import_actuals(state, "actuals.csv", "region;period;gmv\nNL;2027-01;100\nNL;2027-Q1;300.5\n")
    assert [r["id"] for r in good] == ["NL/2027-01", "NL/2027-Q1"]
    with pytest.raises(InvalidValue, match="line 1: expected the header"):
        kpi.import_actuals(state, "x.csv", "code,gmv\nNL,1\n")


@pytest.mark.parametrize(
    "text",
    [
        "region,period,gmv\nNL,2027-01,100\n",
        "region;period;gmv\r\nNL;2027-01;1,5\r\nNL;2027-02;2,25\r\n",  # decimal commas outnumber the semicolons
        "Region\tPeriod\tGMV\nNL\t2027-01\t100\n",
        ' promo ; gmv \n"p1";"1 000,5"\n',
        '"region","period","gmv"\n"NL","2027-Q1","3"\n',
        "gmv\n100\n",  # one column: no separator to find
    ],
)
def test_an_actuals_csv_is_read_alike_by_kpi_import_and_rollout_import(text: str):
    from rollout import exchange

    try:
        by_kpi = [values for _, values in kpi.parse_actuals("a.csv", text)]
    except InvalidValue as exc:
        with pytest.raises(RolloutError, match="line 1"):
            exchange.parse_csv("a.csv", text)
        assert "line 1" in str(exc)
        return
    by_import = [row.values for row in exchange.parse_csv("a.csv", text)]
    assert by_kpi == by_import
    assert all(len(values) == len(next(iter(by_kpi))) > 1 for values in by_kpi)


def test_removing_a_promotion_or_region_removes_its_gmv(state: State):
    (promo,) = ops.add_promotions(state, ["NL"], "Launch", start="2027-03-01", end="2027-03-08")
    kpi.set_gmv(state, "target", "5", promo=promo["id"])
    kpi.set_gmv(state, "target", "5", code="NL", period="2027-01")
    ops.remove_promotion(state, promo["id"])
    assert list(state.tables["kpis"]) == ["NL/2027-01"]
    signoff.request(state, "NL", "amara", "amara")
    ops.remove_region(state, "NL")
    assert state.tables["kpis"] == {} and state.tables["signoffs"] == {}


# -- sign-off ------------------------------------------------------------------------------------
def test_only_a_named_approver_decides_by_the_identity_rule(state: State):
    signoff.request(state, "NL", "Amara Okafor, li", "priya")
    with pytest.raises(Refused, match="bob is not an approver of NL"):
        signoff.decide(state, "NL", "bob", "approved")
    record = signoff.decide(state, "NL", "  AMARA   okafor ", "approved")
    assert record["approver"] == "Amara Okafor" and signoff.region_state(state, "NL") == "pending"
    signoff.decide(state, "NL", "Li", "approved")
    assert signoff.region_state(state, "NL") == "approved"
    with pytest.raises(InvalidValue, match="needs a reason"):
        signoff.decide(state, "NL", "li", "rejected", " ")
    _region(state, "FR", "EUR")
    with pytest.raises(NotFound, match="no sign-off asked for FR"):
        signoff.decide(state, "FR", "li", "approved")


def test_a_rejection_holds_until_that_approver_approves(state: State):
    signoff.request(state, "NL", "amara,li", "priya")
    signoff.decide(state, "NL", "amara", "rejected", "carrier not signed")
    signoff.decide(state, "NL", "li", "approved")
    assert signoff.region_state(state, "NL") == "rejected"
    assert signoff.launch_blockers(state, "NL") == ["amara rejected"]
    signoff.request(state, "NL", "amara,li,jo", "priya")  # asking again keeps the decisions
    assert signoff.launch_blockers(state, "NL") == ["amara rejected", "jo pending"]
    signoff.decide(state, "NL", "amara", "approved")
    signoff.request(state, "NL", "amara,li", "priya")  # jo dropped
    assert signoff.region_state(state, "NL") == "approved"


def test_the_scope_is_the_launch_critical_items_and_promotions(state: State):
    (item,) = ops.add_items(state, ["NL"], "Payment live", critical=True, due="2027-02-01")
    (other,) = ops.add_items(state, ["NL"], "Banner copy")
    signoff.request(state, "NL", "amara", "priya")
    signoff.decide(state, "NL", "amara", "approved")
    ops.set_items_done(state, "NL", [other["id"]], True, "priya")  # not critical: out of scope
    assert signoff.region_state(state, "NL") == "approved"
    ops.set_items_done(state, "NL", [item["id"]], True, "priya")
    assert signoff.region_state(state, "NL") == "stale"
    ops.set_items_done(state, "NL", [item["id"]], False, "priya")
    assert signoff.region_state(state, "NL") == "approved"  # the same scope again: fresh
    ops.add_promotions(state, ["NL"], "Launch", start="2027-03-01", end="2027-03-08")
    assert signoff.region_state(state, "NL") == "stale"


def test_marking_a_critical_item_not_applicable_moves_the_scope(state: State):
    from rollout import templates

    (item,) = ops.add_items(state, ["NL"], "Payment live", critical=True, due="2027-02-01")
    signoff.request(state, "NL", "amara", "priya")
    signoff.decide(state, "NL", "amara", "approved")
    templates.set_not_applicable(state, "NL", item["id"], "no card payments here")
    assert signoff.region_state(state, "NL") == "stale"  # it no longer gates the launch
    (covered,) = signoff.scope(state, "NL")["critical"]
    assert covered["not_applicable"] is True
    templates.set_not_applicable(state, "NL", item["id"], None)
    assert signoff.region_state(state, "NL") == "approved"
    assert "not_applicable" not in signoff.scope(state, "NL")["critical"][0]  # fingerprints given before stay


def test_what_moved_names_an_item_marked_not_applicable():
    before = {"id": "c1", "critical": True, "status": "open", "due": None, "not_applicable": None}
    after = {**before, "not_applicable": "no card payments here"}
    change = {"table": "items", "key": "c1", "before": before, "after": after}
    assert signoff._scope_change(change) == "c1 marked not applicable"
    back = {"table": "items", "key": "c1", "before": after, "after": before}
    assert signoff._scope_change(back) == "c1 applicable again"


def test_launching_needs_every_approval_fresh_unless_forced(state: State):
    signoff.request(state, "NL", "amara", "priya")
    with pytest.raises(Refused, match=r"cannot launch NL: sign-off not fresh \(amara pending\); use --force"):
        ops.set_regions(state, ["NL"], status="launched")
    ops.set_regions(state, ["NL"], status="launched", force=True)
    assert state.notes == ["forced launch of NL without a fresh sign-off (amara pending)"]


def test_stale_and_fresh_through_undo_with_what_moved_from_history(tmp_path: Path):
    db = Database(tmp_path / "r.json")
    db.create(empty=True, force=False)
    with db.transaction("priya", "init") as state:
        _region(state, "NL", "EUR", "Europe/Amsterdam")
    with db.transaction("amara", "signoff request") as state:
        signoff.request(state, "NL", "amara", "amara")
    with db.transaction("amara", "signoff approve") as state:
        signoff.decide(state, "NL", "amara", "approved")
    with db.transaction("priya", "region set NL --launch 2027-04-01") as state:
        ops.set_regions(state, ["NL"], launch="2027-04-01")
    state = db.load()
    assert signoff.region_state(state, "NL") == "stale"
    (row,) = signoff.show(state, "NL")["approvals"]
    assert row["state"] == "stale" and len(row["moved"]) == 1
    assert "priya: launch 2027-03-01 00:00 -> 2027-04-01 00:00" in row["moved"][0]
    with pytest.raises(Refused, match="amara stale"), db.transaction("priya", "region set") as state:
        ops.set_regions(state, ["NL"], status="launched")
    with db.transaction("priya", "undo") as state:
        ops.undo(state, "priya")
    assert signoff.region_state(db.load(), "NL") == "approved"
    assert signoff.show(db.load(), "NL")["approvals"][0]["moved"] == []  # fresh: nothing to list
    with db.transaction("priya", "redo") as state:
        ops.redo(state, "priya")
    assert signoff.region_state(db.load(), "NL") == "stale"
    with db.transaction("amara", "undo") as state:  # amara's approval undone: pending again
        ops.undo(state, "amara")
    assert signoff.region_state(db.load(), "NL") == "pending"


# -- freeze windows --------------------------------------------------------------------------------
def test_a_blocking_window_refuses_a_launch_inside_it_unless_forced(tmp_path: Path):
    db = Database(tmp_path / "r.json")
    db.create(empty=True, force=False)
    with db.transaction("priya", "init") as state:
        _region(state, "NL", "EUR", "Europe/Amsterdam")
        _region(state, "JP", "JPY", "Asia/Tokyo")
    with db.transaction("priya", "freeze add") as state:
        window = ops.add_freeze(
            state, ["all"], start="2026-11-20", end="2026-11-30", reason="Black Friday", blocks=True
        )
    assert window["id"] == "f1" and window["regions"] == ["NL", "JP"]
    before = (tmp_path / "r.json").read_bytes()
    refused = r"launch of NL on 2026-11-27 is inside freeze f1 .*Black Friday; use --force"
    with pytest.raises(Refused, match=refused), db.transaction("priya", "region set") as state:
        ops.set_regions(state, ["NL"], launch="2026-11-27")
    with pytest.raises(Refused, match="start of promotion"), db.transaction("priya", "promo add") as state:
        ops.add_promotions(state, ["JP"], "Sale", start="2026-11-30T23:00", end="2026-12-02")
    assert (tmp_path / "r.json").read_bytes() == before
    # The window is a local day: 2026-12-01 00:30 in Tokyo is after it.
    with db.transaction("priya", "promo add") as state:
        ops.add_promotions(state, ["JP"], "Sale", start="2026-12-01T00:30", end="2026-12-02")
    with db.transaction("priya", "region set --force") as state:
        state.overrides.add(freeze.FORCE)
        ops.set_regions(state, ["NL"], launch="2026-11-27")
    assert db.load().history[-1]["notes"][0].startswith("forced: launch of NL on 2026-11-27 is inside freeze f1")
    with db.transaction("priya", "undo") as state:  # undo is never refused
        ops.undo(state, "priya")
    with db.transaction("priya", "redo") as state:
        ops.redo(state, "priya")
    assert freeze.region_warnings(db.load(), "NL") == [
        "launch 2026-11-27 is inside freeze f1 2026-11-20..2026-11-30 (blocks): Black Friday"
    ]


def test_a_window_that_does_not_block_warns(state: State):
    ops.add_freeze(state, ["NL"], start="2027-02-25", end="2027-03-05", reason="Carnival")
    freeze.check_change(state)
    assert state.notes == ["launch of NL on 2027-03-01 is inside freeze f1 2027-02-25..2027-03-05: Carnival"]
    state.notes.clear()
    ops.set_regions(state, ["NL"], launch="2027-03-02")
    freeze.check_change(state)
    assert any("inside freeze f1" in note for note in state.notes)
    assert freeze.region_warnings(state, "NL") == [
        "launch 2027-03-02 is inside freeze f1 2027-02-25..2027-03-05: Carnival"
    ]


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        ("2027-03-05", "2027-03-01", "before"),
        ("2027-03-01T10:00", "2027-03-05", "whole local days"),
        ("soon", "2027-03-05", "invalid date .soon."),
    ],
)
def test_bad_windows_are_refused(state: State, start, end, reason):
    with pytest.raises(InvalidValue, match=reason):
        ops.add_freeze(state, ["NL"], start=start, end=end, reason="x")
