"""Dialogs: a form that saves through the core (errors inline, nothing saved), and a confirmation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from rollout.errors import RolloutError
from rollout.tui.guard import log_exception
from rollout.tui.widgets.form import Field, FormFields

# save(form, changed values) applies the edit and raises RolloutError when the core refuses it.
SaveFunction = Callable[["FormScreen", dict[str, Any]], None]
# check(values) gives a message about the fields together (start before end) or None.
CheckFunction = Callable[[dict[str, Any]], str | None]
PreviewFunction = Callable[[dict[str, Any]], str]


class FormScreen(ModalScreen[bool]):
    """A dialog of fields; enter or ctrl+s saves, escape cancels. Dismissed with True once saved."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        save: SaveFunction,
        *,
        check: CheckFunction | None = None,
        preview: PreviewFunction | None = None,
        baseline: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.form_title = title
        self.field_list = list(fields)
        self.save_function = save
        self.check = check
        self.preview = preview
        # The values as loaded: only fields that differ from them are saved (an add has none).
        self.baseline = dict(baseline) if baseline is not None else None
        self.record: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.form_title, classes="dialog-title")
            yield FormFields(self.field_list, id="form")
            yield Static("", id="preview", classes="form-preview")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.fields.focus_first()
        self.update_preview()

    @property
    def fields(self) -> FormFields:
        return self.query_one("#form", FormFields)

    def changed_values(self) -> dict[str, Any]:
        values = self.fields.values()
        if self.baseline is None:
            return values
        return {k: v for k, v in values.items() if self.baseline.get(k) != v}

    def rebase(self, baseline: dict[str, Any], record: dict[str, Any] | None) -> None:
        """After a refused stale edit: the user has now seen the newer values; saving again applies theirs."""
        self.baseline = dict(baseline)
        self.record = record

    def show_form_error(self, message: str | None) -> None:
        box = self.query_one("#form-error", Static)
        box.update(message or "")
        box.set_class(bool(message), "-shown")

    def update_preview(self) -> None:
        if self.preview is None:
            return
        try:
            text = self.preview(self.fields.values())
        except RolloutError:
            text = ""
        self.query_one("#preview", Static).update(text)

    @on(FormFields.Changed)
    def _field_changed(self) -> None:
        self.show_form_error(self.check(self.fields.values()) if self.check else None)
        self.update_preview()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        if not self.fields.validate_all():
            self.show_form_error("Fix the fields marked above; nothing was saved.")
            return
        problem = self.check(self.fields.values()) if self.check else None
        if problem:
            self.show_form_error(problem)
            return
        changed = self.changed_values()
        if not changed:
            self.dismiss(False)
            return
        try:
            self.save_function(self, changed)
        except RolloutError as error:
            self.show_form_error(str(error))
            return
        except Exception as error:  # a bug must not close the form or reach the screen as a traceback
            where = log_exception(error)
            self.show_form_error(f"Unexpected error: {type(error).__name__}: {error} (details in {where})")
            return
        self.dismiss(True)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or enter confirms, n or escape cancels."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.yes_label = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box confirm-box"):
            yield Static(self.question, classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (y)", id="yes", variant="error", compact=True)
                yield Button("No (n)", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
