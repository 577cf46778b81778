"""The Checklist tab: tick, add, edit and delete a region's readiness items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from rollout import model, ops, queries, schema, times
from rollout.errors import StaleEdit
from rollout.identity import same_person
from rollout.state import Record, State
from rollout.text import clip, display_width
from rollout.tui.bulk import Change, commands_text, confirm_change, form_then_confirm
from rollout.tui.guard import reported
from rollout.tui.notes import add_note, notes_line
from rollout.tui.screens.forms import ConfirmScreen, FormScreen, field_error
from rollout.tui.session import Outcome
from rollout.tui.ticking import set_done
from rollout.tui.views import BLOCKED, readiness_bar
from rollout.tui.widgets.base import EDIT_BINDINGS, MARK_BINDINGS, RecordTable, TablePane, cli_text, when_text
from rollout.tui.widgets.form import WHEN_SHORT, Field

ITEM_FIELDS = ("title", "category", "due", "owner", "critical", "after")
# What `f` cycles through: every item, then only the open, critical, overdue or my items.
SHOWS = ("all", "open", "critical", "overdue", "mine")
SHOW_LABELS = {"critical": "open critical"}  # what the progress line calls a filter, where the name is short
OWNER_WIDTH = 14
AFTER_WIDTH = 12


class ChecklistPane(TablePane):
    HELP_TITLE = "Checklist"
    TABLE_ID = "items"
    RECORDS = "items"
    BINDINGS = [
        Binding("space", "toggle", "Tick", id="check.toggle"),
        *EDIT_BINDINGS,
        Binding("f", "cycle_filter", "Show", id="check.filter"),
        *MARK_BINDINGS,
    ]

    def __init__(self, code: str, focus_key: str | None = None) -> None:
        super().__init__(code, id="checklist-pane")
        self.focus_key = focus_key
        self._filled = False
        self.show_only = "all"

    def compose(self) -> ComposeResult:
        yield Static(id="progress")
        # Title last but one and cut to the room left, so owner and due always show (80 columns too).
        yield RecordTable(["ID", "OK", "!", "TITLE", "OWNER", "DUE", "AFTER", "CATEGORY"], id="items", markable=True)
        yield Static(id="item-detail")

    def shown(self, item: Record, reference: datetime) -> bool:
        """Whether the item passes the `f` filter."""
        rule = self.show_only
        return (
            rule == "all"
            or (rule == "open" and item["status"] != "done")
            or (rule == "critical" and item["critical"] and item["status"] != "done")
            or (rule == "overdue" and self.overdue(item, reference))
            or (rule == "mine" and same_person(item["owner"], self.rollout.session.user))
        )

    def on_resize(self) -> None:
        if self.is_mounted:
            self.call_after_refresh(self.refresh_data)

    def overdue(self, item: Record, reference: datetime) -> bool:
        """An open item past its due (the core's rule: a due day ends at the region's next local midnight)."""
        tz = self.region_record["timezone"]
        return queries.is_overdue(item, tz, reference)

    def action_cycle_filter(self) -> None:
        self.show_only = SHOWS[(SHOWS.index(self.show_only) + 1) % len(SHOWS)]
        self.refresh_data()

    def refresh_data(self) -> None:
        state, code = self.state, self.code
        tz = self.rollout.zone_for(self.region_record["timezone"])
        reference = times.now()
        every = queries.checklist(state, code)
        items = [i for i in every if self.shown(i, reference)]
        table = self.table
        cells = []
        for item in items:
            done = item["status"] == "done"
            due = queries.due_display(item, tz)
            overdue = self.overdue(item, reference)
            box = "✓" if done else BLOCKED if queries.is_blocked(state, item) else "·"
            if item.get("not_applicable"):
                box = "n/a"  # not applicable to the region: counts for nothing (rollout.schema.counts)
            cells.append(
                (
                    item,
                    done,
                    overdue,
                    [item["id"], box, "!" if item["critical"] else ""],
                    [clip(item["owner"] or "-", OWNER_WIDTH), due + (" late" if overdue else ""), item["category"]],
                )
            )
        headers = (("ID", "OK", "!"), ("OWNER", "DUE"))  # CATEGORY comes last: it may be cut
        fixed = sum(
            max([len(name), *(display_width(c[part][i]) for c in cells)]) + 2  # DataTable pads each cell by one
            for part, names in ((3, headers[0]), (4, headers[1]))
            for i, name in enumerate(names)
        )
        title_width = max(self.size.width - fixed - 3 - 2 - 2, 12)  # mark column, title padding, scrollbar
        table.min_widths["TITLE"] = self._title_room(cells, fixed, title_width)
        rows = []
        for item, done, overdue, (ident, box, crit), (owner, due, category) in cells:
            after = ",".join(item.get("after") or ())
            rows.append(
                (
                    item["id"],
                    [
                        table.styled(ident),
                        table.styled(box, "done" if done else None),
                        table.styled(crit, "critical"),
                        table.styled(clip(item["title"], title_width), "muted" if done else None),
                        table.styled(owner),
                        table.styled(due, "critical" if overdue else None),
                        table.styled(clip(after, AFTER_WIDTH), "warning" if box == BLOCKED else None),
                        table.styled(category),
                    ],
                )
            )
        keep = None
        if not self._filled:
            # First show: the requested item, else the first open one (what needs doing).
            first_open = next((i["id"] for i in items if i["status"] != "done"), None)
            keep = self.focus_key or first_open
            self._filled = True
        table.fill(rows, keep=keep)
        self._show_progress(every, len(items))
        self._show_detail()

    def _title_room(self, cells: list[Any], fixed: int, title_width: int) -> int:
        """How wide TITLE is drawn: its longest shown title, widened so that the column after DUE
        the right edge would cut (AFTER, CATEGORY) starts past the edge, not as a clipped 'A'."""
        titles = max([len("TITLE"), *(min(display_width(c[0]["title"]), title_width) for c in cells)])
        table = self.table
        scrollbar = 2 if len(cells) + 2 > table.size.height else 0  # rows, header and a horizontal scrollbar
        room = self.size.width - 3 - scrollbar  # less the mark column
        used = fixed + titles + 2
        after = max(
            [len("AFTER"), *(min(display_width(",".join(c[0].get("after") or ())), AFTER_WIDTH) for c in cells)]
        )
        category = max([len("CATEGORY"), *(display_width(c[4][2]) for c in cells)])
        for width in (after + 2, category + 2):
            if used + width > room:
                return titles + max(room - used, 0)
            used += width
        return titles

    def _show_progress(self, items: list[Record], shown: int) -> None:
        done, total, critical = self.state.checklist_counts(self.code)  # not-applicable items left out
        percent = queries.readiness(self.state, self.code)
        filled, empty = readiness_bar(percent, 10)
        text = f"{filled}{empty} {percent}% · {done}/{total} done · {critical} critical open"
        label = SHOW_LABELS.get(self.show_only, self.show_only)
        text += f" · f shows: {label}" + (f" ({shown})" if self.show_only != "all" else "")
        self.query_one("#progress", Static).update(text)

    def _show_detail(self) -> None:
        item = self.current()
        detail = self.query_one("#item-detail", Static)
        if item is None:
            detail.update("No checklist items. a adds one.")
            return
        tz = self.rollout.zone_for(self.region_record["timezone"])
        parts = [f"{item['id']}: {item['title']}"]
        if item["critical"]:
            parts.append("critical (gates launch)" if schema.counts(item) else "critical (not gating: not applicable)")
        if item["status"] == "done":
            parts.append(f"done {times.local_display(item.get('done_at'), tz)} by {item.get('done_by') or '-'}")
        elif item.get("due"):
            parts.append(f"due {times.local_display(item['due'], tz)}")
        parts += dependency_notes(self.state, item)
        if item.get("not_applicable"):
            parts.append(f"not applicable: {item['not_applicable']}")
        noted = notes_line(item, tz)
        detail.update(Text(" · ".join(parts) + (f"\n{noted}" if noted else "")))

    @on(DataTable.RowHighlighted, "#items")
    def _highlighted(self) -> None:
        self._show_detail()

    # -- actions -----------------------------------------------------------------------
    @reported
    def action_toggle(self) -> None:
        """Tick or reopen the item under the cursor; a tick of a blocked item asks to force it."""
        item = self.current()
        if item is None or self.rollout.refuse_read_only():
            return
        done = item["status"] != "done"

        def applied(outcome: Outcome[Any]) -> None:
            if outcome.value:
                self.notify(f"{item['id']} {'done' if done else 'reopened'}: {item['title']}", timeout=3)

        set_done(self.rollout, self.code, [item["id"]], done, applied)

    @reported
    def action_note(self) -> None:
        item = self.current()
        if item is not None:
            add_note(self.rollout, "items", item["id"])

    def _fields(self, item: Record | None) -> list[Field]:
        tz = self.region_record["timezone"]

        def due_check(text: str) -> None:
            if text.strip():
                times.parse_when(text, tz)

        values = item_form_values(item, tz) if item else {"category": "other", "critical": False}
        return [
            Field("title", "Title", values.get("title", ""), lambda t: model.required_text("title", t)),
            Field("category", "Category", values["category"], kind="select", options=model.CATEGORIES),
            Field("due", "Due", values.get("due", ""), due_check, placeholder=WHEN_SHORT),
            Field("owner", "Owner", values.get("owner", ""), placeholder=self.region_record["owner"] or ""),
            Field("critical", "Critical", values["critical"], kind="check", placeholder="critical: gates the launch"),
            Field("after", "After", values.get("after", ""), model.item_ids, placeholder="ids it waits for: c10,c11"),
        ]

    @reported
    def action_add(self) -> None:
        if self.rollout.refuse_read_only():
            return
        code = self.code

        def save(form: FormScreen, values: dict[str, Any]) -> None:
            options = {
                "category": values["category"],
                "due": values["due"].strip() or None,
                "owner": values["owner"].strip() or None,
                "critical": values["critical"] or None,
            }
            after = values["after"].strip() or None
            command = cli_text("check", "add", code, values["title"], **options, after=after)

            def change(state: State) -> list[Record]:
                (created,) = ops.add_items(state, [code], values["title"], **options)
                if after is not None:  # the core's verdict on the ids shows under their field
                    with field_error("after"):
                        created = ops.edit_item(state, code, created["id"], after=after)
                return [created]

            outcome = self.rollout.apply_edit(command, change)
            created = outcome.value[0]
            self.select(created["id"])
            self.notify(f"Added {created['id']}: {created['title']}", timeout=3)

        self.app.push_screen(FormScreen(f"Add a checklist item to {code}", self._fields(None), save))

    @reported
    def action_edit(self) -> None:
        item = self.current()
        if item is None or self.rollout.refuse_read_only():
            return
        code, item_id = self.code, item["id"]
        tz = self.region_record["timezone"]
        form = FormScreen(
            f"Edit {item_id} in {code}",
            self._fields(item),
            lambda form, changed: self._save_edit(form, code, item_id, changed),
            baseline=item_form_values(item, tz),
            record=item,
            reload=lambda: self._stored(item_id),
        )
        self.app.push_screen(form)

    def _stored(self, item_id: str) -> tuple[dict[str, Any], Record] | None:
        """The item as the form shows it and as stored now (None once deleted)."""
        fresh = self.state.items.get(item_id)
        if fresh is None:
            return None
        return item_form_values(fresh, self.state.region(fresh["region"])["timezone"]), fresh

    def _save_edit(self, form: FormScreen, code: str, item_id: str, changed: dict[str, Any]) -> None:
        expected = form.expected(changed)
        options: dict[str, Any] = dict(changed)
        if "after" in options:
            options["after"] = options["after"].strip()  # empty: waits for nothing (--no-after)
        spelled = {k: v for k, v in options.items() if k != "after" or v}
        command = cli_text("check", "edit", code, item_id, **spelled, no_after=options.get("after") == "" or None)

        def change(state: State) -> Record:
            if "after" in options:  # first, so the core's verdict on the ids shows under their field
                with field_error("after"):
                    ops.edit_item(state, code, item_id, after=options["after"], expected={"after": expected["after"]})
            rest = {k: v for k, v in options.items() if k != "after"}
            others = {k: v for k, v in expected.items() if k != "after"}
            return ops.edit_item(state, code, item_id, expected=others, **rest)

        try:
            self.rollout.apply_edit(command, change)
        except StaleEdit:
            stored = self._stored(item_id)
            if stored is not None:
                form.rebase(*stored)
            raise
        self.notify(f"Updated {item_id}", timeout=3)

    @reported
    def action_delete(self) -> None:
        item = self.current()
        if item is None or self.rollout.refuse_read_only():
            return
        code, item_id = self.code, item["id"]

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            outcome = self.rollout.edit(
                cli_text("check", "remove", code, item_id), lambda s: ops.remove_items(s, code, [item_id])
            )
            if outcome is not None:
                self.notify(f"Deleted {item_id}: {item['title']} (u undoes)", timeout=4)

        if not self.rollout.settings.confirm.delete:
            confirmed(True)
            return
        self.app.push_screen(ConfirmScreen(f"Delete {item_id} {item['title']!r} from {code}?", yes="Delete"), confirmed)

    def bulk_actions(self, keys: list[str]) -> list[tuple[str, Callable[[], None]]]:
        code, user, app = self.code, self.rollout.session.user, self.rollout
        ids = list(keys)

        def tick(done: bool) -> None:
            command = cli_text("check", "done" if done else "reopen", code, *ids)
            confirm_change(app, command, lambda s: ops.set_items_done(s, code, ids, done, user), self._after_bulk)

        def set_field(name: str, label: str, placeholder: str) -> None:
            def build(values: dict[str, Any]) -> tuple[str, Change]:
                value = values[name].strip()
                command = commands_text([cli_text("check", "edit", code, i, **{name: value}) for i in ids])
                return command, lambda s: [ops.edit_item(s, code, i, **{name: value}) for i in ids]

            field = Field(name, label, "", placeholder=placeholder)
            form_then_confirm(app, f"{label} of {len(ids)} item(s) in {code}", [field], build, self._after_bulk)

        def delete() -> None:
            command = cli_text("check", "remove", code, *ids)
            confirm_change(app, command, lambda s: ops.remove_items(s, code, ids), self._after_bulk, yes="Delete")

        return [
            ("Tick (done)", lambda: tick(True)),
            ("Reopen", lambda: tick(False)),
            ("Owner…", lambda: set_field("owner", "Owner", "a name; empty clears")),
            ("Due…", lambda: set_field("due", "Due", times.WHEN_HELP + "; empty clears")),
            ("Delete", delete),
        ]

    def _after_bulk(self, _value: object) -> None:
        self.table.marked.clear()
        self.refresh_data()

    def select(self, item_id: str) -> None:
        self.table.select_key(item_id)


def item_form_values(item: Record, tz: str) -> dict[str, Any]:
    """An item as the edit form shows it (and compares against to find what the user changed)."""
    return {
        "title": item["title"],
        "category": item["category"],
        "due": when_text(item.get("due"), tz),
        "owner": item["owner"] or "",
        "critical": bool(item["critical"]),
        "after": ", ".join(item.get("after") or ()),
    }


def dependency_notes(state: State, item: Record) -> list[str]:
    """What an item waits for and what waits for it, for the detail line: "waits for c10 'Payment
    provider live' (open, DE), c11 'Legal review' (done)", "c14 waits for it"."""
    notes = []
    blockers = [state.items[i] for i in item.get("after") or () if i in state.items]
    if blockers:
        described = ", ".join(
            f"{b['id']} {b['title']!r} ({'done' if b['status'] == 'done' else 'open'}"
            + (f", {b['region']})" if b["region"] != item["region"] else ")")
            for b in blockers
        )
        notes.append(f"waits for {described}")
    waiting = queries.dependants(state, item["id"])
    if waiting:
        ids = ", ".join(w["id"] for w in waiting[:5]) + (f" and {len(waiting) - 5} more" if len(waiting) > 5 else "")
        notes.append(f"{ids} wait{'s' if len(waiting) == 1 else ''} for it")
    return notes
