"""Pilot tests: each flow a launch manager uses, driven by keys (and the mouse), checked against the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select, TabbedContent
from tui_helpers import load, open_region, record_notices, type_text, wait_until

from rollout import health, queries, times
from rollout.tui import settings
from rollout.tui.screens.calendar import CalendarScreen, DayScreen
from rollout.tui.screens.forms import ConfirmScreen, FormScreen
from rollout.tui.screens.help import HelpScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.screens.regions import RegionsScreen
from rollout.tui.widgets.base import RecordTable
from rollout.tui.widgets.form import FormFields
from rollout.tui.widgets.region_table import RegionTable


def table(app) -> RegionTable:
    return app.screen.query_one("#regions", RegionTable)


def codes(app) -> list[str]:
    return [row.code for row in table(app).rows]


def first_open_item(db: Path, code: str) -> dict:
    return next(i for i in load(db).items_of(code) if i["status"] == "open")


def rollout_cli(db: Path, *args: str) -> None:
    """Another process writing the same file, as a colleague's script would."""
    subprocess.run(
        [sys.executable, "-m", "rollout", "--db", str(db), "--user", "colleague", *args],
        check=True,
        capture_output=True,
    )


# -- Regions ---------------------------------------------------------------------------
async def test_opens_on_every_region_by_health_worst_first_launched_last(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        state = load(db_path)
        assert isinstance(app.screen, RegionsScreen)
        expected = [h.code for h in health.worst_first(health.health_all(state))]
        assert codes(app) == expected
        assert table(app).has_focus
        nl = next(r for r in table(app).rows if r.code == "NL")
        assert nl.countdown == "in 2 months"
        assert nl.readiness == queries.readiness(state, "NL")
        assert table(app).rows[0].health == health.OFF_TRACK
        assert table(app).rows[-1].countdown.startswith("launched ")


async def test_filter_narrows_as_you_type_and_escape_clears(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await type_text(pilot, "prep")
        assert sorted(codes(app)) == ["CA", "PL"]  # by status
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await type_text(pilot, "neth")
        assert codes(app) == ["NL"]  # by name
        await pilot.press("escape")
        assert len(codes(app)) == 21
        assert table(app).has_focus
        await pilot.press("slash")
        await type_text(pilot, "amara")  # by owner
        assert set(codes(app)) == {"ID", "TH", "VN"}
        await type_text(pilot, "x")
        assert codes(app) == []


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("wave=1", lambda r: r.wave == 1),
        ("wave 2", lambda r: r.wave == 2),
        ("status=preparing", lambda r: r.status == "preparing"),
        ("owner=amara", lambda r: r.owner == "amara"),
    ],
)
async def test_the_filter_matches_wave_status_and_owner_fields(make_app, typed, rule):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        everyone = list(table(app).rows)
        await pilot.press("slash")
        await type_text(pilot, typed)
        expected = [r.code for r in everyone if rule(r)]
        assert expected and codes(app) == expected


async def test_the_filter_matches_country_names_of_subdivisions(make_app, empty_db_path):
    from rollout import ops
    from rollout.db import Database

    with Database(empty_db_path).transaction("t", "setup") as state:
        ops.add_region(state, "FR-IDF", name="Paris region", timezone="Europe/Paris", currency="EUR")
        ops.add_region(state, "FR-ARA", name="Lyon region", timezone="Europe/Paris", currency="EUR")
        ops.add_region(state, "DE-BY", name="Bavaria", timezone="Europe/Berlin", currency="EUR")
    app = make_app(path=empty_db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "france")
        assert sorted(codes(app)) == ["FR-ARA", "FR-IDF"]


async def test_sort_cycles_and_keeps_the_cursor_on_its_region(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        table(app).move_to("NL")
        ranks = [health.RANK[r.health] for r in table(app).rows]
        assert ranks == sorted(ranks) and ranks[0] < ranks[-1]  # by health, worst first
        await pilot.press("s")
        launches = [r.launch_instant for r in table(app).rows]
        assert launches == sorted(launches)  # by launch date
        assert table(app).cursor_code == "NL"
        await pilot.press("s")
        assert codes(app) == sorted(codes(app))  # by code
        assert table(app).cursor_code == "NL"
        await pilot.press("s")
        readiness = [r.readiness for r in table(app).rows]
        assert readiness == sorted(readiness)
        assert table(app).cursor_code == "NL"


async def test_enter_and_click_open_a_region(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        table(app).move_to("PL")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        assert app.screen.code == "PL"
        await pilot.press("escape")
        assert isinstance(app.screen, RegionsScreen)
        third = codes(app)[2]
        await pilot.click("#regions", offset=(2, 3))  # line 0 is the header: line 3 is the third region
        assert table(app).cursor_code == third and isinstance(app.screen, RegionsScreen)
        await pilot.click("#regions", offset=(2, 3))  # a second click opens it
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        assert app.screen.code == third


# -- Checklist -------------------------------------------------------------------------
async def test_space_ticks_the_item_under_the_cursor(make_app, db_path):
    item = first_open_item(db_path, "NL")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_region(pilot, "NL")
        await pilot.press("2")
        items = screen.query_one("#items", RecordTable)
        assert items.has_focus and items.cursor_key == item["id"]  # opens on the first open item
        await pilot.press("space")
        saved = load(db_path).items[item["id"]]
        assert saved["status"] == "done" and saved["done_by"] == "tester"
        entry = load(db_path).history[-1]
        assert entry["command"] == f"tui: check done NL {item['id']}"
        assert entry["user"] == "tester"
        assert items.cursor_key == item["id"]
        await pilot.press("space")
        assert load(db_path).items[item["id"]]["status"] == "open"
        assert load(db_path).history[-1]["command"] == f"tui: check reopen NL {item['id']}"


async def test_add_an_item_through_the_form(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_region(pilot, "NL")
        await pilot.press("2", "a")
        assert isinstance(app.screen, FormScreen)
        await type_text(pilot, "Translate the FAQ [v2]")
        form = app.screen.query_one(FormFields)
        form.set_value("due", "2027-01-10")
        form.set_value("critical", True)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        added = [i for i in load(db_path).items_of("NL") if i["title"] == "Translate the FAQ [v2]"]
        assert len(added) == 1 and added[0]["critical"] is True
        assert added[0]["due"].startswith("2027-01-10T00:00:00+01:00")  # Amsterdam midnight
        assert load(db_path).history[-1]["command"] == (
            "tui: check add NL 'Translate the FAQ [v2]' --category other --due 2027-01-10 --critical"
        )
        assert screen.query_one("#items", RecordTable).cursor_key == added[0]["id"]


async def test_edit_shows_core_errors_inline_and_saves_only_what_changed(make_app, db_path):
    item = first_open_item(db_path, "NL")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("2", "e")
        form = app.screen.query_one(FormFields)
        form.set_value("due", "2027-02-30")
        await pilot.pause()
        assert "invalid date '2027-02-30'" in form.errors()["due"]
        revision = load(db_path).revision
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, FormScreen)  # still open, nothing saved
        assert load(db_path).revision == revision
        form.set_value("due", "2027-01-20")
        form.set_value("owner", "sam")
        await pilot.pause()
        assert form.errors() == {}
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        saved = load(db_path).items[item["id"]]
        assert saved["owner"] == "sam" and saved["title"] == item["title"]
        assert load(db_path).history[-1]["command"] == f"tui: check edit NL {item['id']} --due 2027-01-20 --owner sam"


async def test_delete_asks_first(make_app, db_path):
    item = first_open_item(db_path, "NL")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("2", "d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert item["id"] in load(db_path).items
        await pilot.press("d", "y")
        await pilot.pause()
        assert item["id"] not in load(db_path).items


# -- Promotions ------------------------------------------------------------------------
async def test_promotion_with_a_bad_date_shows_the_error_inline_and_saves_nothing(make_app, db_path):
    app = make_app()
    before = load(db_path).data()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("3", "a")
        assert isinstance(app.screen, FormScreen)
        await type_text(pilot, "Winter Sale")
        form = app.screen.query_one(FormFields)
        form.set_value("start", "2027-13-01")
        form.set_value("end", "2027-02-10")
        await pilot.pause()
        assert form.errors()["start"].startswith("invalid date '2027-13-01'")
        await pilot.press("enter")
        assert isinstance(app.screen, FormScreen)
        assert "Fix the fields" in str(app.screen.query_one("#form-error").render())
        form.set_value("start", "2027-02-20")  # valid alone, but after the end
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, FormScreen)
        # The core's own rule and message (schema.check_span), shown under the form: the TUI has no copy.
        error = str(app.screen.query_one("#form-error").render())
        assert error == "start 2027-02-20T00:00:00+01:00 must be before end 2027-02-10T00:00:00+01:00"
    assert load(db_path).data() == before


async def test_add_and_move_a_promotion_with_warnings(make_app, db_path):
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_region(pilot, "NL")
        await pilot.press("3", "a")
        await type_text(pilot, "Pre-launch teaser")
        form = app.screen.query_one(FormFields)
        form.set_value("start", "2027-01-20")
        form.set_value("end", "2027-01-27")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        promo = next(p for p in load(db_path).promotions_of("NL") if p["name"] == "Pre-launch teaser")
        assert any("starts before NL launches" in n for n in notices)
        promos = screen.query_one("#promos", RecordTable)
        assert promos.cursor_key == promo["id"]
        assert "starts before NL launches (2027-01-26 10:00)" in str(screen.query_one("#promo-detail").render())
        await pilot.press("m")
        await type_text(pilot, "2w")
        await pilot.pause()
        assert "new: 2027-02-03 00:00 - 2027-02-10 00:00" in str(app.screen.query_one("#preview").render())
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        moved = load(db_path).promotions[promo["id"]]
        assert moved["start"].startswith("2027-02-03T00:00:00+01:00")
        assert load(db_path).history[-1]["command"] == f"tui: promo move {promo['id']} --by 2w"


# -- Overview --------------------------------------------------------------------------
async def test_overview_form_validates_as_you_type_and_saves_through_the_core(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_region(pilot, "NL")
        form = screen.query_one("#region-form", FormFields)
        form.set_value("currency", "EURO")
        await pilot.pause()
        assert form.errors()["currency"].startswith("unknown currency 'EURO'")
        form.set_value("currency", "EUR")
        form.set_value("launch", "2027-02-01T10:00")
        await pilot.pause()
        assert form.errors() == {}
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load(db_path).region("NL")["launch"] == "2027-02-01T10:00:00+01:00"
        assert load(db_path).history[-1]["command"] == "tui: region set NL --launch 2027-02-01T10:00"


async def test_launching_with_critical_items_open_asks_then_forces(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_region(pilot, "CA")
        screen.query_one("#field-status", Select).value = "launched"
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        (blocking,) = queries.open_critical(load(db_path), "CA")
        question = str(app.screen.query_one(".dialog-question").render())
        assert f"{blocking['id']} {blocking['title']!r}" in question  # named, as the CLI's refusal does
        await pilot.press("y")
        await pilot.pause()
        entry = load(db_path).history[-1]
        assert load(db_path).region("CA")["status"] == "launched"
        assert entry["command"] == "tui: region set CA --status launched --force"
        assert "forced launch" in entry["notes"][0]


async def test_move_the_launch_takes_the_promotions_not_started_along_in_one_change(make_app, db_path):
    before = load(db_path)
    promos = {p["id"]: p for p in before.promotions_of("PL")}
    not_started = {i for i, p in promos.items() if times.instant(p["start"]) > times.now()}
    assert not_started
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "PL")
        await pilot.press("m")
        await type_text(pilot, "2w")
        await pilot.press("enter")  # m, 2, w, enter: four keys
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    after = load(db_path)
    assert after.region("PL")["launch"] == "2027-03-30T10:00:00+02:00"
    for promo_id in not_started:
        moved = times.instant(after.promotions[promo_id]["start"]) - times.instant(promos[promo_id]["start"])
        assert moved.days == 14
    assert len(after.history) == len(before.history) + 1  # one change, so one undo
    assert after.history[-1]["command"] == "tui: shift PL --by 2w --with-promos"


async def test_move_the_launch_alone_when_the_box_is_cleared(make_app, db_path):
    before = load(db_path)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "PL")
        await pilot.press("m")
        await type_text(pilot, "2w")
        await pilot.press("tab", "space", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    after = load(db_path)
    assert after.region("PL")["launch"] == "2027-03-30T10:00:00+02:00"
    assert after.promotions == before.promotions
    assert after.history[-1]["command"] == "tui: shift PL --by 2w"


# -- undo, help, palette ---------------------------------------------------------------
async def test_undo_reverts_the_last_change_and_says_what(make_app, db_path):
    item = first_open_item(db_path, "NL")
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("2", "space")
        assert load(db_path).items[item["id"]]["status"] == "done"
        tick = load(db_path).history[-1]
        await pilot.press("u")
        assert load(db_path).items[item["id"]]["status"] == "open"
        assert load(db_path).history[-1]["undoes"] == tick["id"]
        assert (
            f"information: Undid your change #{tick['id']} (2026-11-24 09:00): tui: check done NL {item['id']} "
            "(1 checklist item changed)." in notices
        )
        await pilot.press("u")  # the tick was undone; nothing older is left to undo in a fresh file
        assert "error: nothing to undo: no change by tester is in effect" in notices


async def test_ctrl_z_is_the_terminal_suspend_never_undo(make_app, db_path):
    item = first_open_item(db_path, "NL")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("2", "space", "ctrl+z")
    assert load(db_path).items[item["id"]]["status"] == "done"
    assert "undoes" not in load(db_path).history[-1]
    assert any(b.key == "ctrl+z" and b.action == "suspend_process" for b in app.BINDINGS)


async def help_rows(pilot) -> set[str]:
    await pilot.press("question_mark")
    assert isinstance(pilot.app.screen, HelpScreen)
    table = pilot.app.screen.query_one("#help-keys")
    described = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
    await pilot.press("escape")
    return described


async def test_help_lists_the_keys_of_the_screen_it_was_opened_from(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        here = await help_rows(pilot)
        assert {"Sort", "Filter", "Mark", "Calendar", "Undo", "Quit", "Open"} <= here
        assert "Tick" not in here and "Prev month" not in here
        assert isinstance(app.screen, RegionsScreen)
        await open_region(pilot, "NL")
        await pilot.press("2")
        here = await help_rows(pilot)
        assert {"Tick", "Show", "Bulk", "Move launch", "Undo"} <= here
        assert "Sort" not in here
        await pilot.press("c")
        here = await help_rows(pilot)
        assert {"Prev month", "Today", "Day's events"} <= here


async def test_help_shows_a_remapped_key_with_its_id(make_app, tmp_path, monkeypatch):
    config = settings.config_path()
    config.parent.mkdir(parents=True)
    config.write_text('[keys]\n"regions.sort" = "o"\n')
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-keys")
        rows = {str(table.get_row_at(i)[2]): [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)}
        assert rows["Sort"][1:] == ["o", "Sort", "regions.sort"]
        assert rows["Quit"][3] == "quit"
        await pilot.press("escape", "o")
        assert app.screen.sort == "launch"  # the remapped key sorts (health, then launch date)
        await pilot.press("s")
        assert app.screen.sort == "launch"  # the old key no longer does


async def test_command_palette_jumps_to_a_region(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "open poland")
        await wait_for_first_command(pilot, "Open PL Poland")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        assert app.screen.code == "PL"


@pytest.mark.parametrize(("typed", "code"), [("CA", "CA"), ("ca", "CA"), ("de", "DE"), ("japan", "JP")])
async def test_a_region_code_or_name_typed_in_full_ranks_first_in_the_palette(make_app, typed, code):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, typed)
        await wait_for_first_command(pilot, f"Open {code} ")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        assert app.screen.code == code


async def wait_for_first_command(pilot, text: str) -> None:
    """Wait until the palette's first (highlighted) command starts with `text`."""
    from textual.command import CommandList

    def first() -> str:
        try:
            options = pilot.app.screen.query_one(CommandList)
        except Exception:
            return ""
        option = options.highlighted_option
        return str(option.prompt) if option is not None else ""

    await wait_until(pilot, lambda: first().startswith(text))


# -- Calendar --------------------------------------------------------------------------
async def test_calendar_navigates_months_and_jumps_to_an_event(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CalendarScreen)
        title = lambda: str(screen.query_one("#month-title").render())  # noqa: E731
        assert title().startswith("November 2026")
        assert screen.query_one("#day-29").has_class("-today")  # 2026-11-24: the grid starts Monday 26 October
        await pilot.press("right_square_bracket")
        assert title().startswith("December 2026")
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert title().startswith("October 2026")
        await pilot.press("t")
        assert screen.selected.isoformat() == "2026-11-24"
        await pilot.press("right", "right", "right")  # Friday 27: Black Friday, overlaps in GB
        assert screen.query_one("#day-32").has_class("-conflict")
        await pilot.press("enter")
        assert isinstance(app.screen, DayScreen)
        events = app.screen.events
        target = next(e for e in events if e.kind == "promotion")
        options = app.screen.query_one(OptionList)
        options.highlighted = events.index(target)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        region = app.screen
        assert region.code == target.region
        assert region.query_one(TabbedContent).active == "promotions"
        await pilot.pause()
        assert region.query_one("#promos", RecordTable).cursor_key == target.key
        await pilot.press("c")
        assert app.screen is screen  # back to the open calendar, not a new one


# -- modes and robustness --------------------------------------------------------------
async def test_read_only_refuses_every_edit_with_a_notice(make_app, db_path):
    app = make_app(read_only=True)
    notices = record_notices(app)
    before = db_path.read_bytes()
    async with app.run_test(size=(100, 30)) as pilot:
        assert "read-only" in app.sub_title
        screen = await open_region(pilot, "NL")
        await pilot.press("2", "space", "a", "d")
        assert isinstance(app.screen, RegionScreen)  # no form or confirmation opened
        await pilot.press("3", "m")
        await pilot.press("u", "1")
        screen.query_one("#region-form", FormFields).set_value("name", "Holland")
        await pilot.pause()
        await pilot.press("ctrl+s")
        footer = " ".join(str(b.binding.description) for b in app.screen.active_bindings.values() if b.enabled)
        for editing in ("Tick", "Add", "Edit", "Delete", "Bulk", "Save", "Undo"):
            assert editing not in footer  # the footer and palette offer no editing keys
    assert db_path.read_bytes() == before
    assert sum("Read-only" in n for n in notices) == 6  # space, a, d, m, u, ctrl+s


async def test_read_only_from_the_environment(make_app, db_path, monkeypatch):
    monkeypatch.setenv("ROLLOUT_READ_ONLY", "1")
    app = make_app()
    before = db_path.read_bytes()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("2", "space")
    assert app.read_only
    assert db_path.read_bytes() == before


async def test_core_errors_become_notifications_and_the_app_keeps_running(make_app, db_path):
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")  # a fresh file has nothing to undo
        assert notices[-1] == "error: nothing to undo: no change by tester is in effect"
        await open_region(pilot, "DE")  # launched: its launch moves only when forced
        await pilot.press("m")
        assert "moves only when forced" in notices[-1]
        assert app.is_running


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (200, 60)])
async def test_the_checklist_shows_every_items_owner_and_due_at_every_size(make_app, db_path, size):
    """At 80x24 nothing essential is cut: each row carries its item's owner and due date in full."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_region(pilot, "PL")
        await pilot.press("2")
        items = app.screen.query_one("#items", RecordTable)
        state = load(db_path)
        owner_column, due_column = 5, 6  # after the mark column, ID, OK, !, TITLE
        visible = items.size.width
        offsets = [sum(c.get_render_width(items) for c in list(items.columns.values())[:n]) for n in range(8)]
        if size[0] >= 80:
            assert offsets[due_column + 1] <= visible  # the due column ends inside the table
        for key in items.shown_keys:
            row = items.get_row(key)
            item = state.items[key]
            owner, shown = item["owner"] or "-", str(row[owner_column])
            assert shown == owner if len(owner) <= 14 else (shown.endswith("…") and owner.startswith(shown[:-1]))
            assert str(row[due_column]).startswith(queries.due_display(item, "Europe/Warsaw"))


# -- other writers ---------------------------------------------------------------------
async def test_a_change_by_another_process_shows_up_and_the_cursor_stays(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")  # by launch date
        table(app).move_to("PL")
        rollout_cli(db_path, "region", "set", "AU", "--launch", "2027-01-05")  # moves AU above PL
        await wait_until(pilot, lambda: codes(app).index("AU") < codes(app).index("PL"))
        assert table(app).cursor_code == "PL"
        assert app.snapshot.state.region("AU")["launch"].startswith("2027-01-05")


async def test_a_form_being_typed_into_survives_a_refresh(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_region(pilot, "NL")
        form = screen.query_one("#region-form", FormFields)
        form.set_value("name", "Holland")
        await pilot.pause()
        rollout_cli(db_path, "region", "set", "NL", "--owner", "femke")
        await wait_until(pilot, lambda: form.value("owner") == "femke")
        assert form.value("name") == "Holland"
        await pilot.press("ctrl+s")
        await pilot.pause()
        region = load(db_path).region("NL")
        assert (region["name"], region["owner"]) == ("Holland", "femke")


async def test_a_stale_edit_is_refused_then_applied_knowingly(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_region(pilot, "NL")
        form = screen.query_one("#region-form", FormFields)
        form.set_value("wave", "7")
        await pilot.pause()
        app.poll_timer.pause()  # the user saves before this screen noticed the other write
        rollout_cli(db_path, "region", "set", "NL", "--wave", "6")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(screen.query_one("#overview-error").render())
        assert "NL wave was changed by colleague" in error
        assert load(db_path).region("NL")["wave"] == 6  # their change stands
        assert form.value("wave") == "7"  # what the user typed is still there
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load(db_path).region("NL")["wave"] == 7


async def test_a_toggle_on_stale_data_is_applied_on_fresh_data_and_says_so(make_app, db_path):
    item = first_open_item(db_path, "NL")
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("2")
        app.poll_timer.pause()  # the user acts before this screen noticed the other write
        rollout_cli(db_path, "region", "set", "NL", "--owner", "femke")
        await pilot.press("space")
        state = load(db_path)
        assert state.items[item["id"]]["status"] == "done"
        assert state.region("NL")["owner"] == "femke"
        assert any("applied to the fresh data" in n for n in notices)


async def test_history_tab_lists_this_regions_changes_newest_first(make_app, db_path):
    rollout_cli(db_path, "region", "set", "NL", "--owner", "femke")
    rollout_cli(db_path, "region", "set", "PL", "--owner", "ola")
    rollout_cli(db_path, "check", "done", "NL", first_open_item(db_path, "NL")["id"])
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_region(pilot, "NL")
        await pilot.press("4")
        history = screen.query_one("#history-entries", RecordTable)
        commands = [str(history.get_row_at(i)[3]) for i in range(history.row_count)]
        assert commands[0].startswith("check done NL ")
        assert commands[1:] == ["region set NL --owner femke"]


async def test_an_unexpected_error_is_a_notice_and_the_app_keeps_running(make_app, db_path, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = make_app()
    notices = record_notices(app)

    def broken(*args, **kwargs):
        raise ValueError("disk on fire")

    monkeypatch.setattr("rollout.ops.set_items_done", broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_region(pilot, "NL")
        await pilot.press("2", "space")
        assert any("ValueError: disk on fire" in n for n in notices)
        assert "ValueError: disk on fire" in (tmp_path / "state" / "rollout" / "tui-errors.log").read_text()
        await pilot.press("escape", "q")
    assert app.return_code == 0


async def test_an_uncaught_error_ends_with_one_line_not_a_traceback(make_app, monkeypatch, tmp_path, capfd):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = make_app()
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            app._handle_exception(RuntimeError("boom"))
            await pilot.pause()
    printed = capfd.readouterr().err
    assert "Error: the TUI stopped on an unexpected error (RuntimeError: boom)" in printed
    assert "Traceback" not in printed
    assert "RuntimeError: boom" in (tmp_path / "state" / "rollout" / "tui-errors.log").read_text()


async def test_q_quits(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
    assert app.return_code == 0


async def test_calendar_marks_events_on_a_public_holiday_of_their_region(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("c", "right_square_bracket")
        screen = app.screen
        # December 2026: the grid starts Monday 30 November, so Saturday 26 December is cell 26.
        boxing_day = screen.query_one("#day-26")
        assert boxing_day.day.isoformat() == "2026-12-26"
        assert any(e.region == "GB" and "Boxing" in e.label for e in boxing_day.events)
        assert "★" in str(boxing_day.render())
        plain_day = screen.query_one("#day-15")  # Tuesday 15 December: no holiday anywhere it has events
        assert "★" not in str(plain_day.render())
        screen.select(boxing_day.day)
        await pilot.press("enter")
        assert isinstance(app.screen, DayScreen)
        listing = "\n".join(str(option.prompt) for option in app.screen.query_one(OptionList)._options)
        assert "public holiday in GB" in listing
