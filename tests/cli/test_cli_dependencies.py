"""Dependencies between checklist items from the command line: `check add|edit --after`,
`check edit --no-after`, `check done --force`, the AFTER column, and batch lines using them, on
the crafted cockpit database (c2 in PL waits for the critical c1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import stored

from rollout.db import Database

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)

BLOCKED = "Error: c2 waits for c1 'Payment provider live' (open); use --force\n"


def as_json(result) -> dict:  # noqa: ANN001
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def item(path: Path, item_id: str) -> dict:
    return Database(path).load().items[item_id]


def refused(result, crafted: Path, before: bytes, message: str, code: int = 1) -> None:  # noqa: ANN001
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", message)
    assert stored(crafted) == before


def test_add_an_item_that_waits_for_others_in_any_region(run):
    envelope = as_json(run("check", "add", "NL", "Launch mail", "--after", "c1, C3", "--json"))
    (added,) = envelope["changed"]["checklist"]
    assert added["after"] == ["c1", "c3"] and added["blocked"] is True
    assert envelope["summary"] == "1 checklist item added"


@pytest.mark.parametrize(
    ("after", "message"),
    [
        ("c999", "Error: no checklist item c999\n"),
        ("c1,p1", "Error: invalid item id 'p1': expected an id like c12\n"),
    ],
)
def test_add_refuses_unknown_or_malformed_ids(run, crafted, after, message):
    before = stored(crafted)
    refused(run("check", "add", "PL", "X", "--after", after), crafted, before, message)


def test_ticking_a_blocked_item_is_refused_naming_the_blocker(run, crafted):
    before = stored(crafted)
    refused(run("check", "done", "c2"), crafted, before, BLOCKED)
    refused(run("check", "done", "PL", "c2", "--json"), crafted, before, BLOCKED)


def test_items_ticked_together_count_as_done_for_each_other(run, crafted):
    envelope = as_json(run("check", "done", "c2", "c1", "--json"))
    assert {i["id"] for i in envelope["changed"]["checklist"]} == {"c1", "c2"}
    assert item(crafted, "c2")["status"] == "done"


def test_a_forced_tick_is_noted_in_the_warnings_and_history(run, crafted):
    forced = run("check", "done", "c2", "--force")
    note = "forced tick of c2 while it waits for c1 'Payment provider live' (open)"
    assert forced.exit_code == 0 and forced.stdout == "Done: c2 Checkout tested\n"
    assert forced.stderr == f"Warning: {note}\n"
    (entry,) = as_json(run("history", "--limit", "1", "--json"))
    assert entry["command"] == "check done c2 --force" and entry["notes"] == [note]
    reopened = as_json(run("check", "reopen", "c2", "--json"))
    again = as_json(run("check", "done", "c2", "--force", "--json"))
    assert reopened["warnings"] == [] and again["warnings"] == [note]


def test_edit_sets_replaces_and_clears_what_an_item_waits_for(run, crafted):
    set_to = as_json(run("check", "edit", "c3", "--after", "c1,c5", "--json"))
    assert set_to["changed"]["checklist"][0]["after"] == ["c1", "c5"]
    replaced = as_json(run("check", "edit", "NL", "c3", "--after", "c5", "--json"))
    assert replaced["changed"]["checklist"][0]["after"] == ["c5"]
    cleared = as_json(run("check", "edit", "c2", "--no-after", "--json"))
    assert cleared["changed"]["checklist"][0]["after"] == [] and cleared["changed"]["checklist"][0]["blocked"] is False
    assert run("check", "done", "c2").exit_code == 0
    assert item(crafted, "c3")["after"] == ["c5"]


def test_edit_refuses_a_cycle_a_self_wait_and_both_options(run, crafted):
    before = stored(crafted)
    refused(
        run("check", "edit", "c1", "--after", "c2"),
        crafted,
        before,
        "Error: c1 cannot wait for c2: that makes a cycle c1 -> c2 -> c1\n",
    )
    refused(run("check", "edit", "c1", "--after", "c1"), crafted, before, "Error: c1 cannot wait for itself\n")
    both = run("check", "edit", "c2", "--after", "c1", "--no-after")
    assert both.exit_code == 2 and both.stderr.startswith("Error: give --after ITEMS or --no-after, not both")
    assert stored(crafted) == before


def test_the_checklist_tables_show_after_and_blocked(run):
    lines = run("check", "list", "PL").stdout.splitlines()
    assert lines[0].split()[-1] == "AFTER"
    c2 = next(line for line in lines if line.startswith("c2"))
    assert c2.endswith("c1 (blocked)")
    assert "AFTER" not in run("check", "list", "US").stdout  # nothing waits there: no column
    shown = run("region", "show", "PL").stdout
    assert "c1 (blocked)" in shown
    assert run("check", "done", "c1").exit_code == 0
    after_tick = next(line for line in run("check", "list", "PL").stdout.splitlines() if line.startswith("c2"))
    assert after_tick.endswith("  c1") and "blocked" not in after_tick


def test_removing_a_blocker_frees_the_items_waiting_for_it_in_one_change(run, crafted):
    envelope = as_json(run("check", "remove", "c1", "--json"))
    assert envelope["removed"]["checklist"] == ["c1"]
    assert [(i["id"], i["after"]) for i in envelope["changed"]["checklist"]] == [("c2", [])]
    undone = as_json(run("undo", "--json"))
    assert item(crafted, "c2")["after"] == ["c1"] and undone["undid"] == envelope["history"]


def test_batch_lines_take_after_no_after_and_force(run, crafted, tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text(
        'check add PL "Go-live rehearsal" --after c1,c2 --due 2026-12-01\n'
        "check edit c3 --after c6\n"
        "check done c5\n"
        "check done c2 --force\n"
        "check edit c6 --no-after\n",
        encoding="utf-8",
    )
    envelope = as_json(run("batch", str(plan), "--json"))
    assert envelope["warnings"] == ["forced tick of c2 while it waits for c1 'Payment provider live' (open)"]
    state = Database(crafted).load()
    assert state.items["c6"]["after"] == [] and state.items["c3"]["after"] == ["c6"]
    assert state.items["c2"]["status"] == "done"


def test_a_batch_line_ticking_a_blocked_item_fails_naming_the_line(run, crafted, tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text("check done c5\ncheck done c2\n", encoding="utf-8")
    before = stored(crafted)
    result = run("batch", str(plan))
    assert result.exit_code == 1 and "line 2" in result.stderr and "c2 waits for c1" in result.stderr
    assert stored(crafted) == before
