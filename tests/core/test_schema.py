"""The record schema is the one definition: validation of changes, doctor, storage, exchange and
the JSON shapes all come from it."""

from __future__ import annotations

import pytest

from rollout import exchange, queries, rules, schema, storage
from rollout.dataset import bundled_document
from rollout.doctor import check_document
from rollout.errors import InvalidValue
from rollout.state import State


@pytest.fixture
def state() -> State:
    return State(bundled_document())


def test_every_field_list_is_the_schemas(state):
    for kind in schema.KINDS.values():
        assert storage.REQUIRED_FIELDS[kind.table] == kind.in_file
        # Shared settings and launch templates (a file of their own: `template export`) are not
        # records a spreadsheet exchanges.
        if kind not in (schema.SETTINGS, schema.TEMPLATES):
            assert exchange.FIELDS[kind.export_name] == kind.names
    region = next(iter(state.regions.values()))
    assert tuple(queries.region_json(state, region))[: len(schema.REGIONS.names)] == schema.REGIONS.names
    item = next(iter(state.items.values()))
    assert tuple(queries.item_json(state, item)) == (*schema.ITEMS.names, "blocked")
    promo = next(iter(state.promotions.values()))
    assert tuple(queries.promo_json(state, promo, []))[:-1] == schema.PROMOTIONS.names


def test_a_record_stored_before_a_field_existed_reads_its_default(state):
    item = dict(next(iter(state.items.values())))
    del item["due_all_day"]
    assert schema.ITEMS.problems(item) == []
    assert queries.item_json(state, item)["due_all_day"] is False


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("items", {"due_all_day": "yes"}, "due_all_day 'yes' is not valid (expected true or false)"),
        ("items", {"due": None, "due_all_day": True}, "is due all day but has no due date"),
        ("promotions", {"kind": ""}, "kind '' is not valid"),
        ("regions", {"timezone": "europe/berlin"}, "timezone 'europe/berlin' is not valid"),
        ("items", {"done_by": 3}, "done_by 3 is not valid"),
    ],
)
def test_doctor_and_change_validation_refuse_the_same_records(state, table, change, message):
    key = next(iter(state.tables[table]))
    document = state.document()
    doc_id = next(i for i, r in document[table].items() if r[schema.KINDS[table].key] == key)
    document[table][doc_id] = {**document[table][doc_id], **change}
    problems = [f.message for f in check_document(document) if f.level == "problem"]
    assert any(message in p for p in problems), problems
    state.put(table, {**state.tables[table][key], **change})
    with pytest.raises(InvalidValue, match="refused: .*nothing was changed"):
        rules.check_touched(state)


def test_only_changed_values_are_checked_again(state):
    """An edit does not pay for checks of values that passed when they were stored."""
    region = state.regions["DE"]
    state.put("regions", {**region, "owner": "someone"})
    rules.check_touched(state)  # the code and currency are not looked up again
    assert schema.REGIONS.problems({**region, "currency": "eur"}, before=region)[0].field == "currency"
