"""The History tab: changes that touched this region, newest first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

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
                    table.styled(queries.describe_changes(entry), "muted" if "undoes" in entry else None),
                ],
            )
            for entry in entries
        ]
        # The newest entry comes first: a cursor on it stays on the newest as changes arrive.
        at_newest = table.cursor_row == 0
        table.fill(rows, keep=rows[0][0] if rows and at_newest else None)
        shown = f"the latest {HISTORY_LIMIT}" if len(entries) >= HISTORY_LIMIT else str(len(entries))
        self.query_one("#history-summary", Static).update(
            f"{shown} change(s) to {self.code}, newest first · u undoes the last change in the database"
        )
