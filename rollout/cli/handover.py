"""`handover`: give an owner's open items and regions to someone else, as one undoable change."""

from __future__ import annotations

import click

from rollout import handover as core
from rollout.cli import contract
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
    with app.db.transaction(app.user, app.command, dry_run=dry_run) as state:
        moved = core.hand_over(state, source, target, selectors)
    if as_json:
        from rollout.cli import output

        output.emit_json(contract.transaction_envelope(state, dry_run=dry_run))
        return
    if not moved.regions and not moved.items:
        click.echo(f"Nothing to hand over: {source} owns no open item or region there.")
        return
    lines = [f"region {r['code']} {r['name']}" for r in moved.regions]
    lines += [f"{i['id']} {i['region']} {i['title']}" for i in moved.items]
    verb = "Would hand over" if dry_run else "Handed over"
    counts = f"{_count(len(moved.regions), 'region')} and {_count(len(moved.items), 'open item')}"
    click.echo(f"{verb} {counts} from {source} to {target}:")
    click.echo("\n".join(f"  {line}" for line in lines))
    if dry_run:
        click.echo("Dry run: nothing was written.")


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


COMMANDS = [handover]
