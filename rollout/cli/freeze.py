"""`freeze add|list|remove`: freeze windows around peak season (rollout.freeze)."""

from __future__ import annotations

from typing import Any

import click

from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.regions import selectors_argument


def window_schema() -> contract.Schema:
    """A window as `freeze list --json` prints it: the record, plus `covers` (what falls in it now)."""
    from rollout import schema

    base = schema.json_schema(schema.FREEZES)
    base["properties"]["covers"] = contract.STRINGS
    base["required"] = list(base["properties"])
    return base


@click.group("freeze", short_help="Freeze windows: no launch or promotion start in peak season.")
def freeze() -> None:
    """Freeze windows around peak season: a launch or promotion start inside one is a warning with
    its reason, or refused unless --force when the window --blocks."""


def _json(state: Any, window: dict[str, Any]) -> dict[str, Any]:
    from rollout import freeze as core

    return {**window, "covers": core.covered(state, window)}


@freeze.command("add", short_help="Add a freeze window over the selected regions.")
@selectors_argument(required=True)
@click.option("--from", "start", required=True, metavar="WHEN", help="First local day (YYYY-MM-DD).")
@click.option("--to", "end", required=True, metavar="WHEN", help="Last local day, included.")
@click.option("--reason", required=True, help="Why (shown with every warning).")
@click.option("--blocks", is_flag=True, help="Refuse launches and promotion starts inside it unless --force.")
@contract.edits()
@pass_app
def freeze_add(
    app: App, selectors: tuple[str, ...], start: str, end: str, reason: str, blocks: bool, as_json: bool
) -> None:
    """Freeze the regions SELECTOR (CODE, wave=N, status=S, owner=NAME or all: the regions selected
    now) from --from to --to, both local days included in each region's calendar."""
    from rollout import freeze as core
    from rollout import ops

    with app.change() as state:
        window = ops.add_freeze(state, selectors, start=start, end=end, reason=reason, blocks=blocks)
        inside = core.covered(state, window)
    app.report(as_json, lambda: f"Added {core.describe(window)} over {', '.join(window['regions'])}.", warnings=inside)


@freeze.command("remove", short_help="Remove a freeze window.")
@click.argument("freeze_id", metavar="ID")
@contract.edits()
@pass_app
def freeze_remove(app: App, freeze_id: str, as_json: bool) -> None:
    """Remove freeze window ID (f1)."""
    from rollout import freeze as core
    from rollout import ops

    with app.change() as state:
        window = ops.remove_freeze(state, freeze_id)
    app.report(as_json, lambda: f"Removed {core.describe(window)}.")


@freeze.command("list", short_help="Every freeze window and what falls inside it.")
@contract.reads(lambda: contract.array(window_schema()))
@pass_app
def freeze_list(app: App, as_json: bool) -> None:
    """Every freeze window by start day, with the launches and promotion starts inside it now."""
    from rollout import freeze as core

    state = app.state()
    windows = core.windows(state)
    if as_json:
        output.emit_json([_json(state, w) for w in windows])
        return
    if not windows:
        click.echo("No freeze windows.")
        return
    rows = [
        [
            w["id"],
            w["start"],
            w["end"],
            "yes" if w["blocks"] else "no",
            w["scope"],
            "\n".join([w["reason"], *core.covered(state, w)]),
        ]
        for w in windows
    ]
    click.echo(output.table(["ID", "FROM", "TO", "BLOCKS", "REGIONS", "REASON"], rows))


COMMANDS = [freeze]
