"""Follow-ups of issue 19 §2 and §5: history's undo state in JSON, item commands that pick items by
their owner, region warnings on import."""

from __future__ import annotations

import json

import jsonschema
import pytest
from databases import stored

from rollout.cli import contract
from rollout.db import Database

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


# -- history --json: undone, and by which entry --------------------------------------------------------
@pytest.fixture
def undone_and_redone(rollout):
    assert rollout("--user", "ana", "region", "set", "DE", "--wave", "2").exit_code == 0  # 1
    assert rollout("--user", "ops", "check", "edit", "PL", "c337", "--owner", "jonas").exit_code == 0  # 2
    assert rollout("--user", "Amara", "undo", "--entry", "2").exit_code == 0  # 3 undoes 2
    assert rollout("--user", "ana", "undo", "--entry", "1").exit_code == 0  # 4 undoes 1
    assert rollout("--user", "ops", "redo", "--entry", "1").exit_code == 0  # 5 redoes 1
    return rollout


def test_history_json_says_whether_each_change_was_undone_and_by_which_entry(undone_and_redone) -> None:
    result = undone_and_redone("history", "--json")
    assert result.exit_code == 0, result.stderr
    entries = {e["id"]: e for e in json.loads(result.stdout)}
    assert entries[2]["undone"] is True and entries[2]["undone_by"] == {"id": 3, "user": "Amara"}
    assert entries[2]["redone_by"] is None
    assert entries[1]["undone"] is False and entries[1]["undone_by"] is None
    assert entries[1]["redone_by"] == {"id": 5, "user": "ops"}
    for action in (3, 4, 5):  # undo and redo entries name their target instead
        assert "undone" not in entries[action] and ("undoes" in entries[action] or "redoes" in entries[action])
    jsonschema.validate(list(entries.values()), contract.array(contract.history_entry_schema()))


def test_history_json_undo_state_agrees_with_the_text(undone_and_redone) -> None:
    text = undone_and_redone("history").stdout
    line = next(row for row in text.splitlines() if row.startswith("#2 "))
    assert "undone by #3 (Amara)" in line
    limited = json.loads(undone_and_redone("history", "--json", "--limit", "4").stdout)
    assert [e["id"] for e in limited] == [5, 4, 3, 2]
    assert limited[-1]["undone_by"] == {"id": 3, "user": "Amara"}  # an older page still knows its undo


def test_history_json_of_a_change_never_undone(rollout) -> None:
    assert rollout("region", "set", "DE", "--wave", "2").exit_code == 0
    (entry,) = json.loads(rollout("history", "--json").stdout)
    assert entry["undone"] is False and entry["undone_by"] is None and entry["redone_by"] is None


# -- item commands pick items by their owner --------------------------------------------------------
def _items(db_path) -> dict[str, dict]:
    return dict(Database(db_path).load().items)


def test_check_done_by_owner_ticks_every_open_item_of_that_person_in_the_selected_regions(rollout, db_path) -> None:
    before = _items(db_path)
    mine = {k for k, i in before.items() if i["owner"] == "payments" and i["region"] == "PL" and i["status"] != "done"}
    elsewhere = {k for k, i in before.items() if i["owner"] == "payments" and i["region"] != "PL"}
    assert mine and elsewhere
    result = rollout("check", "done", "PL", "--owner", " PAYMENTS ", "--json")
    assert result.exit_code == 0, result.stderr
    assert {i["id"] for i in json.loads(result.stdout)["changed"]["checklist"]} == mine
    after = _items(db_path)
    assert all(after[k]["status"] == "done" for k in mine)
    assert all(after[k] == before[k] for k in elsewhere)  # other regions untouched
    again = rollout("check", "done", "PL", "--owner", "payments")
    assert again.exit_code == 0 and again.stdout.startswith("Nothing changed")


def test_check_reopen_and_remove_by_owner(rollout, db_path) -> None:
    before = _items(db_path)
    done = {k for k, i in before.items() if i["owner"] == "payments" and i["status"] == "done"}
    owned = {k for k, i in before.items() if i["owner"] == "payments"}
    assert done and owned - done
    result = rollout("check", "reopen", "--owner", "Payments", "--json")
    assert result.exit_code == 0, result.stderr
    assert {i["id"] for i in json.loads(result.stdout)["changed"]["checklist"]} == done
    result = rollout("check", "remove", "wave=1", "all", "--owner", "payments", "--json")
    assert result.exit_code == 0, result.stderr
    assert set(json.loads(result.stdout)["removed"]["checklist"]) == owned
    assert not owned & set(_items(db_path))
    assert rollout("undo").exit_code == 0 and owned <= set(_items(db_path))


def test_check_done_by_owner_keeps_the_dependency_gate(rollout, db_path) -> None:
    assert _items(db_path)["c337"]["status"] != "done"
    added = rollout("check", "add", "PL", "Launch BLIK promo", "--owner", "Zed", "--after", "c337", "--json")
    blocked = json.loads(added.stdout)["changed"]["checklist"][0]["id"]
    before = stored(db_path)
    refused = rollout("check", "done", "--owner", "zed")
    assert refused.exit_code == 1 and "--force" in refused.stderr and stored(db_path) == before
    forced = rollout("check", "done", "--owner", "ZED", "--force")
    assert forced.exit_code == 0 and _items(db_path)[blocked]["status"] == "done"
    assert _items(db_path)["c337"]["status"] != "done"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("check", "done", "--owner", "nobody-here"), 1, "no checklist item is owned by 'nobody-here'"),
        (("check", "remove", "--owner", " "), 1, "--owner needs a name"),
        (("check", "reopen", "ZZ", "--owner", "payments"), 1, "ZZ"),
        (("check", "done", "c337", "--owner", "payments"), 2, "not both"),
        (("check", "remove", "PL", "c337", "--owner", "payments"), 2, "not both"),
        (("check", "done"), 2, "Missing argument"),
        (("check", "remove", "PL"), 2, "Missing argument"),
    ],
)
def test_item_commands_by_owner_refusals_change_nothing(rollout, db_path, args, code, message) -> None:
    before = stored(db_path)
    result = rollout(*args)
    assert result.exit_code == code and message in result.stderr and result.stderr.count("\n") == 1
    assert stored(db_path) == before


# -- region warnings on import ----------------------------------------------------------------------
def test_import_of_regions_warns_of_a_zone_or_currency_not_of_the_country(rollout, tmp_path, db_path) -> None:
    sheet = tmp_path / "regions.csv"
    sheet.write_text("code,name,timezone,currency,wave\nSE,Sweden,Asia/Seoul,JPY,3\nNO,Norway,Europe/Oslo,NOK,3\n")
    result = rollout("import", str(sheet))
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warned) == 2 and all("line 2: SE: " in line for line in warned)
    assert "Asia/Seoul is not one of Sweden's" in warned[0] and "currency JPY is not Sweden's (SEK)" in warned[1]
    assert "SE" in Database(db_path).load().regions  # a warning, never a refusal
    again = rollout("import", str(sheet), "--json")  # nothing new set: nothing judged again
    assert json.loads(again.stdout)["warnings"] == [] and "Warning" not in again.stderr


def test_import_warnings_in_json_dry_runs_and_json_files(rollout, tmp_path, db_path) -> None:
    records = tmp_path / "regions.json"
    document = {
        "rollout_export": 1,
        "regions": [{"code": "PL", "currency": "EUR"}, {"code": "DE", "name": "Deutschland"}],
    }
    records.write_text(json.dumps(document, indent=1))
    before = stored(db_path)
    dry = rollout("import", str(records), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    (warning,) = json.loads(dry.stdout)["warnings"]
    assert "PL: currency EUR is not Poland's (PLN)" in warning and "regions.json" in warning
    assert stored(db_path) == before
    tz = tmp_path / "zone.csv"
    tz.write_text("code,timezone\nPL,America/Chicago\n")
    result = rollout("import", str(tz))
    assert "PL: time zone America/Chicago is not one of Poland's (Europe/Warsaw)" in result.stderr
    assert "currency" not in result.stderr  # the field the row did not change is not judged


def test_batch_picks_items_by_owner_as_one_change(rollout, tmp_path, db_path) -> None:
    script = tmp_path / "handover.txt"
    script.write_text("check done PL --owner payments\ncheck reopen CA --owner Payments\n")
    result = rollout("batch", str(script))
    assert result.exit_code == 0, result.stderr
    items = _items(db_path)
    assert all(i["status"] == "done" for i in items.values() if i["region"] == "PL" and i["owner"] == "payments")
    assert all(i["status"] != "done" for i in items.values() if i["region"] == "CA" and i["owner"] == "payments")
    assert len(json.loads(rollout("history", "--json").stdout)) == 1
    bad = tmp_path / "bad.txt"
    bad.write_text("check done PL --owner payments\ncheck done PL --owner nobody\n")
    before = stored(db_path)
    refused = rollout("batch", str(bad))
    assert refused.exit_code == 1 and "line 2: no checklist item is owned by 'nobody'" in refused.stderr
    assert stored(db_path) == before
