"""Shared settings stored in the database (rollout.settings): the registry, get/set/reset as changes
with history and undo, validation, doctor, and the schema-3 upgrade that added their table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crafted import database

from rollout import ops, queries, settings
from rollout.db import Database
from rollout.doctor import check_document, examine
from rollout.errors import InvalidValue, NotFound
from rollout.migrations import SCHEMA_VERSION
from rollout.storage import backup_dir


def test_every_setting_has_its_default_until_one_is_stored():
    state = database().load()
    assert settings.values(state) == {"health.at_risk_days": 21, "health.slack_days": 7}
    assert all(not row["stored"] for row in settings.describe(state))
    for entry in settings.REGISTRY:
        entry.check(entry.default)  # every default is within its own bounds
        assert entry.doc.endswith(".") and entry.unit


def test_set_is_a_change_in_history_that_undo_reverts():
    db = database()
    with db.transaction("ana", "config set health.at_risk_days 14") as state:
        record = ops.set_setting(state, " Health.At_Risk_Days ", "14")
    assert record == {"name": "health.at_risk_days", "value": 14}
    state = db.load()
    assert settings.get(state, "health.at_risk_days") == 14
    entry = state.history[-1]
    assert entry["changes"] == [{"table": "settings", "key": "health.at_risk_days", "before": None, "after": record}]
    assert queries.describe_changes(queries.history(state, limit=1)[0]) == "1 setting added"
    with db.transaction("ben", "config set health.at_risk_days 30") as state:
        ops.set_setting(state, "health.at_risk_days", 30)
    assert queries.preview_lines(db.load().history[-1]["changes"]) == ["change setting health.at_risk_days (14 -> 30)"]
    with db.transaction("ana", "undo") as state:
        ops.undo(state)
    assert settings.get(db.load(), "health.at_risk_days") == 14
    with db.transaction("ana", "undo") as state:
        ops.undo(state)
    assert settings.get(db.load(), "health.at_risk_days") == 21


def test_reset_brings_the_default_back_and_changes_nothing_when_none_is_stored():
    db = database()
    with db.transaction("ana", "config reset health.slack_days") as state:
        assert ops.reset_setting(state, "health.slack_days") is None
    assert db.load().history.count() == 0
    with db.transaction("ana", "config set") as state:
        ops.set_setting(state, "health.slack_days", "10")
    with db.transaction("ana", "config reset") as state:
        assert ops.reset_setting(state, "health.slack_days") == {"name": "health.slack_days", "value": 10}
    assert settings.get(db.load(), "health.slack_days") == 7


@pytest.mark.parametrize(
    ("name", "value", "error", "message"),
    [
        (
            "health.nope",
            "3",
            NotFound,
            "no setting 'health.nope': the settings are health.at_risk_days, health.slack_days",
        ),
        (
            "health.slack_days",
            "soon",
            InvalidValue,
            "invalid value 'soon' for health.slack_days: expected a whole number of days (digits 0-9)",
        ),
        ("health.slack_days", "-1", InvalidValue, "health.slack_days must be from 0 to 365 days, not -1"),
        ("health.at_risk_days", "366", InvalidValue, "health.at_risk_days must be from 0 to 365 days, not 366"),
        ("health.at_risk_days", True, InvalidValue, "health.at_risk_days must be a whole number, found True"),
        ("health.at_risk_days", 2.5, InvalidValue, "health.at_risk_days must be a whole number, found 2.5"),
    ],
)
def test_bad_names_and_values_are_refused_and_nothing_is_written(name, value, error, message):
    db = database()
    with pytest.raises(error) as refused, db.transaction("ana", "config set") as state:
        ops.set_setting(state, name, value)
    assert str(refused.value) == message
    assert db.load().history.count() == 0


def test_a_stored_setting_the_registry_refuses_is_refused_by_every_change_and_by_doctor():
    db = database()
    with (
        pytest.raises(InvalidValue, match=r"refused: setting health.slack_days has an invalid value"),
        db.transaction("ana", "x") as state,
    ):
        state.put("settings", {"name": "health.slack_days", "value": "7"})
    document = db.load().document()
    document["settings"] = {"1": {"name": "health.colour", "value": 1}, "2": {"name": "health.slack_days", "value": -4}}
    problems = [f.message for f in check_document(document) if f.level == "problem"]
    assert "setting health.colour is not a known setting (known: health.at_risk_days, health.slack_days)" in problems
    assert any(p.startswith("setting health.slack_days has an invalid value") for p in problems)


# -- the schema-3 upgrade -------------------------------------------------------------------------
def _as_schema_2(path: Path) -> bytes:
    """The database at `path` as schema 2 wrote it: no settings table, schema 2 in _meta."""
    document = json.loads(path.read_bytes())
    document["_meta"]["1"]["schema"] = 2
    del document["settings"]
    for table in ("signoffs", "kpis", "fx_rates", "freezes", "templates"):  # schema 4's tables (outcomes)
        document.pop(table, None)
    document["_meta"]["1"].pop("next_freezes", None)
    for record in document["items"].values():
        record.pop("after", None)
        record.pop("origin", None)
    raw = json.dumps(document, indent=2).encode()
    path.write_bytes(raw)
    # A schema-2 rollout kept no record of what it committed: without it, this rewrite is the file an
    # older rollout left, not a write that bypassed the lock (which the record would reveal).
    (path.parent / f"{path.name}.history" / "committed.json").unlink(missing_ok=True)
    return raw


def test_a_schema_2_file_is_read_as_schema_3_without_writing(db_path: Path):
    with Database(db_path).transaction("ana", "check add DE x") as state:
        ops.add_items(state, ["DE"], "Before the upgrade")
    raw = _as_schema_2(db_path)
    state = Database(db_path, read_only=True).load()
    assert state.meta["schema"] == SCHEMA_VERSION >= 3
    assert state.tables["settings"] == {}
    assert settings.values(state)["health.slack_days"] == 7
    assert [e["command"] for e in state.history] == ["check add DE x"]  # history stays where it is
    assert all(queries.item_json(state, i)["after"] == [] for i in state.items.values())
    assert db_path.read_bytes() == raw
    assert not backup_dir(db_path).exists() or not list(backup_dir(db_path).glob("*.schema2.json"))
    report = examine(db_path)
    assert report.ok, report.problems
    assert any("older schema 2" in n and "moving its history" not in n for n in report.notes)


def test_the_first_write_to_a_schema_2_file_stores_schema_3_keeping_the_original(db_path: Path):
    with Database(db_path).transaction("ana", "check add DE x") as state:
        ops.add_items(state, ["DE"], "Before the upgrade")
    raw = _as_schema_2(db_path)
    with Database(db_path).transaction("ana", "config set health.slack_days 3") as state:
        ops.set_setting(state, "health.slack_days", 3)
    on_disk = json.loads(db_path.read_bytes())
    assert on_disk["_meta"]["1"]["schema"] == SCHEMA_VERSION
    assert list(on_disk["settings"].values()) == [{"name": "health.slack_days", "value": 3}]
    assert (backup_dir(db_path) / f"{db_path.stem}.schema2.json").read_bytes() == raw
    state = Database(db_path).load()
    assert [e["command"] for e in state.history] == ["check add DE x", "config set health.slack_days 3"]
    with Database(db_path).transaction("ana", "undo") as state:
        ops.undo(state)
    assert settings.get(Database(db_path).load(), "health.slack_days") == 7
    assert examine(db_path).ok


def test_a_setting_is_named_once_in_every_description_of_a_change():
    """A setting's key is its name: history's detail and previews name it once, as they name a
    region or an item once (their key, then their name or title)."""
    from rollout.history_view import field_rows  # no Textual: the History screen's words

    db = database()
    with db.transaction("ana", "config set health.slack_days 9") as state:
        ops.set_setting(state, "health.slack_days", 9)
    with db.transaction("ana", "config reset health.slack_days") as state:
        ops.reset_setting(state, "health.slack_days")
    state = db.load()
    added, removed = state.history[-2], state.history[-1]
    for entry in (added, removed):
        (row,) = field_rows(entry, lambda region: "UTC")
        assert row.label == "setting health.slack_days"
        (line,) = queries.preview_lines(entry["changes"])
        assert line.count("health.slack_days") == 1, line
    assert queries.record_label("items", "c1", {"id": "c1", "title": "Carrier SLA"}) == "checklist item c1 Carrier SLA"
    assert queries.record_label("regions", "NL", {"code": "NL", "name": "Netherlands"}) == "region NL Netherlands"


@pytest.mark.parametrize("value", ["0", "365", 0, 365])
def test_the_bounds_are_inclusive(value):
    db = database()
    with db.transaction("ana", "config set") as state:
        ops.set_setting(state, "health.at_risk_days", value)
    assert settings.get(db.load(), "health.at_risk_days") == int(value)


FLAG = settings.Setting("tui.flag", bool, False, None, None, "", "A flag.")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("1", True),
        ("False", False),
        ("no", False),
        ("off", False),
        ("0", False),
    ],
)
def test_a_flag_setting_reads_true_or_false_in_any_case(text, value):
    assert FLAG.parse(text) is value
    FLAG.check(value)


@pytest.mark.parametrize("value", [1, 0, "maybe", None])
def test_a_flag_setting_refuses_anything_but_true_or_false(value):
    with pytest.raises(InvalidValue) as refused:
        FLAG.parse(value)
    expected = (
        f"invalid value {value!r} for tui.flag: expected true or false"
        if isinstance(value, str)
        else f"tui.flag must be true or false, found {value!r}"
    )
    assert str(refused.value) == expected
