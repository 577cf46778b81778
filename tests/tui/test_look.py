"""What the eye needs: text readable on the cursor row (with and without colour), controls drawn whole."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox
from tui_helpers import settle, wait_until

from rollout.tui.screens.forms import FormScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.widgets.region_table import RegionTable

STATUSES = ("planned", "preparing", "ready", "launched", "paused")


def visible_segments(app, table: RegionTable, y: int):
    """The segments of line y as the terminal gets them (after the app's filters, e.g. NO_COLOR)."""
    strip = table.render_line(y)
    for line_filter in app._filters:
        strip = strip.apply_filter(line_filter, app.styles.background)
    return [s for s in strip if s.text.strip()]


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_every_cell_of_the_cursor_row_is_readable(make_app, db_path, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.screen.query_one("#regions", RegionTable)
        statuses = {row.status for row in table.rows}
        assert {"planned", "launched"} <= statuses
        for status in sorted(statuses):
            table.move_to(next(r.code for r in table.rows if r.status == status))
            await settle(pilot)
            segments = visible_segments(app, table, table.cursor_row + 1)
            assert status in "".join(s.text for s in segments)
            for segment in segments:
                style = segment.style
                assert style.color != style.bgcolor, f"{segment.text!r} is drawn in its background colour"


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_the_critical_checkbox_is_drawn_whole_with_its_label(make_app, width):
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        app.open_region("PL", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, FormScreen)
        box = app.screen.query_one("#field-critical", Checkbox)
        await settle(pilot)
        assert box.region.width >= len("▐X▌ critical")
        assert "critical" in str(box.label).lower()
