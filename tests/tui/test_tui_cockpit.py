"""The cockpit in the TUI, on crafted data with the clock pinned: health on Regions, the Timeline,
the Agenda, Owners, and dependencies in the checklist. Every expectation is read from the core
(rollout.health, agenda, timeline) or from the data the test built, so the TUI and the core agree."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input
from tui_cockpit_data import USER, build
from tui_helpers import load, record_notices, settle, wait_until

from rollout import agenda, health, ops
from rollout.db import Database
from rollout.tui.app import RolloutApp
from rollout.tui.screens.agenda import AgendaScreen, entry_key
from rollout.tui.screens.forms import ConfirmScreen, FormScreen
from rollout.tui.screens.owners import OwnerItemsScreen, OwnersScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.screens.regions import RegionsScreen
from rollout.tui.screens.timeline import TimelineScreen
from rollout.tui.views import BLOCKED
from rollout.tui.widgets.base import RecordTable
from rollout.tui.widgets.region_table import RegionTable
from rollout.tui.widgets.timeline import TimelineView

TODAY = date(2026, 11, 24)  # the suite's ROLLOUT_NOW


@pytest.fixture
def crafted(tmp_path: Path) -> Path:
    return build(tmp_path / "crafted.json")


def app_on(path: Path) -> RolloutApp:
    return RolloutApp(path, user=USER)


def line_text(widget, y: int) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


def regions_table(app: RolloutApp) -> RegionTable:
    return app.screen.query_one("#regions", RegionTable)


# -- Regions ----------------------------------------------------------------------------------
async def test_each_row_shows_the_cores_health_with_its_symbol(crafted):
    with Database(crafted).transaction("test", "a region planned without a checklist yet") as state:
        ops.add_region(state, "CA", name="Canada", timezone="America/Toronto", currency="CAD", launch="2027-06-01")
    core = {h.code: h for h in health.health_all(load(crafted))}
    app = app_on(crafted)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = regions_table(app)
        assert {r.code: r.health for r in table.rows} == {code: h.health for code, h in core.items()}
        assert {h.health for h in core.values()} == set(health.HEALTHS)  # every health, "no checklist" too
        for index, row in enumerate(table.rows):
            cell = f"{health.SYMBOLS[row.health]} {row.health}"
            assert cell in line_text(table, index + 1)


async def test_the_detail_line_gives_the_worst_reason_of_the_row_under_the_cursor(crafted):
    core = {h.code: h for h in health.health_all(load(crafted))}
    app = app_on(crafted)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = regions_table(app)
        for code in ("DE", "PL", "BR"):
            table.move_to(code)
            await settle(pilot)
            detail = str(app.screen.query_one("#health-detail").render())
            worst = core[code].reasons[0]
            assert detail.startswith(f"{code} {health.SYMBOLS[core[code].health]} {core[code].health}")
            assert worst.text in detail
            assert (f"+{len(core[code].reasons) - 1} more" in detail) == (len(core[code].reasons) > 1)
        summary = str(app.screen.query_one("#summary").render())
        counts = {level: sum(1 for h in core.values() if h.health == level) for level in health.HEALTHS}
        assert f"{counts[health.OFF_TRACK]} off track" in summary and f"{counts[health.AT_RISK]} at risk" in summary


async def test_opens_sorted_by_health_worst_first_like_the_core(crafted):
    expected = [h.code for h in health.worst_first(health.health_all(load(crafted)))]
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.sort == "health"
        assert [r.code for r in regions_table(app).rows] == expected
        await pilot.press("S")
        assert [r.code for r in regions_table(app).rows] == expected[::-1]


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_80x24_shows_code_name_health_launch_countdown_readiness_and_critical(crafted, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = app_on(crafted)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = regions_table(app)
        header = line_text(table, 0)
        for title in ("CODE", "NAME", "HEALTH", "LAUNCH", "WHEN", "READY", "CRIT"):
            assert title in header
        table.move_to("DE")
        await settle(pilot)
        row = next(r for r in table.rows if r.code == "DE")
        text = line_text(table, table.cursor_row + 1)
        for cell in ("Germany", "✖ off track", row.launch, row.when, f"{row.readiness}%", str(row.critical_open)):
            assert cell in text
        assert len(text) <= 80


async def test_a_filter_finds_regions_by_health(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", *"health=at-risk", "enter")
        assert sorted(r.code for r in regions_table(app).rows) == ["NL", "PL"]


# -- Timeline ---------------------------------------------------------------------------------
async def open_timeline(pilot) -> TimelineView:
    await pilot.press("T")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TimelineScreen))
    await settle(pilot)
    return pilot.app.screen.query_one(TimelineView)


async def test_timeline_rows_are_the_regions_in_launch_order_with_todays_column(crafted):
    state = load(crafted)
    from rollout.timeline import Timeline

    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_timeline(pilot)
        assert view.codes == Timeline(state).codes
        assert view.cursor_code == view.codes[0]
        first, last = view.cursor_column
        assert first <= TODAY <= last  # the cursor starts on today's column
        assert view.zoom.unit == "week"
        header = line_text(view, 1)
        assert "zoom: month" in header
        de = view.codes.index("DE")
        drawn = line_text(view, de + 2)
        assert drawn.startswith("✖ DE") and "◆" in drawn and "!" in drawn  # launch and the overlap


async def test_timeline_zoom_cursor_and_enter(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_timeline(pilot)
        await pilot.press("plus")
        assert view.zoom.name == "week" and all(first == last for first, last in view.columns)
        assert view.cursor_column == (TODAY, TODAY)
        await pilot.press("l", "l")
        assert view.cursor_column == (TODAY + timedelta(days=2),) * 2
        await pilot.press("minus", "minus")
        assert view.zoom.name == "quarter" and view.cursor_column[0] == date(2026, 11, 1)
        assert all(first.day == 1 for first, _ in view.columns)
        await pilot.press("minus")  # already the widest
        assert view.zoom.name == "quarter"
        await pilot.press("plus", "plus")  # back to the day the cursor was on
        assert view.cursor_column == (TODAY + timedelta(days=2),) * 2
        await pilot.press("j", "j")
        assert view.cursor_code == view.codes[2]
        await pilot.press("G")
        assert view.cursor_code == view.codes[-1]
        await pilot.press("g")
        code = view.cursor_code
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        assert app.screen.code == code


async def test_timeline_moves_a_launch_a_column_at_a_time_and_u_undoes_it(crafted):
    before = load(crafted).region("DE")
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_timeline(pilot)
        view.move_to("DE")
        await pilot.press("greater_than_sign")  # month zoom: a week later
        state = load(crafted)
        assert state.history[-1]["command"] == "tui: shift DE --by 1w"
        launched = state.region("DE")["launch"]
        assert launched.startswith("2026-12-17")
        assert view.cursor_column[0] <= date(2026, 12, 17) <= view.cursor_column[1]  # the cursor follows it
        await pilot.press("plus", "less_than_sign")  # week zoom: a day earlier
        assert load(crafted).region("DE")["launch"].startswith("2026-12-16")
        await pilot.press("u", "u")
        assert load(crafted).region("DE") == before
        assert len(load(crafted).history) == len(state.history) + 3  # two moves, two undos, one each


async def test_timeline_refuses_to_move_a_launched_region_with_the_cores_words(crafted):
    app = app_on(crafted)
    notices = record_notices(app)
    before = crafted.read_bytes()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_timeline(pilot)
        view.move_to("JP")
        await pilot.press("greater_than_sign")
        assert any("cannot shift JP: it has already launched" in n for n in notices)
    assert crafted.read_bytes() == before


async def test_timeline_filter_and_escape(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_timeline(pilot)
        await pilot.press("slash", *"wave=1", "enter")
        assert sorted(view.codes) == ["DE", "NL", "PL"]
        await pilot.press("escape")
        assert len(view.codes) == 7
        await pilot.press("escape")
        assert isinstance(app.screen, RegionsScreen)


# -- Agenda -----------------------------------------------------------------------------------
async def open_agenda(pilot) -> RecordTable:
    await pilot.press("A")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AgendaScreen))
    await settle(pilot)
    return pilot.app.screen.query_one("#agenda", RecordTable)


async def test_agenda_lists_the_cores_agenda_and_f_switches_views(crafted):
    state = load(crafted)
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await open_agenda(pilot)
        assert table.shown_keys == [entry_key(e) for e in agenda.agenda(state)]
        await pilot.press("f")
        assert table.shown_keys == [entry_key(e) for e in agenda.agenda(state, days=0)]
        await pilot.press("f")
        assert table.shown_keys == [entry_key(e) for e in agenda.agenda(state, owner=USER)]
        assert table.shown_keys  # the user owns items this week


async def test_agenda_ticks_in_place_and_space_again_reopens(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await open_agenda(pilot)
        table.select_key("item:c2")
        await pilot.press("space")
        assert load(crafted).items["c2"]["status"] == "done"
        assert "item:c2" in table.shown_keys and table.cursor_key == "item:c2"  # still listed, marked done
        assert str(table.get_row("item:c2")[1]) == "✓"
        await pilot.press("space")
        assert load(crafted).items["c2"]["status"] == "open"


async def test_agenda_asks_before_ticking_a_blocked_item_naming_its_blocker(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await open_agenda(pilot)
        table.select_key("item:c3")
        await pilot.press("space")
        assert isinstance(app.screen, ConfirmScreen)
        assert "c3 waits for c1 'Payment provider live' (open)" in app.screen.question
        await pilot.press("n")
        assert load(crafted).items["c3"]["status"] == "open"
        await pilot.press("space", "y")
        state = load(crafted)
        assert state.items["c3"]["status"] == "done"
        assert state.history[-1]["command"] == "tui: check done DE c3 --force"
        assert "item:c3" in table.shown_keys


async def test_agenda_enter_opens_the_item_in_its_checklist(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await open_agenda(pilot)
        table.select_key("item:c6")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        assert app.screen.code == "FR" and app.screen.tabs.active == "checklist"
        assert app.screen.query_one("#items", RecordTable).cursor_key == "c6"


# -- Owners -----------------------------------------------------------------------------------
async def test_owners_lists_the_workload_and_enter_lists_an_owners_open_items(crafted):
    state = load(crafted)
    loads = agenda.owners(state)
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("O")
        await wait_until(pilot, lambda: isinstance(app.screen, OwnersScreen))
        await settle(pilot)
        table = app.screen.query_one("#owners", RecordTable)
        assert table.shown_keys == [w.owner or "(unassigned)" for w in loads]
        table.select_key(USER)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OwnerItemsScreen))
        await settle(pilot)
        items = app.screen.query_one("#owner-items", RecordTable)
        assert items.shown_keys == [i["id"] for i in agenda.owner_items(state, USER)]
        items.select_key("c6")
        await pilot.press("space")
        assert load(crafted).items["c6"]["status"] == "done"
        assert "c6" in items.shown_keys  # ticked in place
        await pilot.press("escape")
        assert isinstance(app.screen, OwnersScreen)


# -- the checklist's dependencies --------------------------------------------------------------
async def edit_item(pilot, code: str, item_id: str) -> FormScreen:
    pilot.app.open_region(code, "checklist", item_id)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RegionScreen))
    await settle(pilot)
    await pilot.press("e")
    assert isinstance(pilot.app.screen, FormScreen)
    return pilot.app.screen


async def test_the_item_form_sets_what_an_item_waits_for(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await edit_item(pilot, "DE", "c2")
        form.query_one("#field-after", Input).value = "c3"
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, FormScreen)
        state = load(crafted)
        assert state.items["c2"]["after"] == ["c3"]
        assert state.history[-1]["command"] == "tui: check edit DE c2 --after c3"
        table = app.screen.query_one("#items", RecordTable)
        assert str(table.get_row("c2")[2]) == BLOCKED  # blocked: c3 is open
        detail = str(app.screen.query_one("#item-detail").render())
        assert "waits for c3 'Go-live rehearsal' (open)" in detail


@pytest.mark.parametrize(
    ("item_id", "typed", "message"),
    [
        ("c1", "c3", "cannot wait for c3: that makes a cycle c1 -> c3 -> c1"),
        ("c2", "c99", "no checklist item c99"),
        ("c2", "c2", "c2 cannot wait for itself"),
        ("c2", "x9", "invalid item id 'x9'"),
    ],
)
async def test_the_cores_refusal_of_an_after_shows_under_the_field_and_nothing_is_written(
    crafted, item_id, typed, message
):
    before = crafted.read_bytes()
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await edit_item(pilot, "DE", item_id)
        form.query_one("#field-after", Input).value = typed
        await pilot.press("ctrl+s")
        assert app.screen is form  # still open, what was typed kept
        assert message in form.fields.errors()["after"]
    assert crafted.read_bytes() == before


async def test_clearing_after_is_recorded_as_no_after(crafted):
    app = app_on(crafted)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await edit_item(pilot, "DE", "c3")
        assert form.query_one("#field-after", Input).value == "c1"
        form.query_one("#field-after", Input).value = ""
        await pilot.press("ctrl+s")
    state = load(crafted)
    assert state.items["c3"]["after"] == []
    assert state.history[-1]["command"] == "tui: check edit DE c3 --no-after"
