"""`promo ...`: the promotional calendar."""

from __future__ import annotations

import click

from rollout import ops, queries, times
from rollout.cli import contract, notes, output
from rollout.cli.app import NOTHING_CHANGED, App, already_has, ids_argument, pass_app, require_change
from rollout.cli.completion import complete_promotion_ids, complete_selectors
from rollout.cli.regions import force_freeze, promo_table, selectors_argument
from rollout.state import Record, State


def promotion_argument():  # noqa: ANN201 (a Click decorator)
    """`[CODE] ID`: a promotion id alone (ids are unique), or after the code of its region."""
    return click.argument("words", metavar="[CODE] ID", nargs=-1, required=True, shell_complete=complete_promotion_ids)


@click.group(short_help="The promotional calendar: list, add, move, edit, remove.")
def promo() -> None:
    """The promotional calendar: list, add, move, edit and remove shopping events."""


@promo.command("list", short_help="Promotions ordered by start, in local times.")
@selectors_argument()
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="SELECTOR",
    help="Same as a SELECTOR argument (repeatable).",
    shell_complete=complete_selectors,
)
@click.option(
    "--from",
    "start",
    help=f"Only promotions still running at or after this: {times.WHEN_HELP}; "
    "a date is that day in each region's own calendar.",
)
@click.option("--to", "end", help="Only promotions starting before this (a date: its start in each region).")
@contract.reads(lambda: contract.array(contract.promotion_schema()))
@pass_app
def promo_list(
    app: App, selectors: tuple[str, ...], regions: tuple[str, ...], start: str | None, end: str | None, as_json: bool
) -> None:
    """List promotions ordered by start (times shown in each region's local time).

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region)."""
    for bound in (start, end):
        if bound is not None:
            times.parse_when_text(bound)  # a typo is an error even when no region is listed
    state = app.state()
    codes = queries.select(state, (*selectors, *regions), reading=True)
    promos = queries.promotions_between(state, codes, start, end)
    warnings = queries.warnings_for(state, promos, times.now())
    if as_json:
        output.emit_json([queries.promo_json(state, p, warnings[p["id"]]) for p in promos])
        return
    click.echo(promo_table(state, promos, warnings) if promos else "No promotions.")


def _report(
    app: App, state: State, promos: list[Record], as_json: bool, verb: str, unchanged: str = NOTHING_CHANGED
) -> None:
    """Print promotions just added, moved or edited, with their warnings (a batch checks them once,
    at the end); those the command left as they were are not named. `unchanged`: the line printed
    when none changed."""
    promos = [p for p in promos if state.changed("promotions", p["id"])]
    if app.batch is not None:
        app.batch.promotions.extend((app.batch.line, p["id"]) for p in promos)
        return
    warnings = queries.warnings_for(state, promos, times.now())
    said = [f"{p['id']} {p['name']!r} in {p['region']} {message}" for p in promos for message in warnings[p["id"]]]

    def human() -> str:
        lines = []
        for p in promos:
            tz = state.region(p["region"])["timezone"]
            lines.append(
                f"{verb} {p['id']} in {p['region']}: {p['name']} {times.local_display(p['start'], tz)} - {times.local_display(p['end'], tz)}"
            )
        return "\n".join(lines)

    app.report(as_json, human, said, unchanged=unchanged)


@promo.command("add", short_help="Add a promotion to each selected region.")
@selectors_argument(required=True)
@click.argument("name")
@click.option("--start", required=True, help=f"Start, in the region's local time: {times.WHEN_HELP}.")
@click.option("--end", required=True, help="End, after the start.")
@click.option("--kind", help="Kind of event, e.g. mega-sale, seasonal, local.  [default: campaign]")
@click.option("--force", is_flag=True, help="Start inside a blocking freeze window (recorded in history).")
@contract.edits()
@pass_app
def promo_add(
    app: App,
    selectors: tuple[str, ...],
    name: str,
    start: str,
    end: str,
    kind: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Add a promotion to every selected region (SELECTOR: CODE, wave=N, status=S, owner=NAME or all)."""
    with app.change() as state:
        force_freeze(state, force)
        created = ops.add_promotions(state, selectors, name, start=start, end=end, kind=kind)
    _report(app, state, created, as_json, "Added")


@promo.command("move", short_help="Move a promotion by a duration.")
@promotion_argument()
@click.option("--by", "by", required=True, help=f"How far: {times.DURATION_HELP}.")
@click.option("--force", is_flag=True, help="Start inside a blocking freeze window (recorded in history).")
@contract.edits()
@pass_app
def promo_move(app: App, words: tuple[str, ...], by: str, force: bool, as_json: bool) -> None:
    """Move a promotion by a duration (on the region's local calendar), keeping its length."""
    code, (promo_id,) = ids_argument(words, "ID", one=True)
    with app.change() as state:
        force_freeze(state, force)
        moved = ops.move_promotion(state, promo_id, by, code)
    _report(
        app, state, [moved], as_json, "Moved", f"Nothing changed: a move by {by} leaves {moved['id']} where it was."
    )


@promo.command("edit", short_help="Change a promotion's name, kind, start or end.")
@promotion_argument()
@click.option("--name", help="New name.")
@click.option("--kind", help="New kind.")
@click.option("--start", help=f"New start: {times.WHEN_HELP}.")
@click.option("--end", help="New end.")
@click.option("--force", is_flag=True, help="Start inside a blocking freeze window (recorded in history).")
@contract.edits()
@pass_app
def promo_edit(app: App, words: tuple[str, ...], force: bool, as_json: bool, **fields: str | None) -> None:
    """Change a promotion's name, kind, start or end."""
    code, (promo_id,) = ids_argument(words, "ID", one=True)
    require_change(fields)
    with app.change() as state:
        force_freeze(state, force)
        edited = ops.edit_promotion(state, promo_id, code=code, **fields)
    _report(app, state, [edited], as_json, "Updated", already_has([edited["id"]], fields))


@promo.command("remove", short_help="Remove a promotion.")
@promotion_argument()
@contract.edits()
@pass_app
def promo_remove(app: App, words: tuple[str, ...], as_json: bool) -> None:
    """Remove a promotion."""
    code, (promo_id,) = ids_argument(words, "ID", one=True)
    with app.change() as state:
        removed = ops.remove_promotion(state, promo_id, code)
    app.report(as_json, lambda: f"Removed {removed['id']} {removed['name']} ({removed['region']}).")


@promo.command("note", short_help="Add a dated note to a promotion.")
@click.argument("promo_id", metavar="ID")
@click.argument("text")
@click.option("--link", help=notes.LINK_HELP)
@contract.edits()
@pass_app
def promo_note(app: App, promo_id: str, text: str, link: str | None, as_json: bool) -> None:
    """Add a note to promotion ID: dated, signed with the user, never edited (undo takes it back)."""
    notes.add_note(app, "promotions", promo_id, text, link, as_json)


COMMANDS = [promo]
