"""Snapshots of the History screen and of one entry opened whole (clock pinned, tests/conftest.py).

Regenerate after an intended change with `pytest tests/tui/test_history_snapshots.py --snapshot-update`,
then look at the SVGs under __snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest
from tui_helpers import seed_history, settle, wait_until

from rollout.tui.app import RolloutApp
from rollout.tui.screens.history import HistoryScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def history_settled(pilot) -> None:
    """The History screen open on entry #3 (undone), with its state and fields read."""
    await pilot.press("L")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
    screen = pilot.app.screen
    await pilot.press("j", "j", "j")
    await wait_until(pilot, lambda: 3 in screen.entries and screen.timeline.covers(1))
    await settle(pilot)


async def entry_settled(pilot) -> None:
    await history_settled(pilot)
    await pilot.press("enter")
    await wait_until(pilot, lambda: "undone by" in str(pilot.app.screen.query_one("#entry-title").render()))
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_history(snap_compare, db_path, size):
    app = RolloutApp(seed_history(db_path), user="lead")
    assert snap_compare(app, terminal_size=size, run_before=history_settled)


@pytest.mark.parametrize("size", SIZES)
def test_history_entry(snap_compare, db_path, size):
    app = RolloutApp(seed_history(db_path), user="lead")
    assert snap_compare(app, terminal_size=size, run_before=entry_settled)
