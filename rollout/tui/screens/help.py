"""Help: the keys of the screen it was opened from, as that screen and its widgets declare them.

The app hands the bindings over (`bindings_of(screen)`): this module imports no screen or pane.
Keys remapped in config.toml show as remapped; the ID column is what `[keys]` remaps.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from rollout.tui.widgets.base import RecordTable

Section = tuple[str, list[tuple[str, Binding]]]
KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "colon": ":",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "asterisk": "*",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "less_than_sign": "<",
    "greater_than_sign": ">",
}


def key_label(keys: str) -> str:
    return " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(",") if k.strip())


def bindings_of(screen: Screen[object]) -> list[Section]:
    """(section, [(keys, binding)]) for the app, the screen and each of its widgets that declares keys.

    A section is titled by the node's HELP_TITLE (nodes without one, Textual's own widgets, are left
    out); keys are the ones in force, after config.toml's remapping.
    """
    sections: list[Section] = []
    seen: set[type] = set()
    for node in [screen.app, screen, *screen.walk_children()]:
        title = getattr(node, "HELP_TITLE", None)
        if title is None or type(node) in seen:
            continue
        seen.add(type(node))
        rows = node_bindings(node)
        if rows:
            sections.append((title, rows))
    return sections


def node_bindings(node: DOMNode) -> list[tuple[str, Binding]]:
    grouped: dict[tuple[str, str], tuple[list[str], Binding]] = {}
    bindings = node._bindings.copy()
    bindings.apply_keymap(node.app._keymap)  # as Textual applies config.toml's [keys] when keys arrive
    for key, binding in bindings:
        if binding.system or not binding.description:
            continue
        keys, known = grouped.setdefault((binding.action, binding.description), ([], binding))
        if key not in keys:
            keys.append(key)
        if binding.id and not known.id:  # Textual's own ctrl+q shares Quit with our q, which has the id
            grouped[(binding.action, binding.description)] = (keys, binding)
    # Only rollout's own keys (they carry ids); Textual's screen defaults (tab, ctrl+c...) are left out.
    return [(",".join(keys), binding) for keys, binding in grouped.values() if binding.id]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__(classes="dialog")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box help-box"):
            yield Static(
                "Keys here · the mouse works too · ID is what config.toml [keys] remaps · escape closes",
                classes="dialog-title",
            )
            yield RecordTable(["WHERE", "KEY", "WHAT", "ID"], id="help-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for section, rows in self.sections:
            for keys, binding in rows:
                table.add_row(
                    Text(section, style="bold"),
                    Text(key_label(keys)),
                    Text(binding.description),
                    Text(binding.id or ""),
                )
                section = ""
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
