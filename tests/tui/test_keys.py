"""The same navigation keys on every list: j/k, g/G and home/end, pageup/pagedown; History newest first."""

from __future__ import annotations

from tui_helpers import load, settle, wait_until

from rollout.tui.screens.region import RegionScreen
from rollout.tui.widgets.base import RecordTable


async def open_tab(pilot, code: str, tab: str) -> RegionScreen:
    pilot.app.open_region(code, tab)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RegionScreen))
    await settle(pilot)
    return pilot.app.screen


async def test_j_moves_down_the_checklist_so_space_j_space_ticks_two_items(make_app, db_path):
    before = load(db_path).items
    open_items = [i["id"] for i in load(db_path).items_of("NL") if i["status"] == "open"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "NL", "checklist")
        table = screen.query_one("#items", RecordTable)
        assert table.cursor_key == open_items[0]
        await pilot.press("space", "j")
        below = table.cursor_key
        assert below != open_items[0]
        await pilot.press("space", "k")
        assert table.cursor_key == open_items[0]
    state = load(db_path)
    assert state.items[open_items[0]]["status"] == "done"
    assert state.items[below]["status"] != before[below]["status"]  # the second space acted on the row j moved to


async def test_g_and_G_jump_to_the_ends_of_every_record_table(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "NL", "checklist")
        for tab, table_id in (("2", "#items"), ("3", "#promos")):
            await pilot.press(tab)
            table = screen.query_one(table_id, RecordTable)
            await pilot.press("G")
            assert table.cursor_row == table.row_count - 1 > 0
            await pilot.press("g")
            assert table.cursor_row == 0
            await pilot.press("end")
            assert table.cursor_row == table.row_count - 1
            await pilot.press("home")
            assert table.cursor_row == 0


async def test_history_opens_on_the_newest_entry_and_g_G_home_move(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_tab(pilot, "NL", "checklist")
        await pilot.press("space", "j", "space", "4")
        history = screen.query_one("#history-entries", RecordTable)
        newest = load(db_path).history[-1]
        assert history.cursor_key == str(newest["id"])
        await pilot.press("G")
        assert history.cursor_row == history.row_count - 1
        await pilot.press("home")
        assert history.cursor_key == str(newest["id"])
        assert history.scroll_x == 0
        await pilot.press("j", "k")
        assert history.cursor_row == 0
