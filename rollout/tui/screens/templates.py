"""Templates: the launch templates, the items and promotions of the one under the cursor, and
`a`, which applies it to regions after a dry-run preview of the per-item diff (issue 21)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from rollout import queries, templates
from rollout.errors import InvalidValue
from rollout.state import Record, State
from rollout.text import clip
from rollout.tui.guard import reported
from rollout.tui.screens.forms import FormScreen
from rollout.tui.widgets.base import RecordTable, RolloutNode, cli_text
from rollout.tui.widgets.form import Field

PREVIEW_LINES = 8  # diff lines a preview shows before "and N more"


def preview_text(state: State, name: str, selectors: list[str]) -> str:
    """The diff applying template `name` to `selectors` would make, as `template apply --dry-run`
    prints it, computed on a copy of the records (the loaded state is never changed)."""
    scratch = State(state.document())
    chosen = templates.template(scratch, name)
    steps = templates.apply(scratch, name, selectors)
    lines = templates.diff_text(chosen, steps, dry_run=True).splitlines()
    changes, totals = lines[:-2], lines[-2]
    if len(changes) > PREVIEW_LINES:
        changes = [*changes[:PREVIEW_LINES], f"… and {len(changes) - PREVIEW_LINES} more"]
    return "\n".join([*changes, totals])


def _selectors(text: str) -> list[str]:
    words = text.replace(",", " ").split()
    if not words:
        raise InvalidValue("give one or more regions: codes, wave=N, status=S or all")
    return words


class TemplatesScreen(RolloutNode, Screen[None]):
    """The templates table (name, version, items, promotions) and the items of the one under the cursor."""

    HELP_TITLE = "Templates"
    BINDINGS = [
        Binding("a", "apply", "Apply to regions", id="templates.apply"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="templates-title")
        yield RecordTable(["NAME", "VERSION", "ITEMS", "PROMOS", "CHANGED"], id="templates")
        yield Static(id="template-items")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.table.focus()

    @property
    def table(self) -> RecordTable:
        return self.query_one("#templates", RecordTable)

    def refresh_data(self) -> None:
        table = self.table
        listed = templates.templates(self.state)
        table.fill(
            [
                (
                    t["name"],
                    [
                        table.styled(t["name"]),
                        table.styled(str(t["version"])),
                        table.styled(str(len(t["items"]))),
                        table.styled(str(len(t["promotions"]))),
                        table.styled(f"{t['updated_at'][:10]} {t['updated_by']}"),
                    ],
                )
                for t in listed
            ]
        )
        title = f"Templates · {len(listed)} · a applies the one under the cursor to regions (a preview first)"
        self.query_one("#templates-title", Static).update(Text(title))
        self._show_items()

    def current(self) -> Record | None:
        key = self.table.cursor_key
        return self.state.tables["templates"].get(key) if key else None

    def _show_items(self) -> None:
        found = self.current()
        box = self.query_one("#template-items", Static)
        if found is None:
            box.update("No templates: `rollout template add NAME --from CODE` makes one.")
            return
        width = max(self.size.width - 40, 20)
        lines = [
            f"{'!' if s['critical'] else ' '} {s['due'] or '-':>6}  {s['key'][:22]:<22} {clip(s['title'], width)}"
            for s in found["items"]
        ]
        lines += [
            f"  {s['start']:>6}  {s['key'][:22]:<22} promotion {clip(s['name'], width)}" for s in found["promotions"]
        ]
        box.update(Text("\n".join(lines) or "No items."))

    @on(DataTable.RowHighlighted, "#templates")
    def _highlighted(self) -> None:
        self._show_items()

    def _chosen_regions(self) -> str:
        """The regions marked on the Regions screen (else the one under its cursor): the default of `a`."""
        from rollout.tui.screens.regions import RegionsScreen
        from rollout.tui.widgets.region_table import RegionTable

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, RegionsScreen):
                return " ".join(screen.query_one(RegionTable).marked_or_cursor())
        return ""

    @reported
    def action_apply(self) -> None:
        found = self.current()
        if found is None or self.rollout.refuse_read_only():
            return
        name = found["name"]

        def preview(values: dict[str, Any]) -> str:
            return preview_text(self.state, name, _selectors(values["regions"]))

        def check_regions(text: str) -> None:
            queries.select(self.state, _selectors(text))

        def save(form: FormScreen, values: dict[str, Any]) -> None:
            selectors = _selectors(values["regions"])
            outcome = self.rollout.apply_edit(
                cli_text("template", "apply", name, *selectors),
                lambda state: templates.apply(state, name, selectors),
            )
            self.notify(f"Template {name}: {templates.summary(outcome.value)}.", timeout=5)

        fields = [Field("regions", "Regions", self._chosen_regions(), check_regions, placeholder="KR, wave=6 or all")]
        self.app.push_screen(
            FormScreen(f"Apply template {name} (version {found['version']})", fields, save, preview=preview)
        )

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.rollout.check_action(action, parameters)
