"""Undo is yours, redo, and the History screen: two sessions on one database, a CLI edit between
TUI keystrokes, a history read a page at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Input
from tui_helpers import load, record_notices, seed_history, settle, type_text, wait_until

import rollout.backends.journal
from rollout import ops
from rollout.db import Database
from rollout.state import State, empty_document
from rollout.storage import write_state_file
from rollout.tui.app import RolloutApp
from rollout.tui.screens.forms import ConfirmScreen
from rollout.tui.screens.history import EntryScreen, HistoryScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.screens.regions import RegionsScreen
from rollout.tui.widgets.base import RecordTable
from rollout.tui.widgets.form import FormFields
from rollout.undo import Timeline

SIZE = (120, 40)


def colleague(db: Path, *args: str, user: str = "ops") -> None:
    """Another process writing the same file, as a colleague at the CLI would."""
    subprocess.run(
        [sys.executable, "-m", "rollout", "--db", str(db), "--user", user, *args], check=True, capture_output=True
    )


async def open_checklist_on(pilot, code: str, item: str) -> RegionScreen:
    pilot.app.open_region(code, "checklist", item)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RegionScreen))
    await settle(pilot)
    return pilot.app.screen


async def open_history(pilot) -> HistoryScreen:
    await pilot.press("L")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
    await settle(pilot)
    return pilot.app.screen


def history_rows(screen: HistoryScreen) -> list[list[str]]:
    table = screen.table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def detail(screen: HistoryScreen) -> str:
    return str(screen.query_one("#history-detail").render())


# -- the case: u undoes my change, not the colleague's newer one ------------------------
@pytest.mark.parametrize("reloaded", [True, False], ids=["after-reload", "before-reload"])
async def test_u_undoes_my_own_tick_not_a_colleagues_newer_edit(make_app, db_path, reloaded):
    app = RolloutApp(db_path, user="lead")
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist_on(pilot, "PL", "c337")
        await pilot.press("space")
        tick = load(db_path).history[-1]
        assert (tick["user"], tick["command"]) == ("lead", "tui: check done PL c337")
        if not reloaded:
            app.poll_timer.pause()  # lead presses u before the screen noticed the colleague's edit
        colleague(db_path, "check", "edit", "PL", "c339", "--due", "2027-02-01")
        if reloaded:
            await wait_until(pilot, lambda: app.snapshot.revision == tick["revision"] + 1)
        await pilot.press("u")
        await settle(pilot)
    state = load(db_path)
    assert state.items["c337"]["status"] == "open"
    assert state.items["c339"]["due"].startswith("2027-02-01")
    assert state.history[-1]["undoes"] == tick["id"]
    assert (
        f"information: Undid your change #{tick['id']} (2026-11-24 09:00): tui: check done PL c337 "
        "(1 checklist item changed)." in notices
    )


async def test_u_refuses_to_overwrite_a_colleagues_newer_change_naming_them(make_app, db_path):
    app = RolloutApp(db_path, user="lead")
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist_on(pilot, "PL", "c337")
        await pilot.press("space")
        tick = load(db_path).history[-1]
        colleague(db_path, "check", "reopen", "PL", "c337")
        colleague(db_path, "check", "done", "PL", "c337")
        ops_tick = load(db_path).history[-1]
        await pilot.press("u")
        await settle(pilot)
    assert load(db_path).history[-1]["id"] == ops_tick["id"]  # nothing written
    assert any(
        f"cannot undo #{tick['id']}: checklist item c337 done_by changed by ops (#{ops_tick['id']})" in n
        for n in notices
    ), notices


async def test_ctrl_r_redoes_what_u_undid_and_says_so(make_app, db_path):
    app = RolloutApp(db_path, user="lead")
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist_on(pilot, "PL", "c337")
        await pilot.press("space")
        tick = load(db_path).history[-1]
        await pilot.press("u")
        assert load(db_path).items["c337"]["status"] == "open"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert load(db_path).items["c337"]["status"] == "done"
        assert load(db_path).history[-1]["redoes"] == tick["id"]
        assert any(n.startswith(f"information: Redid your change #{tick['id']} ") for n in notices)
        await pilot.press("ctrl+r")
        await settle(pilot)
    assert notices[-1] == "error: nothing to redo"  # lead's tick is the newest change and in effect


async def test_the_redo_key_is_remapped_by_its_id(make_app, db_path):
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "rollout" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[keys]\nredo = "ctrl+y"\nhistory = "ctrl+o"\n')
    app = RolloutApp(db_path, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist_on(pilot, "PL", "c337")
        await pilot.press("space", "u", "ctrl+r")
        await settle(pilot)
        assert load(db_path).items["c337"]["status"] == "open"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert load(db_path).items["c337"]["status"] == "done"
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))


async def test_ctrl_r_reverts_typed_overview_edits_and_otherwise_redoes(make_app, db_path):
    app = RolloutApp(db_path, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist_on(pilot, "NL", "c324")
        await pilot.press("space", "u", "1")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#region-form", FormFields).set_value("owner", "femke")
        await settle(pilot)
        await pilot.press("ctrl+r")  # typed edits: reverted, nothing redone
        await settle(pilot)
        assert screen.query_one("#region-form", FormFields).value("owner") == load(db_path).regions["NL"]["owner"]
        assert load(db_path).items["c324"]["status"] == "open"
        await pilot.press("ctrl+r")  # nothing typed: redo
        await settle(pilot)
    assert load(db_path).items["c324"]["status"] == "done"


# -- two TUI sessions on one database -------------------------------------------------------------
async def test_two_sessions_each_undo_their_own_and_history_undoes_the_others_after_asking(db_path):
    lead, ops_app = RolloutApp(db_path, user="lead"), RolloutApp(db_path, user="ops")
    ops_notices = record_notices(ops_app)
    async with lead.run_test(size=SIZE) as lead_pilot, ops_app.run_test(size=SIZE) as ops_pilot:
        await open_checklist_on(lead_pilot, "PL", "c337")
        await lead_pilot.press("space")
        lead_tick = load(db_path).history[-1]
        await open_checklist_on(ops_pilot, "PL", "c339")
        await ops_pilot.press("space")
        ops_tick = load(db_path).history[-1]
        await lead_pilot.press("u")  # lead's own tick, though ops's is newer
        assert load(db_path).history[-1]["undoes"] == lead_tick["id"]
        # ops undoes lead's... nothing: ops's u takes ops's own tick.
        await ops_pilot.press("u")
        assert load(db_path).history[-1]["undoes"] == ops_tick["id"]
        await ops_pilot.press("ctrl+r")
        # ops opens History and redoes lead's undone tick: asked first, naming lead and when.
        screen = await open_history(ops_pilot)
        await wait_until(ops_pilot, lambda: screen.table.row_count == 5)
        screen.table.select_key(str(lead_tick["id"]))
        await settle(ops_pilot)
        await ops_pilot.press("ctrl+r")
        assert isinstance(ops_app.screen, ConfirmScreen)
        question = str(ops_app.screen.query_one(".dialog-question").render())
        assert f"Redo lead's change #{lead_tick['id']} made 2026-11-24 09:00?" in question
        assert "tui: check done PL c337" in question
        await ops_pilot.press("y")
        await settle(ops_pilot)
        assert load(db_path).history[-1]["redoes"] == lead_tick["id"]
        assert f"information: Redid lead's change #{lead_tick['id']} (2026-11-24 09:00): tui: check done PL c337" in (
            " ".join(ops_notices)
        )
        # lead's screen follows, and lead's u now takes the tick ops brought back? No: ops's redo is
        # ops's action; lead's own tick is in effect again, so lead's u takes it.
        await wait_until(lead_pilot, lambda: lead.snapshot.revision == load(db_path).revision)
        await lead_pilot.press("u")
        assert load(db_path).history[-1]["undoes"] == lead_tick["id"]
    state = load(db_path)
    assert (state.items["c337"]["status"], state.items["c339"]["status"]) == ("open", "done")


async def test_a_colleagues_change_arriving_while_a_screen_is_being_put_up_is_shown_on_it(make_app, db_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        colleague(db_path, "region", "set", "PL", "--owner", "ola")
        app.push_screen(RegionScreen("PL"))
        app.apply_snapshot(app.session.load())  # the reload lands before the screen has its widgets
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        assert "owner ola" in str(app.screen.query_one("#region-facts").render())


# -- the History screen ----------------------------------------------------------------------------
@pytest.fixture
def busy_db(db_path: Path) -> Path:
    return seed_history(db_path)


async def test_history_lists_every_region_newest_first_with_who_and_what(busy_db):
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        rows = history_rows(screen)
        assert [r[0] for r in rows] == ["#6", "#5", "#4", "#3", "#2", "#1"]
        assert [r[2] for r in rows] == ["lead", "ops", "amara", "ops", "ops", "lead"]
        assert rows[1][4] == "undoes #3: 1 region changed"
        await wait_until(pilot, lambda: history_rows(screen)[3][4].startswith("undone by #5 (ops)"))
        assert screen.table.cursor_row == 0
        await wait_until(pilot, lambda: "promotion p88 Launch Week: added" in detail(screen))
        await pilot.press("j", "j", "j")
        await wait_until(pilot, lambda: "region NL Netherlands · owner: jonas → femke" in detail(screen))
        assert "undone by #5 (ops)" in detail(screen)
        await pilot.press("G")
        assert screen.table.cursor_row == 5
        await pilot.press("g")
        assert screen.table.cursor_row == 0
        await pilot.press("escape")
        assert isinstance(app.screen, RegionsScreen)


@pytest.mark.parametrize(
    ("typed", "ids", "shown"),
    [
        ("user=ops", ["#5", "#3", "#2"], "user=ops"),
        ("ops", ["#5", "#3", "#2"], "user=ops"),
        ("me", ["#6", "#1"], "user=lead"),
        ("PL", ["#6", "#2", "#1"], "region=PL"),
        ("region=nl user=ops", ["#5", "#3"], "region=NL user=ops"),
        ("command='check done'", ["#4", "#1"], "command='check done'"),
        ("command=tui:", ["#4"], "command=tui:"),
        ("today", ["#6", "#5", "#4", "#3", "#2", "#1"], "day=2026-11-24"),
        ("day=2026-11-23", [], "day=2026-11-23"),
    ],
)
async def test_history_filters_by_region_user_command_and_day(busy_db, typed, ids, shown):
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("slash")
        await type_text(pilot, typed)
        await pilot.press("enter")
        await settle(pilot)
        assert [r[0] for r in history_rows(screen)] == ids
        assert f"filter {shown}" in str(screen.query_one("#history-title").render())
        await pilot.press("escape")  # clears the filter
        assert screen.table.row_count == 6
        await pilot.press("escape")
        assert isinstance(app.screen, RegionsScreen)


async def test_a_bad_filter_says_why_and_keeps_what_was_typed(busy_db):
    app = RolloutApp(busy_db, user="lead")
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("slash")
        await type_text(pilot, "day=2026-02-30")
        await pilot.press("enter")
        await settle(pilot)
        assert notices[-1] == "error: day=2026-02-30: give a date as YYYY-MM-DD, today or yesterday"
        assert screen.query_one("#history-filter", Input).value == "day=2026-02-30"
        assert screen.table.row_count == 6


async def test_t_shows_what_changed_today_and_again_everything(busy_db):
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("t")
        assert "filter day=2026-11-24" in str(screen.query_one("#history-title").render())
        assert screen.table.row_count == 6
        await pilot.press("t")
        assert "all regions" in str(screen.query_one("#history-title").render())


async def test_history_is_reachable_from_a_region_and_from_the_palette(busy_db):
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist_on(pilot, "PL", "c337")
        await open_history(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, RegionScreen)
        await pilot.press("ctrl+p")
        await type_text(pilot, "History")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))


async def test_enter_opens_the_entry_field_by_field_and_enter_on_a_field_jumps_to_the_record(busy_db):
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        screen.table.select_key("3")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        entry_screen = app.screen
        table = entry_screen.query_one(RecordTable)
        rows = {tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)}
        assert rows == {
            ("region NL Netherlands", "wave", "5", "6"),
            ("region NL Netherlands", "owner", "jonas", "femke"),
        }
        await wait_until(pilot, lambda: "undone by #5 (ops)" in str(entry_screen.query_one("#entry-title").render()))
        await pilot.press("escape")
        assert app.screen is screen
        screen.table.select_key("2")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        table = app.screen.query_one(RecordTable)
        assert [str(c) for c in table.get_row_at(0)] == [
            "checklist item c339 First seller cohort onboarded",
            "due",
            "2027-02-14 00:00 +01:00",  # Warsaw time, while the screen's header names UTC
            "2027-02-01 00:00 +01:00",
        ]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        assert app.screen.tabs.active == "checklist"
        assert app.screen.query_one("#items", RecordTable).cursor_key == "c339"


async def test_undo_of_a_colleagues_entry_asks_naming_them_and_when_and_no_leaves_it(busy_db):
    app = RolloutApp(busy_db, user="lead")
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        screen.table.select_key("2")
        await pilot.press("u")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one(".dialog-question").render())
        assert question.startswith("Undo ops's change #2 made 2026-11-24 09:00?")
        await pilot.press("n")
        assert load(busy_db).history[-1]["id"] == 6
        await pilot.press("u", "y")
        await settle(pilot)
        assert load(busy_db).history[-1]["undoes"] == 2
        assert any(
            n.startswith("information: Undid ops's change #2 (2026-11-24 09:00): check edit PL c339") for n in notices
        )
        await wait_until(pilot, lambda: history_rows(screen)[0][0] == "#7")
        assert screen.table.cursor_key == "2"  # the cursor stays on the entry it was on
        await wait_until(
            pilot, lambda: history_rows(screen)[screen.table.cursor_row][4].startswith("undone by #7 (lead)")
        )
        await pilot.press("ctrl+r", "y")  # and back, asking again
        await settle(pilot)
    assert load(busy_db).history[-1]["redoes"] == 2


async def test_undo_of_my_own_entry_does_not_ask_and_an_undone_one_is_refused(busy_db):
    app = RolloutApp(busy_db, user="lead")
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        screen.table.select_key("1")
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert load(busy_db).history[-1]["undoes"] == 1
        screen.table.select_key("5")  # ops's undo of #3: it stands for #3, which is undone
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert notices[-1] == "error: #3 is already undone (#5 by ops); redo re-applies it"
    assert load(busy_db).history[-1]["undoes"] == 1


async def test_read_only_history_offers_and_does_no_undo(busy_db):
    app = RolloutApp(busy_db, user="lead", read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        screen.table.select_key("2")
        await pilot.press("u", "ctrl+r")
        await settle(pilot)
        footer = " ".join(b.binding.description for b in app.screen.active_bindings.values() if b.enabled)
        assert "Undo it" not in footer and "Redo it" not in footer
    assert load(busy_db).history[-1]["id"] == 6


# -- large histories: a page at a time --------------------------------------------------------------
def long_history(path: Path, changes: int) -> Path:
    """A small database whose history holds `changes` entries by three users."""
    seed = State(empty_document())
    ops.add_region(seed, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR")
    write_state_file(path, seed.document(), previous_schema=None, backups=0)
    db = Database(path)
    for n in range(changes):
        with db.transaction(("lead", "ops", "amara")[n % 3], f"region set DE --wave {n % 7}") as state:
            ops.set_regions(state, ["DE"], wave=n % 7, owner=f"o{n}")
    return path


async def test_reaching_the_end_of_the_list_reads_the_next_page(tmp_path):
    path = long_history(tmp_path / "long.json", 250)
    app = RolloutApp(path, user="lead")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        assert screen.table.row_count == 100
        assert "100 shown, more below of 250" in str(screen.query_one("#history-title").render())
        await pilot.press("G")
        assert screen.table.row_count == 200
        await pilot.press("G", "G")
        assert screen.table.row_count == 250
        assert screen.table.cursor_key == "1"
        assert "250 shown of 250" in str(screen.query_one("#history-title").render())
        await pilot.press("slash")
        await type_text(pilot, "user=ops")
        await pilot.press("enter")
        await settle(pilot)
        assert [r[0] for r in history_rows(screen)[:3]] == ["#248", "#245", "#242"]


async def bytes_read_opening_history(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """History bytes read to open the History screen, show its first page with each row's state and
    the selected entry, and move down two rows."""
    read = [0]
    original = os.pread

    def pread(fd: int, size: int, offset: int) -> bytes:
        data = original(fd, size, offset)
        read[0] += len(data)
        return data

    app = RolloutApp(path, user="lead")
    async with app.run_test(size=(100, 30)) as pilot:
        with monkeypatch.context() as patch:
            patch.setattr(rollout.backends.journal.os, "pread", pread)
            screen = await open_history(pilot)
            await wait_until(
                pilot, lambda: screen.timeline is not None and screen.timeline.covers(screen.headers[-1]["id"])
            )
            await pilot.press("j", "j")
            await wait_until(pilot, lambda: screen.selected is not None and screen.selected["id"] in screen.entries)
    return read[0]


async def test_opening_history_reads_a_page_not_the_whole_history(tmp_path, monkeypatch):
    counts = [
        await bytes_read_opening_history(long_history(tmp_path / f"h{n}.json", n), monkeypatch) for n in (150, 1500)
    ]
    assert counts[1] <= counts[0] * 2 + 16384, counts


def test_the_timeline_of_a_history_screen_reads_no_further_than_asked(tmp_path):
    path = long_history(tmp_path / "t.json", 300)
    timeline = Timeline(Database(path).history())
    assert not timeline.covers(250)
    assert timeline.status(290) is None
    assert timeline.covers(290) and not timeline.covers(1)


async def test_enter_on_a_regions_history_tab_opens_the_entry(busy_db):
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        app.open_region("NL", "history")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        table = app.screen.query_one("#history-entries", RecordTable)
        assert table.cursor_key == "5"  # the newest change to NL
        await pilot.press("j", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        assert app.screen.entry_id == 4
        await pilot.press("escape")
        assert isinstance(app.screen, RegionScreen)


def read_instant(text: str, header_zone: str) -> datetime:
    """A shown instant: '2026-11-24 10:00 +01:00' as written, '2026-11-24 10:00' in the header's zone."""
    from zoneinfo import ZoneInfo

    if text.count(" ") == 2:
        return datetime.strptime(text, "%Y-%m-%d %H:%M %z")
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(header_zone))


@pytest.mark.parametrize("cycles", [0, 1, 2], ids=["region time", "your time", "UTC"])
async def test_history_field_times_read_the_same_instant_as_the_header_says(busy_db, cycles):
    stored = load(busy_db).history.entry(1)["changes"][0]["after"]["done_at"]
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(cycles):
            await pilot.press("z")
        screen = await open_history(pilot)
        await pilot.press("G")  # #1: lead ticked PL c337 (Warsaw), done_at set
        await wait_until(pilot, lambda: "done_at" in detail(screen))
        title = str(screen.query_one("#history-title").render())
        header_zone = title.split("times in ")[1].split(" ·")[0]
        line = next(line for line in detail(screen).splitlines() if "done_at" in line)
        shown = line.split("→ ")[1].strip()
        assert read_instant(shown, header_zone) == datetime.fromisoformat(stored).replace(second=0, microsecond=0)


async def test_a_worker_result_reaching_a_closed_history_screen_is_dropped(busy_db):
    """The History screen reads undo states and entries in workers: a result that arrives after the
    screen was closed (escape, or the app quitting) must not reach its widgets, which are gone."""
    app = RolloutApp(busy_db, user="lead")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await wait_until(pilot, lambda: screen.table.row_count > 0)
        timeline, entry = screen.timeline, screen.entries.get(screen.headers[0]["id"]) or screen.headers[0]
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HistoryScreen))
        await settle(pilot)
        screen._statuses_read(timeline)
        screen._entry_read(entry)
        assert not app.screen.query(HistoryScreen)
