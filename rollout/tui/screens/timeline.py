"""Timeline: every region's launch and promotions over time, with a cursor on a region and a date."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Static

from rollout import templates
from rollout import timeline as model
from rollout.health import SYMBOLS
from rollout.timeline import GLYPHS, TimelineRow
from rollout.tui.guard import reported
from rollout.tui.screens.filtered import FilterBoxScreen
from rollout.tui.views import filter_rows
from rollout.tui.widgets.base import cli_text
from rollout.tui.widgets.timeline import ZOOMS, TimelineView

# The core's glyphs, in words short enough for one line at 100 columns (non-breaking within an entry).
# Today on a promotion (┿) is the today line crossing the bar: it needs no entry of its own.
LEGEND_WORDS = {
    model.LAUNCH: "launch",
    model.LAUNCHED: "launched",
    model.PROMOTION: "promotion",
    model.CONFLICT: "conflict",
    model.TODAY: "today",
    model.HOLIDAY: "holiday",
}
LEGEND_TEXT = "  ".join(f"{GLYPHS[kind]}\u00a0{words}" for kind, words in LEGEND_WORDS.items())


class TimelineScreen(FilterBoxScreen):
    """Rows are regions (in launch order, as `rollout status` lists them), columns days, weeks or
    months. `<`/`>` move the launch of the region under the cursor by one column's step through
    the core's `shift` (one change, `u` undoes it)."""

    HELP_TITLE = "Timeline"
    BINDINGS = [
        Binding("plus,equals_sign", "zoom(-1)", "Zoom in", id="timeline.zoom_in"),
        Binding("minus", "zoom(1)", "Zoom out", id="timeline.zoom_out"),
        Binding("left_square_bracket", "page(-1)", "Earlier", show=False, id="timeline.page_earlier"),
        Binding("right_square_bracket", "page(1)", "Later", show=False, id="timeline.page_later"),
        Binding("t", "today", "Today", show=False, id="timeline.today"),
        Binding("less_than_sign", "move_launch(-1)", "Launch earlier", show=False, id="timeline.launch_earlier"),
        Binding("greater_than_sign", "move_launch(1)", "Launch later", id="timeline.launch_later"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="timeline-title")
        yield TimelineView(id="timeline")
        yield Static(id="timeline-detail")
        yield Input(
            placeholder="filter: code, name, country, owner, wave=N, health=off-track (esc clears)", id="filter"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.view.focus()

    @property
    def view(self) -> TimelineView:
        return self.query_one(TimelineView)

    def refresh_data(self, keep: str | None = None) -> None:
        snapshot = self.rollout.snapshot
        rows = filter_rows(snapshot.rows, self.filter_text) if self.filter_text else snapshot.rows
        view = self.view
        view.empty_text = f"No region matches {self.filter_text!r}." if self.filter_text else "No regions yet."
        view.show(snapshot.timeline, [r.code for r in rows], {r.code: r.health for r in rows}, keep=keep)
        self._show_title()

    def _show_title(self) -> None:
        view = self.view
        shown = len(view.codes)
        total = len(self.rollout.snapshot.rows)
        count = f"{total} regions" + (f" · filter {self.filter_text!r}: {shown} shown" if self.filter_text else "")
        zoom = f"zoom {view.zoom.name}: {view.zoom.label} (+ -)"
        legend = LEGEND_TEXT
        if self.rollout.snapshot.state.tables["freezes"]:  # the shading's entry, once a window exists
            legend += f"  {GLYPHS[model.FROZEN]}\u00a0freeze"
        self.query_one("#timeline-title", Static).update(Text(f"{count} · {zoom} · {legend}"))

    @on(TimelineView.Moved)
    def _moved(self) -> None:
        self.query_one("#timeline-detail", Static).update(Text(self.detail()), layout=False)

    def detail(self) -> str:
        """What is under the cursor: the region, its health and launch, and what falls in the column."""
        view = self.view
        row = view.cursor_timeline_row()
        if row is None:
            return ""
        first, last = view.cursor_column
        region = self.rollout.snapshot.by_code.get(row.code)
        parts = [f"{row.code} {row.name}"]
        if region is not None:
            parts.append(f"{SYMBOLS[region.health]} {region.health}")
        if row.launch is not None:
            verb = "launched" if row.launched else "launch"
            parts.append(f"{verb} {row.launch.isoformat()}")
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        parts.append(span + ": " + (", ".join(column_events(row, first, last)) or "nothing planned"))
        return " · ".join(parts)

    # -- actions -------------------------------------------------------------------------
    def action_zoom(self, step: int) -> None:
        view = self.view
        index = next(i for i, z in enumerate(ZOOMS) if z is view.zoom)
        target = ZOOMS[max(0, min(index + step, len(ZOOMS) - 1))]
        if target is not view.zoom:
            view.set_zoom(target.name)
            self._show_title()

    def action_page(self, pages: int) -> None:
        self.view.page_columns(pages)

    def action_today(self) -> None:
        self.view.move_to_day(self.view.today)

    @reported
    def action_move_launch(self, direction: int) -> None:
        """Move the launch under the cursor by one column (a day, a week, a month) through `shift`."""
        view = self.view
        code = view.cursor_code
        if code is None or self.rollout.refuse_read_only():
            return
        by = ("-" if direction < 0 else "") + view.zoom.step
        outcome = self.rollout.edit(cli_text("shift", code, by=by), lambda s: templates.shift(s, [code], by)[0])
        if outcome is None:
            return
        row = view.cursor_timeline_row()
        if row is not None and row.launch is not None:
            view.move_to_day(row.launch)
            self.notify(f"{code} launch moved {by} to {row.launch.isoformat()} (u undoes)", timeout=3)

    def main_widget(self) -> Widget:
        return self.view

    @on(TimelineView.Selected)
    @reported
    def _selected(self, event: TimelineView.Selected) -> None:
        self.rollout.open_region(event.code)


def column_events(row: TimelineRow, first: date, last: date) -> list[str]:
    """What falls on the days [first, last] of a row: launch, promotions, conflicts, holidays, today."""
    found = []
    if row.launch is not None and first <= row.launch <= last:
        found.append(("launched " if row.launched else "launch ") + row.launch.isoformat())
    for bar in row.promotions:
        if bar.first <= last and bar.last >= first:
            found.append(f"{bar.id} {bar.name!r} {bar.first.isoformat()} to {bar.last.isoformat()}")
    found += [f"⚠ {c.text}" for c in row.conflicts if first <= c.day <= last]
    found += [f"holiday {day.isoformat()} {name}" for day, name in row.holidays if first <= day <= last]
    found += [
        f"freeze {text} ({a.isoformat()} to {b.isoformat()})" for a, b, text in row.freezes if a <= last and b >= first
    ]
    if first <= row.today <= last:
        found.append("today")
    return found
