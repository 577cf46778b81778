"""Calendar: a month across all regions, launches and promotions per day, conflicts highlighted."""

from __future__ import annotations

from datetime import date

import pendulum
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from rollout import times
from rollout.tui.guard import reported
from rollout.tui.views import CalendarEvent, holiday_on, month_grid
from rollout.tui.widgets.base import RolloutNode
from rollout.tui.widgets.month import MonthGrid


def local_today() -> date:
    """Today on this machine's calendar (the clock can be pinned with ROLLOUT_NOW)."""
    return times.now().astimezone().date()


class CalendarScreen(RolloutNode, Screen[None]):
    HELP_TITLE = "Calendar"
    BINDINGS = [
        Binding("left_square_bracket,pageup", "month(-1)", "Prev month", id="calendar.prev_month"),
        Binding("right_square_bracket,pagedown", "month(1)", "Next month", id="calendar.next_month"),
        Binding("t", "today", "Today", id="calendar.today"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.today = local_today()
        self.selected = self.today
        # The month the grid shows: it follows the selected day, except that a click on a greyed day
        # of the month before or after selects that day where it is, so the next click in the same
        # place opens the same day (the grid never shifts under the pointer).
        self.shown = (self.today.year, self.today.month)
        self.days: dict[date, list[CalendarEvent]] = {}
        self._computed_for: tuple[int, int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="month-title")
        yield MonthGrid(id="month")
        yield Static(id="day-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(MonthGrid).focus()

    def on_unmount(self) -> None:
        self.rollout.calendar_window = None

    @property
    def month(self) -> tuple[int, int]:
        return self.shown

    def refresh_data(self) -> None:
        year, month = self.month
        key = (id(self.rollout.snapshot), year, month)
        if key != self._computed_for:
            grid = month_grid(year, month)
            self.rollout.calendar_window = (grid[0], grid[-1])
            self.days = self.rollout.snapshot.calendar.events(grid[0], grid[-1])
            self._computed_for = key
        self.query_one(MonthGrid).show(year, month, self.days, self.today, self.selected)
        in_month = [d for d in self.days if d.month == month]
        launches = sum(1 for d in in_month for e in self.days[d] if e.kind == "launch")
        conflicts = sum(1 for d in in_month if any(e.conflict for e in self.days[d]))
        title = f"{date(year, month, 1):%B %Y} · {launches} launch(es) · {conflicts} day(s) with conflicts"
        self.query_one("#month-title", Static).update(
            title + " · [ ] months, t today, enter lists a day, ★ public holiday"
        )
        self._show_summary()

    def _show_summary(self) -> None:
        events = self.days.get(self.selected, [])
        head = f"{self.selected:%a %d %b %Y}: "
        if not events:
            text = head + "nothing planned"
        else:
            text = (
                head + ", ".join(e.label for e in events[:6]) + (f" +{len(events) - 6} more" if len(events) > 6 else "")
            )
        self.query_one("#day-summary", Static).update(text)

    def select(self, day: date, *, keep_month: bool = False) -> None:
        """Select `day`; the grid moves to its month unless `keep_month` and the grid shows it already."""
        self.selected = day
        if not (keep_month and day in month_grid(*self.shown)):
            self.shown = (day.year, day.month)
        self.refresh_data()

    # -- actions -----------------------------------------------------------------------
    def action_month(self, step: int) -> None:
        # pendulum keeps the day of month, or the month's last day where it has fewer (31 Jan + 1 = 28 Feb).
        moved = pendulum.Date(self.selected.year, self.selected.month, self.selected.day).add(months=step)
        self.select(date(moved.year, moved.month, moved.day))

    def action_today(self) -> None:
        self.select(self.today)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    @on(MonthGrid.Moved)
    def _moved(self, event: MonthGrid.Moved) -> None:
        self.select(event.day)

    @on(MonthGrid.DayClicked)
    def _clicked(self, event: MonthGrid.DayClicked) -> None:
        again = event.day == self.selected
        self.select(event.day, keep_month=True)
        if again or event.chain > 1:
            self.open_day(event.day)

    @on(MonthGrid.Opened)
    def _opened(self, event: MonthGrid.Opened) -> None:
        self.open_day(event.day)

    @reported
    def open_day(self, day: date) -> None:
        events = self.days.get(day, [])
        if not events:
            self.notify(f"Nothing planned on {day:%d %b %Y}.", timeout=2)
            return
        self.app.push_screen(DayScreen(day, events), self._jump)

    def _jump(self, event: CalendarEvent | None) -> None:
        if event is None:
            return
        if event.kind == "launch":
            self.rollout.open_region(event.region, "overview")
        else:
            self.rollout.open_region(event.region, "promotions", event.key)


class DayScreen(ModalScreen[CalendarEvent | None]):
    """A day's events; enter jumps to the one under the cursor."""

    HELP_TITLE = "A day's events"
    BINDINGS = [
        Binding("escape", "close", "Close", id="day.close"),
        Binding("j", "option('down')", "Down", show=False, id="list.down"),
        Binding("k", "option('up')", "Up", show=False, id="list.up"),
    ]

    def __init__(self, day: date, events: list[CalendarEvent]) -> None:
        super().__init__(classes="dialog")
        self.day = day
        self.events = events

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box day-box"):
            yield Static(f"{self.day:%A %d %B %Y} · enter jumps to an event", classes="dialog-title")
            options = []
            for index, event in enumerate(self.events):
                text = event.detail + "".join(f"\n  ⚠ {w}" for w in event.warnings)
                holiday = holiday_on(event, self.day)
                if holiday:
                    text += f"\n  ★ public holiday in {event.region}: {holiday}"
                options.append(Option(Text(text), id=str(index)))
            yield OptionList(*options, id="day-events")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.events[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)

    def action_option(self, direction: str) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if direction == "down" else options.action_cursor_up()
