"""Regions, the home screen: every region in one table, sortable and filterable."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from rollout import health, kpi
from rollout.tui.guard import reported
from rollout.tui.views import SORTS, RegionRow, filter_rows, sort_rows
from rollout.tui.widgets.base import RolloutNode
from rollout.tui.widgets.region_table import RegionTable, health_cell

SORT_LABELS = {
    "launch": "launch date",
    "health": "health, worst first",
    "code": "code",
    "readiness": "readiness",
    "critical": "open critical items",
    "status": "status",
    "wave": "wave",
}


class RegionsScreen(RolloutNode, Screen[None]):
    HELP_TITLE = "Regions"
    BINDINGS = [
        Binding("s", "cycle_sort", "Sort", id="regions.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="regions.reverse"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="filter.clear"),
        Binding("v", "mark", "Mark", id="mark"),
        Binding("V", "mark_all", "Mark shown", show=False, id="mark.all"),
        Binding("b", "bulk", "Bulk", id="bulk"),
        Binding("y", "copy('id')", "Copy code", show=False, id="copy"),
        Binding("Y", "copy('row')", "Copy row", show=False, id="copy.row"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "health"  # the user's own order from their settings once mounted
        self.reverse = False
        self.filter_text = ""
        self._sorted: list[RegionRow] = []
        self._sorted_from: tuple[int, str, bool] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield RegionTable(id="regions")
        yield Static(id="health-detail")
        yield Input(placeholder="filter: code, name, country, owner, wave=N, status=S (esc clears)", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        config = self.rollout.settings
        self.sort, self.reverse = config.sort, config.sort_reversed
        self.refresh_data()
        self.query_one(RegionTable).focus()

    # -- data --------------------------------------------------------------------------
    def sorted_rows(self) -> list[RegionRow]:
        snapshot = self.app.snapshot  # type: ignore[attr-defined]
        key = (id(snapshot), self.sort, self.reverse)
        if key != self._sorted_from:
            rows = snapshot.rows
            self._sorted = rows if self.sort == "launch" else sort_rows(rows, self.sort)
            if self.reverse:
                self._sorted = self._sorted[::-1]
            self._sorted_from = key
        return self._sorted

    def refresh_data(self, keep: str | None = None) -> None:
        all_rows = self.app.snapshot.rows  # type: ignore[attr-defined]
        shown = filter_rows(self.sorted_rows(), self.filter_text)
        table = self.query_one(RegionTable)
        table.empty_text = f"No region matches {self.filter_text!r}." if self.filter_text else "No regions yet."
        table.set_sort(self.sort, self.reverse)
        table.show(shown, all_rows, keep=keep)
        self._update_summary(all_rows, len(shown))
        self._show_health(table.cursor_code)

    def _update_summary(self, rows: list[RegionRow], shown: int) -> None:
        order = " (reversed)" if self.reverse else ""
        parts = [f"{len(rows)} regions"]
        for level in (health.OFF_TRACK, health.AT_RISK):
            count = sum(1 for r in rows if r.health == level)
            if count:
                parts.append(f"{health.SYMBOLS[level]} {count} {level}")
        parts.append(f"by {SORT_LABELS[self.sort]}{order}")
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}: {shown} shown")
        marked = len(self.query_one(RegionTable).marked)
        if marked:
            parts.append(f"{marked} marked (b acts)")
        self.query_one("#summary", Static).update(" · ".join(parts))

    # -- actions -----------------------------------------------------------------------
    @reported
    def action_cycle_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.rollout.remember("sort", self.sort)
        self.refresh_data()

    @reported
    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse
        self.rollout.remember("sort_reversed", self.reverse)
        self.refresh_data()

    def action_mark(self) -> None:
        table = self.query_one(RegionTable)
        table.toggle_mark()
        table.action_cursor_down()
        self.refresh_data()

    def action_mark_all(self) -> None:
        self.query_one(RegionTable).mark_all()
        self.refresh_data()

    def action_copy(self, what: str) -> None:
        table = self.query_one(RegionTable)
        code = table.cursor_code
        if code is not None:
            text = code if what == "id" else table.row_text(code)
            self.app.copy_text(text, code if what == "id" else f"the row of {code}")  # type: ignore[attr-defined]

    @reported
    def action_bulk(self) -> None:
        from rollout.tui.bulk import region_actions
        from rollout.tui.screens.forms import ChoiceScreen

        table = self.query_one(RegionTable)
        codes = table.marked_or_cursor()
        if not codes or self.app.refuse_read_only():  # type: ignore[attr-defined]
            return
        actions = region_actions(self.app, codes, self._after_bulk)  # type: ignore[arg-type]
        what = f"{len(codes)} marked region(s)" if table.marked else codes[0]

        def chosen(index: int | None) -> None:
            if index is not None:
                actions[index][1]()

        self.app.push_screen(ChoiceScreen(f"Act on {what}", [label for label, _ in actions]), chosen)

    def _after_bulk(self, _value: object) -> None:
        self.query_one(RegionTable).marked.clear()
        self.refresh_data()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.app.check_action(action, parameters)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-active")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-active")
        self.query_one(RegionTable).focus()
        if box.value:
            box.value = ""  # Changed then re-filters

    @on(Input.Changed, "#filter")
    @reported
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refresh_data()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        if not self.filter_text:
            self.query_one("#filter", Input).remove_class("-active")
        self.query_one(RegionTable).focus()

    @on(RegionTable.Highlighted)
    def _highlighted(self, event: RegionTable.Highlighted) -> None:
        self._show_health(event.code)

    def _show_health(self, code: str | None) -> None:
        """The detail line: the health of the row under the cursor and the worst reason behind it."""
        row = self.query_one(RegionTable).row_of(code) if code else None
        detail = self.query_one("#health-detail", Static)
        if row is None:
            detail.update("")
            return
        reason = row.reason
        if reason is not None:
            more = len(row.reasons) - 1
            lead = " · " if reason.level == health.NOTE else ": "  # a note explains, it is no fault
            text = lead + reason.text + (f" (+{more} more: enter shows them)" if more else "")
        elif row.health == health.LAUNCHED:
            text = f" {row.launch}"
        else:
            text = f" · forecast ready {row.forecast}" if row.forecast else ""
        gmv = self._gmv_text(row.code)
        style = self.query_one(RegionTable).health_style(row.health)
        detail.update(Text.assemble(f"{row.code} ", (health_cell(row), style), text, gmv))

    def _gmv_text(self, code: str) -> str:
        """' · GMV 2026-11 87.0 %': the current local month's attainment (rollout.kpi), when recorded."""
        state = self.app.snapshot.state  # type: ignore[attr-defined]
        if not state.tables["kpis"] or code not in state.regions:
            return ""
        found = kpi.current_attainment(state, code)
        if found is None:
            return ""
        return f" · GMV {kpi.current_period(state.regions[code])} {found} %"

    @on(RegionTable.Selected)
    @reported
    def region_selected(self, event: RegionTable.Selected) -> None:
        self.app.open_region(event.code)  # type: ignore[attr-defined]
