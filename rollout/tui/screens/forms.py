"""Dialogs: a form that saves through the core (errors inline, nothing saved), and a confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static

from rollout import numbers
from rollout.errors import RolloutError, StaleEdit
from rollout.freeze import InsideFreeze
from rollout.tui.guard import log_exception
from rollout.tui.host import Host
from rollout.tui.widgets.form import Field, FormFields

# save(form, changed values) applies the edit and raises RolloutError when the core refuses it.
SaveFunction = Callable[["FormScreen", dict[str, Any]], None]
# check(values) gives a message about the fields together (start before end) or None.
CheckFunction = Callable[[dict[str, Any]], str | None]
PreviewFunction = Callable[[dict[str, Any]], str]
# reload() gives the record's current form values and stored record, or None once it is gone.
ReloadFunction = Callable[[], tuple[dict[str, Any], dict[str, Any]] | None]


class FieldError(RolloutError):
    """The core refused a change because of one field's value: the form shows it under that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@contextmanager
def field_error(name: str) -> Iterator[None]:
    """Inside a form's save: a RolloutError of the core becomes a FieldError of field `name`
    (a stale edit stays what it is: the form handles those on every field)."""
    try:
        yield
    except StaleEdit:
        raise
    except FieldError:
        raise
    except RolloutError as error:
        raise FieldError(name, str(error)) from error


class FormScreen(ModalScreen[bool]):
    """A dialog of fields; enter or ctrl+s saves, escape leaves (asking first if something was typed).

    Dismissed with True once saved. An edit form knows the record's values as shown (`baseline`)
    and as stored (`record`): only fields the user changed are saved, each with the stored value it
    replaces (so the core refuses it if someone else changed that field meanwhile). When the data
    is reloaded (`reload` gives fresh form values and the stored record), fields the user has not
    touched follow the database and touched ones keep what was typed, with a note: a field the
    user never touched is never written.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
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
        record: dict[str, Any] | None = None,
        reload: ReloadFunction | None = None,
        follow: Callable[[FormScreen], None] | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.form_title = title
        self.follow = follow  # called when the app reloads (a dialog whose title shows stored values)
        self.field_list = list(fields)
        self.save_function = save
        self.check = check
        self.preview = preview
        self.reload = reload
        # What each field showed before the user typed; an add form starts from the fields' values.
        self.shown: dict[str, Any] = dict(baseline) if baseline is not None else {f.name: f.value for f in fields}
        self.is_edit = baseline is not None
        # The stored value behind each field (what an edit expects to replace).
        self.seen: dict[str, Any] = {f.name: (record or {}).get(f.name) for f in fields}
        self._modified = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.form_title, classes="dialog-title", id="form-title")
            yield FormFields(self.field_list, id="form")
            yield Static("", id="preview", classes="form-preview")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save ctrl+s", id="save", variant="primary", compact=True)
                yield Button("Cancel esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.fields.focus_first()
        self.update_preview()

    @property
    def fields(self) -> FormFields:
        return self.query_one("#form", FormFields)

    def changed_values(self) -> dict[str, Any]:
        """Fields the user changed from what they showed (every field of an add form)."""
        values = self.fields.values()
        if not self.is_edit:
            return values
        return {k: v for k, v in values.items() if self.shown.get(k) != v}

    def expected(self, changed: dict[str, Any]) -> dict[str, Any]:
        """The stored values the changed fields replace, for the core's stale-edit check."""
        return {name: self.seen.get(name) for name in changed}

    @property
    def modified(self) -> bool:
        """Something typed that is not saved."""
        values = self.fields.values()
        return any(self.shown.get(k) != v for k, v in values.items())

    def _show_modified(self, *, force: bool = False) -> None:
        modified = self.modified
        if modified != self._modified or force:
            self._modified = modified
            title = self.query_one("#form-title", Static)
            title.update(self.form_title + (" · modified (esc asks)" if modified else ""))
            title.set_class(modified, "-modified")

    def set_title(self, title: str) -> None:
        """Show a new title (what the dialog acts on, as stored now)."""
        self.form_title = title
        if self.is_mounted:
            self._show_modified(force=True)

    def refresh_data(self) -> None:
        """The app reloaded: untouched fields follow the database, touched ones say what moved."""
        if self.follow is not None and self.is_mounted:
            self.follow(self)
        if self.reload is None or not self.is_mounted:
            return
        fresh = self.reload()
        if fresh is None:
            self.show_form_error("This record was removed meanwhile; saving will fail.")
            return
        self._follow(*fresh, knowingly=False)

    def rebase(self, baseline: dict[str, Any], record: dict[str, Any] | None) -> None:
        """After a refused stale edit: the user has now seen the newer values; saving again applies theirs."""
        self._follow(baseline, record or {}, knowingly=True)

    def _follow(self, values: dict[str, Any], record: dict[str, Any], *, knowingly: bool) -> None:
        typed = self.fields.values()
        for name in self.shown:
            stored = record.get(name)
            if typed[name] == self.shown[name]:  # untouched: show what is stored now
                self.shown[name] = values[name]
                self.seen[name] = stored
                if typed[name] != values[name]:
                    self.fields.set_value(name, values[name])
                self.fields.show_note(name, None)
            elif knowingly and stored != self.seen[name]:
                self.shown[name] = values[name]
                self.seen[name] = stored
                self.fields.show_note(name, f"now {values[name]!r} in the database; saving again overwrites it")
            elif stored != self.seen[name]:
                self.fields.show_note(name, f"changed meanwhile to {values[name]!r}; saving will be refused")
        self._show_modified()

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
        self._show_modified()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.modified:
            self.dismiss(False)
            return

        def chosen(choice: str | None) -> None:
            if choice == "save":
                self.action_save()
            elif choice == "discard":
                self.dismiss(False)

        self.app.push_screen(UnsavedScreen(f"{self.form_title}: save what you typed?"), chosen)

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
        self._run_save(changed)

    def _run_save(self, changed: dict[str, Any]) -> None:
        """Save `changed`, closing the form; a refusal stays on it. A date inside a blocking freeze
        window asks "Force?", and yes saves again past it (`--force`, noted in history)."""
        try:
            self.save_function(self, changed)
        except FieldError as error:
            self.fields.show_error(error.field, str(error))
            self.show_form_error("Fix the fields marked above; nothing was saved.")
            return
        except InsideFreeze as error:
            self.show_form_error(error.reason)
            question = force_question(error.reason)
            self.app.push_screen(
                ConfirmScreen(question, yes="Force"), lambda yes: self._save_past_freeze(changed) if yes else None
            )
            return
        except RolloutError as error:
            self.show_form_error(str(error))
            return
        except Exception as error:  # a bug must not close the form or reach the screen as a traceback
            where = log_exception(error)
            self.show_form_error(f"Unexpected error: {type(error).__name__}: {error} (details in {where})")
            return
        self.dismiss(True)

    def _save_past_freeze(self, changed: dict[str, Any]) -> None:
        host: Host = self.app  # type: ignore[assignment]
        with host.past_freeze():
            self._run_save(changed)


def force_question(refusal: str) -> str:
    """What the TUI asks before forcing a change a rule refused (`refusal`: its words, without the
    CLI's `use --force`)."""
    return f"{refusal}.\nForce? History notes the forced change."


class UnsavedScreen(ModalScreen[str | None]):
    """Unsaved edits: s saves, d discards, escape stays (dismissed with "save", "discard" or None)."""

    BINDINGS = [
        Binding("s", "choose('save')", "Save", id="unsaved.save"),
        Binding("d", "choose('discard')", "Discard", id="unsaved.discard"),
        Binding("escape", "choose('stay')", "Stay", id="unsaved.stay"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box confirm-box"):
            yield Static(self.question, classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (s)", id="save", variant="primary", compact=True)
                yield Button("Discard (d)", id="discard", variant="error", compact=True)
                yield Button("Stay (esc)", id="stay", compact=True)

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss(None if choice == "stay" else choice)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "stay")


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or enter confirms, n or escape cancels."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
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


class ChoiceScreen(ModalScreen[int | None]):
    """Pick one of a few actions: enter or its number picks, escape closes (dismissed with its index)."""

    HELP_TITLE = "Choices"
    BINDINGS = [
        Binding("escape", "close", "Close", id="choice.close"),
        Binding("j", "move('down')", "Down", show=False, id="list.down"),
        Binding("k", "move('up')", "Up", show=False, id="list.up"),
    ]

    def __init__(self, title: str, labels: list[str]) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.labels = labels

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box confirm-box"):
            yield Static(self.title_text, classes="dialog-title")
            yield OptionList(*[f"{n} {label}" for n, label in enumerate(self.labels, 1)], id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        if event.character and numbers.is_digits(event.character) and 1 <= int(event.character) <= len(self.labels):
            event.stop()
            self.dismiss(int(event.character) - 1)

    def action_move(self, direction: str) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if direction == "down" else options.action_cursor_up()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_close(self) -> None:
        self.dismiss(None)
