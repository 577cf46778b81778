"""Form fields that validate as you type with the core's own validators and show its message inline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from rollout.errors import RolloutError

Validator = Callable[[str], object]
# Placeholders that fit an 80-column dialog (the full grammar is in times.WHEN_HELP / DURATION_HELP).
WHEN_SHORT = "YYYY-MM-DD or YYYY-MM-DDTHH:MM, region time"
DURATION_SHORT = "3d, 2w, 1mo, -1w"


@dataclass
class Field:
    """One field: `validate` is a core function that raises RolloutError on a bad value."""

    name: str
    label: str
    value: str | bool = ""
    validate: Validator | None = None
    kind: str = "text"  # text, select or check
    options: Sequence[str] = ()
    placeholder: str = ""


def check_value(validate: Validator | None, value: str) -> str | None:
    """The core's message for a bad value, None when it is fine."""
    if validate is None:
        return None
    try:
        validate(value)
    except RolloutError as error:
        return str(error)
    return None


class FormFields(Vertical):
    """Labelled inputs in rows, each with an error line under it that shows only when needed."""

    class Changed(Message):
        def __init__(self, form: FormFields, name: str) -> None:
            super().__init__()
            self.form = form
            self.name = name

    def __init__(self, fields: Sequence[Field], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="form-fields")
        self.fields = {f.name: f for f in fields}
        self._loading = False

    def compose(self) -> ComposeResult:
        for field in self.fields.values():
            with Horizontal(classes="field-row"):
                yield Label(field.label, classes="field-label")
                yield self._control(field)
            yield Static("", id=f"error-{field.name}", classes="field-error")
            yield Static("", id=f"note-{field.name}", classes="field-note")

    def _control(self, field: Field) -> Widget:
        widget_id = f"field-{field.name}"
        if field.kind == "select":
            options = [(o, o) for o in field.options]
            return Select(options, value=field.value, allow_blank=False, id=widget_id, compact=True)
        if field.kind == "check":
            return Checkbox(
                field.placeholder or field.label.lower(), value=bool(field.value), id=widget_id, compact=True
            )
        return Input(str(field.value), placeholder=field.placeholder, id=widget_id, compact=True)

    def control(self, name: str) -> Widget:
        return self.query_one(f"#field-{name}")

    def value(self, name: str) -> Any:
        control = self.control(name)
        if isinstance(control, Input):
            return control.value
        return control.value  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self.fields}

    def set_value(self, name: str, value: str | bool) -> None:
        control = self.control(name)
        if isinstance(control, Input):
            control.value = str(value)
        else:
            control.value = value  # type: ignore[attr-defined]

    def show_error(self, name: str, message: str | None) -> None:
        label = self.query_one(f"#error-{name}", Static)
        label.update(message or "")
        label.set_class(bool(message), "-shown")

    def show_note(self, name: str, message: str | None) -> None:
        label = self.query_one(f"#note-{name}", Static)
        label.update(message or "")
        label.set_class(bool(message), "-shown")

    def validate_field(self, name: str) -> str | None:
        field = self.fields[name]
        message = check_value(field.validate, self.value(name)) if field.kind == "text" else None
        self.show_error(name, message)
        return message

    def validate_all(self) -> bool:
        return all(self.validate_field(name) is None for name in self.fields)

    def errors(self) -> dict[str, str]:
        out = {}
        for name in self.fields:
            label = self.query_one(f"#error-{name}", Static)
            if label.has_class("-shown"):
                out[name] = str(label.render())
        return out

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        control_id = event.control.id or ""
        if not control_id.startswith("field-"):
            return
        event.stop()
        name = control_id.removeprefix("field-")
        self.validate_field(name)
        self.post_message(self.Changed(self, name))

    def focus_first(self) -> None:
        first = next(iter(self.fields))
        self.control(first).focus()
