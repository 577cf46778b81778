"""The launch cockpit's reads: `health`, `agenda`, `owners`, `timeline` and `digest`.

Each command is a thin layer over one core function (rollout.health, agenda, timeline, digest):
it reads the database, asks the core, and prints a table, the text Gantt, or JSON. The core
modules are imported inside the commands, so the other commands do not pay for them.
"""

from __future__ import annotations

import textwrap
from typing import Any

import click

from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_owners, complete_selectors
from rollout.cli.params import WholeNumber
from rollout.cli.regions import selectors_argument

DAYS_RANGE = WholeNumber(min=0, max=366)
SHOWN_REGIONS = 8  # an owner's regions listed in the table before "+N more"


# -- schemas ---------------------------------------------------------------------------------
def _healths() -> contract.Schema:
    from rollout.health import HEALTHS

    return {"type": "string", "enum": list(HEALTHS)}


def health_row_schema() -> contract.Schema:
    """A row of `health --json` (rollout.health.health_json)."""
    from rollout.model import STATUSES

    c = contract
    return c.obj(
        {
            "code": c.STRING,
            "name": c.STRING,
            "status": {"type": "string", "enum": list(STATUSES)},
            "launch": c.nullable(c.INSTANT),
            "days_to_launch": c.nullable(c.INTEGER),
            "health": _healths(),
            "reasons": c.STRINGS,
            "forecast": c.nullable(c.DATE),
            "forecast_by_due": c.nullable(c.DATE),
            "forecast_by_pace": c.nullable(c.DATE),
            "pace": c.nullable({"type": "number", "minimum": 0}),
            "open": c.COUNT,
            "critical_open": c.COUNT,
            "overdue": c.COUNT,
            "signoff": c.nullable({"type": "string", "enum": ["pending", "approved", "rejected", "stale"]}),
        }
    )


def agenda_entry_schema() -> contract.Schema:
    """An entry of `agenda --json` (rollout.agenda.agenda_json)."""
    from rollout.agenda import KINDS

    c = contract
    return c.obj(
        {
            "date": c.DATE,
            "kind": {"type": "string", "enum": list(KINDS)},
            "region": c.STRING,
            "id": c.STRING,
            "title": c.STRING,
            "owner": c.STRING,
            "overdue": c.BOOLEAN,
            "critical": c.BOOLEAN,
            "time": c.nullable({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}),
            "days_overdue": c.COUNT,
        }
    )


def owner_row_schema() -> contract.Schema:
    """A row of `owners --json` (rollout.agenda.owner_json)."""
    c = contract
    return c.obj(
        {
            "owner": c.STRING,
            "open": c.COUNT,
            "overdue": c.COUNT,
            "critical_open": c.COUNT,
            "due_soon": c.COUNT,
            "regions": c.STRINGS,
        }
    )


def timeline_schema() -> contract.Schema:
    """`timeline --json`: the window and one object per region (timeline_json)."""
    from rollout.model import STATUSES

    c = contract
    bar = c.obj(
        {
            "id": c.STRING,
            "name": c.STRING,
            "kind": c.STRING,
            "first": c.DATE,
            "last": c.DATE,
            "conflict": c.BOOLEAN,
            "notes": c.STRINGS,
        }
    )
    row = c.obj(
        {
            "code": c.STRING,
            "name": c.STRING,
            "status": {"type": "string", "enum": list(STATUSES)},
            "health": c.nullable(_healths()),
            "today": c.DATE,
            "launch": c.nullable(c.DATE),
            "launched": c.BOOLEAN,
            "promotions": c.array(bar),
            "holidays": c.array(c.obj({"date": c.DATE, "name": c.STRING})),
            "conflicts": c.array(c.obj({"date": c.DATE, "text": c.STRING, "ids": c.STRINGS})),
        }
    )
    return c.obj({"from": c.DATE, "to": c.DATE, "today": c.DATE, "rows": c.array(row)})


def digest_schema() -> contract.Schema:
    """`digest --json` (rollout.digest.digest_json)."""
    c = contract
    health = c.nullable(_healths())
    region = c.obj(
        {
            "code": c.STRING,
            "name": c.STRING,
            "launch": c.nullable(c.DATE),
            "health": _healths(),
            "reasons": c.STRINGS,
            "forecast": c.nullable(c.DATE),
        }
    )
    overdue = c.obj({"id": c.STRING, "region": c.STRING, "title": c.STRING, "days_overdue": c.COUNT})
    entry = c.obj({"id": c.COUNT, "at": c.INSTANT, "user": c.STRING, "command": c.STRING, "summary": c.STRING})
    return c.obj(
        {
            "since": c.INSTANT,
            "at": c.INSTANT,
            "days": c.COUNT,
            "health_changes": c.array(
                c.obj({"code": c.STRING, "name": c.STRING, "before": health, "after": health, "reasons": c.STRINGS})
            ),
            "off_track": c.array(region),
            "at_risk": c.array(region),
            "overdue_critical": c.array(c.obj({"owner": c.STRING, "items": c.array(overdue)})),
            "upcoming": c.array(agenda_entry_schema()),
            "go_no_go": c.array(
                c.obj(
                    {
                        "code": c.STRING,
                        "signoff": c.nullable({"type": "string", "enum": ["pending", "approved", "rejected", "stale"]}),
                        "freezes": c.STRINGS,
                    }
                )
            ),
            "changes": c.obj(
                {
                    "total": c.COUNT,
                    "by_user": {"type": "object", "additionalProperties": c.COUNT},
                    "entries": c.array(entry),
                }
            ),
        }
    )


# -- health ----------------------------------------------------------------------------------
@click.command("health", short_help="Each region's health and why, worst first.")
@selectors_argument()
@contract.reads(lambda: contract.array(health_row_schema()))
@pass_app
def health_command(app: App, selectors: tuple[str, ...], as_json: bool) -> None:
    """One row per region, worst first: health (off track, at risk, no date, on track, paused,
    launched), the reasons behind it, the forecast ready date, open critical and overdue items.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region). The rules and the
    forecast's formula: the manual, docs/guide/cockpit.md, "Health and forecast"."""
    from rollout.health import health_rows

    state = app.state()
    rows = health_rows(state, selectors)
    if as_json:
        output.emit_json(rows)
        return
    if not rows:
        click.echo("No regions match.")
        return
    width = output.terminal_width()
    headers = ["CODE", "NAME", "HEALTH", "LAUNCH", "FORECAST", "OPEN", "CRIT", "LATE"]
    cells = [
        [
            r["code"],
            r["name"],
            output.health_text(r["health"]),
            (r["launch"] or "-")[:10],
            r["forecast"] or "-",
            r["open"] or "",
            r["critical_open"] or "",
            r["overdue"] or "",
        ]
        for r in rows
    ]
    if any(r["signoff"] for r in rows):  # the go/no-go column, once any sign-off was asked for
        headers = [*headers, "SIGN-OFF"]
        cells = [[*c, r["signoff"] or "-"] for c, r in zip(cells, rows, strict=True)]
    if width is None:  # to a pipe or a file: one column per field, a reason per line, for grep
        reasons = ["\n".join(r["reasons"]) or "-" for r in rows]
        click.echo(output.table([*headers, "REASONS"], [[*c, why] for c, why in zip(cells, reasons, strict=True)]))
        return
    # On a terminal: each region's reasons under its row, wrapped to the width, so none is cut.
    lines = output.table(headers, cells, width=width, drop=("OPEN", "FORECAST")).splitlines()
    click.echo(lines[0])
    for line, row in zip(lines[1:], rows, strict=True):
        click.echo(line)
        for reason in row["reasons"]:
            click.echo(textwrap.fill(reason, width=max(width, 20), initial_indent="  - ", subsequent_indent="    "))


# -- agenda ----------------------------------------------------------------------------------
@click.command("agenda", short_help="What is due, launching or on promotion soon, by day.")
@selectors_argument()
@click.option("--days", type=DAYS_RANGE, default=7, show_default=True, help="How many local days ahead (0: overdue).")
@click.option("--owner", metavar="NAME", shell_complete=complete_owners, help="Only what NAME owns.")
@click.option("--mine", is_flag=True, help="Only what the acting user (--user, $ROLLOUT_USER) owns.")
@click.option(
    "--region",
    "regions",
    metavar="SELECTOR",
    multiple=True,
    shell_complete=complete_selectors,
    help="Same as a SELECTOR argument (repeatable).",
)
@contract.reads(lambda: contract.array(agenda_entry_schema()))
@pass_app
def agenda_command(
    app: App,
    selectors: tuple[str, ...],
    days: int,
    owner: str | None,
    mine: bool,
    regions: tuple[str, ...],
    as_json: bool,
) -> None:
    """What needs attention in the next --days days: every overdue open item first, then day by
    day the open items due, launches, promotions starting and promotions ending. Days are each
    region's own calendar days, shown with its code; an item due on a day is due by the end of
    that day. A launch or a promotion belongs to its region's owner.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region)."""
    from rollout.agenda import agenda, agenda_json

    if owner is not None and mine:
        raise click.UsageError("give --owner NAME or --mine, not both")
    state = app.state()
    entries = agenda(state, days=days, owner=app.user if mine else owner, selectors=[*selectors, *regions])
    if as_json:
        output.emit_json([agenda_json(e) for e in entries])
        return
    if not entries:
        whose = f" for {app.user if mine else owner}" if mine or owner is not None else ""
        if days == 0:
            click.echo(f"Nothing overdue{whose}.")
        else:
            click.echo(f"Nothing due, overdue, launching or on promotion in the next {_plural(days, 'day')}{whose}.")
        return
    click.echo(
        output.table(
            ["DAY", "LATE", "TIME", "REGION", "WHAT", "ID", "OWNER", "TITLE"],
            [
                [
                    e.day.isoformat(),
                    _late(e),
                    e.time or "",
                    e.region,
                    e.kind,
                    e.id,
                    e.owner or "-",
                    ("! " if e.critical else "") + e.title,
                ]
                for e in entries
            ],
            width=output.terminal_width(),
            drop=("TIME", "OWNER"),
        )
    )


def _late(entry: Any) -> str:
    """How late an overdue item is: '4 days', or 'since 17:00' for a timed due passed today."""
    if not entry.overdue:
        return ""
    if entry.days_overdue <= 0:
        return output.style(f"since {entry.time}" if entry.time else "today", fg="red")
    return output.style(_plural(entry.days_overdue, "day"), fg="red")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- owners ----------------------------------------------------------------------------------
@click.command("owners", short_help="Each owner's open, overdue and critical items.")
@selectors_argument()
@click.option(
    "--soon", type=DAYS_RANGE, default=14, show_default=True, help="DUE SOON counts items due in this many local days."
)
@contract.reads(lambda: contract.array(owner_row_schema()))
@pass_app
def owners_command(app: App, selectors: tuple[str, ...], soon: int, as_json: bool) -> None:
    """The open checklist work of each item owner across the selected regions, busiest first: open
    items, overdue ones, critical ones, those due in the next --soon days, and the regions.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region; owner=NAME picks
    the regions NAME manages, whoever owns their items)."""
    from rollout.agenda import owner_json, owners

    state = app.state()
    loads = owners(state, soon=soon, selectors=selectors)
    if as_json:
        output.emit_json([owner_json(w) for w in loads])
        return
    if not loads:
        click.echo("No open items.")
        return
    click.echo(
        output.table(
            ["OWNER", "OPEN", "OVERDUE", "CRIT", f"DUE {soon}D", "REGIONS"],
            [
                [
                    w.owner or "(unassigned)",
                    w.open,
                    output.style(str(w.overdue), fg="red") if w.overdue else "",
                    w.critical_open or "",
                    w.due_soon or "",
                    _codes(w.regions),
                ]
                for w in loads
            ],
            width=output.terminal_width(),
        )
    )


def _codes(codes: tuple[str, ...]) -> str:
    shown = " ".join(codes[:SHOWN_REGIONS])
    return shown if len(codes) <= SHOWN_REGIONS else f"{shown} +{len(codes) - SHOWN_REGIONS} more"


# -- timeline --------------------------------------------------------------------------------
def timeline_json(model: Any, first: Any, last: Any) -> dict[str, Any]:
    """`timeline --json`: from, to (the window, UTC days), today (UTC), and per region in launch
    order: code, name, status, health, today (its local day), launch (local day or null), launched,
    promotions [{id, name, kind, first, last (local days it runs), conflict, notes}], holidays
    [{date, name}] and conflicts [{date, text, ids}] within the window."""
    rows = []
    for row in model.rows(first, last):
        rows.append(
            {
                "code": row.code,
                "name": row.name,
                "status": row.status,
                "health": row.health,
                "today": row.today.isoformat(),
                "launch": row.launch.isoformat() if row.launch else None,
                "launched": row.launched,
                "promotions": [
                    {
                        **bar._asdict(),
                        "first": bar.first.isoformat(),
                        "last": bar.last.isoformat(),
                        "notes": [*bar.notes],
                    }
                    for bar in row.promotions
                ],
                "holidays": [{"date": day.isoformat(), "name": name} for day, name in row.holidays],
                "conflicts": [{"date": c.day.isoformat(), "text": c.text, "ids": [*c.ids]} for c in row.conflicts],
            }
        )
    return {"from": first.isoformat(), "to": last.isoformat(), "today": model.today.isoformat(), "rows": rows}


@click.command("timeline", short_help="A text Gantt of launches, promotions and holidays.")
@selectors_argument()
@click.option("--from", "first", metavar="DAY", help="First day: YYYY-MM-DD, today or tomorrow.  [default: a week ago]")
@click.option("--to", "last", metavar="DAY", help="Last day.  [default: 97 days after the first]")
@click.option(
    "--width",
    type=WholeNumber(min=30),
    help="Line width in terminal cells (30 or more).  [default: the terminal's, else 100]",
)
@click.option("--ascii", "ascii_only", is_flag=True, help="Plain ASCII characters (the default when piped).")
@contract.reads(timeline_schema, shows=True)
@pass_app
def timeline_command(
    app: App,
    selectors: tuple[str, ...],
    first: str | None,
    last: str | None,
    width: int | None,
    ascii_only: bool,
    as_json: bool,
) -> None:
    """One line per region, in launch order: the launch milestone, promotion bars, today's marker,
    public holidays and conflicts (overlapping promotions, a promotion before the launch, a launch
    on a holiday), with a legend. Each row uses its region's own days; the window's days are UTC.
    Every line fits --width; piped output uses plain ASCII characters.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region)."""
    from rollout import timeline

    state = app.state()
    model = timeline.Timeline(state, selectors or None)
    default_first, default_last = model.default_window()
    span = default_last - default_first
    start = timeline.parse_day(first) if first else None
    end = timeline.parse_day(last) if last else None
    start = start or (end - span if end else default_first)
    end = end or start + span
    timeline.check_window(start, end)
    if as_json:
        output.emit_json(timeline_json(model, start, end))
        return
    if not model.codes:
        click.echo("No regions match.")
        return
    plain = ascii_only or not output.stdout_is_terminal() or not output.unicode_ok()
    text = timeline.render_timeline(model, start, end, width=width or output.terminal_width() or 100, ascii_only=plain)
    click.echo(text, nl=False)


# -- digest ----------------------------------------------------------------------------------
DIGEST_FORMATS = ("markdown", "text", "json")


@click.command("digest", short_help="A briefing to mail or post: health, overdue, what changed.")
@selectors_argument()
@click.option(
    "--since",
    default="1d",
    show_default=True,
    metavar="DURATION",
    help="What changed since: 24h, 1d, 2w, or an ISO 8601 instant with offset.",
)
@click.option(
    "--days", type=DAYS_RANGE, default=7, show_default=True, help="Launches and promotions this many days ahead."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIGEST_FORMATS, case_sensitive=False),
    default=None,
    help="markdown (for chat or mail), text or json.  [default: markdown]",
)
@contract.reads(digest_schema, shows=True)
@pass_app
def digest_command(app: App, selectors: tuple[str, ...], since: str, days: int, fmt: str | None, as_json: bool) -> None:
    """A briefing for a cron job to mail or post: regions whose health changed since --since,
    off-track and at-risk regions with their reasons, overdue critical items by owner, launches
    and promotions in the next --days days, and what changed since, by whom. --json is
    --format json. SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region).

    \b
    In a crontab, every weekday at 07:00:
    0 7 * * 1-5  rollout digest --format text | mail -s Rollout team@example.com"""
    from rollout import digest

    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json prints JSON: leave out --format {fmt}")
    fmt = "json" if as_json else (fmt or "markdown").lower()
    state = app.state()
    briefing = digest.digest(state, digest.since_instant(since), days=days, selectors=selectors)
    if fmt == "json":
        output.emit_json(digest.digest_json(briefing))
    elif fmt == "text":
        click.echo(digest.render_text(briefing), nl=False)
    else:
        click.echo(digest.render_markdown(briefing), nl=False)


COMMANDS = [health_command, agenda_command, owners_command, timeline_command, digest_command]
