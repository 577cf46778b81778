"""Shared pieces of the region panes: access to the loaded data, a record table, command text."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
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
    from rollout.tui.app import RolloutApp


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
    """Mixin for widgets and screens: the running RolloutApp and its loaded state."""

    @property
    def rollout(self) -> RolloutApp:
        return cast("RolloutApp", self.app)  # type: ignore[attr-defined]

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


class TablePane(RegionPane):
    """A pane whose keys work on one RecordTable (id TABLE_ID): drawn when mounted, focused first."""

    TABLE_ID = ""

    @property
    def table(self) -> RecordTable:
        return self.query_one(f"#{self.TABLE_ID}", RecordTable)

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_main(self) -> None:
        self.table.focus()


class RecordTable(DataTable[Any]):
    """A row-cursor table of records keyed by id, restyled from the .tcss through component classes.

    Its keys are the ones every list in the app shares: j/k, g/G (home/end), pageup/pagedown.
    """

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
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

    def __init__(self, columns: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.column_names = list(columns)

    def on_mount(self) -> None:
        self.add_columns(*self.column_names)

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
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if not rows:
            return
        if keep is not None:
            with suppress(RowDoesNotExist):
                index = self.get_row_index(keep)
        self.move_cursor(row=min(index, len(rows) - 1), animate=False)
