"""`check ...`: the readiness checklist of a region."""

from __future__ import annotations

import click

from rollout import ops, queries, times
from rollout.cli import output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_item_ids, complete_region_codes, complete_selectors
from rollout.cli.regions import JSON, checklist_table
from rollout.model import CATEGORIES


@click.group()
def check() -> None:
    """The readiness checklist: list, add, tick, reopen, edit and remove items."""


@check.command("list")
@click.argument("code", shell_complete=complete_region_codes)
@click.option("--open", "open_only", is_flag=True, help="Only items not done yet.")
@JSON
@pass_app
def check_list(app: App, code: str, open_only: bool, as_json: bool) -> None:
    """List a region's checklist with the short ids other commands take."""
    state = app.state()
    items = queries.checklist(state, code.strip().upper(), open_only)
    if as_json:
        output.emit_json([queries.item_json(state, i) for i in items])
        return
    click.echo(checklist_table(state, items))
    region_code = code.strip().upper()
    click.echo(
        f"\nreadiness {queries.readiness(state, region_code)}%, {len(queries.open_critical(state, region_code))} critical open"
    )


@check.command("add")
@click.argument("selectors", nargs=-1, required=True, shell_complete=complete_selectors)
@click.argument("title")
@click.option("--category", help="One of " + ", ".join(CATEGORIES) + ".  [default: other]")
@click.option("--due", help=f"Due date: {times.WHEN_HELP}.")
@click.option("--owner", help="Who owns it.  [default: the region's owner]")
@click.option("--critical", is_flag=True, help="Gates launch: the region cannot launch while it is open.")
@JSON
@pass_app
def check_add(
    app: App,
    selectors: tuple[str, ...],
    title: str,
    category: str | None,
    due: str | None,
    owner: str | None,
    critical: bool,
    as_json: bool,
) -> None:
    """Add an item to every selected region (SELECTOR: CODE, wave=N, status=S or all)."""
    with app.change() as state:
        created = ops.add_items(state, selectors, title, category=category, due=due, owner=owner, critical=critical)
        data = [queries.item_json(state, i) for i in created]
    app.emit(as_json, data, lambda: "\n".join(f"Added {i['id']} to {i['region']}: {i['title']}" for i in created))


def _tick(app: App, code: str, item_ids: tuple[str, ...], done: bool, as_json: bool) -> None:
    with app.change() as state:
        changed = ops.set_items_done(state, code, item_ids, done, app.user)
        data = [queries.item_json(state, i) for i in changed]
    verb = "Done" if done else "Reopened"
    app.emit(as_json, data, lambda: "\n".join(f"{verb}: {i['id']} {i['title']}" for i in changed))


@check.command("done")
@click.argument("code", shell_complete=complete_region_codes)
@click.argument("item_ids", metavar="ITEM...", nargs=-1, required=True, shell_complete=complete_item_ids)
@JSON
@pass_app
def check_done(app: App, code: str, item_ids: tuple[str, ...], as_json: bool) -> None:
    """Tick items as done."""
    _tick(app, code, item_ids, True, as_json)


@check.command("reopen")
@click.argument("code", shell_complete=complete_region_codes)
@click.argument("item_ids", metavar="ITEM...", nargs=-1, required=True, shell_complete=complete_item_ids)
@JSON
@pass_app
def check_reopen(app: App, code: str, item_ids: tuple[str, ...], as_json: bool) -> None:
    """Mark items as not done again."""
    _tick(app, code, item_ids, False, as_json)


@check.command("edit")
@click.argument("code", shell_complete=complete_region_codes)
@click.argument("item_id", metavar="ITEM", shell_complete=complete_item_ids)
@click.option("--title", help="New title.")
@click.option("--category", help="One of " + ", ".join(CATEGORIES) + ".")
@click.option("--due", help=f"Due date: {times.WHEN_HELP}; '' clears it.")
@click.option("--owner", help="Who owns it.")
@click.option("--critical/--not-critical", default=None, help="Whether it gates launch.")
@JSON
@pass_app
def check_edit(app: App, code: str, item_id: str, as_json: bool, **fields: object) -> None:
    """Change an item's title, category, due date, owner or critical flag."""
    with app.change() as state:
        item = ops.edit_item(state, code, item_id, **fields)  # type: ignore[arg-type]
        data = queries.item_json(state, item)
    app.emit(as_json, data, lambda: f"Updated {item['id']}: {item['title']}")


@check.command("remove")
@click.argument("code", shell_complete=complete_region_codes)
@click.argument("item_ids", metavar="ITEM...", nargs=-1, required=True, shell_complete=complete_item_ids)
@pass_app
def check_remove(app: App, code: str, item_ids: tuple[str, ...]) -> None:
    """Remove items from a region's checklist."""
    with app.change() as state:
        removed = ops.remove_items(state, code, item_ids)
    app.say("\n".join(f"Removed {i['id']} {i['title']}" for i in removed))


COMMANDS = [check]
