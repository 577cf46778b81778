"""`template ...`, `check na|applies|note`, `promo note`, `region note`: launch templates, items
not applicable to a region, and notes (issue 21). The rules are rollout.templates'."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from rollout import offsets, templates
from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.checklist import CATEGORIES_HELP, CATEGORY_CHOICE
from rollout.cli.completion import complete_region_codes
from rollout.cli.regions import force_freeze, selectors_argument
from rollout.errors import InvalidValue
from rollout.state import Record

OFFSET_HELP = offsets.OFFSET_HELP


@click.group("template", short_help="Launch templates: list, show, add, edit, apply, export, import.")
def template() -> None:
    """Launch templates the team shares: a checklist and promotions with dates as offsets from the
    launch (-10wd: ten working days before it on the region's own calendar; -2w; 3d). Applying one
    to a region resolves the offsets once and remembers where each item came from, so applying it
    again after the template changed updates what nobody edited and lists the rest as conflicts."""


def _list_schema() -> contract.Schema:
    row = contract.obj(
        {
            "name": contract.STRING,
            "version": contract.COUNT,
            "items": contract.COUNT,
            "promotions": contract.COUNT,
            "updated_at": contract.INSTANT,
            "updated_by": contract.STRING,
        }
    )
    return contract.array(row)


@template.command("list", short_help="The templates with their version and size.")
@contract.reads(_list_schema)
@pass_app
def template_list(app: App, as_json: bool) -> None:
    """The templates stored in the database, by name: version, items, promotions, last change."""
    rows = [
        {
            "name": t["name"],
            "version": t["version"],
            "items": len(t["items"]),
            "promotions": len(t["promotions"]),
            "updated_at": t["updated_at"],
            "updated_by": t["updated_by"],
        }
        for t in templates.templates(app.state())
    ]
    if as_json:
        output.emit_json(rows)
        return
    if not rows:
        click.echo("No templates.")
        return
    click.echo(
        output.table(
            ["NAME", "VERSION", "ITEMS", "PROMOTIONS", "CHANGED", "BY"],
            [
                [r["name"], r["version"], r["items"], r["promotions"], r["updated_at"][:10], r["updated_by"]]
                for r in rows
            ],
        )
    )


@template.command("show", short_help="A template's items and promotions with their offsets.")
@click.argument("name")
@contract.reads(contract.template_schema, shows=True)
@pass_app
def template_show(app: App, name: str, as_json: bool) -> None:
    """A template's checklist items and promotions, each with its key and offsets."""
    found = templates.template(app.state(), name)
    if as_json:
        output.emit_json(templates.template_json(found))
        return
    click.echo(describe_template(found))


def describe_template(found: Record) -> str:
    """A template as text: a heading, then its items and promotions as tables."""
    lines = [
        f"{found['name']}  version {found['version']}  "
        f"(changed {found['updated_at'][:10]} by {found['updated_by'] or '-'})",
        "",
    ]
    if found["items"]:
        lines.append(
            output.table(
                ["KEY", "CRIT", "CATEGORY", "TITLE", "OWNER", "DUE", "AFTER"],
                [
                    [
                        s["key"],
                        "!" if s["critical"] else "",
                        s["category"],
                        s["title"],
                        s["owner"] or "(region's)",
                        s["due"] or "-",
                        ",".join(s["after"]),
                    ]
                    for s in found["items"]
                ],
            )
        )
    else:
        lines.append("No checklist items.")
    if found["promotions"]:
        lines.append("")
        lines.append(
            output.table(
                ["KEY", "NAME", "KIND", "START", "END"],
                [[s["key"], s["name"], s["kind"], s["start"], s["end"]] for s in found["promotions"]],
            )
        )
    return "\n".join(lines)


@template.command("add", short_help="Add a template, empty or captured from a region.")
@click.argument("name")
@click.option(
    "--from",
    "source",
    metavar="CODE",
    shell_complete=complete_region_codes,
    help="Capture this region's checklist and promotions as offsets from its launch.",
)
@contract.edits()
@pass_app
def template_add(app: App, name: str, source: str | None, as_json: bool) -> None:
    """Add template NAME at version 1: empty, or with --from CODE the region's checklist and
    promotions, each date an offset in calendar days from its launch day (edit them to working
    days with `template edit`)."""
    with app.change() as state:
        added = templates.add_template(state, name, app.user, source=source)
    app.report(
        as_json,
        lambda: (
            f"Added template {added['name']} (version 1): {len(added['items'])} item(s), "
            f"{len(added['promotions'])} promotion(s)."
        ),
    )


@template.command("edit", short_help="Add, change or remove one item or promotion (a new version).")
@click.argument("name")
@click.argument("key")
@click.option("--title", help="The item's title (a promotion's name). Needed for a new key.")
@click.option("--category", type=CATEGORY_CHOICE, metavar="CATEGORY", help=CATEGORIES_HELP)
@click.option("--owner", help="Who owns the item; '' for the owner of the region it is applied to.")
@click.option("--critical/--not-critical", default=None, help="Whether the item gates the launch.")
@click.option("--due", help=f"The item's due: {OFFSET_HELP}; '' for none.")
@click.option(
    "--after", metavar="KEY[,KEY...]", help="Keys of the items it waits for, replacing the list ('' for none)."
)
@click.option("--promo", "promotion", is_flag=True, help="A new KEY is a promotion (needs --title, --start, --end).")
@click.option("--kind", help="The promotion's kind.")
@click.option("--start", help=f"The promotion's first day: {OFFSET_HELP}.")
@click.option("--end", help="The promotion's end (exclusive), an offset like --start.")
@click.option("--remove", is_flag=True, help="Remove the item or promotion KEY from the template.")
@contract.edits()
@pass_app
def template_edit(app: App, name: str, key: str, as_json: bool, **fields: Any) -> None:
    """Change template NAME's item or promotion KEY, add one under a new KEY, or --remove it. Each
    edit that changes something makes a new version; regions get it when it is applied again."""
    with app.change() as state:
        edited, action = templates.edit_template(state, name, key, app.user, **fields)
    app.report(
        as_json,
        lambda: f"Template {edited['name']} version {edited['version']}: {action} {key.strip().lower()}.",
        unchanged=f"Nothing changed: template {edited['name']} already has those values for {key.strip().lower()}.",
    )


@template.command("remove", short_help="Remove a template (applied items stay).")
@click.argument("name")
@contract.edits()
@pass_app
def template_remove(app: App, name: str, as_json: bool) -> None:
    """Remove template NAME. Items and promotions applied from it stay, remembering it."""
    with app.change() as state:
        removed = templates.remove_template(state, name)
    app.report(as_json, lambda: f"Removed template {removed['name']} (version {removed['version']}).")


def _steps_schema() -> dict[str, contract.Schema]:
    return {
        "template": contract.STRING,
        "version": contract.COUNT,
        "steps": contract.array(contract.template_step_schema()),
    }


@template.command("apply", short_help="Apply a template to regions: a per-item diff.")
@click.argument("name")
@selectors_argument(required=True)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the diff, promotions a blocking freeze window refuses included; write nothing.",
)
@click.option(
    "--force", is_flag=True, help="Start promotions inside a blocking freeze window all the same (recorded in history)."
)
@contract.edits(_steps_schema)
@pass_app
def template_apply(app: App, name: str, selectors: tuple[str, ...], dry_run: bool, force: bool, as_json: bool) -> None:
    """Apply template NAME to the selected regions (SELECTOR: CODE, wave=N, status=S, owner=NAME or
    all), resolving each offset from the region's launch on its own calendar. Applied again after
    the template changed: new items are added, items nobody edited since are updated, items edited
    by hand are listed as conflicts and kept, items the template no longer has are listed. A
    promotion that would start inside a blocking freeze window refuses the whole apply unless
    --force; --dry-run lists it (x ... refused) with the rest of the diff."""
    if dry_run:
        if app.batch is not None:
            raise click.UsageError("--dry-run is for the whole batch: `rollout batch FILE --dry-run`")
        with app.db.transaction(app.user, app.command, dry_run=True) as state:
            force_freeze(state, force)
            chosen = templates.template(state, name)
            steps = templates.apply(state, name, selectors, preview=True)
        _print_steps(app, state, chosen, steps, as_json, dry_run=True)
        return
    with app.change() as state:
        force_freeze(state, force)
        chosen = templates.template(state, name)
        steps = templates.apply(state, name, selectors)
    if app.batch is not None:
        return
    _print_steps(app, state, chosen, steps, as_json)


def _print_steps(
    app: App, state: Any, chosen: Record, steps: Sequence[templates.Step], as_json: bool, dry_run: bool = False
) -> None:
    extra = {"template": chosen["name"], "version": chosen["version"], "steps": [s.as_json() for s in steps]}
    refused = templates.refusals(steps)  # only a dry run gets here with some: a real apply is refused
    if as_json:
        output.emit_json(contract.transaction_envelope(state, dry_run=dry_run, warnings=refused, **extra))
        return
    click.echo(templates.diff_text(chosen, steps, dry_run))
    for message in state.notes:  # a forced start inside a window (a dry run's: what would be noted)
        output.warn(message)


@template.command("export", short_help="Write a template to a JSON file.")
@click.argument("name")
@click.option("-o", "--output", "target", required=True, metavar="FILE|-", help="The file to write ('-': stdout).")
@contract.reads(
    lambda: contract.obj({"name": contract.STRING, "version": contract.COUNT, "file": contract.STRING}), shows=True
)
@pass_app
def template_export(app: App, name: str, target: str, as_json: bool) -> None:
    """Write template NAME to FILE as JSON ({"rollout_template": 1, name, version, items,
    promotions}), for another database's `template import`."""
    import orjson

    found = templates.template(app.state(), name)
    data = orjson.dumps(templates.export_template(found), option=orjson.OPT_INDENT_2) + b"\n"
    if target == "-":
        sys.stdout.buffer.write(data)
        return
    from rollout.files import atomic_write

    try:
        atomic_write(Path(target), data)
    except OSError as exc:
        raise InvalidValue(f"cannot write {target}: {exc.strerror or exc}") from None
    if as_json:
        output.emit_json({"name": found["name"], "version": found["version"], "file": target})
        return
    click.echo(f"Wrote template {found['name']} version {found['version']} to {target}.")


@template.command("import", short_help="Add or update a template from a JSON file.")
@click.argument("file", metavar="FILE|-")
@contract.edits()
@pass_app
def template_import(app: App, file: str, as_json: bool) -> None:
    """Store the template in FILE (written by `template export`): a new template, or a new version
    of the one of that name."""
    label = "stdin" if file == "-" else file
    data = templates.read_file(label, output.read_input(file, label))
    with app.change() as state:
        stored, action = templates.import_template(state, data, app.user, label)
    app.report(
        as_json,
        lambda: f"Template {stored['name']} {action}: version {stored['version']}.",
        unchanged=f"Nothing changed: template {stored['name']} already holds what {label} holds.",
    )


COMMANDS = [template]
