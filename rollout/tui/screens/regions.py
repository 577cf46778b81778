"""Regions, the home screen: every region in one table, sortable and filterable."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from rollout.tui.guard import reported
from rollout.tui.views import SORTS, RegionRow, filter_rows, sort_rows
from rollout.tui.widgets.region_table import RegionTable

SORT_LABELS = {
    "launch": "launch date",
    "code": "code",
    "readiness": "readiness",
    "critical": "open critical items",
    "status": "status",
    "wave": "wave",
}


class RegionsScreen(Screen[None]):
    BINDINGS = [
        Binding("s", "cycle_sort", "Sort"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "launch"
        self.filter_text = ""
        self._sorted: list[RegionRow] = []
        self._sorted_from: tuple[int, str] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield RegionTable(id="regions")
        yield Input(placeholder="filter: code, name, status or owner (escape clears)", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(RegionTable).focus()

    # -- data --------------------------------------------------------------------------
    def sorted_rows(self) -> list[RegionRow]:
        snapshot = self.app.snapshot  # type: ignore[attr-defined]
        key = (id(snapshot), self.sort)
        if key != self._sorted_from:
            rows = snapshot.rows
            self._sorted = rows if self.sort == "launch" else sort_rows(rows, self.sort)
            self._sorted_from = key
        return self._sorted

    def refresh_data(self, keep: str | None = None) -> None:
        all_rows = self.app.snapshot.rows  # type: ignore[attr-defined]
        shown = filter_rows(self.sorted_rows(), self.filter_text)
        table = self.query_one(RegionTable)
        table.empty_text = f"No region matches {self.filter_text!r}." if self.filter_text else "No regions yet."
        table.show(shown, all_rows, keep=keep)
        self._update_summary(len(all_rows), len(shown))

    def _update_summary(self, total: int, shown: int) -> None:
        parts = [f"{total} regions", f"sorted by {SORT_LABELS[self.sort]} (s)"]
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}: {shown} shown (escape clears)")
        else:
            parts.append("/ filters, enter opens")
        self.query_one("#summary", Static).update(" · ".join(parts))

    # -- actions -----------------------------------------------------------------------
    @reported
    def action_cycle_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.refresh_data()
        self.notify(f"Sorted by {SORT_LABELS[self.sort]}", timeout=2)

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

    @on(RegionTable.Selected)
    @reported
    def region_selected(self, event: RegionTable.Selected) -> None:
        self.app.open_region(event.code)  # type: ignore[attr-defined]
