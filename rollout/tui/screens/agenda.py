"""Agenda: what needs attention across regions (this week, overdue, or yours), ticked in place."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Input, Static

from rollout import agenda, queries
from rollout.agenda import AgendaEntry
from rollout.timeline import GLYPHS, LAUNCH, PROMOTION
from rollout.tui.guard import reported
from rollout.tui.screens.filtered import FilterBoxScreen
from rollout.tui.ticking import set_done
from rollout.tui.views import BLOCKED, keep_in_place
from rollout.tui.widgets.base import OpenTable, RecordTable

# What `f` cycles through: (name, title, days, only the user's).
MODES = (
    ("week", "this week (today and the next 6 days)", agenda.DEFAULT_DAYS, False),
    ("overdue", "overdue items", 0, False),
    ("mine", "mine this week", agenda.DEFAULT_DAYS, True),
)
WHAT = {
    agenda.LAUNCH: GLYPHS[LAUNCH] + " ",
    agenda.PROMO_START: GLYPHS[PROMOTION] + " starts: ",
    agenda.PROMO_END: GLYPHS[PROMOTION] + " ends: ",
}


def entry_key(entry: AgendaEntry) -> str:
    """A row key unique in the agenda: a promotion has a start and an end entry."""
    return f"{entry.kind}:{entry.id}"


def when_text(entry: AgendaEntry) -> str:
    """'5d late', 'late today' (a timed due passed earlier today), or 'Tue 24 Nov 17:00'."""
    if entry.overdue:
        return f"{entry.days_overdue}d late" if entry.days_overdue else "late today"
    return f"{entry.day:%a %d %b}" + (f" {entry.time}" if entry.time else "")


def keep_ticked(entries: list[AgendaEntry], previous: list[AgendaEntry], kept: set[str]) -> list[AgendaEntry]:
    """`entries` with the previous entries whose keys are in `kept` put back where they were
    (views.keep_in_place): items ticked on this screen stay on it, marked done."""
    by_key = {entry_key(e): e for e in previous} | {entry_key(e): e for e in entries}
    keys = keep_in_place([entry_key(e) for e in entries], [entry_key(e) for e in previous], kept)
    return [by_key[key] for key in keys]


class AgendaScreen(FilterBoxScreen):
    HELP_TITLE = "Agenda"
    BINDINGS = [
        Binding("space", "toggle", "Tick", id="agenda.toggle"),
        Binding("f", "cycle_mode", "Show", id="agenda.show"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mode = MODES[0][0]
        self.entries: list[AgendaEntry] = []
        self.kept: set[str] = set()  # items ticked here: they stay listed, marked done

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="agenda-title")
        yield OpenTable(["WHEN", "OK", "REGION", "ID", "!", "WHAT", "OWNER"], id="agenda")
        yield Static(id="agenda-detail")
        yield Input(placeholder="filter: words in any column (esc clears)", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.table.focus()

    @property
    def table(self) -> RecordTable:
        return self.query_one("#agenda", RecordTable)

    def compute(self) -> list[AgendaEntry]:
        """The core's agenda for the mode shown, at the loaded data's instant."""
        _name, _title, days, mine = next(m for m in MODES if m[0] == self.mode)
        snapshot = self.rollout.snapshot
        owner = self.rollout.session.user if mine else None
        return agenda.agenda(snapshot.state, days=days, owner=owner, reference=snapshot.reference)

    def refresh_data(self) -> None:
        fresh = self.compute()
        self.entries = keep_ticked(fresh, self.entries, self.kept) if self.kept else fresh
        shown = [e for e in self.entries if self._matches(e)]
        state = self.state
        table = self.table
        rows = []
        for entry in shown:
            item = state.items.get(entry.id) if entry.kind == agenda.ITEM else None
            done = item is not None and item["status"] == "done"
            box = (
                "✓"
                if done
                else BLOCKED
                if item is not None and queries.is_blocked(state, item)
                else "·"
                if item
                else ""
            )
            rows.append(
                (
                    entry_key(entry),
                    [
                        table.styled(when_text(entry), "critical" if entry.overdue and not done else None),
                        table.styled(box, "done" if done else None),
                        table.styled(entry.region),
                        table.styled(entry.id),
                        table.styled("!" if entry.critical else "", "critical"),
                        table.styled(WHAT.get(entry.kind, "") + entry.title, "muted" if done else None),
                        table.styled(entry.owner or "-"),
                    ],
                )
            )
        table.fill(rows)
        self._show_title(len(shown))
        self._show_detail()

    def _matches(self, entry: AgendaEntry) -> bool:
        words = self.filter_text.casefold().split()
        text = " ".join((when_text(entry), entry.region, entry.id, entry.title, entry.owner, entry.kind)).casefold()
        return all(word in text for word in words)

    def _show_title(self, shown: int) -> None:
        title = next(m[1] for m in MODES if m[0] == self.mode)
        overdue = sum(1 for e in self.entries if e.overdue and e.kind == agenda.ITEM and entry_key(e) not in self.kept)
        parts = [f"Agenda · {title}", f"{len(self.entries)} entries", f"{overdue} overdue"]
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}: {shown} shown")
        # The keys on a line of their own: never cut at 80 columns.
        self.query_one("#agenda-title", Static).update(Text(" · ".join(parts) + "\nf: week, overdue, mine"))

    def current(self) -> AgendaEntry | None:
        key = self.table.cursor_key
        return next((e for e in self.entries if entry_key(e) == key), None) if key else None

    def _show_detail(self) -> None:
        entry = self.current()
        detail = self.query_one("#agenda-detail", Static)
        if entry is None:
            detail.update("Nothing needs attention here." if not self.filter_text else "")
            return
        parts = [f"{entry.region} {entry.id}: {entry.title}"]
        if entry.kind == agenda.ITEM:
            item = self.state.items.get(entry.id)
            parts.append(f"due {entry.day.isoformat()}" + (f" {entry.time}" if entry.time else ""))
            if item is not None:
                blockers = queries.open_blockers(self.state, item) if item["status"] != "done" else []
                if blockers:
                    parts.append("waits for " + queries.describe_items(blockers))
                if item["status"] == "done":
                    parts.append(f"done by {item.get('done_by') or '-'} (space reopens)")
        else:
            parts.append(entry.day.isoformat() + (f" {entry.time}" if entry.time else ""))
        parts.append(f"owner {entry.owner or '-'}")
        detail.update(Text(" · ".join(parts)))

    @on(DataTable.RowHighlighted, "#agenda")
    def _highlighted(self) -> None:
        self._show_detail()

    # -- actions -------------------------------------------------------------------------
    @reported
    def action_toggle(self) -> None:
        """Tick the item under the cursor (or reopen one ticked here) and keep it listed."""
        entry = self.current()
        if entry is None:
            return
        if entry.kind != agenda.ITEM:
            self.notify("Only checklist items are ticked; enter opens this one's region.", timeout=3)
            return
        item = self.state.items.get(entry.id)
        if item is None:
            return
        done = item["status"] != "done"
        key = entry_key(entry)

        def applied(_outcome: Any) -> None:
            self.notify(f"{entry.id} {'done' if done else 'reopened'}: {entry.title}", timeout=3)

        # Kept before the change: the reload it sets off must already leave the row where it is.
        self.kept.add(key)
        set_done(self.rollout, entry.region, [entry.id], done, applied)

    def action_cycle_mode(self) -> None:
        names = [m[0] for m in MODES]
        self.mode = names[(names.index(self.mode) + 1) % len(names)]
        self.kept.clear()
        self.entries = []
        self.refresh_data()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    @reported
    def action_open(self) -> None:
        entry = self.current()
        if entry is None:
            return
        if entry.kind == agenda.ITEM:
            self.rollout.open_region(entry.region, "checklist", entry.id)
        elif entry.kind == agenda.LAUNCH:
            self.rollout.open_region(entry.region, "overview")
        else:
            self.rollout.open_region(entry.region, "promotions", entry.id)

    def main_widget(self) -> Widget:
        return self.table
