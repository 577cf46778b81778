"""The record schema's checks, field by field: each stored value the schema refuses gives one
problem naming the record, the field, the value and the reason; a good record gives none."""

from __future__ import annotations

import pytest

from rollout import ops, rules, schema
from rollout.errors import InvalidValue
from rollout.state import State, empty_document


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    state = State(empty_document())
    ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    ops.add_items(state, ["NL"], "Tax letter", due="2027-01-10")
    ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08")
    return {"regions": state.regions["NL"], "items": state.items["c1"], "promotions": state.promotions["p1"]}


def problems(table: str, record: dict) -> list[str]:
    kind = schema.KINDS[table]
    return [p.describe(kind.label(record)) for p in kind.problems(record)]


def test_records_made_by_the_operations_have_no_problem(records):
    for table, record in records.items():
        assert problems(table, record) == []


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("regions", {"code": "nl"}, "region nl: code 'nl' is not valid (expected 'NL')"),
        ("regions", {"code": 7}, "region 7: code 7 is not valid (expected text, found int)"),
        (
            "regions",
            {"code": "D3"},
            "region D3: code 'D3' is not valid (expected an ISO 3166-1 alpha-2 code such as DE)",
        ),
        ("regions", {"code": "XX"}, "region XX: code 'XX' is not valid (not an ISO 3166-1 alpha-2 country code)"),
        ("regions", {"code": "DE-XX"}, "region DE-XX: code 'DE-XX' is not valid (not an ISO 3166-2 subdivision code)"),
        (
            "regions",
            {"code": "DE-"},
            "region DE-: code 'DE-' is not valid (expected an ISO 3166-1 alpha-2 code such as DE)",
        ),
        (
            "regions",
            {"code": "DÉ"},
            "region DÉ: code 'DÉ' is not valid (expected an ISO 3166-1 alpha-2 code such as DE)",
        ),
        (
            "regions",
            {"code": "A: B"},
            "region A: B: code 'A: B' is not valid (expected an ISO 3166-1 alpha-2 code such as DE)",
        ),
        ("regions", {"wave": True}, "region NL: wave True is not valid (expected a whole number >= 0)"),
        ("regions", {"wave": -1}, "region NL: wave -1 is not valid (expected a whole number >= 0)"),
        ("regions", {"wave": "3"}, "region NL: wave '3' is not valid (expected a whole number >= 0)"),
        (
            "regions",
            {"status": "live"},
            "region NL: status 'live' is not valid (expected one of planned, preparing, ready, launched, paused)",
        ),
        ("regions", {"currency": "eur"}, "region NL: currency 'eur' is not valid (expected 'EUR')"),
        ("regions", {"name": " "}, "region NL: name ' ' is not valid (it cannot be empty)"),
        ("regions", {"name": 3}, "region NL: name 3 is not valid (expected text, found int)"),
        ("items", {"id": "c01"}, "checklist item c01: id 'c01' is not valid (expected an id like c12)"),
        ("items", {"id": "p1"}, "checklist item p1: id 'p1' is not valid (expected an id like c12)"),
        ("promotions", {"id": "c1"}, "promotion c1: id 'c1' is not valid (expected an id like p12)"),
        ("items", {"critical": 1}, "checklist item c1: critical 1 is not valid (expected true or false)"),
        (
            "items",
            {"category": "Tax"},
            "checklist item c1: category 'Tax' is not valid (expected one of legal, "
            "payments, logistics, sellers, creators, localization, support, marketing, tax, other)",
        ),
        ("items", {"done_by": 3}, "checklist item c1: done_by 3 is not valid (expected text, found int)"),
        ("items", {"due": None, "due_all_day": True}, "checklist item c1 is due all day but has no due date"),
        ("promotions", {"start": "2027-04-08T00:00:00+02:00"}, "promotion p1 starts at or after its end"),
        (
            "promotions",
            {"end": "2027-04-09"},
            "promotion p1: end '2027-04-09' is not valid ('2027-04-09' has no UTC offset)",
        ),
        ("promotions", {"kind": ""}, "promotion p1: kind '' is not valid (it cannot be empty)"),
    ],
)
def test_each_refused_value_is_one_problem_naming_field_value_and_reason(records, table, change, message):
    assert problems(table, {**records[table], **change}) == [message]


def test_missing_fields_are_one_problem_listing_them_and_no_other_check_runs(records):
    record = {k: v for k, v in records["items"].items() if k not in ("title", "status")}
    record["critical"] = "not checked"
    (problem,) = schema.ITEMS.problems(record)
    assert (problem.field, problem.check, problem.describe("checklist item c1")) == (
        None,
        "missing",
        "checklist item c1 has no title, status",
    )
    assert schema.ITEMS.label({}) == "checklist item ?"


def test_fields_added_later_may_be_missing_and_read_their_default(records):
    record = {k: v for k, v in records["items"].items() if k not in ("due_all_day", "done_at", "done_by")}
    assert schema.ITEMS.problems(record) == []
    assert schema.ITEMS.value(record, "due_all_day") is False


def test_problems_are_grouped_by_the_check_that_found_them(records):
    (bad_value,) = schema.ITEMS.problems({**records["items"], "critical": 1})
    (broken_rule,) = schema.ITEMS.problems({**records["items"], "due": None, "due_all_day": True})
    assert (bad_value.field, bad_value.check) == ("critical", "critical")
    assert (broken_rule.field, broken_rule.check) == (None, "_all_day_due")


def test_with_the_record_as_stored_only_changed_values_are_checked_again(records):
    stored = {**records["regions"], "currency": "XXX-not-checked-again"}
    assert schema.REGIONS.problems({**stored, "owner": "amara"}, before=stored) == []
    changed = schema.REGIONS.problems({**stored, "wave": -1}, before=stored)
    assert [p.field for p in changed] == ["wave"]


def test_a_change_leaving_an_orphan_or_a_bad_record_is_refused_whole(records):
    state = State(empty_document())
    ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    ops.add_items(state, ["NL"], "Tax letter")
    state.before.clear()
    state.delete("regions", "NL")
    with pytest.raises(InvalidValue) as refused:
        rules.check_touched(state)
    assert str(refused.value) == "refused: region NL would be removed with its checklist or promotions left"
    state = State(empty_document())
    state.put("items", {**records["items"], "region": "BE"})
    with pytest.raises(InvalidValue) as refused:
        rules.check_touched(state)
    assert str(refused.value) == "refused: checklist item c1 would belong to region BE, which does not exist"
    state = State(empty_document())
    state.put("regions", {**records["regions"], "wave": -1})
    with pytest.raises(InvalidValue) as refused:
        rules.check_touched(state)
    assert str(refused.value) == (
        "refused: region NL: wave -1 is not valid (expected a whole number >= 0); nothing was changed"
    )


def test_a_region_removed_with_only_its_promotions_left_is_refused():
    state = State(empty_document())
    ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08")
    state.before.clear()
    state.delete("regions", "NL")
    with pytest.raises(InvalidValue) as refused:
        rules.check_touched(state)
    assert str(refused.value) == "refused: region NL would be removed with its checklist or promotions left"


def test_every_record_a_change_touched_is_checked_after_one_it_removed():
    state = State(empty_document())
    ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    ops.add_items(state, ["NL"], "Tax letter")
    state.before.clear()
    state.delete("items", "c1")
    state.put("regions", {**state.regions["NL"], "wave": -1})
    with pytest.raises(InvalidValue) as refused:
        rules.check_touched(state)
    assert str(refused.value).startswith("refused: region NL: wave -1 is not valid")


def test_an_edit_checks_the_values_it_changed_not_old_ones_stored_before(records):
    state = State(empty_document())
    state.put("regions", {**records["regions"], "currency": "XXX-stored-long-ago"})
    state.before.clear()
    state.put("regions", {**state.regions["NL"], "owner": "amara"})
    rules.check_touched(state)  # the old currency is not the edit's problem
    state.put("regions", {**state.regions["NL"], "currency": "EUROS"})
    with pytest.raises(InvalidValue) as refused:
        rules.check_touched(state)
    assert str(refused.value).startswith("refused: region NL: currency 'EUROS' is not valid")


def test_json_shows_instants_in_the_regions_offset(records):
    item = {**records["items"], "done_at": "2027-01-09T23:30:00+00:00"}
    data = schema.to_json(schema.ITEMS, item, "Asia/Tokyo")
    assert (data["due"], data["done_at"], data["title"]) == (
        "2027-01-10T08:00:00+09:00",
        "2027-01-10T08:30:00+09:00",
        "Tax letter",
    )


def test_the_json_schema_of_a_record_is_an_object_with_exactly_its_fields(records):
    """Scripts validate `--json` output against the published schema: a record as `to_json`
    prints it passes; a list, a record with one field left out or one field more does not."""
    from jsonschema import Draft202012Validator

    for table, record in records.items():
        kind = schema.KINDS[table]
        validator = Draft202012Validator(schema.json_schema(kind))
        shown = schema.to_json(kind, record, "Europe/Amsterdam")
        assert validator.is_valid(shown), table
        assert not validator.is_valid([shown]), table
        assert not validator.is_valid({**shown, "colour": "red"}), table
        for name in kind.names:
            assert not validator.is_valid({k: v for k, v in shown.items() if k != name}), (table, name)


def test_ids_are_the_kinds_prefix_and_a_number_from_1_without_leading_zeros():
    assert (schema.id_number("items", "c12"), schema.id_number("promotions", "p7")) == (12, 7)
    for table, key in [("items", "p12"), ("items", "c0"), ("items", "c012"), ("items", 12), ("regions", "DE")]:
        assert schema.id_number(table, key) is None, (table, key)


@pytest.mark.parametrize(
    ("code", "name"),
    [("DE", "Germany"), ("BO", "Bolivia"), ("TW", "Taiwan"), ("US-CA", "US-CA")],
)
def test_a_country_is_named_by_its_common_name_from_iso_3166(code, name):
    """pycountry's common name where ISO 3166-1 has one ("Bolivia", not "Bolivia, Plurinational
    State of"), else its name; a code that is no country (a subdivision) stays a code."""
    from rollout.model import country_name

    assert country_name(code) == name
