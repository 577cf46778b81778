"""`promo ...`: the promotional calendar."""

from __future__ import annotations

import click

from rollout import ops, queries, times
from rollout.cli import output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_promotion_ids, complete_region_codes, complete_selectors
from rollout.cli.regions import JSON, promo_table
from rollout.state import Record, State


@click.group()
def promo() -> None:
    """The promotional calendar: list, add, move, edit and remove shopping events."""


@promo.command("list")
@click.option("--region", "code", help="Only this region's promotions.", shell_complete=complete_region_codes)
@click.option(
    "--from",
    "start",
    help=f"Only promotions still running at or after this: {times.WHEN_HELP}; "
    "a date is that day in each region's own calendar.",
)
@click.option("--to", "end", help="Only promotions starting before this (a date: its start in each region).")
@JSON
@pass_app
def promo_list(app: App, code: str | None, start: str | None, end: str | None, as_json: bool) -> None:
    """List promotions ordered by start (times shown in each region's local time)."""
    state = app.state()
    region = state.region(code.strip().upper())["code"] if code else None
    for bound in (start, end):
        if bound is not None:
            times.parse_when_text(bound)  # a typo is an error even when no region is listed
    promos = queries.promotions_between(state, region, start, end)
    warnings = queries.warnings_for(state, promos, times.now())
    if as_json:
        output.emit_json([queries.promo_json(state, p, warnings[p["id"]]) for p in promos])
        return
    click.echo(promo_table(state, promos, warnings) if promos else "No promotions.")


def _report(app: App, state: State, promos: list[Record], as_json: bool, verb: str) -> None:
    if app.batch is not None:  # a batch checks its promotions once, at the end
        app.batch.promotions.extend((app.batch.line, p["id"]) for p in promos)
        return
    warnings = queries.warnings_for(state, promos, times.now())
    for p in promos:
        for message in warnings[p["id"]]:
            app.warn(f"{p['id']} {p['name']!r} in {p['region']} {message}")
    data = [queries.promo_json(state, p, warnings[p["id"]]) for p in promos]

    def human() -> str:
        lines = []
        for p in promos:
            tz = state.region(p["region"])["timezone"]
            lines.append(
                f"{verb} {p['id']} in {p['region']}: {p['name']} {times.local_display(p['start'], tz)} - {times.local_display(p['end'], tz)}"
            )
        return "\n".join(lines)

    app.emit(as_json, data, human)


@promo.command("add")
@click.argument("selectors", nargs=-1, required=True, shell_complete=complete_selectors)
@click.argument("name")
@click.option("--start", required=True, help=f"Start, in the region's local time: {times.WHEN_HELP}.")
@click.option("--end", required=True, help="End, after the start.")
@click.option("--kind", help="Kind of event, e.g. mega-sale, seasonal, local.  [default: campaign]")
@JSON
@pass_app
def promo_add(
    app: App, selectors: tuple[str, ...], name: str, start: str, end: str, kind: str | None, as_json: bool
) -> None:
    """Add a promotion to every selected region (SELECTOR: CODE, wave=N, status=S or all)."""
    with app.change() as state:
        created = ops.add_promotions(state, selectors, name, start=start, end=end, kind=kind)
    _report(app, state, created, as_json, "Added")


@promo.command("move")
@click.argument("promo_id", metavar="ID", shell_complete=complete_promotion_ids)
@click.option("--by", "by", required=True, help=f"How far: {times.DURATION_HELP}.")
@JSON
@pass_app
def promo_move(app: App, promo_id: str, by: str, as_json: bool) -> None:
    """Move a promotion by a duration (on the region's local calendar)."""
    with app.change() as state:
        moved = ops.move_promotion(state, promo_id, by)
    _report(app, state, [moved], as_json, "Moved")


@promo.command("edit")
@click.argument("promo_id", metavar="ID", shell_complete=complete_promotion_ids)
@click.option("--name", help="New name.")
@click.option("--kind", help="New kind.")
@click.option("--start", help=f"New start: {times.WHEN_HELP}.")
@click.option("--end", help="New end.")
@JSON
@pass_app
def promo_edit(app: App, promo_id: str, as_json: bool, **fields: str | None) -> None:
    """Change a promotion's name, kind, start or end."""
    with app.change() as state:
        edited = ops.edit_promotion(state, promo_id, **fields)
    _report(app, state, [edited], as_json, "Updated")


@promo.command("remove")
@click.argument("promo_id", metavar="ID", shell_complete=complete_promotion_ids)
@pass_app
def promo_remove(app: App, promo_id: str) -> None:
    """Remove a promotion."""
    with app.change() as state:
        removed = ops.remove_promotion(state, promo_id)
    app.say(f"Removed {removed['id']} {removed['name']} ({removed['region']}).")


COMMANDS = [promo]
