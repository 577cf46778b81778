"""One change for many records: preview it in the words of `batch --dry-run`, confirm, apply once.

`confirm_change` runs the change on an in-memory copy of the loaded state (nothing is written),
shows queries.summarize_changes, queries.preview_lines and the warnings (queries.change_warnings)
for it, and on `y` applies the same change through the core as one edit: one history entry, one
undo step; the warnings of what was applied are then shown as notices.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rollout import queries
from rollout.errors import RolloutError
from rollout.state import Record, State
from rollout.tui import forcing

if TYPE_CHECKING:
    from rollout.tui.host import Host

Change = Callable[[State], Any]


def dry_run(state: State, change: Change) -> tuple[list[Record], list[str]]:
    """The record changes `change` would make to `state` and their warnings (in the CLI's words),
    computed on a copy; raises RolloutError."""
    scratch = State(copy.deepcopy(state.document()))
    change(scratch)
    changes = scratch.changes()
    return changes, [*scratch.notes, *queries.change_warnings(scratch, changes)]


def preview_text(command: str, changes: list[Record], warnings: Sequence[str] = ()) -> str:
    """The confirmation's text as `batch --dry-run` prints it: the command, the summary, one line
    per record, then a `Warning: ...` line per warning."""
    lines = [f"{command}", f"would apply: {queries.summarize_changes(changes)}."]
    lines += [f"  {line}" for line in queries.preview_lines(changes, limit=8)]
    lines += [f"Warning: {warning}" for warning in warnings]
    return "\n".join(lines)


def warn_applied(app: Host, command: str, outcome: Any) -> None:
    """The warnings of an applied change (a promotion overlapping another...) as notices."""
    entry = outcome.entry
    if entry is None:
        return
    for warning in queries.change_warnings(outcome.snapshot.state, entry.get("changes", [])):
        app.notify(warning, severity="warning", title=command, timeout=10)


def confirm_change(
    app: Host, command: str, change: Change, done: Callable[[Any], None] | None = None, *, yes: str = "Apply"
) -> None:
    """Preview `change`, ask, then apply it as one edit (errors become notices; nothing is written on no)."""
    from rollout.tui.screens.forms import ConfirmScreen

    if app.refuse_read_only():
        return
    try:
        changes, warnings = dry_run(app.snapshot.state, change)
    except RolloutError as error:  # a rule's refusal says how to force it from the CLI
        app.notify(forcing.from_the_cli(error, command), severity="error", title="Not done")
        return
    if not changes:
        app.notify("Nothing would change.", title=command)
        return

    def answered(ok: bool | None) -> None:
        if not ok:
            return
        outcome = app.edit(command, change)
        if outcome is not None:
            warn_applied(app, command, outcome)
        if outcome is not None and done is not None:
            done(outcome.value)

    if not app.settings.confirm.bulk:
        answered(True)
        return
    app.push_screen(ConfirmScreen(preview_text(command, changes, warnings), yes=yes), answered)


Build = Callable[[dict[str, Any]], tuple[str, Change]]


def form_then_confirm(
    app: Host, title: str, fields: list[Any], build: Build, done: Callable[[Any], None] | None = None
) -> None:
    """Ask for the values in a form (core errors inline), then preview and confirm the change they build."""
    from rollout.tui.screens.forms import FormScreen

    built: list[tuple[str, Change]] = []

    def save(form: FormScreen, values: dict[str, Any]) -> None:
        command, change = build(values)
        dry_run(app.snapshot.state, change)  # a RolloutError shows under the form; nothing is asked yet
        built[:] = [(command, change)]

    def closed(saved: bool | None) -> None:
        if saved and built:
            confirm_change(app, *built[0], done)

    app.push_screen(FormScreen(title, fields, save), closed)


def commands_text(commands: list[str]) -> str:
    """Several CLI commands as one history line, as a batch file would list them."""
    return "; ".join(commands)


def promos_not_started(state: State, codes: list[str]) -> int:
    """How many promotions of these regions have not started (what a launch shift can take along)."""
    from rollout import times

    now = times.now()
    return sum(1 for code in codes for p in state.promotions_of(code) if times.instant(p["start"]) > now)


def region_actions(app: Host, codes: list[str], done: Callable[[Any], None]) -> list[tuple[str, Callable[[], None]]]:
    """The actions on several regions at once, each one change after a preview."""
    from rollout import model, ops, templates, times
    from rollout.tui.widgets.base import cli_text
    from rollout.tui.widgets.form import DURATION_SHORT, WHEN_SHORT, Field

    n = len(codes)
    promos = promos_not_started(app.snapshot.state, codes)

    def shift() -> None:
        def build(values: dict[str, Any]) -> tuple[str, Change]:
            by, along = values["by"].strip(), bool(values["promos"])
            command = cli_text("shift", *codes, by=by, with_promos=along or None)
            return command, lambda s: templates.shift(s, codes, by, with_promos=along)[0]

        fields = [
            Field("by", "Move by", "", times.parse_duration, placeholder=DURATION_SHORT),
            Field("promos", "Promos", promos > 0, kind="check", placeholder=f"move the {promos} not started too"),
        ]
        form_then_confirm(app, f"Move the launch of {n} region(s)", fields, build, done)

    def add_promotion() -> None:
        def build(values: dict[str, Any]) -> tuple[str, Change]:
            name, start, end = values["name"], values["start"], values["end"]
            kind = values["kind"].strip() or None
            command = cli_text("promo", "add", *codes, name, start=start, end=end, kind=kind)
            return command, lambda s: ops.add_promotions(s, codes, name, start=start, end=end, kind=kind)

        fields = [
            Field("name", "Name", "", lambda t: model.required_text("name", t)),
            Field("kind", "Kind", "", placeholder=model.DEFAULT_KIND),
            Field("start", "Start", "", placeholder="YYYY-MM-DD, each region's local time"),
            Field("end", "End", "", placeholder="YYYY-MM-DD"),
        ]
        form_then_confirm(app, f"Add a promotion to {n} region(s)", fields, build, done)

    def add_item() -> None:
        def build(values: dict[str, Any]) -> tuple[str, Change]:
            title = values["title"]
            options = {
                "category": values["category"],
                "due": values["due"].strip() or None,
                "owner": values["owner"].strip() or None,
                "critical": values["critical"] or None,
            }
            command = cli_text("check", "add", *codes, title, **options)
            return command, lambda s: ops.add_items(s, codes, title, **options)

        fields = [
            Field("title", "Title", "", lambda t: model.required_text("title", t)),
            Field("category", "Category", "other", kind="select", options=model.CATEGORIES),
            Field("due", "Due", "", placeholder=WHEN_SHORT),
            Field("owner", "Owner", ""),
            Field("critical", "Critical", False, kind="check", placeholder="critical: gates the launch"),
        ]
        form_then_confirm(app, f"Add a checklist item to {n} region(s)", fields, build, done)

    def owner() -> None:
        def build(values: dict[str, Any]) -> tuple[str, Change]:
            who = values["owner"].strip()
            return cli_text("region", "set", *codes, owner=who), lambda s: ops.set_regions(s, codes, owner=who)

        form_then_confirm(app, f"Owner of {n} region(s)", [Field("owner", "Owner", "")], build, done)

    def remove() -> None:
        command = commands_text([cli_text("region", "remove", code) for code in codes])
        confirm_change(app, command, lambda s: [ops.remove_region(s, code) for code in codes], done, yes="Remove")

    return [
        ("Move launch…" + (f" (with {promos} promotions not started)" if promos else ""), shift),
        ("Add a promotion…", add_promotion),
        ("Add a checklist item…", add_item),
        ("Owner…", owner),
        ("Remove", remove),
    ]
