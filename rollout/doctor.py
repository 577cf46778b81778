"""`rollout doctor`: check a database file and say what is wrong with it in plain words.

The checks read the raw file (never through State, which would hide duplicates and orphans)
and never write. A problem means the data is damaged or would make rollout misbehave; a note
is worth knowing but harmless (an older schema that the next change upgrades, a temp file left
by an interrupted write, which is ignored and removed on the next change).
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from rollout import numbers, times
from rollout.errors import DatabaseError, InvalidValue
from rollout.files import file_signature, leftovers, signature_of
from rollout.migrations import HISTORY_APART_SCHEMA
from rollout.schema import CHILD_TABLES, ID_PREFIX, KINDS, after_problems, id_number, kpi_currency_problem
from rollout.state import KEY, TABLES
from rollout.storage import SCHEMA_VERSION, backup_revision, decode_document, list_backups

PROBLEM = "problem"
NOTE = "note"
MAX_REPORTED_PER_CHECK = 20  # a badly damaged file should not print a million lines


@dataclass
class Finding:
    """One thing doctor found: `level` "problem" (the file is damaged or inconsistent; doctor exits 1)
    or "note" (worth knowing, nothing wrong), and a sentence saying what and where.
    """

    level: str
    message: str


@dataclass
class Report:
    """What doctor found in the database at `path`: the findings, a summary of counts (records per
    table, history entries) and the backups kept (revision, file, whether each can be restored).
    """

    path: Path | str  # a file's path, or another storage's location (no credential)
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    backups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """The problems' sentences, in the order found."""
        return [f.message for f in self.findings if f.level == PROBLEM]

    @property
    def notes(self) -> list[str]:
        """The notes' sentences, in the order found."""
        return [f.message for f in self.findings if f.level == NOTE]

    @property
    def ok(self) -> bool:
        """No problem found (notes do not count)."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The report as `doctor --json` prints it: path, ok, summary, problems, notes, backups."""
        return {
            "path": str(self.path),
            "ok": self.ok,
            "summary": self.summary,
            "problems": self.problems,
            "notes": self.notes,
            "backups": self.backups,
        }


class Findings:
    """Collects findings, capping how many one check reports."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._counts: dict[str, int] = {}

    def add(self, level: str, message: str, check: str = "") -> None:
        """Record a finding of `level`; a check (`check`, else the message itself) reports at most
        MAX_REPORTED_PER_CHECK, then one line says the rest were left out.
        """
        key = check or message
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._counts[key] <= MAX_REPORTED_PER_CHECK:
            self.items.append(Finding(level, message))
        elif self._counts[key] == MAX_REPORTED_PER_CHECK + 1:
            self.items.append(Finding(level, f"(more of the same {check or 'kind'} left out)"))

    def problem(self, message: str, check: str = "") -> None:
        """Record a problem (see add)."""
        self.add(PROBLEM, message, check)

    def note(self, message: str, check: str = "") -> None:
        """Record a note (see add)."""
        self.add(NOTE, message, check)


# -- the file --------------------------------------------------------------------------------
def examine(path: Path) -> Report:
    """Every check on the database file at `path`, its history and its surroundings."""
    report = Report(path)
    found = Findings()
    read = _read(path, found, report)
    if read is not None:
        document, stored_schema, raw, signature = read
        meta = document["_meta"]["1"]
        history = HistoryCheck(meta, found)
        if stored_schema < HISTORY_APART_SCHEMA:  # history still inside the file, until its next change
            entries: Iterable[dict[str, Any]] = legacy_entries(document.get("history", {}), found)
        else:
            if "history" in document:
                found.problem("the file has a history table of its own; rollout keeps history apart and ignores it")
            entries = store_entries(path, meta, found, signature)
        check_document(document, found, entries, history)
        if stored_schema >= HISTORY_APART_SCHEMA:
            _check_stored_by_rollout(path, meta, raw, signature, history, found)
        report.summary = {
            "schema": meta.get("schema"),
            "revision": meta.get("revision"),
            **{name: len(document.get(name, {})) for name in TABLES if isinstance(document.get(name), dict)},
            "history": history.count,
        }
    _check_surroundings(path, found, report)
    report.findings = found.items
    return report


def examine_location(location: str) -> Report:
    """Every check on the database at `location` (rollout.backends.parse_location): a file gets
    examine's checks of the raw file and its surroundings; any other storage the record and
    history checks on what its backend reads, then the backend's own storage checks."""
    from rollout.backends import open_backend, parse_location

    where = parse_location(location)
    if where.is_file:
        return examine(Path(where.target))
    return examine_backend(open_backend(where))


def examine_backend(backend: Any) -> Report:
    """The backend-neutral checks (check_document, HistoryCheck) on what `backend` reads, and its
    storage_checks(); no backups are listed (a server's are its own business)."""
    report = Report(backend.location)  # type: ignore[arg-type]
    found = Findings()
    stored = backend.read()
    if stored is None:
        found.problem(f"no database at {backend.location} (`rollout init` creates one there)")
    else:
        meta = stored.document["_meta"]["1"]
        history = HistoryCheck(meta, found)
        check_document(stored.document, found, iter(stored.history), history)
        report.summary = {
            "schema": meta.get("schema"),
            "revision": meta.get("revision"),
            **{name: len(stored.document.get(name, {})) for name in TABLES},
            "history": history.count,
        }
        for message in backend.storage_checks():
            found.problem(message, "storage")
    report.findings = found.items
    return report


def _read(path: Path, found: Findings, report: Report) -> tuple[dict[str, Any], int, bytes, tuple[int, ...]] | None:
    """The document (upgraded to the current schema), the schema it is stored in, the bytes read
    and the file's signature."""
    try:
        info = path.stat()
    except FileNotFoundError:
        journal = path.with_name(path.name + ".history") / "journal.jsonl"
        if journal.exists() and journal.stat().st_size:
            found.problem(
                f"there is no database at {path}, but its history is there ({journal.parent.name}); "
                "`rollout restore 1 --force` brings it back from the newest backup and the history after it"
            )
        else:
            found.problem(f"there is no database at {path} (any command that changes something creates one)")
        return None
    except OSError as exc:
        found.problem(f"cannot look at {path}: {exc.strerror or exc}")
        return None
    if stat.S_ISDIR(info.st_mode):
        found.problem(f"{path} is a directory, not a database file")
        return None
    if not stat.S_ISREG(info.st_mode):
        found.problem(f"{path} is not a regular file")
        return None
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o007:
        found.note(f"the file is accessible to other users (mode {mode:04o}); the next change removes that access")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        found.problem(f"cannot read {path}: {exc.strerror or exc}")
        return None
    try:
        document, version = decode_document(raw, path)
    except DatabaseError as exc:
        found.problem(_plain(str(exc), path))
        return None
    if version < SCHEMA_VERSION:
        from rollout.migrations import upgrade

        moving = f" (moving its history to {path.name}.history/)" if version < HISTORY_APART_SCHEMA else ""
        found.note(
            f"the file uses the older schema {version}; rollout reads it as schema {SCHEMA_VERSION} and the next "
            f"change stores it that way{moving}, keeping the original as "
            f"{path.stem}.schema{version}.json in the backups folder"
        )
        try:
            document = upgrade(document, version, path)
        except DatabaseError as exc:
            found.problem(_plain(str(exc), path))
            return None
    return document, version, raw, signature_of(info)


def _plain(message: str, path: Path) -> str:
    """Storage errors name the file and say it was left untouched; the report already says both."""
    text = message.replace(f"database {path} ", "the file ").replace(f"{path} ", "the file ")
    return text.replace("; it was left untouched", "").replace("; run rollout doctor", "")


def _check_stored_by_rollout(
    path: Path, meta: dict[str, Any], raw: bytes, signature: tuple[int, ...], history: HistoryCheck, found: Findings
) -> None:
    """Whether the file is the one rollout's last commit stored (rollout.backends.journal.stored_by_rollout),
    and whether its revision is the one its newest history entry made: a program that wrote the
    file without the lock (without bumping the revision, or bumping it without history) is a
    problem the next change refuses, so doctor reports it too."""
    from rollout.backends.journal import Mark, Store, stored_by_rollout

    revision = meta.get("revision")
    mark = Mark.from_meta(meta.get("history"))
    if mark is None or not isinstance(revision, int):
        return  # reported already
    fix = (
        "; it was changed by a program that does not take the rollout lock: `rollout restore 1 --force` brings "
        "back the newest backup and replays the history after it, keeping this file in the backups folder"
    )
    store = Store(path)
    committed = store.committed()
    if committed is not None and revision < committed.revision and store.size(store.journal) > mark.journal:
        return  # the changes after it are in the history: reported as an older copy (_check_tail)
    problem = stored_by_rollout(committed, revision, mark, signature, lambda: raw)
    if problem is not None and _replaced_since(path, signature):
        return  # a writer committed while doctor was reading: what it read is simply out of date
    if problem is not None:
        found.problem(f"the file is not what rollout stored last: {problem}{fix}")
    elif history.count and history.last_revision is not None and history.last_revision != revision:
        found.problem(
            f"the file holds revision {revision}, but its newest history entry (#{history.last_id}) made revision "
            f"{history.last_revision}{fix}"
        )


def _replaced_since(path: Path, signature: tuple[int, ...] | None) -> bool:
    """Whether the file is no longer the one read (doctor takes no lock: a change may land meanwhile)."""
    return signature is not None and file_signature(path) != signature


def _check_surroundings(path: Path, found: Findings, report: Report) -> None:
    holder = lock_holder_note(path)
    if holder:
        found.note(holder)
    left = leftovers(path) + leftovers(path.with_name(path.name + ".history") / "index.jsonl")
    if left:
        found.note(
            f"{len(left)} temp file(s) left by an interrupted write ({', '.join(p.name for p in left[:3])}); "
            "they are ignored and removed by the next change"
        )
    for number, backup in enumerate(list_backups(path), 1):
        entry: dict[str, Any] = {"number": number, "file": backup.name, "revision": backup_revision(backup)}
        try:
            info = backup.stat()
            entry["size"] = info.st_size
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o007:
                found.note(f"backup {backup.name} is accessible to other users (mode {mode:04o})", "backup mode")
            decode_document(backup.read_bytes(), backup)
            entry["readable"] = True
        except (OSError, DatabaseError) as exc:
            entry["readable"] = False
            found.note(f"backup {number} ({backup.name}) cannot be restored: {exc}", "backup")
        report.backups.append(entry)


# -- the document ----------------------------------------------------------------------------
def check_document(
    document: dict[str, Any],
    found: Findings | None = None,
    history: Iterable[dict[str, Any]] | None = None,
    check: HistoryCheck | None = None,
) -> list[Finding]:
    """Structural and referential checks of a parsed (and upgraded) database document and its
    history: `history` is its entries oldest first (default: the document's own `history` table,
    as files from before history was stored apart hold it)."""
    found = found if found is not None else Findings()
    meta = document["_meta"]["1"]
    tables = {}
    for name in TABLES:
        raw = document.get(name, {})
        if not isinstance(raw, dict):
            found.problem(f"the {name} table is not a table (found {type(raw).__name__})")
            raw = {}
        tables[name] = _records(name, raw, found)
    keys = {name: _check_keys(name, tables[name], found) for name in TABLES}
    _check_regions(tables["regions"], found)
    for table in CHILD_TABLES:
        _check_children(table, tables[table], keys["regions"], found)
    _check_currencies(tables, found)
    for table in TABLES:  # the kinds that belong to no region: settings, exchange rates, freezes...
        if table != "regions" and table not in CHILD_TABLES:
            for _doc_id, record in tables[table]:
                _check_record(found, table, record)
    _check_dependencies(tables["items"], found)
    _check_future(tables, found)
    check = check if check is not None else HistoryCheck(meta, found)
    for entry in history if history is not None else legacy_entries(document.get("history", {}), found):
        check.add(entry)
    _check_counters(meta, keys, check.used, found)
    return found.items


def _records(name: str, raw: dict[str, Any], found: Findings) -> list[tuple[str, dict[str, Any]]]:
    records = []
    for doc_id, record in raw.items():
        if not numbers.is_digits(doc_id):
            found.problem(f"{name} has a document id {doc_id!r} that is not a number", f"{name} doc id")
        if not isinstance(record, dict):
            found.problem(f"{name} document {doc_id} is not a record (found {type(record).__name__})", f"{name} shape")
            continue
        records.append((doc_id, record))
    return records


def _check_keys(name: str, records: list[tuple[str, dict[str, Any]]], found: Findings) -> set[str]:
    """The table's keys (codes or ids), reporting missing and duplicate ones."""
    seen: dict[str, str] = {}
    for doc_id, record in records:
        key = record.get(KEY[name])
        if not isinstance(key, str) or not key:
            found.problem(f"{name} document {doc_id} has no {KEY[name]}", f"{name} key")
            continue
        if key in seen:
            found.problem(
                f"duplicate {KINDS[name].noun} {key} (documents {seen[key]} and {doc_id}); rollout would only see the last one",
                f"{name} duplicate",
            )
        seen[key] = doc_id
    return set(seen)


def _missing(found: Findings, label: str, record: dict[str, Any], fields: Iterable[str]) -> bool:
    absent = [f for f in fields if f not in record]
    if absent:
        found.problem(f"{label} has no {', '.join(absent)}", f"{label} missing")
    return bool(absent)


def _check_record(found: Findings, table: str, record: dict[str, Any]) -> str:
    """The record schema's checks of one record (rollout.schema); returns the record's label."""
    kind = KINDS[table]
    label = kind.label(record)
    for problem in kind.problems(record):
        found.problem(problem.describe(label), f"{label} {problem.check}")
    return label


def _check_regions(records: list[tuple[str, dict[str, Any]]], found: Findings) -> None:
    for _doc_id, region in records:
        label = _check_record(found, "regions", region)
        if region.get("status") == "launched" and not region.get("launched_at"):
            found.note(
                f"{label} is launched but has no launched_at date (its target launch is shown instead)", "launched_at"
            )


def _check_children(table: str, records: list[tuple[str, dict[str, Any]]], regions: set[str], found: Findings) -> None:
    """Checklist items or promotions: their fields and rules, and that their region exists."""
    for _doc_id, record in records:
        label = _check_record(found, table, record)
        if isinstance(record.get("region"), str) and record["region"] not in regions:
            found.problem(
                f"{label} belongs to region {record['region']}, which does not exist (an orphan)", f"orphan {table}"
            )


def _check_currencies(tables: dict[str, list[tuple[str, dict[str, Any]]]], found: Findings) -> None:
    """GMV in a currency other than its region's (schema.kpi_currency_problem): from a file written
    before the rule, or edited by hand."""
    regions = {r.get("code"): r for _doc_id, r in tables["regions"] if isinstance(r.get("code"), str)}
    for _doc_id, record in tables["kpis"]:
        problem = kpi_currency_problem(record, regions.get(record.get("region")))
        if problem:
            found.problem(problem, "currency")


# Stamps that record something that happened: none can be after now (a clock set wrong, a bad import).
PAST_FIELDS = {"items": ("done_at",), "regions": ("launched_at",)}


def _check_future(tables: dict[str, list[tuple[str, dict[str, Any]]]], found: Findings) -> None:
    """Items ticked, and regions launched, at an instant after now (times.now: ROLLOUT_NOW when pinned)."""
    now = times.now()
    for table, fields in PAST_FIELDS.items():
        for _doc_id, record in tables[table]:
            for name in fields:
                value = record.get(name)
                try:
                    moment = times.stored_instant(value) if value else None
                except InvalidValue:  # reported by the record checks
                    continue
                if moment is not None and moment > now:
                    label = KINDS[table].label(record)
                    verb = "ticked" if name == "done_at" else "launched"
                    # A tick is stamped when it happens, so one after now is wrong; a region set to
                    # launched without a stamp takes its target as the best guess (rules.stamp_launch),
                    # which may lie ahead: worth saying, not a fault.
                    report = found.problem if name == "done_at" else found.note
                    report(
                        f"{label} is {verb} in the future ({name} {value}, after now {times.to_iso(now)})",
                        f"{name} in the future",
                    )


def _check_dependencies(records: list[tuple[str, dict[str, Any]]], found: Findings) -> None:
    """Items wait only for items that exist, and never for themselves through a chain (rollout.schema)."""
    known: dict[Any, dict[str, Any]] = {r.get("id"): {} for _doc_id, r in records}
    for _doc_id, record in records:  # malformed `after` values are reported by the record checks
        after = record.get("after")
        if isinstance(record.get("id"), str) and isinstance(after, list) and all(isinstance(b, str) for b in after):
            known[record["id"]] = record
    for message in after_problems(known):
        found.problem(message, "dependencies")


def _check_counters(
    meta: dict[str, Any], keys: dict[str, set[str]], in_history: dict[str, set[str]], found: Findings
) -> None:
    for table, prefix in ID_PREFIX.items():
        kind = KINDS[table]
        counter = meta.get(kind.counter)
        used = set(keys[table]) | in_history[table]
        highest = max((id_number(table, k) or 0 for k in used), default=0)
        if not isinstance(counter, int) or isinstance(counter, bool) or counter < 1:
            found.problem(f"_meta {kind.counter} is {counter!r}, not a whole number >= 1")
        elif counter <= highest:
            found.problem(
                f"the next {kind.noun} id would be {prefix}{counter}, but ids up to {prefix}{highest} are already "
                "used: new records would reuse them"
            )


# -- history -----------------------------------------------------------------------------------
class HistoryCheck:
    """Checks history entries one at a time, oldest first, keeping only ids and the record keys
    they used (a history of millions of entries is never held in memory)."""

    def __init__(self, meta: dict[str, Any], found: Findings) -> None:
        self.found = found
        revision = meta.get("revision")
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
            found.problem(f"_meta revision is {revision!r}, not a whole number >= 0")
            revision = None
        self.revision = revision
        self.ids: set[int] = set()
        self.count = 0
        self.last_id: int | None = None
        self.last_revision: int | None = None
        self.used: dict[str, set[str]] = {table: set() for table in ID_PREFIX}
        self.actions: set[int] = set()  # ids of undo and redo entries

    def add(self, entry: dict[str, Any]) -> None:
        """Check the next history entry (oldest first): a numeric, unique id in order, its fields,
        its revision after the last, what it undoes already in history; and remember the record keys
        it used (an id counter must be past them). Problems go to the findings."""
        found = self.found
        self.count += 1
        label = f"history entry {entry.get('id', '?')}"
        if not isinstance(entry.get("id"), int):
            found.problem(f"{label} has no numeric id", "history id")
            return
        entry_id = entry["id"]
        if entry_id in self.ids:
            found.problem(f"duplicate history entry id {entry_id}", "history duplicate")
        elif self.last_id is not None and entry_id < self.last_id:
            found.problem(f"history entry {entry_id} comes after entry {self.last_id}", "history order")
        self.ids.add(entry_id)
        self.last_id = max(entry_id, self.last_id or 0)
        _check_entry(label, entry, found)
        self._check_revision(entry)
        for verb in ("undoes", "redoes"):
            target = entry.get(verb)
            if target is not None and target not in self.ids:
                found.problem(f"history entry {entry_id} {verb} #{target}, which is not in history", f"history {verb}")
            elif target is not None and target in self.actions:
                found.problem(
                    f"history entry {entry_id} {verb} #{target}, which is an undo or a redo, not a change",
                    f"history {verb}",
                )
        if entry.get("undoes") is not None or entry.get("redoes") is not None:
            self.actions.add(entry_id)
        for change in entry.get("changes", ()) if isinstance(entry.get("changes"), list) else ():
            if isinstance(change, dict) and change.get("table") in self.used and isinstance(change.get("key"), str):
                self.used[change["table"]].add(change["key"])

    def _check_revision(self, entry: dict[str, Any]) -> None:
        entry_revision = entry.get("revision")
        if not isinstance(entry_revision, int):
            return
        if self.last_revision is not None and entry_revision <= self.last_revision:
            self.found.problem(
                f"history entry {entry['id']} has revision {entry_revision}, not after {self.last_revision}",
                "history order",
            )
        if self.revision is not None and entry_revision > self.revision:
            self.found.problem(
                f"history entry {entry['id']} has revision {entry_revision}, after the file's revision {self.revision}",
                "history revision",
            )
        self.last_revision = entry_revision


def legacy_entries(table: Any, found: Findings) -> list[dict[str, Any]]:
    """The entries of a `history` table inside the document (files from before schema 2), by id."""
    if not isinstance(table, dict):
        found.problem(f"the history table is not a table (found {type(table).__name__})")
        return []
    entries = []
    for doc_id, entry in _records("history", table, found):
        if not isinstance(entry.get("id"), int):
            found.problem(f"history entry {entry.get('id', doc_id)} has no numeric id", "history id")
            continue
        entries.append(entry)
    return sorted(entries, key=lambda e: e["id"])


def store_entries(
    path: Path, meta: dict[str, Any], found: Findings, signature: tuple[int, ...] | None = None
) -> Iterator[dict[str, Any]]:
    """The committed entries of the history store beside the file at `path`, oldest first, with
    findings about the store itself: its mark, missing or short files, lines that cannot be read,
    the index, and what an interrupted change left past the mark."""
    from rollout.backends.journal import Lines, Mark, Store

    mark = Mark.from_meta(meta.get("history"))
    if mark is None:
        found.problem(f"the history mark (_meta history {meta.get('history')!r}) is damaged")
        return
    store = Store(path)
    where = f"{store.folder.name}/{store.journal.name}"
    try:
        size = store.size(store.journal)
    except DatabaseError as exc:
        found.problem(_plain(str(exc), path))
        return
    if size == 0:
        if mark.entries:
            found.problem(
                f"the history ({where}) is missing: the {mark.entries} changes it held cannot be read or undone"
            )
        return
    if size < mark.journal:
        found.problem(f"{where} is shorter than the {mark.entries} entries the file counts: it was cut off")
    elif size > mark.journal:
        committed = store.committed()
        landed = committed is not None and committed.journal > mark.journal and not _replaced_since(path, signature)
        _check_tail(store, mark, size, meta.get("revision"), found, landed)
    if mark.entries and not store.index_agrees(mark):
        found.note(
            f"the history index ({store.folder.name}/{store.index.name}) does not match the journal (after a power "
            "cut?); rollout reads the journal instead until the next change rebuilds it"
        )
    count = 0
    last_id = 0
    try:
        with Lines(store.journal, None, min(size, mark.journal)) as lines:
            for number, (_offset, line) in enumerate(lines.lines_forward(0), 1):
                try:
                    entry = orjson.loads(line)
                except orjson.JSONDecodeError:
                    found.problem(f"line {number} of {where} cannot be read", "history line")
                    continue
                if not isinstance(entry, dict):
                    found.problem(f"line {number} of {where} is not a history entry", "history line")
                    continue
                count += 1
                last_id = entry.get("id") if isinstance(entry.get("id"), int) else last_id
                yield entry
    except OSError as exc:
        found.problem(f"cannot read {where}: {exc.strerror or exc}")
        return
    except Exception as exc:  # Damaged: the committed part does not end with a complete line
        found.problem(f"{where} ends in the middle of an entry ({exc})")
    if count != mark.entries or last_id != mark.last_id:
        found.problem(
            f"{where} holds {count} entries up to #{last_id}, the file counts {mark.entries} up to #{mark.last_id}"
        )


def _check_tail(store: Any, mark: Any, size: int, revision: Any, found: Findings, landed: bool) -> None:
    """What lies past the mark: a change killed before its state was stored (harmless), or changes
    that landed (more than one, or one the record of the last commit covers: `landed`)."""
    with open(store.journal, "rb") as handle:
        handle.seek(mark.journal)
        complete = handle.read(size - mark.journal).count(b"\n")
    if complete > 1 or (complete and landed):
        changes = "changes" if complete > 1 else "change"
        found.problem(
            f"the history holds {complete} {changes} after the file's revision {revision}: the file looks like an "
            "older copy (or was written by a program that does not take the rollout lock); `rollout restore 1 "
            "--force` brings back the newest backup and replays the history after it"
        )
    elif complete == 1:
        found.note(
            "1 history entry was written by a change that was interrupted before its state was stored; "
            "it is ignored and removed by the next change"
        )
    else:
        found.note(
            "a history line was left half-written by an interrupted change; it is ignored and removed by the next change"
        )


def _check_entry(label: str, entry: dict[str, Any], found: Findings) -> None:
    if _missing(found, label, entry, ("revision", "at", "user", "command", "changes")):
        return
    if not isinstance(entry["user"], str) or not entry["user"]:
        found.problem(f"{label} does not say who made it", "history user")
    if not isinstance(entry["changes"], list):
        found.problem(f"{label} has no list of changes", "history changes")
        return
    for change in entry["changes"]:
        ok = (
            isinstance(change, dict)
            and change.get("table") in TABLES
            and isinstance(change.get("key"), str)
            and {"before", "after"} <= change.keys()
            and all(change[side] is None or isinstance(change[side], dict) for side in ("before", "after"))
        )
        if not ok:
            found.problem(f"{label} has a malformed change; undo cannot use it", "history change")
            return


def lock_holder_note(path: Path) -> str | None:
    """Whether a writer holds the lock right now (harmless, but worth knowing when commands wait)."""
    from rollout.storage import write_lock

    if not Path(str(path) + ".lock").exists():
        return None
    try:
        with write_lock(path, timeout=0):
            return None
    except DatabaseError:
        return "another process holds the write lock right now"


def format_report(report: Report) -> str:
    """The report as plain lines for the terminal."""
    lines = [f"Database {report.path}"]
    if report.summary:
        s = report.summary
        lines.append(
            f"  schema {s.get('schema')}, revision {s.get('revision')}: {s.get('regions', 0)} regions, "
            f"{s.get('items', 0)} checklist items, {s.get('promotions', 0)} promotions, "
            f"{s.get('history', 0)} history entries"
        )
    readable = sum(1 for b in report.backups if b.get("readable"))
    if isinstance(report.path, Path):
        lines.append(f"  backups: {len(report.backups)} kept ({readable} readable) in {report.path.name}.backups/")
    else:
        lines.append("  backups: kept by the database server, not by rollout")
    for message in report.problems:
        lines.append(f"problem: {message}")
    for message in report.notes:
        lines.append(f"note: {message}")
    if report.ok:
        lines.append("No problems found.")
    else:
        lines.append(
            f"{len(report.problems)} problem(s) found. `rollout restore` lists the backups; "
            "`rollout restore N` brings one back."
            if isinstance(report.path, Path)
            else f"{len(report.problems)} problem(s) found."
        )
    return "\n".join(lines)
