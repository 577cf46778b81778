"""The installed `rollout` console script in a real terminal (tmux): keys in, screen out, database checked."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from conftest import FIXED_NOW, Tmux, load, rollout_script

from rollout import times

pytestmark = pytest.mark.e2e


def tui_command(db: Path, *args: str) -> str:
    env = {"ROLLOUT_NOW": FIXED_NOW, "ROLLOUT_USER": "e2e", "TZ": "UTC", "TERM": "xterm-256color"}
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    script = shlex.quote(str(rollout_script()))
    return f"env {assignments} timeout --foreground 120 {script} --db {shlex.quote(str(db))} {shlex.join(args)}"


def test_a_day_of_work_in_tmux(tmux: Tmux, db_path: Path) -> None:
    """Open a region, tick an item, move a promotion, undo the move, quit."""
    state = load(db_path)
    item = next(i for i in state.items_of("NL") if i["status"] == "open")
    promo = min(state.promotions_of("NL"), key=lambda p: times.instant(p["start"]))
    tmux.start(tui_command(db_path))  # no command on a terminal opens the TUI
    tmux.wait_for("21 regions")
    tmux.press("/")
    tmux.type("NL")
    tmux.wait_for("filter 'NL': 1 shown")
    tmux.press("Enter", "Enter")
    tmux.wait_for("Netherlands")
    tmux.press("2")
    tmux.wait_for("space Tick")  # the checklist has the focus: its keys are live
    tmux.press("Space")
    tmux.wait_for(f"{item['id']} done")
    tmux.press("3")
    tmux.wait_for("m Move by")
    tmux.press("m")
    tmux.wait_for("Move by")
    tmux.type("1w")
    tmux.press("Enter")
    tmux.wait_for(f"Moved {promo['id']}")
    tmux.press("u")
    screen = tmux.wait_for("Undid")
    assert "promo move" in screen
    tmux.press("q")
    assert tmux.exit_status() == 0

    after = load(db_path)
    assert after.items[item["id"]]["status"] == "done"
    assert after.items[item["id"]]["done_by"] == "e2e"
    assert after.promotions[promo["id"]] == promo  # moved, then undone
    commands = [e["command"] for e in after.history]
    assert commands == [
        f"tui: check done NL {item['id']}",
        f"tui: promo move {promo['id']} --by 1w",
        "tui: undo",
    ]


def test_tui_read_only_over_the_console_script(tmux: Tmux, db_path: Path) -> None:
    before = db_path.read_bytes()
    tmux.start(tui_command(db_path, "tui", "--read-only"))
    tmux.wait_for("read-only")
    tmux.press("Enter")
    tmux.wait_for("Overview 1")
    tmux.press("2")
    screen = tmux.wait_for("f Show")  # the checklist has the focus: its keys are live
    footer = screen.strip().splitlines()[-1]
    assert "Tick" not in footer and "Add" not in footer and "Bulk" not in footer  # no editing keys offered
    tmux.press("Space")
    tmux.wait_for("Read-only: nothing can be changed")
    tmux.press("q")
    assert tmux.exit_status() == 0
    assert db_path.read_bytes() == before
