"""The `/` filter box that the Agenda, Owners and Timeline screens share."""

from __future__ import annotations

from textual import on
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from rollout.tui.guard import reported
from rollout.tui.widgets.base import RolloutNode


class FilterBoxScreen(RolloutNode, Screen[None]):
    """A screen with a `#filter` Input: `/` opens it, typing re-filters (`refresh_data`), enter
    returns to the main widget, escape clears the filter, then goes back a screen."""

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""

    def main_widget(self) -> Widget:
        """The widget focus returns to from the filter box."""
        raise NotImplementedError

    def refresh_data(self) -> None:
        raise NotImplementedError

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-active")
        box.focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("-active") or self.filter_text:
            box.remove_class("-active")
            self.main_widget().focus()
            if box.value:
                box.value = ""  # Changed then re-filters
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    @on(Input.Changed, "#filter")
    @reported
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refresh_data()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        if not self.filter_text:
            self.query_one("#filter", Input).remove_class("-active")
        self.main_widget().focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.rollout.check_action(action, parameters)
