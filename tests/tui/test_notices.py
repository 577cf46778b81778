"""Notices stay one line and out of the way; the messages log (M) keeps every one in full."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets._toast import Toast
from tui_helpers import record_notices, settle, type_text, wait_until

from rollout.tui.notices import Message, notice_text
from rollout.tui.screens.forms import ConfirmScreen
from rollout.tui.screens.help import HelpScreen
from rollout.tui.screens.messages import MessagesScreen
from rollout.tui.screens.regions import RegionsScreen
from rollout.tui.widgets.form import FormFields


def toasts(app) -> list[Toast]:
    return list(app.screen.query(Toast))


async def bulk_add_a_sale_before_the_launches(pilot) -> None:
    """Every region marked, a promotion added to all: the change warns for many of them."""
    app = pilot.app
    await pilot.press("V", "b", "2")
    await type_text(pilot, "Spring Sale")
    form = app.screen.query_one("#form", FormFields)
    form.set_value("start", "2027-03-01")
    form.set_value("end", "2027-03-07")
    await settle(pilot)
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("y")
    await wait_until(pilot, lambda: isinstance(app.screen, RegionsScreen))
    await settle(pilot)


async def test_a_bulk_adds_warnings_are_one_line_at_the_bottom_and_all_in_the_log(make_app):
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await bulk_add_a_sale_before_the_launches(pilot)
        warnings = [n.removeprefix("warning: ") for n in notices if n.startswith("warning: ")]
        assert len(warnings) >= 3  # the kind of change that used to cover half the screen
        await wait_until(pilot, lambda: bool(toasts(app)) and toasts(app)[0].region.height > 0)
        shown = toasts(app)
        assert len(shown) == 1  # one notice for the change's warnings
        toast = shown[0]
        assert toast.region.height == 1 and toast.region.width <= 80 * 6 // 10
        assert toast.region.y >= 24 - 4  # bottom: clear of the titles and the rows at the top
        text = str(toast.render())
        assert text.startswith(f"{len(warnings)} messages: ") and text.endswith("M: all")
        await pilot.press("M")
        assert isinstance(app.screen, MessagesScreen)
        log = app.screen.query_one(OptionList)
        logged = "\n".join(str(log.get_option_at_index(i).prompt) for i in range(log.option_count))
        for warning in warnings:
            assert warning in logged  # whole, not cut
        await pilot.press("escape")
        assert isinstance(app.screen, RegionsScreen)


async def test_a_long_notice_is_cut_to_one_line_and_the_log_has_it_whole(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        long = "a notice far longer than any line of an 80 column screen: " + "more words " * 12
        app.notify(long, title="Undo")
        await wait_until(pilot, lambda: bool(toasts(app)) and toasts(app)[0].region.height > 0)
        toast = toasts(app)[0]
        assert toast.region.height == 1
        assert str(toast.render()).startswith("Undo: a notice far longer") and "M: all" in str(toast.render())
        await pilot.press("M")
        prompt = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "Undo" in prompt and long.strip() in prompt


async def test_the_messages_key_is_in_the_help_screen_and_the_log_starts_empty(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert any("M" in row and "Messages" in row for row in rows), rows
        await pilot.press("escape", "M")
        assert "No messages yet" in str(app.screen.query_one("#messages-title").render())


def test_a_notice_of_several_messages_names_the_count_and_the_worst():
    from datetime import datetime

    at = datetime(2026, 11, 24, 9, 0)
    batch = [
        Message(at, "information", "", "Saved."),
        Message(at, "error", "Not done", "the launch gate refused: 3 critical items open"),
        Message(at, "warning", "", "starts before the launch"),
    ]
    text, severity = notice_text(batch, 60)
    assert severity == "error" and text.startswith("3 messages: Not done: the launch gate")
    assert len(text) <= 60 and text.endswith("M: all")
    assert notice_text(batch[:1], 60) == ("Saved.", "information")
    wide = Message(at, "warning", "", "名前" * 40)  # two cells a character
    from rollout.text import display_width

    assert display_width(notice_text([wide], 30)[0]) <= 30


async def test_the_undo_notice_names_what_was_undone_first_and_the_log_has_the_sentence(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.open_region("NL", "checklist")
        await settle(pilot)
        await pilot.press("space")  # tick the first item
        await settle(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: any("Undid" in str(t.render()) for t in toasts(app)))
        toast = next(t for t in toasts(app) if "Undid" in str(t.render()))
        assert str(toast.render()).startswith("Undid #") and "check done NL" in str(toast.render())
        await pilot.press("M")
        logged = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "Undid your change #" in logged and "check done NL" in logged  # the whole sentence
