"""Shared pieces of the region panes: access to the loaded data, a record table, command text."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any, cast

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from rollout import times
from rollout.state import Record, State

if TYPE_CHECKING:
    from rollout.tui.host import Host


def cli_text(*words: str, **options: str | bool | None) -> str:
    """A command as the CLI would spell it, for history: check edit DE c12 --title 'New title'."""
    parts = list(words)
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            parts.append(flag)
        elif value is False:
            parts.append("--not-" + name.replace("_", "-"))
        elif value is not None:
            parts.extend([flag, str(value)])
    return shlex.join(parts)


def when_text(iso: str | None, tz: str) -> str:
    """A stored instant as a WHEN the user can type back: 2027-01-26, or 2027-01-26T10:00."""
    if not iso:
        return ""
    local = times.instant(iso).astimezone(times.zone(tz))
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%dT%H:%M")


class RolloutNode:
    """Mixin for widgets and screens: the running app (as a Host: no import of the app) and its loaded state."""

    @property
    def rollout(self) -> Host:
        return cast("Host", self.app)  # type: ignore[attr-defined]

    @property
    def state(self) -> State:
        return self.rollout.snapshot.state


class RegionPane(RolloutNode, Vertical):
    """One tab of the Region screen; refresh_data() redraws it from the current snapshot."""

    def __init__(self, code: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code = code

    @property
    def region_record(self) -> Record:
        return self.state.region(self.code)

    def refresh_data(self) -> None:
        raise NotImplementedError

    def focus_main(self) -> None:
        """Put the focus where this tab's keys work."""


# The keys every record pane binds, around its own: changing records, then marking, notes, copying.
EDIT_BINDINGS = [
    Binding("a", "add", "Add", id="add"),
    Binding("e", "edit", "Edit", id="edit"),
    Binding("d", "delete", "Delete", id="delete"),
]
MARK_BINDINGS = [
    Binding("v", "mark", "Mark", show=False, id="mark"),
    Binding("V", "mark_all", "Mark shown", show=False, id="mark.all"),
    Binding("b", "bulk", "Bulk", id="bulk"),
    Binding("n", "note", "Note", show=False, id="note"),
    Binding("y", "copy('id')", "Copy id", show=False, id="copy"),
    Binding("Y", "copy('row')", "Copy row", show=False, id="copy.row"),
]


class TablePane(RegionPane):
    """A pane whose keys work on one RecordTable (id TABLE_ID): drawn when mounted, focused first."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.rollout.check_action(action, parameters)

    TABLE_ID = ""
    RECORDS = ""  # the table of the records it lists: "items", "promotions"

    @property
    def table(self) -> RecordTable:
        return self.query_one(f"#{self.TABLE_ID}", RecordTable)

    def current(self) -> Record | None:
        """The record under the cursor (None on an empty table)."""
        key = self.table.cursor_key
        return self.state.tables[self.RECORDS].get(key) if key else None

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_main(self) -> None:
        self.table.focus()

    # -- marks, bulk actions, copying (keys bound by each pane) ---------------------------
    def action_mark(self) -> None:
        self.table.toggle_mark()
        self.table.action_cursor_down()

    def action_mark_all(self) -> None:
        self.table.mark_all()

    def action_copy(self, what: str) -> None:
        key = self.table.cursor_key
        if key is None:
            return
        if what == "id":
            self.rollout.copy_text(key, key)
        else:
            self.rollout.copy_text(self.table.row_text(key), f"the row of {key}")

    def action_bulk(self) -> None:
        from rollout.tui.screens.forms import ChoiceScreen

        keys = self.table.marked_or_cursor()
        if not keys or self.rollout.refuse_read_only():
            return
        actions = self.bulk_actions(keys)
        what = f"{len(keys)} marked" if self.table.marked else keys[0]

        def chosen(index: int | None) -> None:
            if index is not None:
                actions[index][1]()

        self.app.push_screen(ChoiceScreen(f"Act on {what}", [label for label, _ in actions]), chosen)

    def bulk_actions(self, keys: list[str]) -> list[tuple[str, Callable[[], None]]]:
        """(label, start) for each action on several records of this pane."""
        return []


class RecordTable(DataTable[Any]):
    """A row-cursor table of records keyed by id, restyled from the .tcss through component classes.

    Its keys are the ones every list in the app shares: j/k, g/G (home/end), pageup/pagedown.
    """

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
    ]

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "record-table--critical",
        "record-table--done",
        "record-table--warning",
        "record-table--muted",
    }

    HELP_TITLE = "Lists"
    MARK = "●"

    def __init__(self, columns: Sequence[str], *, id: str | None = None, markable: bool = False) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.column_names = list(columns)
        self.markable = markable
        self.marked: set[str] = set()
        self.shown_keys: list[str] = []
        self.min_widths: dict[str, int] = {}  # column name -> at least this wide (the next fill on)

    def on_mount(self) -> None:
        if self.markable:
            self.add_column(" ", key="mark", width=1)
        for name in self.column_names:
            self.add_column(name, key=name)

    def _update_dimensions(self, new_rows: Any) -> None:
        # DataTable measures new rows when idle, which may come after they were first drawn at the
        # columns' old widths; its cached lines then keep those widths (cut titles, a clipped
        # header) until something else redraws. Drawn again once measured.
        super()._update_dimensions(new_rows)
        self._clear_caches()
        self.refresh()

    # -- marks ---------------------------------------------------------------------------
    def toggle_mark(self, key: str | None = None) -> None:
        """Mark or unmark a row (default: the cursor's)."""
        key = key if key is not None else self.cursor_key
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self.update_cell(key, "mark", self.MARK if key in self.marked else "")

    def mark_all(self) -> None:
        """Mark every row shown; when all are marked already, clear the marks."""
        shown = set(self.shown_keys)
        self.marked = set() if shown <= self.marked else self.marked | shown
        for key in self.shown_keys:
            self.update_cell(key, "mark", self.MARK if key in self.marked else "")

    def marked_or_cursor(self) -> list[str]:
        """The marked rows in table order, or the cursor's row when none is marked."""
        if self.marked:
            return [k for k in self.shown_keys if k in self.marked]
        return [self.cursor_key] if self.cursor_key else []

    def row_text(self, key: str) -> str:
        """A row as tab-separated text (for copying)."""
        cells = self.get_row(key)[1 if self.markable else 0 :]
        return "\t".join(str(cell) for cell in cells)

    def styled(self, text: str, name: str | None = None) -> Text:
        """A plain-text cell (never parsed as markup), optionally in one of this table's styles."""
        if name is None:
            return Text(text)
        style: Style = self.get_component_rich_style(f"record-table--{name}", partial=True)
        return Text(text, style=style)

    def action_first(self) -> None:
        self.move_cursor(row=0, animate=False)

    def action_last(self) -> None:
        self.move_cursor(row=max(self.row_count - 1, 0), animate=False)

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def select_key(self, key: str) -> bool:
        """Put the cursor on record `key`; False when it is not shown."""
        try:
            self.move_cursor(row=self.get_row_index(key), animate=False)
        except RowDoesNotExist:
            return False
        return True

    def fill(self, rows: Sequence[tuple[str, Sequence[Any]]], keep: str | None = None) -> None:
        """Replace the rows, keeping the cursor on record `keep` (default: the current one) if still there."""
        keep = keep if keep is not None else self.cursor_key
        index = self.cursor_row
        self.clear()
        for column in self.columns.values():
            # DataTable.clear keeps each column as wide as the widest cell it ever held: measured
            # afresh, columns fit the rows shown now (a narrower terminal, a shorter title).
            if column.auto_width:
                column.content_width = max(column.label.cell_len, self.min_widths.get(str(column.key.value), 0))
        self.shown_keys = [key for key, _ in rows]
        self.marked &= set(self.shown_keys)
        for key, cells in rows:
            mark = [self.MARK if key in self.marked else ""] if self.markable else []
            self.add_row(*mark, *cells, key=key)
        if not rows:
            return
        if keep is not None:
            with suppress(RowDoesNotExist):
                index = self.get_row_index(keep)
        self.move_cursor(row=min(index, len(rows) - 1), animate=False)


class OpenTable(RecordTable):
    """A RecordTable whose enter opens the row (its screen handles DataTable.RowSelected); the
    footer and `?` show it as Open."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="open")]
