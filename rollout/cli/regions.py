"""`status`, `region ...` and `shift`."""

from __future__ import annotations

import click

from rollout import ops, queries, times
from rollout.cli import output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_region_codes, complete_selectors
from rollout.cli.exchange import warn_launch_holidays
from rollout.model import STATUSES
from rollout.state import Record, State

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON to stdout.")
STATUS_CHOICE = click.Choice(STATUSES, case_sensitive=False)


def _launch_cell(region: Record) -> str:
    return times.local_display(queries.effective_launch(region), region["timezone"], with_time=False)


@click.command()
@JSON
@pass_app
def status(app: App, as_json: bool) -> None:
    """One row per region: status, launch, countdown, readiness, open critical items, next promotion."""
    state = app.state()
    rows = queries.status_rows(state)
    if as_json:
        output.emit_json(rows)
        return
    click.echo(
        output.table(
            ["CODE", "NAME", "WAVE", "STATUS", "LAUNCH", "WHEN", "READY", "CRIT", "NEXT PROMOTION"],
            [
                [
                    r["code"],
                    r["name"],
                    r["wave"],
                    output.status_text(r["status"]),
                    (r["launched_at"] or r["launch"] or "-")[:10],
                    times.countdown(r["days_to_launch"]),
                    f"{r['readiness']}%",
                    r["critical_open"] or "",
                    _next_promo_cell(r["next_promotion"]),
                ]
                for r in rows
            ],
        )
    )


def _next_promo_cell(promo: dict | None) -> str:
    if promo is None:
        return "-"
    return f"{promo['name']} ({promo['start'][:10]})"


@click.group()
def region() -> None:
    """List, show, add, change and remove regions."""


@region.command("list")
@click.option("--status", type=STATUS_CHOICE, help="Only regions with this status.")
@click.option("--wave", type=click.IntRange(min=0), help="Only regions of this wave.")
@JSON
@pass_app
def region_list(app: App, status: str | None, wave: int | None, as_json: bool) -> None:
    """List regions, ordered by launch."""
    state = app.state()
    regions = queries.list_regions(state, status.lower() if status else None, wave)
    if as_json:
        output.emit_json([queries.region_json(state, r) for r in regions])
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


@region.command("show")
@click.argument("code", shell_complete=complete_region_codes)
@JSON
@pass_app
def region_show(app: App, code: str, as_json: bool) -> None:
    """A region with its checklist and promotions."""
    state = app.state()
    reg = state.region(code.strip().upper())
    warnings = queries.promo_warnings(state, reg["code"], times.now())
    promos = sorted(state.promotions_of(reg["code"]), key=lambda p: times.instant(p["start"]))
    items = state.items_of(reg["code"])
    if as_json:
        output.emit_json(
            {
                "region": queries.region_json(state, reg),
                "checklist": [queries.item_json(state, i) for i in items],
                "promotions": [queries.promo_json(state, p, warnings[p["id"]]) for p in promos],
            }
        )
        return
    click.echo(describe_region(state, reg))
    click.echo("")
    click.echo(checklist_table(state, items))
    click.echo("")
    click.echo(promo_table(state, promos, warnings) if promos else "No promotions.")


def describe_region(state: State, reg: Record) -> str:
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
    lines.extend(output.style(f"  warning   {w}", fg="yellow") for w in queries.region_warnings(state, reg["code"]))
    return "\n".join(lines)


def checklist_table(state: State, items: list[Record]) -> str:
    if not items:
        return "No checklist items."
    return output.table(
        ["ID", "", "CRIT", "CATEGORY", "TITLE", "OWNER", "DUE"],
        [
            [
                i["id"],
                "[x]" if i["status"] == "done" else "[ ]",
                output.style("!", fg="red", bold=True) if i["critical"] else "",
                i["category"],
                i["title"],
                i["owner"] or "-",
                queries.due_display(i, state.region(i["region"])["timezone"]),
            ]
            for i in items
        ],
    )


def promo_table(state: State, promos: list[Record], warnings: dict[str, list[str]]) -> str:
    rows = []
    for p in promos:
        *cells, notes = queries.promo_cells(state, p, warnings)
        rows.append([*cells, output.style(notes, fg="yellow") if notes else ""])
    return output.table(["ID", "REGION", "NAME", "KIND", "START (local)", "END (local)", "WARNINGS"], rows)


@region.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Display name, e.g. Germany.")
@click.option("--tz", "timezone", required=True, help="IANA timezone, e.g. Europe/Berlin.")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. EUR.")
@click.option("--launch", help=f"Target launch: {times.WHEN_HELP}.")
@click.option("--wave", default="0", show_default=True, help="Rollout wave (a whole number >= 0).")
@click.option("--owner", help="Launch manager responsible.")
@click.option("--status", default="planned", show_default=True, help="One of " + ", ".join(STATUSES) + ".")
@JSON
@pass_app
def region_add(
    app: App,
    code: str,
    name: str,
    timezone: str,
    currency: str,
    launch: str | None,
    wave: str,
    owner: str | None,
    status: str,
    as_json: bool,
) -> None:
    """Add a region."""
    with app.change() as state:
        reg = ops.add_region(
            state,
            code,
            name=name,
            timezone=timezone,
            currency=currency,
            launch=launch,
            wave=wave,
            owner=owner,
            status=status,
        )
        data = queries.region_json(state, reg)
    if launch:
        warn_launch_holidays(app, state, [reg["code"]])
    app.emit(as_json, data, lambda: f"Added region {reg['code']} ({reg['name']}).")


@region.command("set")
@click.argument("selectors", nargs=-1, required=True, shell_complete=complete_selectors)
@click.option("--name", help="Display name.")
@click.option("--tz", "timezone", help="IANA timezone.")
@click.option("--currency", help="ISO 4217 code.")
@click.option("--launch", help=f"Target launch: {times.WHEN_HELP}.")
@click.option("--wave", help="Rollout wave (a whole number >= 0).")
@click.option("--owner", help="Launch manager responsible.")
@click.option("--status", help="One of " + ", ".join(STATUSES) + ".")
@click.option("--force", is_flag=True, help="Launch even with critical items open (recorded in history).")
@JSON
@pass_app
def region_set(app: App, selectors: tuple[str, ...], force: bool, as_json: bool, **fields: str | None) -> None:
    """Change fields of the selected regions (SELECTOR: CODE, wave=N, status=S or all)."""
    with app.change() as state:
        codes = queries.select(state, selectors)
        updated = ops.set_regions(state, codes, force=force, **fields)
        data = [queries.region_json(state, r) for r in updated]
    if fields.get("launch") is not None:
        warn_launch_holidays(app, state, [r["code"] for r in updated])
    app.emit(as_json, data, lambda: f"Updated {', '.join(r['code'] for r in updated)}.")


@region.command("remove")
@click.argument("code", shell_complete=complete_region_codes)
@click.option("--yes", is_flag=True, help="Confirm: the region's checklist and promotions go too.")
@pass_app
def region_remove(app: App, code: str, yes: bool) -> None:
    """Remove a region with its checklist and promotions (undo brings them back)."""
    if not yes:
        raise click.UsageError("removing a region needs --yes (its checklist and promotions go too)")
    with app.change() as state:
        removed = ops.remove_region(state, code)
    app.say(f"Removed region {removed['code']} ({removed['name']}) with its checklist and promotions.")


@click.command()
@click.argument("selectors", nargs=-1, required=True, shell_complete=complete_selectors)
@click.option("--by", "by", required=True, help=f"How far: {times.DURATION_HELP}.")
@click.option("--with-promos", is_flag=True, help="Move the regions' promotions that have not started yet too.")
@JSON
@pass_app
def shift(app: App, selectors: tuple[str, ...], by: str, with_promos: bool, as_json: bool) -> None:
    """Move launch targets by a duration (SELECTOR: CODE, wave=N, status=S or all)."""
    with app.change() as state:
        shifted = ops.shift(state, selectors, by, with_promos)
        data = [queries.region_json(state, r) for r in shifted]
    warn_launch_holidays(app, state, [r["code"] for r in shifted])
    app.emit(
        as_json,
        data,
        lambda: "\n".join(f"{r['code']} launch now {times.local_display(r['launch'], r['timezone'])}" for r in shifted),
    )


COMMANDS = [status, region, shift]
