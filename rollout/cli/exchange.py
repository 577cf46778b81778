"""`export`, `import` and `holidays`: spreadsheets, calendars, chat reports and public holidays."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rollout import model, queries, times
from rollout.cli import output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_region_codes
from rollout.errors import DatabaseError
from rollout.state import State

if TYPE_CHECKING:
    from rollout.exchange import Row

FORMATS = ("json", "csv", "ics", "markdown")
SUFFIX_FORMAT = {
    ".json": "json",
    ".csv": "csv",
    ".ics": "ics",
    ".ical": "ics",
    ".md": "markdown",
    ".markdown": "markdown",
}
WHAT_CHOICES = ("regions", "checklist", "promos", "all")
PROGRESS_MIN_RECORDS = 2000  # below this an export or import is over before a bar would help
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON to stdout.")


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for large jobs, only when stderr is a terminal (never in pipes or logs)."""
    if total < PROGRESS_MIN_RECORDS or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


# -- export ------------------------------------------------------------------------------
@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    help="json (lossless dump), csv (one file per kind), ics (iCalendar) or markdown (status report).  "
    "[default: from the -o extension, else json]",
)
@click.option(
    "--what",
    type=click.Choice(WHAT_CHOICES, case_sensitive=False),
    default="all",
    show_default=True,
    help="Which records: regions (with launches), checklist, promos or all.",
)
@click.option(
    "-o",
    "--output",
    "output_name",
    type=click.Path(path_type=str),
    help="Write to this file instead of stdout.  CSV of all kinds: -o DIR/ writes DIR/regions.csv, "
    "DIR/checklist.csv, DIR/promotions.csv; -o NAME.csv writes NAME-regions.csv and so on.",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel on Windows: starts with a UTF-8 byte order mark so Excel reads accents right.  "
    "[default: plain UTF-8, as scripts and pandas expect]",
)
@pass_app
def export(app: App, fmt: str | None, what: str, output_name: str | None, excel: bool) -> None:
    """Export regions, checklists and promotions as JSON, CSV, iCalendar or a Markdown report."""
    from rollout import exchange

    output_path = Path(output_name) if output_name else None
    fmt = _export_format(fmt, output_name)
    kinds = exchange.WHAT[what.lower()]
    if fmt == "ics" and "promotions" not in kinds and "regions" not in kinds:
        raise click.UsageError("iCalendar export holds launches and promotions: use --what regions, promos or all")
    if excel and fmt != "csv":
        raise click.UsageError("--excel applies to CSV export only (use --format csv or -o NAME.csv)")
    state = app.state()
    if fmt == "csv":
        _export_csv(state, kinds, output_name, excel)
        return
    if fmt == "markdown":
        _deliver(exchange.markdown_report(state, kinds).encode("utf-8"), output_path, "Markdown report")
        return
    if fmt == "ics":
        from rollout.ical import ICS_KINDS, export_ics

        kinds = tuple(k for k in kinds if k in ICS_KINDS)
    total = exchange.count_records(state, kinds)
    with progress_bar("Exporting", total) as tick:
        data = exchange.export_json(state, kinds, tick) if fmt == "json" else export_ics(state, kinds, tick)
    label = "JSON" if fmt == "json" else "iCalendar"
    _deliver(data, output_path, f"{label}, {total} record{'s' if total != 1 else ''}")


def _export_format(fmt: str | None, output_name: str | None) -> str:
    """--format, else what -o says: a directory means CSV files, an extension its format; else JSON."""
    is_dir = output_name is not None and _is_dir(output_name)
    if fmt:
        if is_dir and fmt.lower() != "csv":
            raise click.UsageError(f"{output_name} is a directory: only --format csv writes into a directory")
        return fmt.lower()
    if is_dir:
        return "csv"
    suffix = Path(output_name).suffix.lower() if output_name else ""
    return SUFFIX_FORMAT.get(suffix, "json")


def _is_dir(output_name: str) -> bool:
    """-o names a directory when it exists as one or ends with a slash (then it is created)."""
    return output_name.endswith(("/", os.sep)) or Path(output_name).is_dir()


def _export_csv(state: State, kinds: tuple[str, ...], output_name: str | None, excel: bool) -> None:
    from rollout import exchange

    if len(kinds) > 1 and output_name is None:
        raise click.UsageError(
            "CSV holds one kind per file: give --what regions|checklist|promos to print one, "
            "or -o DIR/ (or -o NAME.csv) to write all three"
        )
    targets: dict[str, Path | None]
    if output_name is None:
        targets = {kinds[0]: None}
    elif len(kinds) == 1 and not _is_dir(output_name):
        targets = {kinds[0]: Path(output_name)}
    else:
        targets = dict(exchange.csv_targets(output_name, kinds))
    with progress_bar("Exporting", exchange.count_records(state, kinds)) as tick:
        for kind, target in targets.items():
            text = exchange.export_csv(state, kind, tick)
            # Plain UTF-8 unless asked: a byte order mark is what Excel on Windows needs to read UTF-8,
            # but scripts (csv.DictReader, pandas) would see it in the first column's name.
            count = len(state.tables[exchange.TABLE[kind]])
            _deliver(text.encode("utf-8-sig" if excel else "utf-8"), target, exchange.describe_count(kind, count))


def _deliver(data: bytes, target: Path | None, what: str) -> None:
    from rollout.exchange import write_file

    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_file(target, data)
    click.echo(f"Wrote {target} ({what}).", err=True)


# -- import ------------------------------------------------------------------------------
@click.command("import")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Check the files and show what would change; write nothing.")
@JSON_OPTION
@pass_app
def import_(app: App, files: tuple[str, ...], dry_run: bool, as_json: bool) -> None:
    """Import JSON or CSV files (from `rollout export`, or a spreadsheet) as one change.

    Regions are matched by code, checklist items and promotions by id (a row without an id is
    added); records not in the files are left alone. If any row is invalid, nothing is written.
    """
    from rollout import exchange

    rows = []
    for name in files:
        rows.extend(exchange.read_rows(_label(name), output.read_input(name, name)))
    state = _import_into(app, rows, dry_run)
    for note in state.notes:
        output.warn(note)
    changes = state.changes()
    commit = getattr(state, "commit", None)
    entry = commit.entry if commit is not None else None
    summary = queries.summarize_changes(changes)
    labels = ", ".join(_label(f) for f in files)
    if as_json:
        output.emit_json(
            {
                "files": list(files),
                "rows": len(rows),
                "dry_run": dry_run,
                "summary": summary,
                "changes": [_change_json(c) for c in changes],
                "history": entry["id"] if entry else None,
            }
        )
        return
    if dry_run:
        click.echo(f"Dry run of {labels}: {len(rows)} rows would apply: {summary}. Nothing was written.")
        output.echo_preview(changes)
    elif entry is None:
        click.echo(f"Imported {labels}: nothing changed.")
    else:
        click.echo(f"Imported {labels}: {summary} (history #{entry['id']}).")


def _import_into(app: App, rows: list[Row], dry_run: bool) -> State:
    """Apply the rows in one transaction. A database that does not exist yet starts empty, not from
    the bundled dataset: importing an export into a new file restores exactly that export."""
    from rollout import exchange
    from rollout.state import empty_document

    if not app.db.exists():
        if dry_run:
            state = State(empty_document())
            exchange.apply_rows(state, rows, app.user)
            return state
        with contextlib.suppress(DatabaseError):  # someone created it meanwhile: import into theirs
            app.db.create(empty=True, force=False)
            click.echo(f"rollout: created {app.db.path} (empty) for the import", err=True)
    command = app.command or "import " + " ".join(sorted({r.source for r in rows}))
    with (
        app.db.transaction(app.user, command, dry_run=dry_run) as state,
        progress_bar("Importing", len(rows)) as tick,
    ):
        exchange.apply_rows(state, rows, app.user, tick)
    return state


def _label(name: str) -> str:
    return "stdin" if name == "-" else name


def _change_json(change: dict[str, Any]) -> dict[str, Any]:
    return {"table": change["table"], "key": change["key"], "action": queries.change_action(change)}


# -- holidays ----------------------------------------------------------------------------
@click.command("holidays")
@click.argument("code", shell_complete=complete_region_codes)
@click.option("--year", type=click.IntRange(1950, 2150), help="Calendar year.  [default: this year]")
@JSON_OPTION
@pass_app
def holidays_command(app: App, code: str, year: int | None, as_json: bool) -> None:
    """Public holidays of a region (any ISO country or subdivision code), marking launches and promotions on them."""
    from rollout.holidays import compute_calendar

    region_code = model.region_code(code)
    year = year or times.now().year
    calendar = compute_calendar(region_code, year)
    state = app.state()
    clashes = _clashes(state, region_code, year) if region_code in state.regions else {}
    rows = [
        {"date": day.isoformat(), "weekday": day.strftime("%A"), "name": name, "clashes": clashes.get(day, [])}
        for day, name in calendar.items()
    ]
    if as_json:
        output.emit_json({"region": region_code, "year": year, "holidays": rows})
        return
    if not rows:
        click.echo(f"No public holidays for {region_code} in {year}.")
        return
    click.echo(
        output.table(
            ["DATE", "DAY", "HOLIDAY", "IN THE ROLLOUT"],
            [
                [r["date"], r["weekday"][:3], r["name"], output.style(", ".join(r["clashes"]), fg="yellow")]
                for r in rows
            ],
        )
    )


def _clashes(state: State, code: str, year: int) -> dict[date, list[str]]:
    """What the rollout has on each day of the year in that region: its launch, promotions running."""
    from rollout.holidays import local_days

    region = state.region(code)
    zone = times.zone(region["timezone"])
    found: dict[date, list[str]] = {}
    launch = queries.effective_launch(region)
    if launch:
        day = times.instant(launch).astimezone(zone).date()
        found.setdefault(day, []).append("launch")
    for promo in state.promotions_of(code):
        first, last = local_days(
            times.instant(promo["start"]).astimezone(zone), times.instant(promo["end"]).astimezone(zone)
        )
        if first.year > year or last.year < year:
            continue
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            found.setdefault(date.fromordinal(ordinal), []).append(f"{promo['id']} {promo['name']}")
    return found


def warn_launch_holidays(app: App, state: State, codes: list[str]) -> None:
    """Warn on stderr when a launch just set falls on a public holiday (region add/set --launch, shift)."""
    for code in codes:
        message = queries.launch_holiday_warning(state, code)
        if message:
            app.warn(message)


COMMANDS = [export, import_, holidays_command]
