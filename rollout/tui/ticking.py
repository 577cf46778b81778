"""Ticking and reopening checklist items from any screen (Checklist, Agenda, an owner's items).

One path for all of them: `ops.set_items_done` as one change. When the core refuses a tick
because an item waits for items still open, the user is asked whether to tick it anyway, in the
core's own words (which name the blockers); yes ticks it with `force`, which the history entry
notes, as `check done --force` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rollout import ops, queries
from rollout.errors import ReadOnly, Refused, RolloutError, StaleEdit
from rollout.tui import forcing
from rollout.tui.widgets.base import cli_text

if TYPE_CHECKING:
    from rollout.tui.host import Host
    from rollout.tui.session import Outcome

FORCE_HINT = "; use --force"


def set_done(
    app: Host,
    code: str | None,
    item_ids: Sequence[str],
    done: bool,
    after: Callable[[Outcome[Any]], None] | None = None,
) -> None:
    """Tick (`done`) or reopen items of region `code` as one change; `after(outcome)` runs once it
    is applied. A tick of an item waiting for open items asks first (ConfirmScreen), then forces."""
    if app.refuse_read_only():
        return
    ids, user = list(item_ids), app.session.user
    words = ["check", "done" if done else "reopen", *([code] if code else []), *ids]
    try:
        outcome = app.apply_edit(cli_text(*words), lambda s: ops.set_items_done(s, code, ids, done, user))
    except Refused as error:
        if not done or isinstance(error, (StaleEdit, ReadOnly)) or not blocked(app, ids):
            app.notify(forcing.from_the_cli(error, cli_text(*words)), severity="error", title="Not done")
            return
        ask_to_force(app, str(error), words, code, ids, after)
        return
    except RolloutError as error:
        app.notify(str(error), severity="error", title="Not done")
        return
    if after is not None:
        after(outcome)


def blocked(app: Host, item_ids: Sequence[str]) -> bool:
    """Whether one of the items waits for an item still open (rollout.queries.is_blocked)."""
    state = app.snapshot.state
    return any(queries.is_blocked(state, state.items[i]) for i in item_ids if i in state.items)


def ask_to_force(
    app: Host,
    refusal: str,
    words: list[str],
    code: str | None,
    ids: list[str],
    after: Callable[[Outcome[Any]], None] | None,
) -> None:
    from rollout.tui.screens.forms import ConfirmScreen

    user = app.session.user

    def answered(yes: bool | None) -> None:
        if not yes:
            return
        outcome = app.edit(
            cli_text(*words, force=True), lambda s: ops.set_items_done(s, code, ids, True, user, force=True)
        )
        if outcome is not None and after is not None:
            after(outcome)

    question = f"{refusal.removesuffix(FORCE_HINT)}.\nTick it anyway? History notes the forced tick."
    app.push_screen(ConfirmScreen(question, yes="Tick anyway"), answered)
