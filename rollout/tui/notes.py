"""Notes on a region, a checklist item or a promotion, from any pane (issue 21): one dialog, one
core function (rollout.templates.add_note), and the line a detail area shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rollout import model, templates, times
from rollout.state import Record, State
from rollout.tui.screens.forms import FormScreen
from rollout.tui.widgets.base import cli_text
from rollout.tui.widgets.form import Field

if TYPE_CHECKING:
    from rollout.tui.host import Host

COMMANDS = {"regions": ("region", "note"), "items": ("check", "note"), "promotions": ("promo", "note")}


def _link_check(text: str) -> None:
    if text.strip():
        model.link(text)


def add_note(app: Host, table: str, key: str) -> None:
    """Open the note dialog for record `key` of `table` ("regions", "items", "promotions"); saving
    appends the note as one change (undoable like any other)."""
    if app.refuse_read_only():
        return
    user = app.session.user

    def save(form: FormScreen, values: dict[str, Any]) -> None:
        text, link = values["text"], values["link"].strip() or None
        command = cli_text(*COMMANDS[table], key, text, link=link)

        def change(state: State) -> Record:
            return templates.add_note(state, table, key, text, user, link)

        app.apply_edit(command, change)
        app.notify(f"Noted on {key}.", timeout=3)

    fields = [
        Field("text", "Note", "", lambda t: model.required_text("note", t)),
        Field("link", "Link", "", _link_check, placeholder="https://… (optional, never opened)"),
    ]
    app.push_screen(FormScreen(f"Add a note to {key}", fields, save))


def notes_line(record: Record, tz: str) -> str:
    """'2 notes · last 2026-11-24 10:00 amara: Filed <https://…>' ('' without notes): for a detail area."""
    notes = record.get("notes") or []
    if not notes:
        return ""
    last = notes[-1]
    link = f" <{last['link']}>" if last["link"] else ""
    count = f"{len(notes)} note{'s' if len(notes) != 1 else ''}"
    return f"{count} · last {times.local_display(last['at'], tz)} {last['user']}: {last['text']}{link}"
