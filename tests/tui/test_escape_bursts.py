"""Escape and the next key in one burst (what a paste or a laggy link delivers) act as Escape then
that key, as when typed one at a time, on every screen: the terminal's bytes are those of alt+KEY,
which nothing is bound to."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.widgets import Input
from tui_helpers import load, settle

from rollout.tui import settings
from rollout.tui.app import RolloutApp
from rollout.tui.keyorder import escape_then_key
from rollout.tui.widgets.base import RecordTable
from rollout.tui.widgets.timeline import TimelineView

# name: (keys typed one at a time first, then the burst's bytes, then the same keys one at a time)
SCENARIOS = {
    "help then sort": (["question_mark"], "\x1bs", ["escape", "s"]),
    "help then down": (["question_mark"], "\x1bj", ["escape", "j"]),
    "owner's items then History": (["O", "enter"], "\x1bLjj\r", ["escape", "L", "j", "j", "enter"]),
    "region then down": (["enter"], "\x1bj", ["escape", "j"]),
    "checklist then down": (["enter", "2"], "\x1bj", ["escape", "j"]),
    "calendar then Timeline": (["c"], "\x1bT", ["escape", "T"]),
    "timeline then Agenda": (["T"], "\x1bA", ["escape", "A"]),
    "agenda then Owners": (["A"], "\x1bO", ["escape", "O"]),
    "history then down": (["L"], "\x1bj", ["escape", "j"]),
    "filter then down": (["slash", "p"], "\x1bj", ["escape", "j"]),
    "add form then down": (["enter", "2", "a"], "\x1bj", ["escape", "j"]),
}


def parsed(data: str) -> list[events.Event]:
    """The events Textual's terminal parser makes of these bytes arriving together."""
    parser = XTermParser()
    return [*parser.feed(data), *parser.feed("")]


def outcome(app: RolloutApp, path: Path) -> tuple:
    """What the keys left: the screen, the focused widget, its cursor or text, the sort, the database."""
    screen = app.screen
    focused = app.focused
    cursor: object = None
    views = screen.query(TimelineView)
    if views:
        view = views.first()
        cursor = (view.cursor_code, view.cursor_column, view.zoom.name)
    elif isinstance(focused, Input):
        cursor = focused.value
    else:
        tables = list(screen.query(RecordTable))
        cursor = tables[0].cursor_key if tables else None
    sort = [(t.sort, t.sort_reverse) for t in screen.query("RegionTable")]
    return type(screen).__name__, getattr(focused, "id", None), cursor, sort, load(path).data()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_escape_and_a_key_in_one_burst_act_as_both_in_order(tmp_path, db_path, name):
    setup, data, keys = SCENARIOS[name]
    assert any(e.key.startswith("alt+") for e in parsed(data))  # what the terminal's bytes become
    results = []
    for way in ("one by one", "burst"):
        path = tmp_path / f"{way.replace(' ', '-')}.json"
        path.write_bytes(db_path.read_bytes())
        settings.config_path().unlink(missing_ok=True)  # a sort chosen in the first run is remembered there
        app = RolloutApp(path, user="tester")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for key in setup:
                await pilot.press(key)
                await settle(pilot)
            before = outcome(app, path)
            if way == "burst":
                for event in parsed(data):
                    event.set_sender(app)
                    app._driver.send_message(event)
                await settle(pilot)
            else:
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
            results.append(outcome(app, path))
    one_by_one, bursted = results
    assert bursted == one_by_one
    assert one_by_one != before  # the keys did something


async def test_an_alt_key_bound_in_the_settings_is_kept(db_path, tmp_path, monkeypatch):
    config = tmp_path / "home" / ".config" / "rollout"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('[keys]\ncalendar = "alt+k"\n', encoding="utf-8")
    app = RolloutApp(db_path, user="tester")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for event in parsed("\x1bk"):
            event.set_sender(app)
            app._driver.send_message(event)
        await settle(pilot)
        assert type(app.screen).__name__ == "CalendarScreen"


def test_escape_then_key_names_the_key_as_typed_alone():
    parser_keys = {data[1]: parsed(data)[0] for data in ("\x1bs", "\x1bL", "\x1bj")}
    for typed, event in parser_keys.items():
        split = escape_then_key(event)
        assert split is not None
        escape, key = split
        assert escape.key == "escape"
        assert [key.key, key.character] == [e.key for e in parsed(typed)] + [typed]
    assert escape_then_key(events.Key("j", "j")) is None
