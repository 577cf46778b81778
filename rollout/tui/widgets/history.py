"""The History tab: changes that touched this region, newest first; enter opens one whole."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from rollout import queries, times
from rollout.tui.widgets.base import RecordTable, TablePane

HISTORY_LIMIT = 500


class HistoryPane(TablePane):
    TABLE_ID = "history-entries"

    def __init__(self, code: str) -> None:
        super().__init__(code, id="history-pane")

    def compose(self) -> ComposeResult:
        yield Static(id="history-summary")
        yield RecordTable(["#", "AT", "USER", "COMMAND", "CHANGES"], id="history-entries")

    def refresh_data(self) -> None:
        entries = queries.history(self.state, self.code, HISTORY_LIMIT)
        shown_tz = self.rollout.zone_for(self.region_record["timezone"])
        table = self.table
        rows = [
            (
                str(entry["id"]),
                [
                    table.styled(f"#{entry['id']}"),
                    table.styled(times.local_display(entry["at"], shown_tz)),
                    table.styled(entry["user"]),
                    table.styled(entry["command"]),
                    table.styled(
                        queries.describe_changes(entry), "muted" if "undoes" in entry or "redoes" in entry else None
                    ),
                ],
            )
            for entry in entries
        ]
        # The newest entry comes first: a cursor on it stays on the newest as changes arrive.
        at_newest = table.cursor_row == 0
        table.fill(rows, keep=rows[0][0] if rows and at_newest else None)
        shown = f"the latest {HISTORY_LIMIT}" if len(entries) >= HISTORY_LIMIT else str(len(entries))
        self.query_one("#history-summary", Static).update(
            f"{shown} change(s) to {self.code}, newest first · times in {shown_tz} · enter opens one · L: every region's history"
        )

    @on(DataTable.RowSelected, "#history-entries")
    def _open_entry(self, event: DataTable.RowSelected) -> None:
        from rollout.tui.screens.history import EntryScreen

        if event.row_key.value is not None:
            self.app.push_screen(EntryScreen(int(event.row_key.value)))
