"""Owners: each owner's open checklist work across regions; enter lists one owner's open items."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Input, Static

from rollout import agenda, handover, queries
from rollout.agenda import OwnerLoad
from rollout.errors import RolloutError
from rollout.identity import is_unassigned
from rollout.state import Record, State
from rollout.text import clip
from rollout.tui.guard import reported
from rollout.tui.screens.filtered import FilterBoxScreen
from rollout.tui.screens.forms import FormScreen
from rollout.tui.ticking import set_done
from rollout.tui.views import BLOCKED, keep_in_place
from rollout.tui.widgets.base import OpenTable, RecordTable, cli_text
from rollout.tui.widgets.form import Field

NOBODY = "(unassigned)"  # items without an owner: nobody, not a person (rollout.identity)
LISTED_REGIONS = 4


def owner_label(owner: str) -> str:
    return owner or NOBODY


def regions_text(regions: tuple[str, ...]) -> str:
    """'3: NL, PL, DE' with at most LISTED_REGIONS codes named."""
    named = ", ".join(regions[:LISTED_REGIONS]) + (", …" if len(regions) > LISTED_REGIONS else "")
    return f"{len(regions)}: {named}"


class FilteredScreen(FilterBoxScreen):
    """A screen of one RecordTable with a `/` filter: escape clears the filter, then goes back."""

    TABLE_ID = ""

    @property
    def table(self) -> RecordTable:
        return self.query_one(f"#{self.TABLE_ID}", RecordTable)

    def on_mount(self) -> None:
        self.refresh_data()
        self.table.focus()

    def refresh_data(self) -> None:
        raise NotImplementedError

    def matches(self, *texts: str) -> bool:
        words = self.filter_text.casefold().split()
        haystack = " ".join(texts).casefold()
        return all(word in haystack for word in words)

    def main_widget(self) -> Widget:
        return self.table


class OwnersScreen(FilteredScreen):
    """The workload table (rollout.agenda.owners), busiest first."""

    HELP_TITLE = "Owners"
    TABLE_ID = "owners"
    BINDINGS = [
        Binding("h", "handover", "Hand over", id="owners.handover"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[OwnerLoad] = []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "handover" and self.rollout.read_only:
            return False  # an edit: a read-only session does not offer it
        return super().check_action(action, parameters)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="owners-title")
        yield OpenTable(["OWNER", "OPEN", "LATE", "CRIT", "SOON", "REGIONS"], id="owners")
        yield Static(id="owner-detail")
        yield Input(placeholder="filter: owner or region code (esc clears)", id="filter")
        yield Footer()

    def refresh_data(self) -> None:
        snapshot = self.rollout.snapshot
        self.loads = agenda.owners(snapshot.state, snapshot.reference)
        table = self.table
        rows = []
        for load in self.loads:
            if not self.matches(owner_label(load.owner), *load.regions):
                continue
            rows.append(
                (
                    owner_label(load.owner),
                    [
                        table.styled(owner_label(load.owner)),
                        table.styled(str(load.open)),
                        table.styled(str(load.overdue) if load.overdue else "", "critical"),
                        table.styled(str(load.critical_open) if load.critical_open else "", "critical"),
                        table.styled(str(load.due_soon) if load.due_soon else ""),
                        table.styled(regions_text(load.regions)),
                    ],
                )
            )
        table.fill(rows)
        parts = [f"Owners · {len(self.loads)} with items open, busiest first"]
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}: {len(rows)} shown")
        # The legend on a line of its own: never cut at 80 columns.
        legend = f"LATE overdue, CRIT critical, SOON due in {agenda.SOON_DAYS} days"
        self.query_one("#owners-title", Static).update(Text(" · ".join(parts) + "\n" + legend))
        self._show_detail()

    def current(self) -> OwnerLoad | None:
        key = self.table.cursor_key
        return next((w for w in self.loads if owner_label(w.owner) == key), None) if key else None

    def _show_detail(self) -> None:
        load = self.current()
        text = "" if load is None else f"{owner_label(load.owner)} · regions: {', '.join(load.regions)}"
        self.query_one("#owner-detail", Static).update(Text(text))

    @on(DataTable.RowHighlighted, "#owners")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    @reported
    def action_open(self) -> None:
        load = self.current()
        if load is not None:
            self.app.push_screen(OwnerItemsScreen(load.owner))

    @reported
    def action_handover(self) -> None:
        """Hand over the highlighted owner's open items and regions (rollout.handover): the dialog
        previews what would move as you type (a dry run), saving is one change that undo reverts."""
        load = self.current()
        if load is None or self.rollout.refuse_read_only():
            return
        if is_unassigned(load.owner):
            self.notify("Unassigned items have no owner to hand over; edit them instead.", severity="warning")
            return
        self.app.push_screen(handover_form(self, load.owner))


def _selectors(values: dict[str, Any]) -> list[str]:
    return str(values.get("regions") or "").split()


def handover_form(screen: OwnersScreen, source: str) -> FormScreen:
    """The hand-over dialog of `source`: TO and the regions (selector words, empty: all), a live
    preview of what would move, Save hands over in one change."""

    def check(values: dict[str, Any]) -> str | None:
        target = str(values.get("to") or "")
        if is_unassigned(target):
            return None  # the preview asks for a name; not an error before anything is typed
        try:
            handover.check_names(source, target)
        except RolloutError as error:
            return str(error)
        return None

    def preview(values: dict[str, Any]) -> str:
        try:
            moving = handover.to_hand_over(screen.state, source, _selectors(values))
        except RolloutError as error:
            return str(error)
        target = str(values.get("to") or "").strip()
        return f"Would hand over {handover.describe(moving)}" + (
            f" to {target}." if target else "; type who takes them."
        )

    def save(form: FormScreen, values: dict[str, Any]) -> None:
        target, selectors = str(values["to"]).strip(), _selectors(values)

        def change(state: State) -> handover.HandOver:
            return handover.hand_over(state, source, target, selectors)

        outcome = screen.rollout.apply_edit(cli_text("handover", source, target, *selectors), change)
        if outcome.entry is not None:
            screen.notify(f"Handed over {handover.describe(outcome.value)} to {target} (u undoes).", timeout=5)

    fields = [
        Field("to", "To", "", placeholder="who takes over"),
        Field("regions", "Regions", "", placeholder="all, or codes / wave=N"),
    ]
    return FormScreen(f"Hand over the open work of {source}", fields, save, check=check, preview=preview)


class OwnerItemsScreen(FilteredScreen):
    """One owner's open items across regions (rollout.agenda.owner_items), overdue first; items
    ticked here stay listed, marked done, until the screen is left."""

    HELP_TITLE = "Owner's items"
    TABLE_ID = "owner-items"
    BINDINGS = [
        Binding("space", "toggle", "Tick", id="owner.toggle"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def __init__(self, owner: str) -> None:
        super().__init__()
        self.owner = owner
        self.ids: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="owner-items-title")
        yield OpenTable(["REGION", "ID", "OK", "!", "TITLE", "DUE"], id="owner-items")
        yield Static(id="owner-detail")
        yield Input(placeholder="filter: region, id or title (esc clears)", id="filter")
        yield Footer()

    def refresh_data(self) -> None:
        snapshot = self.rollout.snapshot
        state = snapshot.state
        fresh = [i["id"] for i in agenda.owner_items(state, self.owner, snapshot.reference)]
        # Items ticked while listed here (now done) keep their place; the rest follows the core's order.
        done = {i for i in self.ids if i in state.items and state.items[i]["status"] == "done"}
        self.ids = keep_in_place(fresh, self.ids, done)
        table = self.table
        rows = []
        late = 0
        for item_id in self.ids:
            item = state.items[item_id]
            tz = state.region(item["region"])["timezone"]
            done = item["status"] == "done"
            overdue = queries.is_overdue(item, tz, snapshot.reference)
            late += overdue
            if not self.matches(item["region"], item_id, item["title"]):
                continue
            box = "✓" if done else BLOCKED if queries.is_blocked(state, item) else "·"
            due = queries.due_display(item, self.rollout.zone_for(tz))
            rows.append(
                (
                    item_id,
                    [
                        table.styled(item["region"]),
                        table.styled(item_id),
                        table.styled(box, "done" if done else None),
                        table.styled("!" if item["critical"] else "", "critical"),
                        table.styled(clip(item["title"], 48), "muted" if done else None),
                        table.styled(due + (" late" if overdue else ""), "critical" if overdue else None),
                    ],
                )
            )
        table.fill(rows)
        parts = [f"{owner_label(self.owner)}: {len(fresh)} open items", f"{late} overdue"]
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}: {len(rows)} shown")
        keys = "space ticks · enter opens · esc back"
        self.query_one("#owner-items-title", Static).update(Text(" · ".join(parts) + "\n" + keys))
        self._show_detail()

    def current(self) -> Record | None:
        key = self.table.cursor_key
        return self.state.items.get(key) if key else None

    def _show_detail(self) -> None:
        item = self.current()
        if item is None:
            self.query_one("#owner-detail", Static).update("")
            return
        parts = [f"{item['region']} {item['id']}: {item['title']}"]
        blockers = queries.open_blockers(self.state, item) if item["status"] != "done" else []
        if blockers:
            parts.append("waits for " + queries.describe_items(blockers))
        self.query_one("#owner-detail", Static).update(Text(" · ".join(parts)))

    @on(DataTable.RowHighlighted, "#owner-items")
    def _highlighted(self) -> None:
        self._show_detail()

    @reported
    def action_toggle(self) -> None:
        item = self.current()
        if item is None:
            return
        done = item["status"] != "done"

        def applied(_outcome: Any) -> None:
            self.notify(f"{item['id']} {'done' if done else 'reopened'}: {item['title']}", timeout=3)

        set_done(self.rollout, item["region"], [item["id"]], done, applied)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    @reported
    def action_open(self) -> None:
        item = self.current()
        if item is not None:
            self.rollout.open_region(item["region"], "checklist", item["id"])
