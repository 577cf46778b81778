"""Messages: every notice of this session in full, newest first (`M`; escape goes back)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from rollout.tui.notices import Message
from rollout.tui.widgets.base import RolloutNode

MARKS = {"information": "·", "warning": "⚠", "error": "✖"}


def entry_text(message: Message) -> Text:
    """`09:14:03 ⚠ Title` then the full text on the lines below, as it was sent."""
    text = Text(f"{message.at:%H:%M:%S} {MARKS.get(message.severity, '·')} ", style="bold")
    text.append(message.title or message.severity, style="bold")
    for line in message.text.splitlines() or [""]:
        text.append("\n  " + line)
    return text


class MessagesScreen(RolloutNode, Screen[None]):
    HELP_TITLE = "Messages"
    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("j", "option('down')", "Down", show=False, id="list.down"),
        Binding("k", "option('up')", "Up", show=False, id="list.up"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="messages-title")
        yield OptionList(id="messages")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(OptionList).focus()

    def refresh_data(self) -> None:
        messages = list(reversed(self.rollout.message_log.messages))
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(entry_text(m)) for m in messages])
        shown = f"{len(messages)} message(s) this session, newest first" if messages else "No messages yet."
        self.query_one("#messages-title", Static).update(f"Messages · {shown} · escape goes back")

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_option(self, direction: str) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if direction == "down" else options.action_cursor_up()
