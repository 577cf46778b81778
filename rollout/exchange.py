"""Export and import: a lossless JSON dump, one CSV file per kind, a Markdown status report.

Exports write stored values as they are (instants are ISO 8601 with their offset), so exporting
and importing into an empty database gives back the same records. Imports upsert by region code
and record id, validate every field the way the CLI does, and raise on the first bad row with
its file and line; the caller runs them inside one transaction, so a failure writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from rollout import model, ops, queries, rules, schema, status, times
from rollout.csvrows import SEPARATORS, data_rows
from rollout.csvrows import separator as csv_separator
from rollout.errors import InvalidValue, NotFound, RolloutError
from rollout.jsontext import RepeatedKey, distinct_keys
from rollout.state import Record, State

KINDS = ("regions", "checklist", "promotions", "kpis", "fx", "signoffs", "freezes")
# Kinds `--what all` leaves out while they hold no record, so an export of a shop that records no
# GMV, rates, sign-offs or freeze windows reads as it did before they existed.
OPTIONAL_KINDS = ("kpis", "fx", "signoffs", "freezes")
WHAT = {
    "regions": ("regions",),
    "checklist": ("checklist",),
    "promos": ("promotions",),
    "kpis": ("kpis",),
    "fx": ("fx",),
    "signoffs": ("signoffs",),
    "freezes": ("freezes",),
    "all": KINDS,
}
# A CSV of GMV actuals alone (rollout.kpi.ACTUALS_HEADERS: region,period,gmv or promo,gmv).
GMV = "gmv"
# Field lists, keys and nouns come from the record schema (rollout.schema), one definition per kind.
SCHEMA = {name: schema.BY_EXPORT_NAME[name] for name in KINDS}
TABLE = {name: kind.table for name, kind in SCHEMA.items()}
FIELDS = {name: kind.names for name, kind in SCHEMA.items()}
# Fields holding objects (issue 21): a record's notes and where a template applied it from. A CSV
# cell holds them as JSON text ("" for none).
STRUCTURED = ("notes", "origin")
NEEDED_FOR_NEW = {name: kind.needed_for_new for name, kind in SCHEMA.items()}
FORMAT_KEY = "rollout_export"
FORMAT_VERSION = 1
TRUE_WORDS = ("true", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "no", "n", "0", "")
# A text cell starting with one of these is a formula to spreadsheet programs (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"

Progress = Callable[[int], None] | None


class ExchangeError(RolloutError):
    """A file that cannot be read, parsed or written."""


@dataclass
class Row:
    """One record read from an import file, with the columns it had (missing ones keep their value)."""

    kind: str
    source: str
    line: int
    values: dict[str, Any]

    @property
    def where(self) -> str:
        """Where the row came from, for messages: "regions.csv line 4"."""
        return f"{self.source} line {self.line}"


# -- export ------------------------------------------------------------------------------
def records(state: State, kind: str) -> list[Record]:
    """The records of one kind in database order, with the export's field order."""
    definition = SCHEMA[kind]
    return [{name: definition.value(rec, name) for name in FIELDS[kind]} for rec in state.tables[TABLE[kind]].values()]


def present(state: State, kinds: Iterable[str]) -> tuple[str, ...]:
    """`kinds` without the OPTIONAL_KINDS that hold no record (what `--what all` exports)."""
    return tuple(k for k in kinds if k not in OPTIONAL_KINDS or state.tables[TABLE[k]])


def count_records(state: State, kinds: Iterable[str]) -> int:
    """How many records the export kinds (regions, checklist, promotions) hold together."""
    return sum(len(state.tables[TABLE[k]]) for k in kinds)


def export_json(state: State, kinds: Iterable[str], progress: Progress = None) -> bytes:
    """The lossless dump: every field of every record of the chosen kinds, as stored."""
    document: dict[str, Any] = {FORMAT_KEY: FORMAT_VERSION, "exported_at": times.to_iso(times.now())}
    for kind in kinds:
        document[kind] = records(state, kind)
        _tick(progress, len(document[kind]))
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def export_csv(state: State, kind: str, progress: Progress = None) -> str:
    """One kind as CSV: a header of field names, empty cells for no value, true/false flags, and
    text that a spreadsheet would run as a formula neutralised (see neutralise)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS[kind])
    for n, rec in enumerate(records(state, kind), 1):
        writer.writerow([neutralise(_cell(rec[field], field)) for field in FIELDS[kind]])
        if n % 500 == 0:
            _tick(progress, 500)
    _tick(progress, len(state.tables[TABLE[kind]]) % 500)
    return out.getvalue()


def neutralise(cell: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ tab or CR gets a
    leading apostrophe, as OWASP recommends against CSV injection; so does text already starting
    with an apostrophe, so that `restore_cell` reverses exactly what this did."""
    if cell.startswith((*FORMULA_START, NEUTRALISER)):
        return NEUTRALISER + cell
    return cell


def restore_cell(cell: str) -> str:
    """The text `neutralise` was given: one leading apostrophe is dropped when what follows would
    have been neutralised; any other cell (one a spreadsheet saved without it, too) is kept as is."""
    if cell.startswith(NEUTRALISER) and cell[1:].startswith((*FORMULA_START, NEUTRALISER)):
        return cell[1:]
    return cell


def _cell(value: Any, field: str = "") -> str:
    if field in STRUCTURED:  # JSON text; no notes and no origin are an empty cell
        return orjson.dumps(value).decode() if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # an item's `after`: ids separated by commas (c10,c11)
        return ",".join(map(str, value))
    return str(value)


def _tick(progress: Progress, amount: int) -> None:
    if progress is not None and amount:
        progress(amount)


def describe_count(kind: str, count: int) -> str:
    """A count with the kind's noun: "1 region", "40 checklist items"."""
    return f"{count} {SCHEMA[kind].noun}{'' if count == 1 else 's'}"


def csv_targets(output_name: str, kinds: Iterable[str]) -> dict[str, Path]:
    """Where `--what all -o OUTPUT` puts each kind: OUTPUT/regions.csv for a directory (existing, or
    written with a trailing slash), else NAME-regions.csv beside OUTPUT=NAME.csv."""
    output = Path(output_name)
    if output.is_dir() or output_name.endswith(("/", os.sep)):
        return {kind: output / f"{kind}.csv" for kind in kinds}
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return {kind: output.with_name(f"{stem}-{kind}.csv") for kind in kinds}


def write_file(path: Path, data: bytes) -> None:
    """Write atomically and durably (rollout.files.atomic_write) into a folder that exists (no silent
    mkdir): a failed export never leaves half a file behind."""
    from rollout.files import atomic_write, umask

    try:
        atomic_write(path, data, mode=0o666 & ~umask())  # an export is the user's file: the usual permissions
    except OSError as exc:
        raise ExchangeError(f"cannot write {path}: {exc.strerror or exc}") from None


# -- Markdown report ---------------------------------------------------------------------
def markdown_report(state: State, kinds: Iterable[str], reference: datetime | None = None) -> str:
    """A status report to paste into a doc or a chat: regions, open checklist items, promotions."""
    ref = reference or times.now()
    chosen = set(kinds)
    lines = [f"# Rollout status, {times.local_display(times.to_iso(ref), 'UTC')} UTC", ""]
    rows = status.status_rows(state, ref)
    lines += [_overview(rows), ""]
    if "regions" in chosen:
        lines += _regions_section(rows)
    if "checklist" in chosen:
        lines += _checklist_section(state, rows)
    if "promotions" in chosen:
        lines += _promotions_section(state, ref)
    if "kpis" in chosen and state.tables["kpis"]:
        lines += _kpis_section(state)
    return "\n".join(lines).rstrip() + "\n"


def _kpis_section(state: State) -> list[str]:
    """GMV against target per region and period, then per promotion (rollout.kpi.report)."""
    from rollout import kpi
    from rollout.money import display

    shown = kpi.report(state, [r["code"] for r in queries.sorted_regions(state)])

    def pct(value: str | None) -> str:
        return f"{value}%" if value is not None else "-"

    lines = ["## GMV against target", ""]
    lines += _md_table(
        ["Region", "Period", "Target", "Actual", "Attainment"],
        [
            [
                r["region"],
                r["period"],
                kpi.shown_figure(r, "target"),
                kpi.shown_figure(r, "actual"),
                pct(r["attainment"]),
            ]
            for r in shown["periods"]
        ],
        right={2, 3, 4},
    )
    if any(r.get("rolled_up") for r in shown["periods"]):
        lines += ["", md_text(kpi.ROLLED_NOTE)]
    if shown["promotions"]:
        lines += [""]
        lines += _md_table(
            ["Region", "Promotion", "Name", "Target", "Actual", "Attainment"],
            [
                [
                    r["region"],
                    r["promo"],
                    r["name"],
                    display(r["target"], r["currency"]),
                    display(r["actual"], r["currency"]),
                    pct(r["attainment"]),
                ]
                for r in shown["promotions"]
            ],
            right={3, 4, 5},
        )
    if shown["total"]["missing_rates"] or shown["periods"]:
        lines += ["", f"{kpi.total_text(shown['total'])}."]
    return lines + [""]


def _overview(rows: list[dict[str, Any]]) -> str:
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in model.STATUSES}
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    text = f"{len(rows)} region{'s' if len(rows) != 1 else ''}" + (f": {parts}." if parts else ".")
    upcoming = [r for r in rows if r["status"] != "launched" and r["launch"] and (r["days_to_launch"] or 0) >= 0]
    if upcoming:
        nxt = upcoming[0]
        text += f" Next launch: **{md_text(nxt['code'])}** {md_text(nxt['name'])} on {nxt['launch'][:10]} ({times.countdown(nxt['days_to_launch'])})."
    return text


def _regions_section(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["## Regions", ""]
    lines += _md_table(
        ["Code", "Region", "Wave", "Status", "Launch", "When", "Ready", "Critical open", "Next promotion"],
        [
            [
                r["code"],
                r["name"],
                r["wave"],
                r["status"],
                (r["launched_at"] or r["launch"] or "-")[:10],
                times.countdown(r["days_to_launch"]),
                f"{r['readiness']}%",
                r["critical_open"],
                f"{r['next_promotion']['name']} ({r['next_promotion']['start'][:10]})" if r["next_promotion"] else "-",
            ]
            for r in rows
        ],
        right={2, 6, 7},
    )
    warned = [(r["code"], w) for r in rows for w in r["warnings"]]
    if warned:
        lines += ["", "### Warnings", ""]
        lines += [f"- **{md_text(code)}**: {md_text(w)}" for code, w in warned]
    return lines + [""]


def _checklist_section(state: State, rows: list[dict[str, Any]]) -> list[str]:
    lines = ["## Open checklist items", ""]
    any_open = False
    for r in rows:
        items = queries.checklist(state, r["code"], open_only=True)
        if not items:
            continue
        any_open = True
        tz = r["timezone"]
        launch = (r["launched_at"] or r["launch"] or "")[:10] or "no date"
        lines += [f"### {r['code']} {md_text(r['name'])}: {r['readiness']}% ready, launch {launch}", ""]
        lines += _md_table(
            ["ID", "Item", "Category", "Owner", "Due", "Critical"],
            [
                [
                    i["id"],
                    i["title"],
                    i["category"],
                    i["owner"] or "-",
                    queries.due_display(i, tz),
                    Markdown("**yes**") if i["critical"] else "",
                ]
                for i in items
            ],
        )
        lines.append("")
    if not any_open:
        lines += ["No open checklist items.", ""]
    return lines


def _promotions_section(state: State, ref: datetime) -> list[str]:
    promos = queries.promotions_between(state, None, ref, None)
    lines = ["## Promotions running or ahead", ""]
    if not promos:
        return lines + ["No promotions ahead.", ""]
    warnings = queries.warnings_for(state, promos, ref)
    table_rows = [queries.promo_cells(state, p, warnings) for p in promos]
    lines += _md_table(["ID", "Region", "Name", "Kind", "Start (local)", "End (local)", "Warnings"], table_rows)
    return lines + [""]


# CommonMark lets a backslash escape any ASCII punctuation. These are the characters that mean
# something inline (emphasis, code, links, images, HTML, entities, GFM tables and strikethrough)
# or close a heading (#); the backslash itself comes first so that no escape is doubled.
MARKDOWN_SIGNIFICANT = "\\`*_[]<>!&|~#"


def md_text(value: Any) -> str:
    """A value as literal Markdown text on one line (a table cell, a heading, a list item): line
    breaks become spaces and every Markdown-significant character is backslash-escaped."""
    flat = " ".join(str(value).split())
    return "".join("\\" + ch if ch in MARKDOWN_SIGNIFICANT else ch for ch in flat)


class Markdown(str):
    """Text that is already Markdown (e.g. **bold**), put into a table as it is."""


def _md_table(headers: list[str], rows: list[list[Any]], right: set[int] | None = None) -> list[str]:
    right = right or set()
    rule = ["---:" if i in right else "---" for i in range(len(headers))]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    out += [
        "| " + " | ".join((c if isinstance(c, Markdown) else md_text(c)) or " " for c in row) + " |" for row in rows
    ]
    return out


# -- reading import files ----------------------------------------------------------------
def read_rows(label: str, data: bytes) -> list[Row]:
    """Parse one import file, JSON or CSV (told apart by extension, else by content)."""
    text = _decode(label, data)
    suffix = Path(label).suffix.lower()
    if suffix in (".ics", ".ical", ".md", ".markdown"):
        raise ExchangeError(f"{label}: only JSON and CSV files can be imported")
    if suffix == ".json" or (suffix != ".csv" and text.lstrip().startswith(("{", "["))):
        return parse_json(label, text)
    return parse_csv(label, text)


def _decode(label: str, data: bytes) -> str:
    if b"\0" in data:
        raise ExchangeError(f"{label} is not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExchangeError(f"{label} line {line}: not UTF-8 text (save it as CSV UTF-8)") from None


def parse_json(label: str, text: str) -> list[Row]:
    """The JSON export: {"rollout_export": 1, "regions": [...], "checklist": [...], "promotions": [...]}."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExchangeError(f"{label} line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(document, dict) or FORMAT_KEY not in document:
        raise ExchangeError(f"{label} line 1: not a rollout export (expected an object with {FORMAT_KEY!r})")
    if document[FORMAT_KEY] != FORMAT_VERSION:
        raise ExchangeError(f"{label} line 1: export format {document[FORMAT_KEY]!r} is not supported (expected 1)")
    unknown = sorted(set(document) - {FORMAT_KEY, "exported_at", *KINDS})
    if unknown:
        raise ExchangeError(f"{label} line 1: unknown key {unknown[0]!r} (expected {', '.join(KINDS)})")
    lines = _element_lines(label, text)
    rows = []
    for kind in KINDS:
        entries = document.get(kind, [])
        if not isinstance(entries, list):
            raise ExchangeError(f"{label} line 1: {kind} must be a list")
        for entry, line in zip(entries, lines.get(kind, []), strict=True):
            if not isinstance(entry, dict):
                raise ExchangeError(f"{label} line {line}: each {kind} entry must be an object")
            _check_columns(kind, entry, f"{label} line {line}")
            rows.append(Row(kind, label, line, entry))
    return rows


_SPACE = re.compile(r"\s*")


def _element_lines(label: str, text: str) -> dict[str, list[int]]:
    """The line each element of the top-level arrays starts on (the text is already known to be
    valid JSON). Raises ExchangeError naming the line for a key an object names twice: the
    export's own ("fx" twice would drop the first list) or an entry's ("actual" twice would keep
    one value of two without a word)."""
    decoder = json.JSONDecoder(object_pairs_hook=distinct_keys)
    starts: dict[str, list[int]] = {}
    pos = _SPACE.match(text, 0).end() + 1  # past "{"
    while True:
        pos = _SPACE.match(text, pos).end()
        if text[pos] == "}":
            break
        key, key_at = decoder.raw_decode(text, pos)
        if key in starts:
            (line,) = _line_numbers(text, [pos])
            raise ExchangeError(f"{label} line {line}: the key {key!r} appears twice in the export")
        starts[key] = []
        pos = _SPACE.match(text, key_at).end() + 1  # past ":"
        pos = _SPACE.match(text, pos).end()
        if text[pos] == "[":
            found = starts[key]
            pos += 1
            while True:
                pos = _SPACE.match(text, pos).end()
                if text[pos] == "]":
                    pos += 1
                    break
                found.append(pos)
                try:
                    _value, pos = decoder.raw_decode(text, pos)
                except RepeatedKey as exc:
                    (line,) = _line_numbers(text, [pos])
                    raise ExchangeError(
                        f"{label} line {line}: {key} entry names {exc.args[0]!r} twice (each field once)"
                    ) from None
                pos = _SPACE.match(text, pos).end()
                if text[pos] == ",":
                    pos += 1
        else:
            try:
                _value, pos = decoder.raw_decode(text, pos)
            except RepeatedKey as exc:
                (line,) = _line_numbers(text, [pos])
                raise ExchangeError(f"{label} line {line}: {key} names {exc.args[0]!r} twice") from None
        pos = _SPACE.match(text, pos).end()
        if text[pos] == ",":
            pos += 1
    return {key: _line_numbers(text, offsets) for key, offsets in starts.items()}


def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    numbers, line, last = [], 1, 0
    for offset in offsets:
        line += text.count("\n", last, offset)
        last = offset
        numbers.append(line)
    return numbers


def parse_csv(label: str, text: str) -> list[Row]:
    """A CSV of one kind, told by its header: regions have `code`, checklist items `title`, promotions `start`.

    The separator (comma, semicolon or tab: what spreadsheets save in different locales) is the one
    that splits the header into known columns, else the one csv.Sniffer finds among those three.
    Cells neutralised against formulas on export are restored (restore_cell)."""
    separator = detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    read_with = f"read with {SEPARATORS[separator]} as separator"
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ExchangeError(f"{label} line 1: empty file (expected a header row)")
        columns = [h.strip().lower() for h in header]
        kind = _csv_kind(label, columns, text, separator, read_with)
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        if duplicated:
            raise ExchangeError(f"{label} line 1: column {duplicated[0]!r} appears twice")
        _check_columns(kind, columns, f"{label} line 1", read_with)
        rows = [
            Row(kind, label, line, dict(zip(columns, map(restore_cell, cells), strict=True)))
            for line, cells in data_rows(reader, len(columns), label, ExchangeError, f" ({read_with})")
        ]
    except csv.Error as exc:
        raise ExchangeError(f"{label} line {reader.line_num}: invalid CSV: {exc}") from None
    return rows


def detect_separator(text: str) -> str:
    """The separator of a CSV text (csvrows.separator), told by a header of rollout's columns."""
    return csv_separator(text, {name for names in FIELDS.values() for name in names} | {GMV, "promo"})


def _csv_kind(label: str, columns: list[str], text: str, separator: str, read_with: str) -> str:
    if GMV in columns:
        return GMV
    if "approver" in columns:
        return "signoffs"
    if {"reason", "blocks", "scope"} & set(columns):
        return "freezes"
    if "rate" in columns:
        return "fx"
    if {"target", "actual", "period"} & set(columns):
        return "kpis"
    if "title" in columns:
        return "checklist"
    if {"start", "end", "kind"} & set(columns):
        return "promotions"
    if "code" in columns:
        return "regions"
    if "id" in columns:  # e.g. just id,name: the ids say which kind (c12 or p7)
        position = columns.index("id")
        by_prefix = {k.id_prefix: name for name, k in SCHEMA.items() if k.id_prefix}
        for cells in list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))[1:]:
            value = cells[position].strip().lower() if len(cells) > position else ""
            if value[:1] in by_prefix:
                return by_prefix[value[:1]]
    closest = max(KINDS, key=lambda kind: len(set(columns) & set(FIELDS[kind])))
    missing = [f for f in FIELDS[closest] if f not in columns]
    raise ExchangeError(
        f"{label} line 1: cannot tell what this CSV holds from its header ({read_with}, found columns "
        f"{', '.join(repr(c) for c in columns)}); closest is {closest}, missing {', '.join(missing)} "
        "(regions need code, checklist items title, promotions start and end)"
    )


def _check_columns(kind: str, columns: Iterable[str], where: str, read_with: str = "") -> None:
    if kind == GMV:
        from rollout.kpi import ACTUALS_HEADERS

        if tuple(columns) not in ACTUALS_HEADERS:
            wanted = " or ".join(",".join(h) for h in ACTUALS_HEADERS)
            raise ExchangeError(f"{where}: a CSV of GMV actuals has the header {wanted}")
        return
    unknown = [c for c in columns if c not in FIELDS[kind]]
    if unknown:
        how = f"; {read_with}" if read_with else ""
        raise ExchangeError(f"{where}: unknown {kind} field {unknown[0]!r} (expected {', '.join(FIELDS[kind])}{how})")
    key = "code" if kind == "regions" else None
    if key and key not in columns:
        raise ExchangeError(f"{where}: {kind} need a {key!r} field")


# -- applying an import ------------------------------------------------------------------
def apply_rows(
    state: State, rows: list[Row], user: str, progress: Progress = None, *, force: bool = False
) -> list[str]:
    """Upsert every row into the state: regions first, so items and promotions can refer to new regions.

    Then the rules every path keeps (rollout.rules.enforce) judge the import as one change, so
    rows count together (an item and the item it waits for ticked in the same import pass): a row
    ticking an item while an item it waits for stays open, launching a region with critical items
    open, or moving the launch of a launched region is refused, naming its file and line ("items.csv
    line 3: import would tick c12, which waits for c10 'Payment provider live' (open); use
    --force"), unless `force`, which notes each such crossing in history.

    Returns the warnings of the rows, naming file and line: a region whose time zone or currency
    is not its country's (territory.region_warnings, as `region add`/`region set` warn), judged on
    the fields a row set to a new value, so re-importing an export does not warn again.

    Raises on the first invalid row, naming its file and line; the caller's transaction then writes nothing.
    """
    from rollout import freeze

    _check_duplicates(rows)
    _reserve_ids(state, rows)
    regions_before = dict(state.regions)  # records are replaced, never changed in place
    # An import restores what was exported: dates inside a blocking freeze window are noted, not refused.
    state.overrides.add(freeze.IMPORT)
    appliers = {
        "regions": _apply_region,
        "checklist": _apply_item,
        "promotions": _apply_promotion,
        "kpis": _apply_kpi,
        "fx": _apply_fx,
        GMV: _apply_gmv,
    }
    origin: dict[tuple[str, str], str] = {}
    # KPIs, rates and GMV actuals by the record each row set: rows without an id (region,period,...;
    # base,quote,...) that _check_duplicates cannot compare, and spellings of one key (nl, NL).
    resolved: dict[tuple[str, str], str] = {}
    for kind in (*KINDS, GMV):
        for row in rows:
            if row.kind != kind:
                continue
            try:
                if kind in ("signoffs", "freezes"):
                    key = _apply_stored(state, kind, row.values)
                else:
                    key = appliers[kind](state, row.values, user)
            except RolloutError as exc:
                raise type(exc)(f"{row.where}: {exc}") from None
            if key is not None and kind in ("kpis", "fx", GMV):
                first = resolved.setdefault((kind, key), row.where)
                if first != row.where:
                    raise _twice(row.where, key, first)
            if key is not None:
                origin.setdefault(("kpis" if kind == GMV else TABLE[kind], key), row.where)
            _tick(progress, 1)
    state.where = lambda table, key: origin.get((table, key))  # the change's own checks name the row too
    rules.enforce(state, force, how="import", where=state.where)
    return _region_warnings(state, regions_before, origin)


def _region_warnings(state: State, before: dict[str, Record], origin: dict[tuple[str, str], str]) -> list[str]:
    """territory.region_warnings for each imported region, on the zone and currency its row changed,
    prefixed with the row's file and line ("regions.csv line 3: SE: currency JPY is not Sweden's (SEK)")."""
    imported = [key for table, key in origin if table == "regions"]
    if not imported:
        return []
    from rollout import territory  # Babel is slow to import: only an import of regions pays for it

    found = []
    for code in imported:
        region, old = state.regions[code], before.get(code) or {}
        found += [
            f"{origin[('regions', code)]}: {warning}"
            for warning in territory.region_warnings(
                region,
                zone=region["timezone"] != old.get("timezone"),
                currency=region["currency"] != old.get("currency"),
            )
        ]
    return found


def _key(row: Row) -> str:
    raw = row.values.get("code" if row.kind == "regions" else "id")
    return str(raw).strip().upper() if row.kind == "regions" else str(raw or "").strip().lower()


def _check_duplicates(rows: list[Row]) -> None:
    seen: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = _key(row)
        if not key:
            continue
        first = seen.setdefault((row.kind, key), row)
        if first is not row:
            raise _twice(row.where, key, first.where)


def _twice(where: str, key: str, first: str) -> ExchangeError:
    """A record set by two rows of one import: "b.csv line 3: NL/2027-01 appears twice in this
    import (also a.csv line 2)"."""
    return ExchangeError(f"{where}: {key} appears twice in this import (also {first})")


def _reserve_ids(state: State, rows: list[Row]) -> None:
    """Move the id counters past every id in the import first, so ids given to new rows never collide."""
    for row in rows:
        if row.kind not in SCHEMA or SCHEMA[row.kind].id_prefix is None:
            continue
        key = _key(row)
        if not key:
            continue
        kind = SCHEMA[row.kind]
        if schema.id_number(kind.table, key) is None:
            raise InvalidValue(
                f"{row.where}: invalid id {key!r}: expected {kind.id_prefix}<number>, or empty for a new record"
            )
        state.reserve_id(kind.table, key)


def _text(field: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidValue(f"{field}: expected text, got {json.dumps(value)}")
    return value


def _instant(field: str, value: Any, tz: str) -> str | None:
    """A WHEN cell (times.parse_when: an instant with its offset is kept exactly); None when empty."""
    text = _text(field, value).strip()
    if not text:
        return None
    try:
        return times.to_iso(times.parse_when(text, tz))
    except InvalidValue as exc:
        raise InvalidValue(f"{field}: {exc}") from None


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(field, value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidValue(f"{field}: invalid value {value!r}: expected true or false")


def _labelled(field: str, check: Callable[[Any], Any], value: Any) -> Any:
    try:
        return check(value)
    except InvalidValue as exc:
        raise InvalidValue(f"{field}: {exc}") from None


def _require_new(kind: str, key: str, values: dict[str, Any]) -> None:
    missing = [f for f in NEEDED_FOR_NEW[kind] if values.get(f) is None or not str(values[f]).strip()]
    if missing:
        raise InvalidValue(f"new {SCHEMA[kind].noun} {key} needs {', '.join(missing)}")


def _apply_region(state: State, values: dict[str, Any], user: str) -> str:
    code = _labelled("code", lambda v: model.region_code(v, state.regions), _text("code", values.get("code")))
    current = state.regions.get(code)
    if current is None:
        _require_new("regions", code, values)
        current = {
            "code": code,
            "name": "",
            "timezone": "UTC",
            "currency": "",
            "status": "planned",
            "wave": 0,
            "owner": "",
            "launch": None,
            "launched_at": None,
        }
    region = dict(current)
    if "name" in values:
        region["name"] = _labelled("name", lambda v: model.required_text("name", v), _text("name", values["name"]))
    if "timezone" in values:
        region["timezone"] = _labelled("timezone", model.timezone, _text("timezone", values["timezone"]))
    if "currency" in values:
        region["currency"] = _labelled("currency", model.currency, _text("currency", values["currency"]))
    if "status" in values:
        region["status"] = _labelled("status", model.status, _text("status", values["status"]) or "planned")
    if "wave" in values:
        wave = values["wave"]
        region["wave"] = _labelled("wave", model.wave, 0 if wave in (None, "") else wave)
    if "owner" in values:
        region["owner"] = model.optional_text(_text("owner", values["owner"]))
    tz = region["timezone"]
    for field in ("launch", "launched_at"):
        if field in values:
            region[field] = _instant(field, values[field], tz)
    # The same stamp rule as `region add`: launched without a stamp, the target is the best guess.
    _apply_template_fields(region, values, "regions")
    state.put("regions", rules.stamp_launch(region, region["launch"]))
    if current.get("timezone") != region["timezone"] and code in state.regions:
        ops.keep_due_days(state, code, current["timezone"], region["timezone"])
    return code


def _region_of(state: State, values: dict[str, Any], current: Record | None) -> Record:
    if "region" in values or current is None:
        raw = _text("region", values.get("region")).strip()
        code = _labelled("region", lambda v: model.region_code(v, state.regions), raw)
        if code not in state.regions:
            raise NotFound(f"region: no region {code} (add it first, or import it in the same run)")
        return state.regions[code]
    return state.region(current["region"])


def _apply_item(state: State, values: dict[str, Any], user: str) -> str:
    item_id = _text("id", values.get("id")).strip().lower()
    current = state.items.get(item_id) if item_id else None
    if current is None:
        _require_new("checklist", item_id or "(no id)", values)
    region = _region_of(state, values, current)
    tz = region["timezone"]
    item = dict(current) if current else ops.new_item(region, item_id or state.new_id("items"), "")
    item["region"] = region["code"]
    if "title" in values:
        item["title"] = _labelled("title", lambda v: model.required_text("title", v), _text("title", values["title"]))
    if "category" in values:
        item["category"] = _labelled("category", model.category, _text("category", values["category"]) or "other")
    if "owner" in values:
        item["owner"] = model.optional_text(_text("owner", values["owner"]))
    if "due" in values or "due_all_day" in values:
        _apply_due(item, values, tz)
    if "status" in values:
        item["status"] = _labelled("status", _item_status, _text("status", values["status"]) or "open")
    if "critical" in values:
        item["critical"] = _flag("critical", values["critical"])
    if "after" in values:
        after = _item_ids("after", values["after"])
        if after != schema.ITEMS.value(item, "after"):  # an unchanged list stays as stored (absent: [])
            item["after"] = after
    if "done_at" in values:
        item["done_at"] = _instant("done_at", values["done_at"], tz)
    if "done_by" in values:
        item["done_by"] = model.optional_text(_text("done_by", values["done_by"])) or None
    _apply_template_fields(item, values, "checklist")
    # The same rules as `check done` / `check reopen`: done items say when and by whom.
    return state.put("items", ops.stamp_done(item, user, tz))["id"]


def _apply_due(item: Record, values: dict[str, Any], tz: str) -> None:
    """A due given as a plain date is due all day (by the end of that local day), like `check add
    --due`; `due_all_day` true makes the due's local day the due date; false keeps a time as given."""
    text = _text("due", values.get("due", item["due"] or "")).strip()
    if "due" in values:
        item["due"], item["due_all_day"] = _labelled("due", lambda v: ops.due_fields(v, tz), text)
    if "due_all_day" in values and values["due_all_day"] not in (None, ""):
        all_day = _flag("due_all_day", values["due_all_day"])
        if all_day and item["due"] is not None:
            day = times.local_date(item["due"], tz)
            item["due"] = times.to_iso(times.day_start(day, tz, strict=False))
        item["due_all_day"] = all_day and item["due"] is not None


def _apply_template_fields(record: Record, values: dict[str, Any], kind: str) -> None:
    """Notes, origin and not-applicable (issue 21) of an imported record, as the JSON export writes
    them (a CSV cell of them is text: only not_applicable, a reason or empty). Checked by the record
    schema's own checks (schema.notes, schema.origin); InvalidValue naming the field otherwise."""
    for name, check in (("notes", schema.notes), ("origin", schema.origin)):
        if name in values and name in FIELDS[kind]:
            value = values[name]
            if isinstance(value, str):  # a CSV cell: JSON text, or empty for none
                try:
                    value = orjson.loads(value) if value.strip() else None
                except orjson.JSONDecodeError:
                    raise InvalidValue(f"{name}: expected JSON, got {value[:40]!r}") from None
            if name == "notes" and value is None:
                value = []
            _labelled(name, check, value)
            record[name] = value
    if "not_applicable" in values and kind == "checklist":
        record["not_applicable"] = model.optional_text(_text("not_applicable", values["not_applicable"])) or None


def _item_ids(field: str, value: Any) -> list[str]:
    """An `after` cell: a JSON list of ids, or text with ids separated by commas, semicolons or
    spaces (model.item_ids); None or empty: no ids. Whether they exist is checked once the whole
    import is applied (rollout.rules.check_touched), so an item may wait for one imported after it."""
    if value is None:
        return []
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise InvalidValue(f"{field}: expected item ids, got {json.dumps(value)}")
        return _labelled(field, model.item_ids, value)
    return _labelled(field, model.item_ids, _text(field, value))


def _item_status(text: str) -> str:
    value = text.strip().lower()
    if value not in model.ITEM_STATUSES:
        raise InvalidValue(f"invalid status {text!r}: expected one of {', '.join(model.ITEM_STATUSES)}")
    return value


def _apply_promotion(state: State, values: dict[str, Any], user: str) -> str:
    promo_id = _text("id", values.get("id")).strip().lower()
    current = state.promotions.get(promo_id) if promo_id else None
    if current is None:
        _require_new("promotions", promo_id or "(no id)", values)
    region = _region_of(state, values, current)
    tz = region["timezone"]
    promo = (
        dict(current)
        if current
        else {
            "id": promo_id or state.new_id("promotions"),
            "region": region["code"],
            "name": "",
            "kind": model.DEFAULT_KIND,
            "start": None,
            "end": None,
        }
    )
    promo["region"] = region["code"]
    if "name" in values:
        promo["name"] = _labelled("name", lambda v: model.required_text("name", v), _text("name", values["name"]))
    if "kind" in values:
        promo["kind"] = model.kind(_text("kind", values["kind"]))
    for field in ("start", "end"):
        if field in values:
            instant = _instant(field, values[field], tz)
            if instant is None:
                raise InvalidValue(f"{field} cannot be empty")
            promo[field] = instant
    schema.check_span(times.instant(promo["start"]), times.instant(promo["end"]))
    _apply_template_fields(promo, values, "promotions")
    return state.put("promotions", promo)["id"]


def _apply_kpi(state: State, values: dict[str, Any], user: str) -> str:
    """A KPI row of an export (rollout.kpi.put_record: amounts checked in the region's currency);
    returns the id of the record it set."""
    from rollout import kpi

    return kpi.put_record(state, {k: None if v is None else _text(k, v) for k, v in values.items()})["id"]


def _apply_fx(state: State, values: dict[str, Any], user: str) -> str:
    """An exchange rate row (rollout.kpi.set_rate: the rate as typed, JSON text or a CSV cell;
    a JSON number is refused, since a float may already have lost the rate's digits). Returns
    the id of the rate it set."""
    from rollout import kpi

    missing = [f for f in ("base", "quote", "rate", "period") if not _text(f, values.get(f)).strip()]
    if missing:
        raise InvalidValue(f"an exchange rate needs {', '.join(missing)}")
    return kpi.set_rate(state, values["base"], values["quote"], values["rate"], values["period"])["id"]


def _apply_gmv(state: State, values: dict[str, Any], user: str) -> str:
    """A row of a CSV of GMV actuals (region,period,gmv or promo,gmv), as `kpi import` sets it;
    returns the id of the record it set."""
    from rollout import kpi

    return kpi.set_actual_row(state, {column: _text(column, value) for column, value in values.items()})["id"]


def _apply_stored(state: State, kind: str, values: dict[str, Any]) -> str:
    """A sign-off or freeze window row, stored as exported once the record schema accepts it (CSV
    cells read back: empty is none, flags true/false, a freeze's regions separated by commas). A
    freeze row without an id is a new window (f1, f2...). Raises InvalidValue naming the problem."""
    definition = SCHEMA[kind]
    key = _text(definition.key, values.get(definition.key)).strip()
    if kind == "freezes":
        key = key.lower() or state.new_id("freezes")
    current = state.tables[definition.table].get(key)
    record: Record = dict(current) if current else {"blocks": False} if kind == "freezes" else {}
    for name in definition.names:
        if name in values:
            record[name] = _stored_cell(definition.by_name[name], values[name])
    record[definition.key] = key
    if kind == "freezes" and not record.get("scope"):
        record["scope"] = " ".join(record.get("regions") or [])
    missing = sorted(f for f in definition.in_file if f not in record)
    if missing:
        raise InvalidValue(f"a {definition.noun} needs {', '.join(missing)}")
    found = definition.problems(record)
    if found:
        raise InvalidValue(found[0].describe(definition.label(record)))
    if kind == "signoffs" and record["region"] not in state.regions:
        raise NotFound(f"region: no region {record['region']} (add it first, or import it in the same run)")
    return state.put(definition.table, record)[definition.key]


def _stored_cell(field: schema.Field, value: Any) -> Any:
    """A cell as the stored value: CSV text of a flag or a list read back, empty text as none."""
    if not isinstance(value, str):
        return value
    kind = field.json.get("type")
    if kind == "boolean":
        return _flag(field.name, value)
    if kind == "array":
        return [part.strip().upper() for part in value.split(",") if part.strip()]
    if value == "" and field.name not in ("scope", "requested_by"):
        return None
    return value
