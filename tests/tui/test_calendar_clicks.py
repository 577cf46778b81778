"""A click on the Calendar's month grid opens the day the cell shows, greyed days of the month
before or after included: the grid never shifts under the pointer."""

from __future__ import annotations

from datetime import date

import pytest
from tui_helpers import record_notices, wait_until

from rollout.tui.screens.calendar import CalendarScreen, DayScreen

# November 2026 (the pinned today, 2026-11-24): the grid runs Monday 26 October to Sunday 6 December.
GRID_START = date(2026, 10, 26)


def opened(app, notices: list[str], day: date) -> bool:
    """The day was opened: its events' dialog, or the notice that nothing is planned on it."""
    if isinstance(app.screen, DayScreen):
        return app.screen.day == day
    return any(f"Nothing planned on {day:%d %b %Y}" in n for n in notices)


@pytest.mark.parametrize(("cell", "day"), [(36, date(2026, 12, 1)), (0, date(2026, 10, 26)), (41, date(2026, 12, 6))])
async def test_two_clicks_on_a_greyed_day_open_that_day(make_app, cell, day):
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CalendarScreen)
        title = lambda: str(screen.query_one("#month-title").render())  # noqa: E731
        assert screen.query_one(f"#day-{cell}").has_class("-other-month")
        await pilot.click(f"#day-{cell}")
        assert screen.selected == day
        assert title().startswith("November 2026")  # the grid stays where it was
        assert screen.query_one(f"#day-{cell}").has_class("-selected")
        assert not opened(app, notices, day)
        await pilot.click(f"#day-{cell}")  # the same place: the same day, opened
        await wait_until(pilot, lambda: opened(app, notices, day))


async def test_a_double_click_on_a_greyed_day_opens_it(make_app):
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.double_click("#day-37")
        await wait_until(pilot, lambda: opened(app, notices, date(2026, 12, 2)))


async def test_keys_from_a_clicked_greyed_day_move_into_its_month(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        screen = app.screen
        await pilot.click("#day-36")  # Tuesday 1 December, greyed in November
        await pilot.press("right")
        assert screen.selected == date(2026, 12, 2)
        assert str(screen.query_one("#month-title").render()).startswith("December 2026")
        await pilot.press("left_square_bracket")  # the month before the one shown
        assert str(screen.query_one("#month-title").render()).startswith("November 2026")
        await pilot.click("#day-1")  # an in-month cell still selects the day it shows
        assert screen.selected == GRID_START.replace(day=27)
