"""An edit that changes nothing says so in one line, and only that: no `Updated ...` line for a
record left as it was, no warnings about a change that did not happen, exit 0, the database as it
was. Every editing command that can be asked for a change that is already so is a row here."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from databases import stored

from rollout.db import Database
from rollout.state import State

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)

PROMO = "p64"  # starts before its region launches: a move or an edit of it prints that warning
Args = Callable[[State], tuple[str, ...]]


def promo(state: State) -> dict:
    return state.promotions[PROMO]


def done_item(state: State) -> str:
    return next(i["id"] for i in state.items.values() if i["status"] == "done")


def open_item(state: State) -> dict:
    return next(i for i in state.items.values() if i["status"] == "open" and not i.get("after"))


NO_CHANGE: dict[str, tuple[tuple[tuple[str, ...], ...], Args]] = {
    # name: (setup commands, the edit that changes nothing, from the state before it)
    "region set, the same owner": ((), lambda s: ("region", "set", "PL", "--owner", s.regions["PL"]["owner"])),
    "region set, the same wave and status": (
        (),
        lambda s: (
            "region",
            "set",
            "NL",
            "--wave",
            str(s.regions["NL"]["wave"]),
            "--status",
            s.regions["NL"]["status"],
        ),
    ),
    "region set, a selector": (
        (),
        lambda s: ("region", "set", f"owner={s.regions['PL']['owner']}", "--owner", s.regions["PL"]["owner"]),
    ),
    "shift by nothing": ((), lambda s: ("shift", "PL", "NL", "--by", "0d", "--with-promos")),
    "check edit, the same title": (
        (),
        lambda s: ("check", "edit", open_item(s)["id"], "--title", open_item(s)["title"]),
    ),
    "check edit, no after again": ((), lambda s: ("check", "edit", open_item(s)["id"], "--no-after")),
    "check edit, the same title and owner": (
        (),
        lambda s: (
            "check",
            "edit",
            open_item(s)["id"],
            "--title",
            open_item(s)["title"],
            "--owner",
            open_item(s)["owner"],
        ),
    ),
    "check done, a done item": ((), lambda s: ("check", "done", done_item(s))),
    "check reopen, an open item": ((), lambda s: ("check", "reopen", open_item(s)["id"])),
    "promo move by nothing": ((), lambda s: ("promo", "move", PROMO, "--by", "0d")),
    "promo edit, the same name": ((), lambda s: ("promo", "edit", PROMO, "--name", promo(s)["name"])),
    "promo edit, the same start": (
        (),
        lambda s: ("promo", "edit", PROMO, "--start", promo(s)["start"][:16], "--kind", promo(s)["kind"]),
    ),
    "config set, the same value": (
        (("config", "set", "health.slack_days", "9"),),
        lambda s: ("config", "set", "health.slack_days", "9"),
    ),
    "config reset, nothing set": ((), lambda s: ("config", "reset", "health.slack_days")),
    "batch of edits that change nothing": ((), lambda s: ("batch", "plan.txt")),
    "import of what is already there": (
        (("export", "NL", "--what", "checklist", "-o", "nl.csv"),),
        lambda s: ("import", "nl.csv"),
    ),
}
PLAN = f"promo move {PROMO} --by 0d\nshift PL --by 0d\nregion set PL --status preparing\n"


@pytest.mark.parametrize("name", sorted(NO_CHANGE))
def test_an_edit_that_changes_nothing_prints_one_line_saying_so(name, rollout, db_path, tmp_path, monkeypatch):
    setup, edit = NO_CHANGE[name]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    for step in setup:
        assert rollout(*step).exit_code == 0
    state = Database(db_path).load()
    assert state.regions["PL"]["status"] == "preparing" and state.promotions[PROMO]["region"] == "PL"
    before = stored(db_path)
    args = edit(state)
    result = rollout(*args)
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert "nothing changed" in line.lower(), line
    assert result.stderr == "", "no warning about a change that did not happen"
    assert stored(db_path) == before
    envelope = json.loads(rollout(*args, "--json").stdout)
    assert envelope["history"] is None and envelope["summary"] == "no change"


def test_the_line_names_what_is_already_so(rollout, db_path):
    state = Database(db_path).load()
    item = open_item(state)
    edited = rollout("check", "edit", item["id"], "--title", item["title"])
    assert edited.stdout == f"Nothing changed: {item['id']} already has that title.\n"
    done = done_item(state)
    assert rollout("check", "done", done).stdout == f"Nothing changed: {done} is already done.\n"
    owner = state.regions["PL"]["owner"]
    assert rollout("region", "set", "PL", "--owner", owner).stdout == "Nothing changed: PL already has that owner.\n"


def test_a_partial_edit_names_only_the_records_it_changed(rollout, db_path):
    state = Database(db_path).load()
    owner = state.regions["PL"]["owner"]
    others = sorted(code for code, r in state.regions.items() if r["owner"] != owner)[:2]
    result = rollout("region", "set", "PL", *others, "--owner", owner)
    assert result.exit_code == 0 and result.stdout == f"Updated {', '.join(others)}.\n"
    done, item = done_item(state), open_item(state)
    ticked = rollout("check", "done", done, item["id"], "--force")
    assert ticked.stdout == f"Done: {item['id']} {item['title']}\n"


def test_a_move_that_changes_something_still_prints_it_with_its_warnings(rollout, db_path: Path):
    moved = rollout("promo", "move", PROMO, "--by", "1d")
    assert moved.exit_code == 0 and moved.stdout.startswith(f"Moved {PROMO} in PL: ")
    assert moved.stderr.startswith(f"Warning: {PROMO} ")
