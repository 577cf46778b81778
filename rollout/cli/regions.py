"""`status`, `region ...` and `shift`."""

from __future__ import annotations

import click

from rollout import queries, times
from rollout.cli import contract, notes, output
from rollout.cli.app import App, already_has, pass_app, require_change
from rollout.cli.completion import complete_region_codes, complete_selectors
from rollout.cli.params import WholeNumber
from rollout.model import STATUSES
from rollout.state import Record, State

STATUS_CHOICE = click.Choice(STATUSES, case_sensitive=False)
WAVE_RANGE = WholeNumber(min=0)


def selectors_argument(required: bool = False):  # noqa: ANN201 (a Click decorator)
    """SELECTOR... as every command that takes regions takes it (queries.select_with_origin)."""
    return click.argument(
        "selectors",
        metavar="SELECTOR..." if required else "[SELECTOR]...",
        nargs=-1,
        required=required,
        shell_complete=complete_selectors,
    )


def _launch_cell(region: Record) -> str:
    return times.local_display(queries.effective_launch(region), region["timezone"], with_time=False)


@click.command(short_help="Every region: health, status, launch, readiness, promotion.")
@selectors_argument()
@contract.reads(lambda: contract.array(contract.status_row_schema()))
@pass_app
def status(app: App, selectors: tuple[str, ...], as_json: bool) -> None:
    """One row per region: health, status, launch, countdown, readiness, open critical items, next
    promotion. On a narrow terminal the table keeps code, name, health, launch and critical items
    first; --json rows also carry the health's reasons and the forecast ready date.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region)."""
    from rollout.status import status_rows  # health is imported by the commands that show it only

    state = app.state()
    rows = status_rows(state, codes=queries.select(state, selectors, reading=True))
    if as_json:
        output.emit_json(rows)
        return
    if not rows:
        click.echo("No regions match.")
        return
    cells = [
        [
            r["code"],
            r["name"],
            output.health_text(r["health"]),
            r["wave"],
            output.status_text(r["status"]),
            (r["launched_at"] or r["launch"] or "-")[:10],
            times.countdown(r["days_to_launch"]),
            f"{r['readiness']}%",
            r["critical_open"] or "",
            _next_promo_cell(r["next_promotion"]),
        ]
        for r in rows
    ]
    columns = STATUS_COLUMNS
    if any(r["signoff"] for r in rows):  # the go/no-go column, once any sign-off was asked for
        columns = [*STATUS_COLUMNS[:-1], "SIGN-OFF", STATUS_COLUMNS[-1]]
        cells = [[*c[:-1], r["signoff"] or "-", c[-1]] for c, r in zip(cells, rows, strict=True)]
    click.echo(output.table(columns, cells, width=output.terminal_width(), drop=STATUS_DROP))


STATUS_COLUMNS = ["CODE", "NAME", "HEALTH", "WAVE", "STATUS", "LAUNCH", "WHEN", "READY", "CRIT", "NEXT PROMOTION"]
# Where the terminal is narrow, these go first, in this order: code, name, health, launch and
# critical items stay (`rollout health` has the reasons).
STATUS_DROP = ("NEXT PROMOTION", "WAVE", "STATUS", "WHEN", "READY")


def _next_promo_cell(promo: dict | None) -> str:
    if promo is None:
        return "-"
    return f"{promo['name']} ({promo['start'][:10]})"


@click.group(short_help="List, show, add, change and remove regions.")
def region() -> None:
    """List, show, add, change and remove regions."""


@region.command("list", short_help="Regions ordered by launch.")
@selectors_argument()
@click.option("--status", type=STATUS_CHOICE, help="Only regions with this status.")
@click.option("--wave", type=WAVE_RANGE, help="Only regions of this wave.")
@contract.reads(lambda: contract.array(contract.region_schema()))
@pass_app
def region_list(app: App, selectors: tuple[str, ...], status: str | None, wave: int | None, as_json: bool) -> None:
    """List regions, ordered by launch.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region); --status and
    --wave narrow what the selectors chose."""
    state = app.state()
    chosen = set(queries.select(state, selectors, reading=True))
    regions = [r for r in queries.list_regions(state, status.lower() if status else None, wave) if r["code"] in chosen]
    if as_json:
        output.emit_json([queries.region_json(state, r) for r in regions])
        return
    if not regions:
        click.echo("No regions match.")
        return
    click.echo(
        output.table(
            ["CODE", "NAME", "TIMEZONE", "CUR", "WAVE", "STATUS", "OWNER", "LAUNCH"],
            [
                [
                    r["code"],
                    r["name"],
                    r["timezone"],
                    r["currency"],
                    r["wave"],
                    output.status_text(r["status"]),
                    r["owner"] or "-",
                    _launch_cell(r),
                ]
                for r in regions
            ],
        )
    )


def _show_schema() -> contract.Schema:
    return contract.obj(
        {
            "region": contract.region_schema(warnings=contract.STRINGS),
            "checklist": contract.array(contract.item_schema()),
            "promotions": contract.array(contract.promotion_schema()),
        }
    )


@region.command("show", short_help="A region with its checklist and promotions.")
@click.argument("code", shell_complete=complete_region_codes)
@contract.reads(_show_schema, shows=True)
@pass_app
def region_show(app: App, code: str, as_json: bool) -> None:
    """A region with its warnings, its checklist and its promotions."""
    state = app.state()
    reg = queries.region_named(state, code)
    reference = times.now()
    region_warnings = queries.region_warnings(state, reg["code"], reference)
    warnings = queries.promo_warnings(state, reg["code"], reference)
    promos = sorted(state.promotions_of(reg["code"]), key=lambda p: times.instant(p["start"]))
    items = state.items_of(reg["code"])
    if as_json:
        output.emit_json(
            {
                "region": {**queries.region_json(state, reg), "warnings": region_warnings},
                "checklist": [queries.item_json(state, i) for i in items],
                "promotions": [queries.promo_json(state, p, warnings[p["id"]]) for p in promos],
            }
        )
        return
    click.echo(describe_region(state, reg, region_warnings))
    click.echo("")
    click.echo(checklist_table(state, items))
    click.echo("")
    click.echo(promo_table(state, promos, warnings) if promos else "No promotions.")
    notes = notes_lines(state, reg, items, promos)
    if notes:
        click.echo("\nNotes:")
        click.echo("\n".join(notes))


def describe_region(state: State, reg: Record, warnings: list[str]) -> str:
    tz = reg["timezone"]
    data = queries.region_json(state, reg)
    launch = queries.effective_launch(reg)
    days = times.days_until(launch, tz, times.now()) if launch else None
    lines = [
        f"{reg['code']}  {reg['name']}  ({output.status_text(reg['status'])}, wave {reg['wave']})",
        f"  timezone  {tz}",
        f"  currency  {reg['currency']}",
        f"  owner     {reg['owner'] or '-'}",
        f"  launch    {times.local_display(reg.get('launch'), tz)} (target)",
    ]
    if reg.get("launched_at"):
        lines.append(f"  launched  {times.local_display(reg['launched_at'], tz)}")
    lines.append(f"  when      {times.countdown(days)}")
    lines.append(f"  readiness {data['readiness']}%, {data['critical_open']} critical item(s) open")
    lines.extend(output.style(f"  warning   {w}", fg="yellow") for w in warnings)
    return "\n".join(lines)


def checklist_table(state: State, items: list[Record], with_region: bool = False) -> str:
    """Items as a table; an AFTER column (the ids each waits for, `blocked` while one is open)
    appears when any listed item waits for another."""
    if not items:
        return "No checklist items."
    head = ["REGION"] if with_region else []
    waits = any(i.get("after") for i in items)
    return output.table(
        ["ID", *head, "", "CRIT", "CATEGORY", "TITLE", "OWNER", "DUE", *(["AFTER"] if waits else [])],
        [
            [
                i["id"],
                *([i["region"]] if with_region else []),
                _box(i),
                output.style("!", fg="red", bold=True) if i["critical"] else "",
                i["category"],
                i["title"] + (f" (n/a: {i['not_applicable']})" if i.get("not_applicable") else ""),
                i["owner"] or "-",
                queries.due_display(i, state.region(i["region"])["timezone"]),
                *([_after_cell(state, i)] if waits else []),
            ]
            for i in items
        ],
    )


def _box(item: Record) -> str:
    """[x] done, [ ] open, n/a not applicable to the region (rollout.schema.counts)."""
    if item.get("not_applicable"):
        return "n/a"
    return "[x]" if item["status"] == "done" else "[ ]"


def notes_lines(state: State, reg: Record, items: list[Record], promos: list[Record]) -> list[str]:
    """The notes of a region, its items and its promotions, oldest first within each, in the
    region's local time: '2026-11-24 10:00  amara  text  <link>' (region), 'c12  2026-...' (others)."""
    tz = reg["timezone"]
    lines = []
    for label, record in [("", reg), *((i["id"] + "  ", i) for i in items), *((p["id"] + "  ", p) for p in promos)]:
        for note in record.get("notes") or ():
            link = f"  <{note['link']}>" if note["link"] else ""
            lines.append(f"  {label}{times.local_display(note['at'], tz)}  {note['user']}  {note['text']}{link}")
    return lines


def _after_cell(state: State, item: Record) -> str:
    """'c10,c11 (blocked)': the ids an item waits for, and whether one of them is still open."""
    if not item.get("after"):
        return ""
    ids = ",".join(item["after"])
    return ids + " " + output.style("(blocked)", fg="yellow") if queries.is_blocked(state, item) else ids


def promo_table(state: State, promos: list[Record], warnings: dict[str, list[str]]) -> str:
    rows = []
    for p in promos:
        *cells, notes = queries.promo_cells(state, p, warnings)
        rows.append([*cells, output.style(notes, fg="yellow") if notes else ""])
    return output.table(["ID", "REGION", "NAME", "KIND", "START (local)", "END (local)", "WARNINGS"], rows)


def force_freeze(state: State, force: bool) -> None:
    """A --force lets this change set dates inside a blocking freeze window (rollout.freeze, noted in history)."""
    if force:
        from rollout.freeze import FORCE

        state.overrides.add(FORCE)


@region.command("add", short_help="Add a region.")
@click.argument("code")
@click.option("--name", required=True, help="Display name, e.g. Germany.")
@click.option("--tz", "timezone", required=True, help="IANA timezone, e.g. Europe/Berlin.")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. EUR.")
@click.option("--launch", help=f"Target launch: {times.WHEN_HELP}.")
@click.option("--wave", type=WAVE_RANGE, default=0, show_default=True, help="Rollout wave (a whole number >= 0).")
@click.option("--owner", help="Launch manager responsible.")
@click.option("--status", type=STATUS_CHOICE, default="planned", show_default=True, help="Status.")
@click.option("--force", is_flag=True, help="Set a launch inside a blocking freeze window (recorded in history).")
@click.option("--template", "template_name", metavar="NAME", help="Plan it from this launch template (needs --launch).")
@contract.edits()
@pass_app
def region_add(
    app: App,
    code: str,
    name: str,
    timezone: str,
    currency: str,
    launch: str | None,
    wave: int,
    owner: str | None,
    status: str,
    force: bool,
    template_name: str | None,
    as_json: bool,
) -> None:
    """Add a region (CODE: ISO 3166-1 alpha-2, or ISO 3166-2 for part of a country). With
    --template, its checklist and promotions come from that launch template, dated from --launch
    on the region's own calendar (`template apply`), in the same change."""
    from rollout import templates

    with app.change() as state:
        from rollout import territory  # the write path only: read commands start faster without it

        force_freeze(state, force)
        reg, steps = templates.add_region(
            state,
            code,
            template_name,
            name=name,
            timezone=timezone,
            currency=currency,
            launch=launch,
            wave=wave,
            owner=owner,
            status=status,
        )
        warnings = queries.launch_holiday_warnings(state, [reg["code"]]) if launch else []
        warnings += territory.region_warnings(reg)
    planned = f" from template {template_name.strip().lower()}: {templates.summary(steps)}" if template_name else ""
    app.report(as_json, lambda: f"Added region {reg['code']} ({reg['name']}){planned}.", warnings)


@region.command("set", short_help="Change fields of the selected regions.")
@selectors_argument(required=True)
@click.option("--name", help="Display name.")
@click.option("--tz", "timezone", help="IANA timezone.")
@click.option("--currency", help="ISO 4217 code.")
@click.option("--launch", help=f"Target launch: {times.WHEN_HELP}.")
@click.option("--wave", type=WAVE_RANGE, help="Rollout wave (a whole number >= 0).")
@click.option("--owner", help="Launch manager responsible.")
@click.option("--status", type=STATUS_CHOICE, help="Status.")
@click.option(
    "--force",
    is_flag=True,
    help="Launch even with critical items open or a sign-off not fresh, or set a launch inside a "
    "blocking freeze window (recorded in history).",
)
@contract.edits()
@pass_app
def region_set(app: App, selectors: tuple[str, ...], force: bool, as_json: bool, **fields: str | None) -> None:
    """Change fields of the selected regions (SELECTOR: CODE, wave=N, status=S, owner=NAME or all)."""
    require_change(fields)
    with app.change() as state:
        from rollout import ops, territory  # the write path only: read commands start faster without them

        force_freeze(state, force)
        updated = ops.set_regions(state, selectors, force=force, **fields)  # type: ignore[arg-type]
        codes = [r["code"] for r in updated if state.changed("regions", r["code"])]  # not those already so
        warnings = queries.launch_holiday_warnings(state, codes) if fields.get("launch") is not None else []
        for region in updated:  # only the fields this command set are judged
            if state.changed("regions", region["code"]):
                warnings += territory.region_warnings(
                    region, zone=fields.get("timezone") is not None, currency=fields.get("currency") is not None
                )
    app.report(
        as_json,
        lambda: f"Updated {', '.join(codes)}.",
        warnings,
        unchanged=already_has([r["code"] for r in updated], fields),
    )


@region.command("remove", short_help="Remove a region with its checklist and promotions.")
@click.argument("code", shell_complete=complete_region_codes)
@click.option("--yes", is_flag=True, help="Confirm: the region's checklist and promotions go too.")
@contract.edits()
@pass_app
def region_remove(app: App, code: str, yes: bool, as_json: bool) -> None:
    """Remove a region with its checklist and promotions (undo brings them back)."""
    if not yes:
        raise click.UsageError("removing a region needs --yes (its checklist and promotions go too)")
    with app.change() as state:
        from rollout import ops  # the write path only: read commands start faster without it

        removed = ops.remove_region(state, code)
    app.report(
        as_json, lambda: f"Removed region {removed['code']} ({removed['name']}) with its checklist and promotions."
    )


@click.command(short_help="Move launch targets by a duration.")
@selectors_argument(required=True)
@click.option("--by", "by", required=True, help=f"How far: {times.DURATION_HELP}.")
@click.option(
    "--with-promos",
    is_flag=True,
    help="Move the regions' promotions that have not started yet too (unedited template ones keep their offsets).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Move launches or promotion starts into a blocking freeze window all the same (recorded in history).",
)
@click.option(
    "--with-items", is_flag=True, help="Move open template items nobody edited, keeping their offsets (working days)."
)
@contract.edits()
@pass_app
def shift(
    app: App, selectors: tuple[str, ...], by: str, with_promos: bool, with_items: bool, force: bool, as_json: bool
) -> None:
    """Move launch targets by a duration (SELECTOR: CODE, wave=N, status=S, owner=NAME or all).
    With --with-items, open items applied from a template and not edited since keep their offset
    from the launch: -10wd stays ten working days before it, on the region's calendar; so do such
    promotions with --with-promos (the others move by the duration)."""
    from rollout import templates

    with app.change() as state:
        force_freeze(state, force)
        shifted, items = templates.shift(state, selectors, by, with_promos=with_promos, with_items=with_items)
        moved = [r for r in shifted if state.changed("regions", r["code"])]  # a move by 0d moves none
        warnings = queries.launch_holiday_warnings(state, [r["code"] for r in moved])
    app.report(
        as_json,
        lambda: "\n".join(
            [f"{r['code']} launch now {times.local_display(r['launch'], r['timezone'])}" for r in moved]
            + ([f"{len(items)} item(s) moved with the launch"] if with_items else [])
        ),
        warnings,
        unchanged=f"Nothing changed: a move by {by} leaves the launch{'es' if len(shifted) > 1 else ''} of "
        f"{', '.join(r['code'] for r in shifted)} where {'they were' if len(shifted) > 1 else 'it was'}.",
    )


@region.command("note", short_help="Add a dated note to a region.")
@click.argument("code", shell_complete=complete_region_codes)
@click.argument("text")
@click.option("--link", help=notes.LINK_HELP)
@contract.edits()
@pass_app
def region_note(app: App, code: str, text: str, link: str | None, as_json: bool) -> None:
    """Add a note to region CODE: dated, signed with the user, never edited (undo takes it back)."""
    notes.add_note(app, "regions", code, text, link, as_json)


COMMANDS = [status, region, shift]
