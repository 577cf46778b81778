"""GMV stays in the currency it was given in: a region's currency cannot change under its stored
amounts on any path (region set, batch, import), an amount is never carried into another currency,
and doctor names a file where it was (edited by hand, or written before the rule)."""

from __future__ import annotations

import json

import pytest
from databases import stored
from results import ok, refused

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


@pytest.fixture
def with_gmv(rollout, db_path):  # noqa: ANN001, ANN201
    ok(rollout("kpi", "target", "JP", "--period", "2027-01", "--gmv", "150000000"))
    return stored(db_path)


def test_region_set_cannot_change_the_currency_under_stored_gmv(rollout, db_path, with_gmv):
    result = rollout("region", "set", "JP", "--currency", "USD")
    refused(result, db_path, with_gmv, "region JP has GMV in JPY (JP/2027-01)", "cannot become USD", "kpi remove")
    # The way forward: remove the GMV, change the currency; undo twice brings both back.
    assert ok(rollout("kpi", "remove", "jp", "--period", "2027-01")).stdout == "Removed the GMV of JP/2027-01.\n"
    ok(rollout("region", "set", "JP", "--currency", "USD"))
    ok(rollout("undo"))
    ok(rollout("undo"))
    shown = json.loads(ok(rollout("kpi", "report", "JP", "--period", "2027-01", "--json")).stdout)
    assert [(row["currency"], row["target"]) for row in shown["periods"]] == [("JPY", "150000000")]


def test_kpi_remove_refuses_what_is_not_recorded(rollout, db_path, with_gmv):
    refused(rollout("kpi", "remove", "JP", "--period", "2027-02"), db_path, with_gmv, "no GMV recorded for JP/2027-02")
    refused(rollout("kpi", "remove", "--promo", "p999"), db_path, with_gmv, "no promotion p999")


def test_a_batch_line_or_an_import_cannot_either(rollout, db_path, with_gmv, tmp_path):
    batch = tmp_path / "edits.txt"
    # Line 2 touches only what line 1 did: the refusal names line 3, the one that touched JP.
    batch.write_text("region set NL --owner amara\nregion set NL --owner li\nregion set JP --currency USD\n")
    refused(rollout("batch", str(batch)), db_path, with_gmv, f"{batch} line 3: refused: region JP has GMV in JPY")
    regions = tmp_path / "regions.csv"
    regions.write_text("code,currency\nJP,USD\n")
    result = rollout("import", str(regions))
    refused(result, db_path, with_gmv, f"{regions} line 2: refused: region JP has GMV in JPY", "USD")


def test_a_region_without_gmv_changes_currency_freely(rollout, db_path, with_gmv):
    ok(rollout("region", "set", "NL", "--currency", "USD"))
    ok(rollout("kpi", "target", "NL", "--period", "2027-01", "--gmv", "10.50"))
    shown = json.loads(ok(rollout("kpi", "report", "NL", "--json")).stdout)
    assert [row["currency"] for row in shown["periods"]] == ["USD"]


def test_an_amount_in_an_old_currency_is_named_by_doctor_and_never_relabelled():
    from rollout import doctor, kpi, ops, rules
    from rollout.errors import Refused
    from rollout.state import State, empty_document

    state = State(empty_document())
    ops.add_region(state, "JP", name="Japan", timezone="Asia/Tokyo", currency="JPY", launch="2027-03-01")
    kpi.set_gmv(state, "target", "150000000", code="JP", period="2027-01")
    state.put("regions", {**state.region("JP"), "currency": "USD"})  # as a file from before the rule holds it
    found = doctor.check_document(state.document())
    assert [f.message for f in found] == [
        "GMV JP/2027-01 is in JPY but region JP's currency is USD (stored amounts are never converted)"
    ]
    state.before.clear()  # loaded so
    kpi.set_gmv(state, "actual", "1.5", code="JP", period="2027-01")
    with pytest.raises(Refused, match=r"JP/2027-01 holds GMV in JPY, and its region's currency is now USD"):
        rules.check_touched(state)
