"""config.toml: typed settings, a clear notice naming the line for a bad file, the TUI guide's table in step."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from tui_helpers import record_notices, settle

from rollout.tui import settings
from rollout.tui.screens.regions import RegionsScreen

TUI_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "tui.md"


def write_config(tmp_path: Path, text: str) -> Path:
    path = settings.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_file_is_found_in_xdg_config_home(tmp_path):
    assert settings.config_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "rollout" / "config.toml"


def test_a_missing_file_gives_the_defaults(tmp_path):
    loaded = settings.load()
    assert loaded == settings.Settings() and loaded.problems == []


def test_every_setting_is_read(tmp_path):
    write_config(
        tmp_path,
        'theme = "nord"\ntimes = "utc"\n[keys]\nundo = "ctrl+u"\n[confirm]\nbulk = false\ndelete = false\n',
    )
    loaded = settings.load()
    assert (loaded.theme, loaded.times, loaded.keys) == ("nord", "utc", {"undo": "ctrl+u"})
    assert (loaded.confirm.bulk, loaded.confirm.delete) == (False, False)
    assert loaded.problems == []


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('theme = "nord"\ntimes = "mars"\n', 2, "times must be one of region, local, utc"),
        ("\n\n[confirm]\nbulk = 3\n", 4, "confirm.bulk must be true or false"),
        ('colour = "red"\n', 1, "unknown setting 'colour'"),
        ('theme = "nord"\n[keys\n', 2, "line 2"),
        ("[keys]\nundo = 5\n", 2, "keys.undo must be keys in quotes"),
    ],
)
def test_a_bad_value_is_a_problem_naming_its_line_and_the_rest_still_applies(tmp_path, text, line, words):
    path = write_config(tmp_path, text)
    loaded = settings.load()
    assert len(loaded.problems) == 1
    assert words in loaded.problems[0]
    assert f"line {line}" in loaded.problems[0] and str(path) in loaded.problems[0]


async def test_a_bad_file_is_a_notice_and_the_tui_runs(make_app, tmp_path):
    write_config(tmp_path, 'theme = "no-such-theme"\n[keys]\n"no.such" = "x"\nundo = "ctrl+u"\n')
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RegionsScreen)
        assert any("line 1: no theme 'no-such-theme'" in n for n in notices)
        assert any("line 3: no key binding with id 'no.such'" in n for n in notices)


async def test_a_theme_chosen_while_running_is_remembered_in_the_file(make_app, tmp_path):
    path = write_config(tmp_path, '# mine\ntimes = "utc"\n\n[confirm]\nbulk = true\n')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "nord"
        await settle(pilot)
    text = path.read_text()
    assert 'theme = "nord"' in text and "# mine" in text and "bulk = true" in text
    assert settings.load().theme == "nord"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "nord"


async def test_z_switches_how_times_are_shown(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        app.open_region("NL", "promotions")
        await settle(pilot)
        table = app.screen.query_one("#promos")
        start = lambda: str(table.get_row_at(0)[4])  # noqa: E731 (the START cell, after the mark column)
        region_time = start()
        await pilot.press("z", "z")  # local (UTC on the test machine), then UTC
        assert app.times == "utc"
        assert start() != region_time  # Amsterdam is UTC+1 in winter
        await pilot.press("z")
        assert app.times == "region" and start() == region_time


def test_the_tui_guide_settings_table_matches_the_settings_class():
    text = TUI_GUIDE.read_text() + "\n" + (TUI_GUIDE.parents[1] / "tui.md").read_text()
    rows = re.findall(r"^\| `([a-z._A-Z]+)` \| (.*?) \| (.*?) \|$", text, re.M)
    documented = {name: (default.strip("` "), what) for name, default, what in rows}
    for name, default, what in settings.documented_settings():
        assert name in documented, f"docs/guide/tui.md lacks the setting {name}"
        assert documented[name][0] == default, name
        assert documented[name][1] == what, name


def test_the_sort_names_are_the_tables_sorts():
    from rollout.tui.views import SORTS

    assert tuple(SORTS) == settings.SORTS


@pytest.mark.parametrize(
    ("text", "words"),
    [('sort = "price"\n', "sort must be one of health, launch"), ("sort_reversed = 1\n", "sort_reversed must be")],
)
def test_a_bad_sort_is_a_problem_and_the_default_stays(tmp_path, text, words):
    write_config(tmp_path, text)
    loaded = settings.load()
    assert (loaded.sort, loaded.sort_reversed) == ("health", False)
    assert len(loaded.problems) == 1 and words in loaded.problems[0] and "line 1" in loaded.problems[0]


async def test_the_users_choice_of_sort_is_remembered_for_the_next_start(make_app, tmp_path):
    path = write_config(tmp_path, '# mine\ntimes = "utc"\n\n[confirm]\nbulk = true\n')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.sort == "health" and not app.screen.reverse  # what needs attention first
        await pilot.press("s", "s", "S")  # launch, then code, reversed
        await settle(pilot)
    text = path.read_text()
    assert 'sort = "code"' in text and "sort_reversed = true" in text and "# mine" in text and "bulk = true" in text
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert (app.screen.sort, app.screen.reverse) == ("code", True)
        codes = [r.code for r in app.screen.query_one("#regions").rows]
        assert codes == sorted(codes, reverse=True)
        assert "by code (reversed)" in str(app.screen.query_one("#summary").render())
