"""Edits a rule refuses unless forced (rollout.errors.Forcible), in the TUI: say how to force them.

The core's refusal ends with the CLI's advice ("...; use --force"), which means nothing in the
TUI. Where re-running the operation with force=True is simple (undo, redo, a region form's
save), the TUI asks "Force?" in a confirmation and re-runs it forced (history notes the forced
change, as `--force` does); elsewhere the notice says which command forces it from the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from rollout.errors import Forcible, RolloutError
from rollout.state import State
from rollout.tui.host import Host
from rollout.tui.session import Outcome

T = TypeVar("T")


# The CLI's advice at the end of a rule's refusal (rollout.rules, rollout.freeze): "; use --force[ to
# launch anyway]", "; use --force to set it anyway".
CLI_ADVICE = re.compile(r";? use --force( to [\w ]+ anyway)?$")
TUI_PREFIX = "tui: "


def refusal(error: RolloutError) -> str:
    """The core's message without the CLI's `use --force` advice."""
    return CLI_ADVICE.sub("", str(error)).rstrip()


def from_the_cli(error: RolloutError, command: str) -> str:
    """What to show when the TUI cannot force: for a Forcible refusal, the refusal and the CLI
    command that forces it ("...; to force it: rollout undo --entry 12 --force"); any other
    error as it is. `command` is the edit as the CLI spells it (cli_text; 'tui: ' is dropped)."""
    if not isinstance(error, Forcible):
        return str(error)
    return f"{refusal(error)}; to force it: rollout {command.removeprefix(TUI_PREFIX)} --force"


def ask_to_force(app: Host, error: Forcible, forced: Callable[[], None], *, yes: str = "Force") -> None:
    """Ask "Force?" with the refusal; yes runs `forced` (the operation again, with force=True)."""
    from rollout.tui.screens.forms import ConfirmScreen, force_question

    question = force_question(refusal(error))
    app.push_screen(ConfirmScreen(question, yes=yes), lambda answer: forced() if answer else None)


def past_freeze(change: Callable[[State], T]) -> Callable[[State], T]:
    """`change` made past blocking freeze windows (rollout.freeze.FORCE on its state, as the CLI's
    --force sets it): the window is noted in history instead."""
    from rollout.freeze import FORCE

    def forced(state: State) -> T:
        state.overrides.add(FORCE)
        return change(state)

    return forced


def edit_or_force(
    app: Host,
    command: str,
    change: Callable[[State, bool], T],
    then: Callable[[Outcome[T]], Any] | None = None,
) -> None:
    """Apply `change(state, force)` as one edit, unforced; when a rule refuses it (Forcible), ask
    whether to force it and, on yes, apply `change(state, True)` as `command --force`. Other errors
    are notices, as App.edit shows them. `then(outcome)` runs once a change is applied."""
    if app.refuse_read_only():
        return
    try:
        outcome = app.apply_edit(command, lambda state: change(state, False))
    except Forcible as error:

        def forced() -> None:  # --force: past the rule, and past freeze windows as the CLI's is
            done = app.edit(f"{command} --force", past_freeze(lambda state: change(state, True)))
            if done is not None and then is not None:
                then(done)

        ask_to_force(app, error, forced)
        return
    except RolloutError as error:
        app.notify(str(error), severity="error", title="Not done")
        return
    if then is not None:
        then(outcome)
