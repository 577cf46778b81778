"""The Regions table: a virtual table that renders only the lines on screen.

A DataTable measures every cell when rows are added, which is fine for a region's checklist
but not for thousands of regions re-filtered on every keystroke. This widget keeps the rows
as plain data and draws each visible line on demand, so filtering or moving the cursor costs
the same at 20 regions as at 2,000.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rollout.health import SYMBOLS
from rollout.text import clip, display_width, fit
from rollout.tui.views import RegionRow, readiness_bar

WIDE = 120  # narrower than this, columns pack tighter so more of the table fits (80x24 still works)


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[RegionRow], str]
    max_width: int = 40
    narrow_width: int | None = None  # the cap below WIDE columns, when tighter than max_width


def health_cell(row: RegionRow) -> str:
    """'✖ off track': the core's symbol first, so the health reads without colour (NO_COLOR)."""
    return f"{SYMBOLS[row.health]} {row.health}"


# What a launch manager needs first comes first, so 80 columns show it without scrolling (code,
# name, health, launch, countdown, readiness, open critical items): code and name stay pinned on
# the left when the table scrolls right; new columns go after CRIT.
COLUMNS = (
    Column("CODE", lambda r: r.code + (" !" if r.warnings else "")),
    Column("NAME", lambda r: r.name, max_width=20, narrow_width=16),
    Column("HEALTH", health_cell),
    Column("LAUNCH", lambda r: r.launch),
    Column("WHEN", lambda r: r.when, max_width=24, narrow_width=14),
    Column("READY", lambda r: f"{r.readiness:>3}%"),
    Column("CRIT", lambda r: str(r.critical_open) if r.critical_open else ""),
    Column("STATUS", lambda r: r.status),
    Column("FORECAST", lambda r: r.forecast),
    Column("LATE", lambda r: str(r.overdue) if r.overdue else ""),
    Column("WAVE", lambda r: str(r.wave)),
    Column("NEXT PROMOTION", lambda r: r.next_promotion, max_width=36),
)
INDEX = {c.header: i for i, c in enumerate(COLUMNS)}
PINNED = 2  # CODE and NAME
HEALTH_INDEX = INDEX["HEALTH"]
READY_INDEX = INDEX["READY"]
CRIT_INDEX = INDEX["CRIT"]
LATE_INDEX = INDEX["LATE"]
STATUS_INDEX = INDEX["STATUS"]
MARK = "●"
# The sort (RegionsScreen's names) each column header shows a marker for.
SORT_COLUMN = {
    "code": INDEX["CODE"],
    "health": HEALTH_INDEX,
    "launch": INDEX["LAUNCH"],
    "readiness": READY_INDEX,
    "critical": CRIT_INDEX,
    "status": STATUS_INDEX,
    "wave": INDEX["WAVE"],
}


class RegionTable(ScrollView, can_focus=True):
    """Rows of RegionRow with a row cursor; posts Highlighted and Selected with the region code."""

    HELP_TITLE = "Lists"

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("left,h", "scroll_columns(-8)", "Scroll left", show=False, id="list.left"),
        Binding("right,l", "scroll_columns(8)", "Scroll right", show=False, id="list.right"),
        Binding("enter", "select", "Open", id="open"),
    ]

    COMPONENT_CLASSES = {
        "region-table--header",
        "region-table--cursor",
        "region-table--empty",
        "region-table--warning",
        "region-table--critical",
        "region-table--bar-done",
        "region-table--bar-todo",
        "region-table--status-planned",
        "region-table--status-preparing",
        "region-table--status-ready",
        "region-table--status-launched",
        "region-table--status-paused",
        "region-table--health-off-track",
        "region-table--health-at-risk",
        "region-table--health-no-date",
        "region-table--health-no-checklist",
        "region-table--health-on-track",
        "region-table--health-paused",
        "region-table--health-launched",
    }

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, table: RegionTable, code: str | None) -> None:
            super().__init__()
            self.table = table
            self.code = code

    class Selected(Message):
        def __init__(self, table: RegionTable, code: str) -> None:
            super().__init__()
            self.table = table
            self.code = code

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[RegionRow] = []
        self.widths: list[int] = [len(c.header) for c in COLUMNS]
        self.empty_text = "No regions."
        self._width_basis: list[RegionRow] | None = None
        self._line_cache: dict[tuple[int, bool], Strip] = {}
        self.gap, self.bar = 2, 10
        self._wide = True  # the layout the widths were measured for (on_resize follows the real width)
        self.marked: set[str] = set()
        self.sort, self.sort_reverse = "launch", False

    # -- data --------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def cursor_code(self) -> str | None:
        return self.rows[self.cursor_row].code if self.rows else None

    def show(self, rows: list[RegionRow], width_basis: list[RegionRow], keep: str | None = None) -> None:
        """Display `rows`; column widths come from `width_basis` (all rows) so they stay put while filtering.

        The cursor stays on region `keep` (default: the current one) when it is still shown.
        """
        keep = keep if keep is not None else self.cursor_code
        if width_basis is not self._width_basis:
            self._width_basis = width_basis
            self.widths = column_widths(width_basis, self.bar, wide=self._wide)
        self.rows = rows
        self._line_cache.clear()
        index = next((i for i, r in enumerate(rows) if r.code == keep), None) if keep else None
        self._set_virtual_size()
        self.cursor_row = index if index is not None else min(self.cursor_row, max(len(rows) - 1, 0))
        self.refresh()

    def _set_virtual_size(self) -> None:
        self.virtual_size = Size(len(MARK) + sum(self.widths) + self.gap * (len(COLUMNS) - 1), len(self.rows) + 1)

    @property
    def pinned_width(self) -> int:
        return len(MARK) + sum(self.widths[:PINNED]) + self.gap * PINNED

    def set_sort(self, sort: str, reverse: bool) -> None:
        self.sort, self.sort_reverse = sort, reverse
        self._line_cache.clear()
        self.refresh()
        if sort in SORT_COLUMN and self.is_mounted:
            self.show_column(SORT_COLUMN[sort])

    def show_column(self, column: int) -> None:
        """Scroll sideways, if need be, so that column `column` (an index of COLUMNS) shows whole."""
        if column < PINNED:
            return
        starts = [len(MARK) + sum(self.widths[:i]) + self.gap * i for i in range(len(COLUMNS))]
        end = starts[column] + self.widths[column]
        shown, pinned = self.scrollable_content_region.width, self.pinned_width
        # The least scroll that shows it, starting the scrolled part at a column's edge (none cut on the left).
        offsets = [0] + [start - pinned for start in starts[PINNED + 1 : column + 1]]
        x = next((x for x in offsets if end - x <= shown), offsets[-1])
        self.scroll_to(x=x, animate=False, immediate=True)

    # -- marks -------------------------------------------------------------------------
    def toggle_mark(self) -> None:
        code = self.cursor_code
        if code is None:
            return
        self.marked.symmetric_difference_update({code})
        self._line_cache.clear()
        self.refresh()

    def mark_all(self) -> None:
        """Mark every region shown; when all are marked already, clear the marks."""
        shown = {r.code for r in self.rows}
        self.marked = set() if shown <= self.marked else self.marked | shown
        self._line_cache.clear()
        self.refresh()

    def marked_or_cursor(self) -> list[str]:
        if self.marked:
            return [r.code for r in self.rows if r.code in self.marked]
        return [self.cursor_code] if self.cursor_code else []

    def row_text(self, code: str) -> str:
        """A region's row as tab-separated text (for copying)."""
        row = next(r for r in self.rows if r.code == code)
        return "\t".join(c.cell(row) for c in COLUMNS)

    def row_of(self, code: str) -> RegionRow | None:
        """The shown row of region `code`, None when it is not shown."""
        return next((r for r in self.rows if r.code == code), None)

    def move_to(self, code: str) -> bool:
        for i, row in enumerate(self.rows):
            if row.code == code:
                self.cursor_row = i
                return True
        return False

    # -- cursor ------------------------------------------------------------------------
    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self.post_message(self.Highlighted(self, self.cursor_code))

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 2, 1)

    def _scroll_to_cursor(self) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._page()

    def action_page_down(self) -> None:
        self.cursor_row += self._page()

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self.rows) - 1

    def action_scroll_columns(self, step: int) -> None:
        self.scroll_to(x=self.scroll_x + step, animate=False, immediate=True)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self, self.rows[self.cursor_row].code))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = round(self.scroll_y) + offset.y - 1
        if not 0 <= index < len(self.rows):
            return
        again = index == self.cursor_row
        self.cursor_row = index
        if again or event.chain > 1:
            self.action_select()

    def on_resize(self) -> None:
        wide = self.size.width >= WIDE
        gap, bar = (2, 10) if wide else (1, 5)
        if (gap, bar, wide) != (self.gap, self.bar, self._wide):
            self.gap, self.bar, self._wide = gap, bar, wide
            if self._width_basis is not None:
                self.widths = column_widths(self._width_basis, bar, wide=wide)
            self._line_cache.clear()
            self._set_virtual_size()
            self.refresh()
        self._scroll_to_cursor()

    # -- rendering ---------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        index = -1
        if y == 0:
            strip = self._header_strip()
        else:
            index = scroll_y + y - 1
            if not self.rows and y == 1:
                return Strip([Segment(" " + self.empty_text, self._style("empty"))]).crop_extend(0, width, base)
            elif 0 <= index < len(self.rows):
                strip = self._row_strip(index)
            else:
                return Strip.blank(width, base)
        # Code and name stay put; the columns after them scroll.
        pinned = self.pinned_width
        shown = self.scrollable_content_region.width  # the width less a vertical scrollbar
        strip = self._end_at_edge(strip, index, pinned + scroll_x + max(shown - pinned, 0))
        left = strip.crop(0, pinned)
        right = strip.crop(pinned + scroll_x, pinned + scroll_x + max(width - pinned, 0))
        return Strip.join([left, right]).crop_extend(0, width, base)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"region-table--{name}")

    def _end_at_edge(self, strip: Strip, index: int, edge: int) -> Strip:
        """A line whose column the right edge (`edge`, in line cells) cuts through: that column cut to
        what shows, ending in … (the header keeps its sort marker), not a word cut mid-way."""
        start = len(MARK)
        for i, width in enumerate(self.widths):
            if i >= PINNED and start < edge < start + width:
                room = edge - start
                if index < 0:
                    marker = "▼" if self.sort_reverse else "▲"
                    header = COLUMNS[i].header
                    sorted_here = SORT_COLUMN.get(self.sort) == i
                    text = header[: room - 1] + marker if sorted_here else clip(header, room)
                    style = self._style("header")
                else:
                    row = self.rows[index]
                    cursor = index == self.cursor_row
                    text = "…" if i == READY_INDEX else clip(COLUMNS[i].cell(row), room)
                    style = self.rich_style + self._style("cursor") if cursor else self.rich_style
                    if not cursor and i != READY_INDEX:
                        style += self._cell_style(i, row)
                return Strip.join([strip.crop(0, start), Strip([Segment(fit(text, room), style)])])
            start += width + self.gap
        return strip

    def _header_strip(self) -> Strip:
        key = (-1, False)
        if key not in self._line_cache:
            style = self._style("header")
            marker = {SORT_COLUMN.get(self.sort, -1): "▼" if self.sort_reverse else "▲"}
            headers = [
                fit(c.header + marker.get(i, ""), w) for i, (c, w) in enumerate(zip(COLUMNS, self.widths, strict=True))
            ]
            self._line_cache[key] = Strip([Segment(" " * len(MARK) + (" " * self.gap).join(headers), style)])
        return self._line_cache[key]

    def _row_strip(self, index: int) -> Strip:
        cursor = index == self.cursor_row
        key = (index, cursor)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        row = self.rows[index]
        base = self.rich_style + self._style("cursor") if cursor else self.rich_style
        segments: list[Segment] = [Segment(MARK if row.code in self.marked else " ", base)]
        for i, (column, width) in enumerate(zip(COLUMNS, self.widths, strict=True)):
            if i:
                segments.append(Segment(" " * self.gap, base))
            if i == READY_INDEX:
                segments.extend(self._bar_segments(row, width, base, cursor))
                continue
            text = fit(column.cell(row), width)
            # The cursor row keeps the cursor's colours: a status colour can equal its background.
            segments.append(Segment(text, base if cursor else base + self._cell_style(i, row)))
        strip = Strip(segments)
        if len(self._line_cache) > 4096:
            self._line_cache.clear()
        self._line_cache[key] = strip
        return strip

    def health_style(self, health: str) -> Style:
        """The colour of a health (styles/app.tcss), for the table and the lines about it."""
        name = f"region-table--health-{health.replace(' ', '-')}"
        return self.get_component_rich_style(name, partial=True, default=Style())

    def _cell_style(self, column: int, row: RegionRow) -> Style:
        if column == HEALTH_INDEX:
            return self.health_style(row.health)
        if column == STATUS_INDEX:
            return self.get_component_rich_style(f"region-table--status-{row.status}", partial=True, default=Style())
        if column in (CRIT_INDEX, LATE_INDEX) and (row.critical_open if column == CRIT_INDEX else row.overdue):
            return self.get_component_rich_style("region-table--critical", partial=True)
        if column == 0 and row.warnings:
            return self.get_component_rich_style("region-table--warning", partial=True)
        return Style()

    def _bar_segments(self, row: RegionRow, width: int, base: Style, cursor: bool = False) -> list[Segment]:
        done, todo = readiness_bar(row.readiness, self.bar)
        percent = f" {row.readiness:>3}%".ljust(width - len(done) - len(todo))
        if cursor:
            return [Segment(done + todo + percent, base)]
        return [
            Segment(done, base + self.get_component_rich_style("region-table--bar-done", partial=True)),
            Segment(todo, base + self.get_component_rich_style("region-table--bar-todo", partial=True)),
            Segment(percent, base),
        ]


def column_widths(rows: list[RegionRow], bar: int, wide: bool = True) -> list[int]:
    """Each column's width: its longest cell (capped), the header with room for a sort marker."""
    widths = [len(c.header) + 1 for c in COLUMNS]
    widths[READY_INDEX] = bar + 5  # the bar, a space and "100%"
    for row in rows:
        for i, column in enumerate(COLUMNS):
            if i == READY_INDEX:
                continue
            size = display_width(column.cell(row))
            if size > widths[i]:
                widths[i] = size
    caps = [c.max_width if wide or c.narrow_width is None else c.narrow_width for c in COLUMNS]
    return [min(w, cap) if i != READY_INDEX else w for i, (w, cap) in enumerate(zip(widths, caps, strict=True))]
