"""Keys in one burst on the cockpit's screens act exactly as the same keys typed one at a time:
the same screen, the same cursor, the same database."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_cockpit_data import USER, build
from tui_helpers import burst, load, settle

from rollout.tui.app import RolloutApp
from rollout.tui.widgets.base import RecordTable
from rollout.tui.widgets.timeline import TimelineView

SCENARIOS = {
    # Timeline: open it, move down and right, zoom in and out, move a launch later, undo and redo a move.
    "timeline": ["T", "j", "j", "l", "l", "plus", "l", "minus", "minus", "k", "greater_than_sign", "j"],
    "timeline-launch": ["T", "j", "j", "greater_than_sign", "greater_than_sign", "u", "plus", "less_than_sign"],
    # Agenda: open, switch to the user's items, tick two, reopen the first, then a blocked one, forced.
    "agenda": ["A", "f", "f", "j", "space", "k", "space", "j", "j", "space", "y"],
    # Owners: open, move to an owner, list their items, tick one, go back.
    "owners": ["O", "j", "enter", "space", "j", "space", "escape", "j"],
}


def outcome(app: RolloutApp, path: Path) -> tuple:
    """What the keys left: the screen, its cursor, and the records (history aside: its times differ)."""
    screen = app.screen
    cursor: object = None
    views = screen.query(TimelineView)
    if views:
        view = views.first()
        cursor = (view.cursor_code, view.cursor_column, view.zoom.name)
    else:
        tables = [t for t in screen.query(RecordTable)]
        cursor = tables[0].cursor_key if tables else None
    state = load(path)
    return type(screen).__name__, cursor, state.data(), [e["command"] for e in state.history]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_a_burst_equals_the_same_keys_one_at_a_time(tmp_path, name):
    keys = SCENARIOS[name]
    results = []
    for way in ("one by one", "burst"):
        path = build(tmp_path / f"{way.replace(' ', '-')}.json")
        app = RolloutApp(path, user=USER)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            if way == "burst":
                await burst(pilot, *keys)
            else:
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
            results.append(outcome(app, path))
    one_by_one, bursted = results
    assert bursted == one_by_one
    assert one_by_one[2] != load(build(tmp_path / "untouched.json")).data()  # the keys did change something
