"""`handover`: give an owner's open items and regions to someone else, as one undoable change."""

from __future__ import annotations

import click

from rollout import handover as core
from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_owners
from rollout.cli.regions import selectors_argument


@click.command("handover", short_help="Give an owner's open items and regions to someone else.")
@click.argument("source", metavar="FROM", shell_complete=complete_owners)
@click.argument("target", metavar="TO", shell_complete=complete_owners)
@selectors_argument()
@click.option("--dry-run", is_flag=True, help="Show what would move; write nothing.")
@contract.edits()
@pass_app
def handover(app: App, source: str, target: str, selectors: tuple[str, ...], dry_run: bool, as_json: bool) -> None:
    """Give TO every region and every open checklist item that FROM owns: one change, one history
    entry, undone by `rollout undo`. Done items keep their owner (who did the work). Names match
    as everywhere (case and spacing do not matter).

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region); only the chosen
    regions and their items move. --dry-run lists what would move and writes nothing."""
    nothing = f"Nothing to hand over: {source} owns no open item or region there."
    if dry_run:
        if app.batch is not None:
            raise click.UsageError("--dry-run is for the whole batch: `rollout batch FILE --dry-run`")
        with app.db.transaction(app.user, app.command, dry_run=True) as state:
            moved = core.hand_over(state, source, target, selectors)
        if as_json:
            output.emit_json(contract.transaction_envelope(state, dry_run=True))
        else:
            click.echo(_moved_text(moved, source, target, "Would hand over") if any(moved) else nothing)
            click.echo("Dry run: nothing was written.")
        return
    with app.change() as state:
        moved = core.hand_over(state, source, target, selectors)
    app.report(as_json, lambda: _moved_text(moved, source, target, "Handed over"), unchanged=nothing)


def _moved_text(moved: core.HandOver, source: str, target: str, verb: str) -> str:
    counts = f"{_count(len(moved.regions), 'region')} and {_count(len(moved.items), 'open item')}"
    lines = [f"{verb} {counts} from {source} to {target}:"]
    lines += [f"  region {r['code']} {r['name']}" for r in moved.regions]
    lines += [f"  {i['id']} {i['region']} {i['title']}" for i in moved.items]
    return "\n".join(lines)


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


COMMANDS = [handover]
