"""Keys that arrive in one burst (SSH, a paste) act exactly like the same keys typed one at a time."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input
from tui_helpers import burst, burst_keys, load, settle, wait_until

from rollout.tui.screens.calendar import CalendarScreen
from rollout.tui.screens.forms import FormScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.screens.regions import RegionsScreen


async def open_checklist(pilot, code: str) -> RegionScreen:
    pilot.app.open_region(code, "checklist")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RegionScreen))
    await settle(pilot)
    return pilot.app.screen


async def test_a_burst_with_tabs_fills_each_field_of_the_add_form(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_checklist(pilot, "PL")
        await burst(pilot, "a", *burst_keys("Carrier SLA signed"), "tab", "tab", *burst_keys("2027-02-20"), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    added = [i for i in load(db_path).items_of("PL") if i["title"].startswith("Carrier SLA signed")]
    assert [i["title"] for i in added] == ["Carrier SLA signed"]
    assert added[0]["due"].startswith("2027-02-20T00:00:00+01:00")  # Warsaw midnight


async def test_a_burst_that_opens_a_region_and_a_tab_lands_in_that_tab(make_app, db_path):
    app = make_app()
    item = next(i for i in load(db_path).items_of("NL") if i["status"] == "open")
    async with app.run_test(size=(100, 30)) as pilot:
        await burst(pilot, "slash", "N", "L", "enter", "enter", "2", "space")
        assert isinstance(app.screen, RegionScreen) and app.screen.code == "NL"
    assert load(db_path).items[item["id"]]["status"] == "done"


async def test_calendar_moves_every_key_of_a_burst(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, "c")
        screen = app.screen
        assert isinstance(screen, CalendarScreen)
        start = screen.selected
        await burst(pilot, *["right"] * 5)
        assert screen.selected == start + timedelta(days=5)
        await burst(pilot, *["down"] * 3)
        assert screen.selected == start + timedelta(days=26)
        await burst(pilot, "left", "up", "left")
        assert screen.selected == start + timedelta(days=17)


async def test_a_filter_typed_in_a_burst_then_escape_is_whole(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await burst(pilot, "slash", *burst_keys("pl"), "enter")
        screen = app.screen
        assert isinstance(screen, RegionsScreen)
        assert screen.filter_text == "pl"
        assert not isinstance(app.focused, Input)


async def test_a_burst_into_a_dialog_answers_the_dialog(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checklist(pilot, "NL")
        first = screen.query_one("#items").cursor_key
        await burst(pilot, "d", "y")
        assert not isinstance(app.screen, FormScreen)
    assert first not in load(db_path).items
