"""A date inside a blocking freeze window in the TUI: the refusal without the CLI's advice, then
"Force?"; yes makes the change past the window as `--force` does (noted in history), no leaves the
database as it was. Pilot tests against the file."""

from __future__ import annotations

import pytest
from databases import stored
from tui_helpers import load, open_region, type_text, wait_until

from rollout import ops
from rollout.db import Database
from rollout.tui.screens.forms import ConfirmScreen, FormScreen
from rollout.tui.screens.region import RegionScreen


def _freeze_after_the_launch(db_path) -> None:  # noqa: ANN001
    """NL's launch (2027-01-26) a week later would fall inside a blocking window."""
    with Database(db_path).transaction("tester", "freeze add") as state:
        ops.add_freeze(state, ["NL"], start="2027-02-01", end="2027-02-14", reason="Carnival", blocks=True)


async def _move_launch_a_week(pilot) -> None:  # noqa: ANN001
    await open_region(pilot, "NL")
    await pilot.press("m")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormScreen))
    await type_text(pilot, "1w")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))


async def test_forcing_past_a_blocking_window_after_asking(make_app, db_path):
    _freeze_after_the_launch(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _move_launch_a_week(pilot)
        question = str(app.screen.query_one(".dialog-question").render())
        assert "launch of NL on 2027-02-02 is inside freeze f" in question and "Carnival" in question
        assert "--force" not in question and "Force?" in question
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    state = load(db_path)
    assert state.region("NL")["launch"].startswith("2027-02-02")
    entry = state.history[-1]
    assert entry["command"] == "tui: shift NL --by 1w --with-promos --force"  # its promotions move along by default
    assert any(note.startswith("forced: launch of NL on 2027-02-02 is inside freeze") for note in entry["notes"])


@pytest.mark.parametrize("answer", ["n", "escape"])
async def test_not_forcing_leaves_the_database_as_it_was(make_app, db_path, answer):
    _freeze_after_the_launch(db_path)
    before = stored(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _move_launch_a_week(pilot)
        await pilot.press(answer)
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))  # back on the form, its error shown
        assert "inside freeze" in str(app.screen.query_one("#form-error").render())
    assert stored(db_path) == before


async def test_an_edit_outside_a_form_asks_too(make_app, db_path):
    """App.edit (the Timeline's launch moves, bulk actions, ticks): the same question, then forced."""
    from rollout import templates

    _freeze_after_the_launch(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.edit("shift NL --by 1w", lambda state: templates.shift(state, ["NL"], "1w")[0]) is None
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert "Carnival" in str(app.screen.query_one(".dialog-question").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    entry = load(db_path).history[-1]
    assert entry["command"] == "tui: shift NL --by 1w --force"
    assert load(db_path).region("NL")["launch"].startswith("2027-02-02")
