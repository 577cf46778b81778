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
from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.params import WholeNumber
from rollout.cli.regions import selectors_argument
from rollout.errors import DatabaseError, InvalidValue, NotFound
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
WHAT_CHOICES = ("regions", "checklist", "promos", "kpis", "fx", "signoffs", "freezes", "all")
PROGRESS_MIN_RECORDS = 2000  # below this an export or import is over before a bar would help


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for large jobs, only when stderr is a terminal (never in pipes or logs)."""
    if total < PROGRESS_MIN_RECORDS or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


# -- export ------------------------------------------------------------------------------
def _export_schema() -> contract.Schema:
    written = contract.obj({"path": contract.STRING, "kind": contract.STRING, "records": contract.COUNT})
    return contract.obj(
        {
            "format": {"type": "string", "enum": list(FORMATS)},
            "regions": contract.STRINGS,
            "files": contract.array(written),
        }
    )


@click.command("export", short_help="Export as JSON, CSV, iCalendar or a Markdown report.")
@selectors_argument()
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
    help="Write to this file instead of stdout (its folder must exist).  CSV of all kinds: -o DIR/ writes "
    "DIR/regions.csv, DIR/checklist.csv, DIR/promotions.csv; -o NAME.csv writes NAME-regions.csv and so on.",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel on Windows: starts with a UTF-8 byte order mark so Excel reads accents right.  "
    "[default: plain UTF-8, as scripts and pandas expect]",
)
@contract.reads(_export_schema, shows=True)
@pass_app
def export(
    app: App,
    selectors: tuple[str, ...],
    fmt: str | None,
    what: str,
    output_name: str | None,
    excel: bool,
    as_json: bool,
) -> None:
    """Export regions, checklists and promotions as JSON, CSV, iCalendar or a Markdown report.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region); only the selected
    regions and their checklists and promotions are exported. With --json (and -o), prints what
    was written instead of the notes on stderr."""
    from rollout import exchange

    output_path = Path(output_name) if output_name else None
    fmt = _export_format(fmt, output_name)
    kinds = exchange.WHAT[what.lower()]
    if fmt == "ics" and "promotions" not in kinds and "regions" not in kinds:
        raise click.UsageError("iCalendar export holds launches and promotions: use --what regions, promos or all")
    if excel and fmt != "csv":
        raise click.UsageError("--excel applies to CSV export only (use --format csv or -o NAME.csv)")
    if as_json and output_name is None:
        raise click.UsageError("--json reports the files written: give -o FILE (without it the export goes to stdout)")
    state = app.state()
    codes = queries.select(state, selectors, reading=True)
    if selectors:
        state = _subset(state, codes)
    if what.lower() == "all":
        kinds = exchange.present(state, kinds)
    report = Written(fmt, codes, as_json)
    if fmt == "csv":
        _export_csv(state, kinds, output_name, excel, report)
    elif fmt == "markdown":
        report.deliver(exchange.markdown_report(state, kinds).encode("utf-8"), output_path, "report", len(codes))
    else:
        if fmt == "ics":
            from rollout.ical import ICS_KINDS, export_ics

            kinds = tuple(k for k in kinds if k in ICS_KINDS)
        total = exchange.count_records(state, kinds)
        with progress_bar("Exporting", total) as tick:
            data = exchange.export_json(state, kinds, tick) if fmt == "json" else export_ics(state, kinds, tick)
        report.deliver(data, output_path, "records", total)
    report.finish()


def _subset(state: State, codes: list[str]) -> State:
    """The records of the regions `codes` alone (with their checklists and promotions), same metadata."""
    chosen = set(codes)
    document = {
        "_meta": {"1": dict(state.meta)},
        "regions": {str(n): r for n, r in enumerate((state.regions[c] for c in codes), 1)},
        "items": {str(n): i for n, i in enumerate((i for i in state.items.values() if i["region"] in chosen), 1)},
        "promotions": {
            str(n): p for n, p in enumerate((p for p in state.promotions.values() if p["region"] in chosen), 1)
        },
        # GMV of the chosen regions; exchange rates belong to no region and all go along.
        "kpis": {
            str(n): k for n, k in enumerate((k for k in state.tables["kpis"].values() if k["region"] in chosen), 1)
        },
        "fx_rates": {str(n): r for n, r in enumerate(state.tables["fx_rates"].values(), 1)},
        "signoffs": {
            str(n): r for n, r in enumerate((r for r in state.tables["signoffs"].values() if r["region"] in chosen), 1)
        },
        "freezes": {
            str(n): w
            for n, w in enumerate((w for w in state.tables["freezes"].values() if chosen & set(w["regions"])), 1)
        },
    }
    return State(document)


class Written:
    """What an export wrote: a note on stderr per file, or with --json one report on stdout."""

    def __init__(self, fmt: str, codes: list[str], as_json: bool) -> None:
        self.fmt, self.codes, self.as_json = fmt, codes, as_json
        self.files: list[dict[str, Any]] = []

    def deliver(self, data: bytes, target: Path | None, kind: str, count: int) -> None:
        from rollout.exchange import write_file

        if target is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        check_folder(target)
        write_file(target, data)
        self.files.append({"path": str(target), "kind": kind, "records": count})
        if not self.as_json:
            click.echo(f"Wrote {target} ({_described(self.fmt, kind, count)}).", err=True)

    def finish(self) -> None:
        if self.as_json:
            output.emit_json({"format": self.fmt, "regions": self.codes, "files": self.files})


def _described(fmt: str, kind: str, count: int) -> str:
    from rollout import exchange

    if fmt == "csv":
        return exchange.describe_count(kind, count)
    if fmt == "markdown":
        return "Markdown report"
    label = "JSON" if fmt == "json" else "iCalendar"
    return f"{label}, {count} record{'s' if count != 1 else ''}"


def check_folder(target: Path) -> None:
    """Refuse to write into a folder that does not exist (no silent mkdir): InvalidValue naming it."""
    folder = target.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InvalidValue(f"cannot write {target}: the folder {folder} {what} (create it first)")


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
    """-o names a directory when it exists as one or ends with a slash (then it is created, in a
    folder that exists)."""
    return output_name.endswith(("/", os.sep)) or Path(output_name).is_dir()


def _export_csv(state: State, kinds: tuple[str, ...], output_name: str | None, excel: bool, report: Written) -> None:
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
        folder = Path(output_name)
        if _is_dir(output_name) and not folder.is_dir():
            check_folder(folder)  # the folder named with a trailing slash is made, its parent must exist
            try:
                folder.mkdir()
            except OSError as exc:
                raise InvalidValue(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    with progress_bar("Exporting", exchange.count_records(state, kinds)) as tick:
        for kind, target in targets.items():
            text = exchange.export_csv(state, kind, tick)
            # Plain UTF-8 unless asked: a byte order mark is what Excel on Windows needs to read UTF-8,
            # but scripts (csv.DictReader, pandas) would see it in the first column's name.
            count = len(state.tables[exchange.TABLE[kind]])
            report.deliver(text.encode("utf-8-sig" if excel else "utf-8"), target, kind, count)


# -- import ------------------------------------------------------------------------------
@click.command("import", short_help="Import JSON or CSV files as one change.")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Check the files and show what would change; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Apply rows that tick a blocked item, launch with critical items open or move a launched region's "
    "launch (recorded in history).",
)
@contract.edits(lambda: {"files": contract.STRINGS, "rows": contract.COUNT})
@pass_app
def import_(app: App, files: tuple[str, ...], dry_run: bool, force: bool, as_json: bool) -> None:
    """Import JSON or CSV files (from `rollout export`, or a spreadsheet) as one change.

    Regions are matched by code, checklist items and promotions by id (a row without an id is
    added); records not in the files are left alone. If any row is invalid, nothing is written.
    The rules of `check done` and `region set` hold: a row ticking an item while an item it waits
    for stays open, launching a region with critical items open, or moving a launched region's
    launch is refused unless --force, which history notes.
    """
    from rollout import exchange

    rows = []
    for name in files:
        rows.extend(exchange.read_rows(_label(name), output.read_input(name, name)))
    state, warnings = _import_into(app, rows, dry_run, force)
    changes = state.changes()
    commit = getattr(state, "commit", None)
    entry = commit.entry if commit is not None else None
    summary = queries.summarize_changes(changes)
    labels = ", ".join(_label(f) for f in files)
    if as_json:
        output.emit_json(
            contract.transaction_envelope(state, dry_run=dry_run, warnings=warnings, files=list(files), rows=len(rows))
        )
    elif dry_run:
        click.echo(f"Dry run of {labels}: {len(rows)} rows would apply: {summary}. Nothing was written.")
        output.echo_preview(changes)
    elif entry is None:
        click.echo(f"Imported {labels}: nothing changed.")
    else:
        click.echo(f"Imported {labels}: {summary} (history #{entry['id']}).")
    for note in [*state.notes, *warnings]:
        output.warn(note)


def _import_into(app: App, rows: list[Row], dry_run: bool, force: bool = False) -> tuple[State, list[str]]:
    """Apply the rows in one transaction; the state and the rows' warnings (exchange.apply_rows). A
    database that does not exist yet starts empty, not from the bundled dataset: importing an
    export into a new file restores exactly that export."""
    from rollout import exchange
    from rollout.state import empty_document

    if not app.db.exists():
        if dry_run:
            state = State(empty_document())
            return state, exchange.apply_rows(state, rows, app.user, force=force)
        with contextlib.suppress(DatabaseError):  # someone created it meanwhile: import into theirs
            app.db.create(empty=True, force=False)
            click.echo(f"rollout: created {app.db.location} (empty) for the import", err=True)
    command = app.command or "import " + " ".join(sorted({r.source for r in rows}))
    with (
        app.db.transaction(app.user, command, dry_run=dry_run) as state,
        progress_bar("Importing", len(rows)) as tick,
    ):
        warnings = exchange.apply_rows(state, rows, app.user, tick, force=force)
    return state, warnings


def _label(name: str) -> str:
    return "stdin" if name == "-" else name


# -- holidays ----------------------------------------------------------------------------
def _holidays_schema() -> contract.Schema:
    day = contract.obj(
        {"date": contract.DATE, "weekday": contract.STRING, "name": contract.STRING, "clashes": contract.STRINGS}
    )
    return contract.array(
        contract.obj({"region": contract.STRING, "year": contract.INTEGER, "holidays": contract.array(day)})
    )


@click.command("holidays", short_help="Public holidays, marking launches and promotions.")
@selectors_argument()
@click.option("--year", type=WholeNumber(1950, 2150), help="Calendar year.  [default: this year]")
@contract.reads(_holidays_schema)
@pass_app
def holidays_command(app: App, selectors: tuple[str, ...], year: int | None, as_json: bool) -> None:
    """Public holidays of regions, marking the launches and promotions on them.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region); a code may be any
    ISO 3166 country or subdivision, in the database or not."""
    from rollout.holidays import compute_calendar

    year = year or times.now().year
    state = app.state()
    listed = []
    for code in _holiday_codes(state, selectors):
        clashes = _clashes(state, code, year) if code in state.regions else {}
        days = [
            {"date": day.isoformat(), "weekday": day.strftime("%A"), "name": name, "clashes": clashes.get(day, [])}
            for day, name in compute_calendar(code, year).items()
        ]
        listed.append({"region": code, "year": year, "holidays": days})
    if as_json:
        output.emit_json(listed)
        return
    if len(listed) == 1 and not listed[0]["holidays"]:
        click.echo(f"No public holidays for {listed[0]['region']} in {year}.")
        return
    several = len(listed) > 1
    click.echo(
        output.table(
            [*(["REGION"] if several else []), "DATE", "DAY", "HOLIDAY", "IN THE ROLLOUT"],
            [
                [
                    *([entry["region"]] if several else []),
                    r["date"],
                    r["weekday"][:3],
                    r["name"],
                    output.style(", ".join(r["clashes"]), fg="yellow"),
                ]
                for entry in listed
                for r in entry["holidays"]
            ],
        )
    )


def _holiday_codes(state: State, selectors: tuple[str, ...]) -> list[str]:
    """The regions selected; a code not in the database is still a calendar to show."""
    codes: dict[str, None] = {}
    for selector in selectors or ("all",):
        try:
            chosen = queries.select(state, [selector], reading=True)
        except NotFound:  # a valid ISO code that is not a region of this rollout
            chosen = [model.region_code(selector)]
        codes.update(dict.fromkeys(chosen))
    return list(codes)


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


COMMANDS = [export, import_, holidays_command]
