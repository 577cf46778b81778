"""Help: every key binding, read from the bindings themselves so the list is always complete."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


def binding_sections() -> list[tuple[str, list[BindingType]]]:
    from rollout.tui.app import RolloutApp
    from rollout.tui.screens.calendar import CalendarScreen, DayScreen
    from rollout.tui.screens.forms import ConfirmScreen, FormScreen
    from rollout.tui.screens.region import RegionScreen
    from rollout.tui.screens.regions import RegionsScreen
    from rollout.tui.widgets.checklist import ChecklistPane
    from rollout.tui.widgets.month import MonthGrid
    from rollout.tui.widgets.overview import OverviewPane
    from rollout.tui.widgets.promotions import PromotionsPane
    from rollout.tui.widgets.region_table import RegionTable

    palette = [Binding("ctrl+p", "command_palette", "Command palette: jump to a region, run any action")]
    return [
        ("Everywhere", [*RolloutApp.BINDINGS, *palette]),
        ("Regions", [*RegionsScreen.BINDINGS, *RegionTable.BINDINGS]),
        ("Region", RegionScreen.BINDINGS),
        ("Region · Overview", OverviewPane.BINDINGS),
        ("Region · Checklist", ChecklistPane.BINDINGS),
        ("Region · Promotions", PromotionsPane.BINDINGS),
        ("Calendar", [*CalendarScreen.BINDINGS, *MonthGrid.BINDINGS]),
        ("A day's events", DayScreen.BINDINGS),
        ("Forms", FormScreen.BINDINGS),
        ("Confirmations", ConfirmScreen.BINDINGS),
    ]


def key_label(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "space": "space",
    }
    return " / ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def rows(sections: Iterable[tuple[str, list[BindingType]]]) -> list[tuple[str, str, str]]:
    out = []
    for section, bindings in sections:
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            out.append((section, key_label(binding.key), binding.description or binding.action))
            section = ""
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box help-box"):
            yield Static(
                "Keys · the mouse works too (click a row, click again to open) · escape closes", classes="dialog-title"
            )
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("WHERE", "KEY", "WHAT")
        for section, key, what in rows(binding_sections()):
            table.add_row(Text(section, style="bold"), Text(key), Text(what))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
