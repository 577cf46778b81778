"""`rollout undo` and `rollout redo`: yours by default, anyone's with --entry, refusals in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import stored

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


def as_json(result) -> dict:  # noqa: ANN001
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_undo_takes_my_change_not_a_colleagues_newer_one(rollout, db_path: Path):
    assert rollout("--user", "lead", "check", "done", "PL", "c337").exit_code == 0
    assert rollout("--user", "ops", "check", "edit", "PL", "c339", "--due", "2027-02-01").exit_code == 0
    result = rollout("--user", "lead", "undo")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "Undid your change #1 (2026-11-24 09:00 UTC): check done PL c337 (1 checklist item changed).\n"
    )
    items = {i["id"]: i for i in as_json(rollout("check", "list", "PL", "--json"))}
    assert items["c337"]["status"] == "open" and items["c339"]["due"].startswith("2027-02-01")
    newest = as_json(rollout("history", "--limit", "1", "--json"))[0]
    assert (newest["user"], newest["command"], newest["undoes"]) == ("lead", "undo", 1)


def test_redo_and_the_envelopes_of_both(rollout):
    rollout("--user", "lead", "check", "done", "PL", "c337")
    undone = as_json(rollout("--user", "lead", "undo", "--json"))
    assert (undone["command"], undone["undid"], undone["history"]) == ("undo", 1, 2)
    assert [i["status"] for i in undone["changed"]["checklist"]] == ["open"]
    redone = as_json(rollout("--user", "lead", "redo", "--json"))
    assert (redone["command"], redone["redid"], redone["history"]) == ("redo", 1, 3)
    assert [i["status"] for i in redone["changed"]["checklist"]] == ["done"]
    assert redone["summary"] == "1 checklist item changed"
    newest = as_json(rollout("history", "--limit", "1", "--json"))[0]
    assert newest["redoes"] == 1


def test_someone_elses_change_is_undone_and_redone_only_by_entry(rollout):
    rollout("--user", "ops", "region", "set", "NL", "--owner", "femke")
    result = rollout("--user", "lead", "undo")
    assert result.exit_code == 1 and result.stderr == "Error: nothing to undo: no change by lead is in effect\n"
    result = rollout("--user", "lead", "undo", "--entry", "1")
    assert result.stdout.startswith("Undid ops's change #1 (2026-11-24 09:00 UTC): region set NL --owner femke")
    assert as_json(rollout("region", "show", "NL", "--json"))["region"]["owner"] == "jonas"
    assert rollout("--user", "ops", "redo").exit_code == 1  # lead's undo is not ops's to redo
    assert rollout("--user", "ops", "redo", "--entry", "2").stdout.startswith("Redid your change #1 ")
    assert as_json(rollout("region", "show", "NL", "--json"))["region"]["owner"] == "femke"


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ([("--user", "lead", "region", "set", "NL", "--owner", "a"), ("--user", "ops", "region", "set", "NL", "--owner", "b")],
         ("--user", "lead", "undo"),
         "Error: cannot undo #1: region NL owner changed by ops (#2) since; undoing #1 would overwrite it"),
        ([("--user", "lead", "region", "set", "NL", "--owner", "a"), ("--user", "lead", "undo"), ("--user", "ops", "region", "set", "NL", "--owner", "b")],
         ("--user", "lead", "redo"),
         "Error: cannot redo #1: region NL owner changed by ops (#3) since; redoing #1 would overwrite it"),
        ([("--user", "lead", "region", "set", "NL", "--owner", "a"), ("--user", "lead", "undo")],
         ("--user", "lead", "undo", "--entry", "2"),
         "Error: #1 is already undone (#2 by lead); redo re-applies it"),
        ([("--user", "lead", "region", "set", "NL", "--owner", "a")],
         ("--user", "lead", "redo", "--entry", "1"),
         "Error: #1 is not undone: there is nothing to redo"),
        ([("--user", "lead", "region", "set", "NL", "--owner", "a"), ("--user", "lead", "undo"), ("--user", "lead", "check", "done", "c337")],
         ("--user", "lead", "redo"),
         "Error: nothing to redo: your change #3 came after the undo #2 of #1"),
        ([], ("undo", "--entry", "7"), "Error: no history entry #7"),
        ([], ("redo",), "Error: nothing to redo"),
        ([], ("undo", "--entry", "0"), "Error: Invalid value for '--entry': 0 is not in the range x>=1."),
        ([], ("redo", "--entry", "two"), "Error: Invalid value for '--entry': 'two' is not a whole number written with the digits 0-9."),
    ],
)  # fmt: skip
def test_refusals_are_one_line_exit_1_and_change_nothing(rollout, db_path: Path, setup, args, message):
    for command in setup:
        assert rollout(*command).exit_code == 0
    before = stored(db_path)  # the records and the whole history
    result = rollout(*args)
    assert (result.exit_code, result.stderr.strip()) == (1, message)
    assert stored(db_path) == before


def test_undo_and_redo_are_not_batch_commands(rollout, tmp_path: Path):
    plan = tmp_path / "plan.txt"
    plan.write_text("redo\n")
    result = rollout("batch", str(plan))
    assert result.exit_code == 1 and "'redo' cannot be used in a batch" in result.stderr
