"""Tables lay out their columns afresh when the terminal is resized: as if opened at the new size."""

from __future__ import annotations

import pytest
from tui_helpers import settle, wait_until

from rollout.tui.app import RolloutApp
from rollout.tui.screens.region import RegionScreen
from rollout.tui.widgets.base import RecordTable

TABS = {"checklist": "#items", "promotions": "#promos"}


def columns(app: RolloutApp, selector: str) -> list[tuple[str, int]]:
    table = app.screen.query_one(selector, RecordTable)
    return [(c.label.plain, c.get_render_width(table)) for c in table.columns.values()]


async def layout(db_path, tab: str, sizes: list[tuple[int, int]]) -> list[tuple[str, int]]:
    app = RolloutApp(db_path, user="tester")
    async with app.run_test(size=sizes[0]) as pilot:
        app.open_region("NL", tab)
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        for size in sizes[1:]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            await pilot.pause(0.1)
            await settle(pilot)
        return columns(app, TABS[tab])


@pytest.mark.parametrize("tab", sorted(TABS))
async def test_resizing_lays_out_the_columns_as_opening_at_that_size_does(db_path, tab):
    grown = await layout(db_path, tab, [(60, 20), (120, 40)])
    assert grown == await layout(db_path, tab, [(120, 40)])
    shrunk = await layout(db_path, tab, [(60, 20), (120, 40), (80, 24)])
    assert shrunk == await layout(db_path, tab, [(80, 24)])


async def test_owner_and_due_stay_visible_at_80x24_after_a_resize(db_path):
    shown = await layout(db_path, "checklist", [(60, 20), (120, 40), (80, 24)])
    names = [name for name, _ in shown]
    end_of_due = sum(width for _, width in shown[: names.index("DUE") + 1])
    assert end_of_due <= 80 - 2  # the table's width less its scrollbar
