"""The timeline: regions as rows, days, weeks or months as columns; only the lines on screen are drawn.

Each line is rendered on demand (Textual's line API) from the core's `rollout.timeline` model:
`Timeline.row` for the regions on screen only, `columns` for the date axis and `row_cells` for
what each column shows, so 2,000 regions cost what the 40 on screen cost. The widget keeps its
cursor (a region and a date) itself, so a burst of moves adds up before anything is redrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rollout import timeline as model
from rollout.health import SYMBOLS
from rollout.timeline import Timeline, TimelineRow, fit

HEADER_LINES = 2
WIDE = 120


@dataclass(frozen=True)
class Zoom:
    """A zoom level: what a column is (`unit`, a rollout.timeline unit), how many cells it takes,
    and the step a launch moves by (`step`, a duration as `shift --by` takes it)."""

    name: str
    unit: str
    cells: int
    step: str
    label: str


ZOOMS = (
    Zoom("week", "day", 3, "1d", "a column a day"),
    Zoom("month", "week", 3, "1w", "a column a week"),
    Zoom("quarter", "month", 5, "1mo", "a column a month"),
)
ZOOM = {z.name: z for z in ZOOMS}
DEFAULT_ZOOM = "month"
COLUMNS_BEFORE_TODAY = 2  # the view opens with today's column this far from the left edge


def column_start(day: date, unit: str) -> date:
    """The first day of the column of `unit` (day, week from Monday, month) that holds `day`."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def next_column(start: date, unit: str) -> date:
    """The first day of the column after the one starting on `start`."""
    return model.columns(start, start + timedelta(days=31), unit=unit)[0][1] + timedelta(days=1)


def previous_column(start: date, unit: str) -> date:
    """The first day of the column before the one starting on `start`."""
    return column_start(start - timedelta(days=1), unit)


def shift_columns(start: date, unit: str, count: int) -> date:
    """`count` columns after (negative: before) the column starting on `start`."""
    for _ in range(abs(count)):
        start = next_column(start, unit) if count > 0 else previous_column(start, unit)
    return start


def visible_columns(start: date, unit: str, count: int) -> list[tuple[date, date]]:
    """`count` whole columns from the one starting on `start`, each (first day, last day)."""
    days = {"day": 1, "week": 7, "month": 31}[unit] * max(count, 1)
    return model.columns(start, start + timedelta(days=days), unit=unit)[: max(count, 1)]


class TimelineView(ScrollView, can_focus=True):
    """A Gantt of regions over days, weeks or months with a cursor on one region and one column.

    Posts Moved when the cursor moves and Selected on enter. `show(timeline, codes, healths)`
    puts data in; everything else is the cursor and the zoom.
    """

    HELP_TITLE = "Timeline"
    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("left,h", "columns(-1)", "Earlier", show=False, id="list.left"),
        Binding("right,l", "columns(1)", "Later", show=False, id="list.right"),
        Binding("enter", "select", "Open", id="open"),
    ]
    COMPONENT_CLASSES = {
        "timeline--header",
        "timeline--cursor",
        "timeline--cursor-row",
        "timeline--launch",
        "timeline--launched",
        "timeline--promotion",
        "timeline--conflict",
        "timeline--today",
        "timeline--today-promotion",
        "timeline--holiday",
        "timeline--frozen",
        "timeline--empty",
        "timeline--health-off-track",
        "timeline--health-at-risk",
        "timeline--health-no-date",
        "timeline--health-no-checklist",
        "timeline--health-on-track",
        "timeline--health-paused",
        "timeline--health-launched",
    }

    class Moved(Message):
        """The cursor is on another region or column."""

    class Selected(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.timeline: Timeline | None = None
        self.codes: list[str] = []
        self.healths: dict[str, str] = {}
        self.zoom = ZOOM[DEFAULT_ZOOM]
        self.today = date.today()
        self.view_start = self.today
        self.cursor_day = self.today  # the first day of the cursor's column
        self.anchor = self.today  # the day the user went to: zooming out and in again comes back to it
        self.cursor_row = 0
        self.empty_text = "No regions."
        self._rows: dict[str, TimelineRow] = {}
        self._fetched: tuple[date, date] | None = None
        self._lines: dict[tuple[int, bool], Strip] = {}

    # -- data ------------------------------------------------------------------------------
    def show(self, timeline: Timeline, codes: list[str], healths: dict[str, str], keep: str | None = None) -> None:
        """Draw `codes` (rows in this order) of `timeline`; `healths` gives each row's health.
        The cursor stays on region `keep` (default: the current one) when it is still shown."""
        keep = keep if keep is not None else self.cursor_code
        first_show = self.timeline is None
        self.timeline, self.codes, self.healths = timeline, codes, healths
        self.today = timeline.today
        if first_show:
            self.anchor = self.today
            self.cursor_day = column_start(self.today, self.zoom.unit)
            self.view_start = shift_columns(self.cursor_day, self.zoom.unit, -COLUMNS_BEFORE_TODAY)
        index = codes.index(keep) if keep in codes else None
        self.cursor_row = index if index is not None else min(self.cursor_row, max(len(codes) - 1, 0))
        self._forget()
        self.virtual_size = Size(self.size.width, len(codes) + HEADER_LINES)
        self._scroll_to_cursor()
        self.post_message(self.Moved())

    def _forget(self) -> None:
        self._rows.clear()
        self._fetched = None
        self._lines.clear()
        self.refresh()

    @property
    def cursor_code(self) -> str | None:
        return self.codes[self.cursor_row] if self.codes else None

    @property
    def label_width(self) -> int:
        width = self.scrollable_content_region.width
        return 26 if width >= WIDE else 18 if width >= 70 else 14

    @property
    def column_count(self) -> int:
        room = self.scrollable_content_region.width - self.label_width - 1
        return max(room // self.zoom.cells, 1)

    @property
    def columns(self) -> list[tuple[date, date]]:
        return visible_columns(self.view_start, self.zoom.unit, self.column_count)

    @property
    def cursor_column(self) -> tuple[date, date]:
        """The cursor's column: (first day, last day)."""
        return visible_columns(self.cursor_day, self.zoom.unit, 1)[0]

    def row(self, index: int) -> TimelineRow | None:
        """The timeline row of the index-th region shown, for the days around the view (computed
        once per view: rows the cursor passes are kept)."""
        if self.timeline is None or not 0 <= index < len(self.codes):
            return None
        cols = self.columns
        first, last = cols[0][0], cols[-1][1]
        if self._fetched is None or first < self._fetched[0] or last > self._fetched[1]:
            span = last - first
            self._fetched = (first - span, last + span)  # a screen each side: scrolling sideways reuses them
            self._rows.clear()
        code = self.codes[index]
        found = self._rows.get(code)
        if found is None:
            found = self._rows[code] = self.timeline.row(code, *self._fetched)
        return found

    def cursor_timeline_row(self) -> TimelineRow | None:
        return self.row(self.cursor_row)

    # -- cursor ----------------------------------------------------------------------------
    def move_to(self, code: str) -> bool:
        if code not in self.codes:
            return False
        self._set_row(self.codes.index(code))
        return True

    def move_to_day(self, day: date) -> None:
        """Put the cursor on the column holding `day`, scrolling the view to show it."""
        self.anchor = day
        self.cursor_day = column_start(day, self.zoom.unit)
        self._keep_cursor_column_visible()
        self._changed()

    def _set_row(self, index: int) -> None:
        index = max(0, min(index, len(self.codes) - 1)) if self.codes else 0
        if index == self.cursor_row:
            return
        old, self.cursor_row = self.cursor_row, index
        self._lines.pop((old, True), None)
        self._scroll_to_cursor()
        self.refresh_line(old - round(self.scroll_y) + HEADER_LINES)
        self.refresh_line(index - round(self.scroll_y) + HEADER_LINES)
        self.refresh_line(0)
        self.refresh_line(1)
        self.post_message(self.Moved())

    def _changed(self) -> None:
        """The cursor column or the view moved: every line changes."""
        self._lines.clear()
        self.refresh()
        self.post_message(self.Moved())

    def _keep_cursor_column_visible(self) -> None:
        unit, count = self.zoom.unit, self.column_count
        if self.cursor_day < self.view_start:
            self.view_start = self.cursor_day
        else:
            last_start = shift_columns(self.view_start, unit, count - 1)
            if self.cursor_day > last_start:
                self.view_start = shift_columns(self.cursor_day, unit, -(count - 1))

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - HEADER_LINES - 1, 1)

    def _scroll_to_cursor(self) -> None:
        visible = max(self.scrollable_content_region.height - HEADER_LINES, 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self._set_row(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._set_row(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self._set_row(self.cursor_row - self._page())

    def action_page_down(self) -> None:
        self._set_row(self.cursor_row + self._page())

    def action_first(self) -> None:
        self._set_row(0)

    def action_last(self) -> None:
        self._set_row(len(self.codes) - 1)

    def action_columns(self, count: int) -> None:
        """Move the cursor `count` columns later (negative: earlier)."""
        self.cursor_day = self.anchor = shift_columns(self.cursor_day, self.zoom.unit, count)
        self._keep_cursor_column_visible()
        self._changed()

    def page_columns(self, pages: int) -> None:
        """Move the view and the cursor a screen of columns later (negative: earlier)."""
        step = pages * max(self.column_count - 1, 1)
        self.view_start = shift_columns(self.view_start, self.zoom.unit, step)
        self.cursor_day = self.anchor = shift_columns(self.cursor_day, self.zoom.unit, step)
        self._changed()

    def set_zoom(self, name: str) -> None:
        """Show columns of another unit, the cursor's column staying where it was on screen."""
        offset = 0
        probe = self.view_start
        while probe < self.cursor_day and offset < self.column_count:
            probe = next_column(probe, self.zoom.unit)
            offset += 1
        self.zoom = ZOOM[name]
        self.cursor_day = column_start(self.anchor, self.zoom.unit)
        self.view_start = shift_columns(self.cursor_day, self.zoom.unit, -offset)
        self._forget()
        self.post_message(self.Moved())

    def action_select(self) -> None:
        if self.codes:
            self.post_message(self.Selected(self.codes[self.cursor_row]))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_LINES:
            return
        index = round(self.scroll_y) + offset.y - HEADER_LINES
        if not 0 <= index < len(self.codes):
            return
        again = index == self.cursor_row
        self._set_row(index)
        column = (offset.x - self.label_width - 1) // self.zoom.cells
        cols = self.columns
        if 0 <= column < len(cols) and cols[column][0] != self.cursor_day:
            self.cursor_day = self.anchor = cols[column][0]
            self._changed()
            again = False
        if again or event.chain > 1:
            self.action_select()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.codes) + HEADER_LINES)
        self._keep_cursor_column_visible()
        self._lines.clear()
        self._scroll_to_cursor()

    # -- rendering -------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}", partial=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < HEADER_LINES:
            return self._header_line(y).crop_extend(0, width, base)
        index = round(self.scroll_y) + y - HEADER_LINES
        if not self.codes:
            text = (" " + self.empty_text) if y == HEADER_LINES else ""
            return Strip([Segment(text, self._style("empty"))]).crop_extend(0, width, base)
        if not 0 <= index < len(self.codes):
            return Strip.blank(width, base)
        key = (index, index == self.cursor_row)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._row_line(index).crop_extend(0, width, base)
            if len(self._lines) > 512:
                self._lines.clear()
            self._lines[key] = strip
        return strip

    def _header_line(self, y: int) -> Strip:
        header = self.rich_style + self._style("header")
        cols, cells, unit = self.columns, self.zoom.cells, self.zoom.unit
        label = "REGION" if y == 0 else f"zoom: {self.zoom.name}"
        segments = [Segment(fit(label, self.label_width) + " ", header)]
        if y == 0:
            segments.append(Segment(_period_labels(cols, cells, unit), header))
            return Strip(segments)
        for col_first, col_last in cols:
            text = fit(_column_label(col_first, unit), cells)
            style = header
            if col_first == self.cursor_day:
                style = header + self._style("cursor")
            elif col_first <= self.today <= col_last:
                style = header + self._style("today")
            segments.append(Segment(text, style))
        return Strip(segments)

    def _row_line(self, index: int) -> Strip:
        row = self.row(index)
        assert row is not None
        cursor_row = index == self.cursor_row
        base = self.rich_style + self._style("cursor-row") if cursor_row else self.rich_style
        health = self.healths.get(row.code)
        symbol = SYMBOLS.get(health, " ") if health else " "
        health_style = self._style(f"health-{health.replace(' ', '-')}") if health else Style()
        code_width = min(max((len(c) for c in self.codes), default=2), 8)
        name = fit(f"{row.code:<{code_width}} {row.name}", self.label_width - 2)
        segments = [Segment(symbol, base + health_style), Segment(" " + name + " ", base)]
        cols, cells = self.columns, self.zoom.cells
        with_holidays = self.zoom.unit == "day"
        kinds = model.row_cells(row, cols, holidays=with_holidays)
        holidays = {day for day, _name in row.holidays} if with_holidays else set()
        for (col_first, col_last), kind in zip(cols, kinds, strict=True):
            promoted = any(b.first <= col_last and b.last >= col_first for b in row.promotions)
            text = cell_text(kind, cells, promoted)
            style = self.rich_style + self._style(kind or "empty")
            if col_first <= row.today <= col_last:
                style += self._style("today")
            elif any(col_first <= day <= col_last for day in holidays):
                style += self._style("holiday")
            if any(begin <= col_last and end >= col_first for begin, end, _text in row.freezes):
                style += self._style("frozen")  # a freeze window shades its columns under what is on them
            if cursor_row and col_first == self.cursor_day:
                style += self._style("cursor")
            segments.append(Segment(text, style))
        return Strip(segments)


def cell_text(kind: str, cells: int, promoted: bool) -> str:
    """A column's text, `cells` wide: a promotion bar fills it; a milestone, conflict or today
    sits in the middle (on the bar when a promotion runs there too: today crossing it as ┿); a
    holiday is shaded."""
    glyph = model.GLYPHS[kind]
    if kind in (model.PROMOTION, model.HOLIDAY, model.FROZEN):
        return glyph * cells
    side = model.GLYPHS[model.PROMOTION] if promoted and kind != model.TODAY else " "
    left = (cells - 1) // 2
    return side * left + glyph + side * (cells - left - 1)


def _column_label(first: date, unit: str) -> str:
    if unit == "month":
        return first.strftime("%b")
    return f"{first.day:>2}"


def _period_labels(cols: list[tuple[date, date]], cells: int, unit: str) -> str:
    """The line over the column labels: the month (days, weeks) or the quarter (months) at the
    column where each begins, and the first column's where it fits before the next one."""
    width = len(cols) * cells
    line = [" "] * width
    starts: list[tuple[int, str]] = []
    for n, (col_first, col_last) in enumerate(cols):
        if unit == "month":
            if col_first.month in (1, 4, 7, 10):
                starts.append((n, f"Q{(col_first.month - 1) // 3 + 1} {col_first.year}"))
            continue
        month_first = (
            col_first if col_first.day == 1 else (col_first.replace(day=28) + timedelta(days=4)).replace(day=1)
        )
        if month_first <= col_last:
            starts.append((n, month_first.strftime("%b %Y")))
    first = cols[0][0]
    lead = f"Q{(first.month - 1) // 3 + 1} {first.year}" if unit == "month" else first.strftime("%b %Y")
    if not starts or starts[0][0] != 0:
        nearest = starts[0][0] * cells if starts else width
        if len(lead) < nearest:
            starts.insert(0, (0, lead))
    free_from = 0
    for n, text in starts:
        position = n * cells
        if position >= free_from and position + len(text) <= width:
            line[position : position + len(text)] = text
            free_from = position + len(text) + 1
    return "".join(line)
