"""A month view: six Monday-first weeks of day cells listing launches and promotions."""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from rollout.text import clip
from rollout.tui.views import CalendarEvent, holiday_on, month_grid

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class DayCell(Widget):
    """One day: its number, then as many events as fit, then '+N more'."""

    def __init__(self, index: int) -> None:
        super().__init__(id=f"day-{index}", classes="day")
        self.day = date.min
        self.events: list[CalendarEvent] = []

    def show(self, day: date, events: list[CalendarEvent], *, month: int, today: date, selected: date) -> None:
        self.day, self.events = day, events
        self.set_class(day.month != month, "-other-month")
        self.set_class(day == today, "-today")
        self.set_class(day == selected, "-selected")
        self.set_class(any(e.conflict for e in events), "-conflict")
        self.refresh()

    def render(self) -> Text:
        grid = self.parent.parent if self.parent is not None else None
        style = grid.get_component_rich_style if isinstance(grid, MonthGrid) else None
        width, height = self.size.width, max(self.size.height, 1)
        head = f"{self.day.day:>2}"
        if self.day.day == 1:
            head = self.day.strftime("%b ") + head.strip()
        if self.has_class("-today"):
            head += " today"
        room = height - 1
        shown = self.events if len(self.events) <= room else self.events[: max(room - 1, 0)]
        # Only the events on show are looked up: a busy day at thousands of regions stays cheap.
        on_holiday = {e.key for e in shown if holiday_on(e, self.day)}
        if any(e.conflict for e in self.events):
            head += " ⚠"
        if on_holiday:
            head += " ★"
        text = Text(clip(head, width), style="bold")
        for event in shown:
            name = "month-grid--conflict" if event.conflict else f"month-grid--{event.kind}"
            label = ("★" if event.key in on_holiday else "") + event.label
            text.append("\n")
            text.append(clip(label, width), style=style(name, partial=True) if style else "")
        if len(shown) < len(self.events) and room > 0:
            text.append("\n")
            text.append(clip(f"+{len(self.events) - len(shown)} more", width), style="italic")
        return text

    def on_click(self, event: events.Click) -> None:
        self.post_message(MonthGrid.DayClicked(self.day, event.chain))


class MonthGrid(Widget, can_focus=True):
    """Arrow keys move the selected day; enter (or a second click) asks to open it."""

    HELP_TITLE = "Calendar days"

    BINDINGS = [
        Binding("left,h", "move(-1)", "Previous day", show=False, id="calendar.left"),
        Binding("right,l", "move(1)", "Next day", show=False, id="calendar.right"),
        Binding("up,k", "move(-7)", "Previous week", show=False, id="list.up"),
        Binding("down,j", "move(7)", "Next week", show=False, id="list.down"),
        Binding("enter", "open", "Day's events", id="open"),
    ]
    COMPONENT_CLASSES = {"month-grid--launch", "month-grid--promotion", "month-grid--conflict"}

    selected: reactive[date] = reactive(date(2000, 1, 1), init=False)

    class DayClicked(Message):
        def __init__(self, day: date, chain: int) -> None:
            super().__init__()
            self.day = day
            self.chain = chain

    class Moved(Message):
        def __init__(self, day: date) -> None:
            super().__init__()
            self.day = day

    class Opened(Message):
        def __init__(self, day: date) -> None:
            super().__init__()
            self.day = day

    def compose(self) -> ComposeResult:
        with Grid(id="weekdays"):
            for name in WEEKDAYS:
                yield Static(name, classes="weekday")
        with Grid(id="month-cells"):
            for index in range(42):
                yield DayCell(index)

    def show(self, year: int, month: int, days: dict[date, list[CalendarEvent]], today: date, selected: date) -> None:
        self.set_reactive(MonthGrid.selected, selected)
        for index, day in enumerate(month_grid(year, month)):
            self.query_one(f"#day-{index}", DayCell).show(
                day, days.get(day, []), month=month, today=today, selected=selected
            )

    def action_move(self, days: int) -> None:
        # The grid keeps its own selected day, so a burst of moves adds up before the screen redraws.
        self.set_reactive(MonthGrid.selected, self.selected + timedelta(days=days))
        self.post_message(self.Moved(self.selected))

    def action_open(self) -> None:
        self.post_message(self.Opened(self.selected))
