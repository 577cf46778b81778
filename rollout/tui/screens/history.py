"""History: every change across all regions, newest first, filterable, with undo and redo of the
chosen entry; and one entry opened whole, field by field.

The list is read a page at a time (history_view.HistoryFeed); reaching its end reads the next page.
Whether each change is undone, and the selected entry's changes, are read in worker threads, so a
database with 100,000 changes opens and scrolls as fast as a new one.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from rollout.backends.base import Entry, HistoryLog
from rollout.errors import RolloutError
from rollout.history_view import (
    FieldRow,
    HistoryFeed,
    HistoryFilter,
    at_text,
    changes_text,
    field_rows,
    parse_filter,
    status_text,
)
from rollout.text import clip, display_width
from rollout.tui.guard import live, reported
from rollout.tui.host import local_zone_name
from rollout.tui.widgets.base import RecordTable, RolloutNode
from rollout.undo import Timeline, kind_of

USER_WIDTH = 10
LOOKAHEAD = 5  # rows before the end of what is loaded at which the next page is read
DETAIL_ROWS = 4  # field rows the History screen shows under the list; Enter shows them all
ENTRY_ROWS = 2000  # an entry opened whole shows at most this many field rows


class HistoryTable(RecordTable):
    """The list of entries: enter opens the one under the cursor."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="open")]


class FieldTable(RecordTable):
    """An entry's fields: enter opens the record of the one under the cursor."""

    BINDINGS = [Binding("enter", "select_cursor", "Open record", id="open")]


def column_widths(width: int, headers: list[Entry]) -> tuple[int, int]:
    """(COMMAND, CHANGES) cell widths that fit a terminal `width` columns wide beside #, AT and USER
    as wide as `headers` (the rows loaded first) need them."""
    id_width = len(f"#{headers[0]['id']}") if headers else 2
    user_width = min(max((display_width(h.get("user", "")) for h in headers), default=4), USER_WIDTH)
    room = max(width - id_width - len("2026-11-24 09:00") - max(user_width, len("USER")) - 12, 24)
    command = max(room * 9 // 20, 12)
    return command, max(room - command, 12)


def shown_zone(node: RolloutNode) -> str:
    """History spans regions: times in your zone, or UTC when the screen shows UTC (z switches)."""
    return "UTC" if node.rollout.times == "utc" else local_zone_name()


def record_zone(node: RolloutNode, region: str | None) -> str:
    """The zone a record's instants are shown in (its region's, per the z setting)."""
    record = node.state.regions.get(region or "")
    return node.rollout.zone_for(record["timezone"]) if record else shown_zone(node)


class HistoryScreen(RolloutNode, Screen[None]):
    HELP_TITLE = "History"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("t", "today", "Today", id="history.today"),
        Binding("u", "undo_entry", "Undo it", id="history.undo"),
        Binding("ctrl+r", "redo_entry", "Redo it", id="history.redo"),
        Binding("y", "copy('id')", "Copy id", show=False, id="copy"),
        Binding("Y", "copy('row')", "Copy row", show=False, id="copy.row"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def __init__(self, history_filter: HistoryFilter | None = None) -> None:
        super().__init__()
        self.filter = history_filter or HistoryFilter()
        self.headers: list[Entry] = []
        self.feed: HistoryFeed | None = None
        self.timeline: Timeline | None = None
        self.loaded_from: tuple[int, str] | None = None  # (newest id, zone) the rows were read with
        self.entries: dict[int, Entry] = {}  # full entries read for the detail, by id (a few)
        self.widths = column_widths(80, [])

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="history-title")
        yield HistoryTable(["#", "AT", "USER", "COMMAND", "CHANGES"], id="history-table")
        yield Static(id="history-detail")
        yield Input(
            placeholder="today, ops, PL, region=PL user=ops command='check done' day=2026-11-24", id="history-filter"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.table.focus()

    @property
    def table(self) -> RecordTable:
        return self.query_one("#history-table", RecordTable)

    @property
    def history_log(self) -> HistoryLog:
        return self.state.history

    # -- reading -------------------------------------------------------------------------
    def load(self, keep: int | None = None) -> None:
        """Read the first pages again (as many rows as were shown), keeping the cursor on its entry."""
        table = self.table
        cursor = table.cursor_key
        wanted = max(len(self.headers), 1)
        zone = shown_zone(self)
        self.feed = HistoryFeed(self.history_log, self.filter, zone)
        self.timeline = Timeline(self.history_log)
        self.headers = []
        while len(self.headers) < wanted and self.feed.more:
            self.headers += self.feed.next_page()
        self.widths = column_widths(self.app.size.width, self.headers)
        self.loaded_from = (self.history_log.last_id(), zone)
        table.fill([(str(h["id"]), self.cells(h)) for h in self.headers], keep=cursor if keep is None else str(keep))
        table.empty_text = "No change matches."
        self.show_title()
        self.read_statuses()
        self.show_detail()

    def load_more(self) -> None:
        if self.feed is None or not self.feed.more:
            return
        page = self.feed.next_page()
        table = self.table
        for header in page:
            table.add_row(*self.cells(header), key=str(header["id"]))
            table.shown_keys.append(str(header["id"]))
        self.headers += page
        self.show_title()
        self.read_statuses()

    def refresh_data(self) -> None:
        """The app reloaded the database: read again if history grew or the time zone changed."""
        if self.loaded_from != (self.history_log.last_id(), shown_zone(self)):
            self.load()

    def cells(self, header: Entry) -> list[Text]:
        table = self.table
        timeline = self.timeline
        assert timeline is not None
        changes = changes_text(header, timeline)
        quiet = kind_of(header) != "change" or changes.startswith("undone")
        zone = shown_zone(self)
        command_width, changes_width = self.widths
        return [
            table.styled(f"#{header['id']}"),
            table.styled(at_text(header, zone)),
            table.styled(clip(header.get("user", ""), USER_WIDTH)),
            table.styled(clip(header.get("command", ""), command_width)),
            table.styled(clip(changes, changes_width), "muted" if quiet else None),
        ]

    def on_resize(self) -> None:
        if column_widths(self.size.width, self.headers) != self.widths:
            self.load()

    @work(thread=True, exclusive=True, group="history-status")
    def read_statuses(self) -> None:
        """Read history (in this thread) down to the oldest row shown, so each row can say whether it
        was undone; then redraw those cells."""
        timeline = self.timeline
        if timeline is None or not self.headers:
            return
        oldest = self.headers[-1]["id"]
        if timeline.covers(oldest):
            return
        try:
            timeline.read_down_to(oldest)
        except RolloutError:
            return
        self.app.call_from_thread(self._statuses_read, timeline)

    def _statuses_read(self, timeline: Timeline) -> None:
        if timeline is not self.timeline or not live(self):
            return
        table = self.table
        for header in self.headers:
            if kind_of(header) == "change":
                table.update_cell(str(header["id"]), "CHANGES", self.cells(header)[-1], update_width=True)
        self.show_detail()

    # -- the selected entry ----------------------------------------------------------------
    @property
    def selected(self) -> Entry | None:
        key = self.table.cursor_key
        return next((h for h in self.headers if str(h["id"]) == key), None) if key else None

    def show_title(self) -> None:
        total = self.history_log.count()
        shown = f"{len(self.headers)} shown" + (", more below" if self.feed is not None and self.feed.more else "")
        where = f"filter {self.filter}" if str(self.filter) else "all regions"
        self.query_one("#history-title", Static).update(
            f"History · {where} · {shown} of {total} · times in {shown_zone(self)} · / filters, t today"
        )

    def show_detail(self) -> None:
        header = self.selected
        detail = self.query_one("#history-detail", Static)
        if header is None:
            detail.update("")
            return
        assert self.timeline is not None
        status = status_text(header, self.timeline) or "…"
        lines = [
            f"#{header['id']} {header.get('user', '')} · {at_text(header, shown_zone(self))} · {status}",
            header.get("command", ""),
        ]
        entry = self.entries.get(header["id"])
        if entry is None:
            self.read_entry(header["id"], self.history_log)
            lines.append("…")
        else:
            rows = field_rows(entry, lambda region: record_zone(self, region), shown_zone(self))
            lines += [row_text(row) for row in rows[:DETAIL_ROWS]]
            if len(rows) > DETAIL_ROWS:
                lines.append(f"… {len(rows) - DETAIL_ROWS} more (enter shows them all)")
            elif not rows:
                lines.append(" ".join(entry.get("notes", [])) or "no record changed")
        detail.update(Text("\n".join(lines)))

    @work(thread=True, exclusive=True, group="history-detail")
    def read_entry(self, entry_id: int, log: HistoryLog) -> None:
        try:
            entry = log.entry(entry_id)
        except RolloutError:
            return
        self.app.call_from_thread(self._entry_read, entry)

    def _entry_read(self, entry: Entry) -> None:
        if len(self.entries) > 32:
            self.entries.clear()
        self.entries[entry["id"]] = entry
        if live(self) and self.selected is not None and self.selected["id"] == entry["id"]:
            self.show_detail()

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.table.row_count - LOOKAHEAD:
            self.load_more()
        self.show_detail()

    @on(DataTable.RowSelected, "#history-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    # -- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.rollout.check_action(action, parameters)

    def action_open(self) -> None:
        header = self.selected
        if header is not None:
            self.app.push_screen(EntryScreen(header["id"]))

    @reported
    def action_undo_entry(self) -> None:
        if self.selected is not None:
            self.rollout.act_on_entry("undo", self.selected["id"], self.timeline)

    @reported
    def action_redo_entry(self) -> None:
        if self.selected is not None:
            self.rollout.act_on_entry("redo", self.selected["id"], self.timeline)

    def action_copy(self, what: str) -> None:
        key = self.table.cursor_key
        if key is not None:
            text = f"#{key}" if what == "id" else self.table.row_text(key)
            self.rollout.copy_text(text, f"#{key}" if what == "id" else f"the row of #{key}")

    def action_filter(self) -> None:
        box = self.query_one("#history-filter", Input)
        box.value = str(self.filter)
        box.add_class("-active")
        box.focus()

    @on(Input.Submitted, "#history-filter")
    @reported
    def _filter_submitted(self, event: Input.Submitted) -> None:
        from rollout.tui.screens.calendar import local_today

        try:
            wanted = parse_filter(
                event.value, regions=self.state.regions, me=self.rollout.session.user, today=local_today()
            )
        except RolloutError as error:
            self.notify(str(error), severity="error", title="Filter")
            return
        self._close_filter()
        self.set_filter(wanted)

    def set_filter(self, wanted: HistoryFilter) -> None:
        self.filter = wanted
        self.headers = []
        self.load()
        self.table.move_cursor(row=0, animate=False)
        self.show_detail()

    def _close_filter(self) -> None:
        box = self.query_one("#history-filter", Input)
        box.remove_class("-active")
        self.table.focus()

    def action_today(self) -> None:
        from dataclasses import replace

        from rollout.tui.screens.calendar import local_today

        today = local_today()
        self.set_filter(replace(self.filter, day=None if self.filter.day == today else today))

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self._close_filter()
            return
        if str(self.filter):
            self.set_filter(HistoryFilter())
            return
        if self.app.screen is self:
            self.app.pop_screen()


def row_text(row: FieldRow) -> str:
    if not row.field:
        return f"{row.label}: {'added' if row.after == 'added' else 'removed'}"
    return f"{row.label} · {row.field}: {row.before} → {row.after}"


class EntryScreen(RolloutNode, Screen[None]):
    """One history entry whole: every record it changed, field by field, before and after."""

    HELP_TITLE = "History entry"
    BINDINGS = [
        Binding("u", "undo_entry", "Undo it", id="history.undo"),
        Binding("ctrl+r", "redo_entry", "Redo it", id="history.redo"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def __init__(self, entry_id: int) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.rows: list[FieldRow] = []
        self.status: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="entry-title")
        yield FieldTable(["RECORD", "FIELD", "BEFORE", "AFTER"], id="entry-fields")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(RecordTable).focus()

    def refresh_data(self) -> None:
        entry = self.state.history.entry(self.entry_id)
        self.rows = field_rows(entry, lambda region: record_zone(self, region), shown_zone(self))
        table = self.query_one(RecordTable)
        shown = self.rows[:ENTRY_ROWS]
        table.fill(
            [
                (
                    str(i),
                    [
                        table.styled(r.label),
                        table.styled(r.field or "(record)"),
                        table.styled(r.before),
                        table.styled(r.after),
                    ],
                )
                for i, r in enumerate(shown)
            ]
        )
        table.empty_text = "This entry changed no record."
        self.show_title(entry)
        self.read_status(entry, self.state.history)

    def show_title(self, entry: Entry) -> None:
        more = f" · the first {ENTRY_ROWS} of {len(self.rows)} fields" if len(self.rows) > ENTRY_ROWS else ""
        notes = f" [{'; '.join(entry['notes'])}]" if entry.get("notes") else ""
        status = self.status or "…"
        self.query_one("#entry-title", Static).update(
            Text(
                f"#{entry['id']} {entry.get('user', '')} · {at_text(entry, shown_zone(self))} · {status}{more}\n"
                f"{entry.get('command', '')}{notes}"
            )
        )

    @work(thread=True, exclusive=True, group="entry-status")
    def read_status(self, entry: Entry, log: HistoryLog) -> None:
        try:
            timeline = Timeline(log)
            timeline.read_down_to(entry["id"])
        except RolloutError:
            return
        self.app.call_from_thread(self._status_read, entry, status_text(entry, timeline))

    def _status_read(self, entry: Entry, status: str | None) -> None:
        if live(self):
            self.status = status
            self.show_title(entry)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.rollout.check_action(action, parameters)

    @on(DataTable.RowSelected, "#entry-fields")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        key = self.query_one(RecordTable).cursor_key
        if key is None:
            return
        row = self.rows[int(key)]
        if row.region is None or row.region not in self.state.regions:
            self.notify(f"{row.label} is no longer in the database", severity="warning")
            return
        tab = {"regions": "overview", "items": "checklist", "promotions": "promotions"}[row.table]
        exists = row.key in self.state.tables[row.table]
        self.rollout.open_region(row.region, tab, row.key if exists and row.table != "regions" else None)

    @reported
    def action_undo_entry(self) -> None:
        self.rollout.act_on_entry("undo", self.entry_id)

    @reported
    def action_redo_entry(self) -> None:
        self.rollout.act_on_entry("redo", self.entry_id)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()
