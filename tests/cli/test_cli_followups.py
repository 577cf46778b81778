"""Follow-ups of issue 19 §2 and §5: history's undo state in JSON, item commands that pick items by
their owner, region warnings on import."""

from __future__ import annotations

import json

import jsonschema
import pytest

from rollout.cli import contract


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
