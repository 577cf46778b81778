"""The storage interface: where a rollout database keeps its current state and its history.

Operations, the CLI and the TUI never talk to a file or a server: rollout.db.Database talks to
one Backend, and each kind of storage is a module of this package implementing the three
classes below (rollout.backends.tinydb: a TinyDB JSON file with a JSON Lines history beside it;
rollout.backends.memory: everything in memory, for tests and tools; rollout.backends.postgres: a
PostgreSQL database for teams on several hosts). A new kind of storage is a new module, and a
scheme in rollout.backends.location; nothing else changes. tests/backends/ holds the conformance
suite every backend passes.

Shapes used throughout (plain dicts and lists, as JSON has them):

- a *document* is the current state in TinyDB's layout: ``{"_meta": {"1": meta}, "regions":
  {doc_id: region}, "items": {doc_id: item}, "promotions": {doc_id: promotion}}``, doc ids "1",
  "2", ... in record order; `meta` holds at least ``schema``, ``revision`` (the number of the last
  committed change, 0 for a database nothing has changed yet), ``next_items`` and ``next_promotions``.
  A backend may add keys of its own to `meta` on disk but never returns them.
- an *entry* is one change in history: ``{"id": int, "revision": int, "at": ISO 8601 instant
  with offset (the writer's clock: shown, never used to order), "user": str, "command": str,
  "changes": [change, ...]}``, optionally ``"notes":
  [str]``, ``"undoes": id`` and other keys the core adds (``"restores"``, ``"replayed"``). A change
  is ``{"table": "regions"|"items"|"promotions", "key": code or id, "before": record or None,
  "after": record or None}``. Ids count entries and revisions count commits, both from 1, both
  strictly increasing and never reused. History is ordered by id, never by `at` (several hosts'
  clocks disagree); a backend may also keep the time it committed each entry by its own clock.
- a *header* is an entry without ``changes``, plus ``"regions"``: the region codes it touched,
  sorted, and ``"summary"``: ``[[table, action, count], ...]`` with action "add", "change" or
  "remove", in the order the changes list them, and ``"edited"``: ``[[key, [field, ...]], ...]``,
  the fields of the first EDITED_LISTED records the entry changed (see `header_of`). History
  listings work on headers, which stay small however large the change was.

Errors: every method raises rollout.errors.DatabaseError (one line, naming the database) for a
storage that cannot be read, written or locked, and rollout.errors.NotFound for an entry or
backup that does not exist. Optional capabilities raise NotImplementedError; callers check
with `supports_backups`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, NamedTuple, overload

from rollout.errors import NotFound

Document = dict[str, Any]
Entry = dict[str, Any]
ChangeToken = Hashable  # opaque; two tokens are equal exactly when the stored state is the same
ENTRY_FIELDS = ("id", "revision", "at", "user", "command", "changes")


# -- history entries and queries -----------------------------------------------------------------
def change_action(change: dict[str, Any]) -> str:
    """ "add", "remove" or "change": what a change did to its record."""
    return "add" if change.get("before") is None else "remove" if change.get("after") is None else "change"


def change_regions(change: dict[str, Any]) -> set[str]:
    """Region codes a change touched: the region itself, or the region of the item or promotion
    before and after (both, when a record moved between regions)."""
    if change.get("table") == "regions":
        return {change["key"]} if isinstance(change.get("key"), str) else set()
    found = set()
    for side in ("before", "after"):
        record = change.get(side)
        if isinstance(record, dict) and isinstance(record.get("region"), str):
            found.add(record["region"])
    return found


EDITED_LISTED = 3  # records whose changed fields a header names (history's CHANGES column)


def changed_fields(change: dict[str, Any]) -> list[str]:
    """The fields a "change" change changed (before and after differ), in the record's order."""
    before, after = change.get("before") or {}, change.get("after") or {}
    return [name for name in {**before, **after} if before.get(name) != after.get(name)]


def header_of(entry: Entry) -> Entry:
    """The entry's header: every key but ``changes``, plus ``regions`` and ``summary`` (module doc).

    Tolerates malformed changes (they count for nothing), so an old file's damaged history can
    still be listed and checked by `rollout doctor`.
    """
    header = {key: value for key, value in entry.items() if key != "changes"}
    changes = entry.get("changes")
    regions: set[str] = set()
    counts: dict[tuple[str, str], int] = {}
    edited: list[list[Any]] = []
    for change in changes if isinstance(changes, list) else ():
        if not isinstance(change, dict) or not isinstance(change.get("table"), str):
            continue
        regions |= change_regions(change)
        action = change_action(change)
        key = (change["table"], action)
        counts[key] = counts.get(key, 0) + 1
        if action == "change" and len(edited) < EDITED_LISTED:
            edited.append([change.get("key"), changed_fields(change)])
    header["regions"] = sorted(regions)
    header["summary"] = [[table, action, count] for (table, action), count in counts.items()]
    header["edited"] = edited
    return header


class HistoryQuery(NamedTuple):
    """Which entries a history page holds; every filter given must match (all None: every entry).

    region: a region code the entry touched (``"DE"``), exact.
    user: the entry's user, as a person (rollout.identity.same_person: `Amara` finds `amara`).
    command: text the entry's command starts with (``"tui: "``, ``"check add"``).
    since / until: aware datetimes; entries recorded at or after `since` and before `until`
      (a local day is [its first instant, the next day's first instant)).
    before_id: the page cursor: only entries with a smaller id (HistoryPage.next_before).
    limit: at most this many entries (None: all that match).
    with_changes: full entries instead of headers (reads each entry's changes: costs as much as
      the changes are large).
    """

    region: str | None = None
    user: str | None = None
    command: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int | None = 50
    with_changes: bool = False

    def matches(self, header: Entry) -> bool:
        """Whether a header passes every filter except before_id and limit."""
        if self.region is not None and self.region not in header.get("regions", ()):
            return False
        if self.user is not None:
            from rollout.identity import same_person  # only filters by user need it (and unicodedata)

            if not same_person(header.get("user"), self.user):
                return False
        if self.command is not None and not str(header.get("command", "")).startswith(self.command):
            return False
        if self.since is not None or self.until is not None:
            at = datetime.fromisoformat(header["at"])
            if (self.since is not None and at < self.since) or (self.until is not None and at >= self.until):
                return False
        return True


class HistoryPage(NamedTuple):
    """Entries newest first (headers, or full entries when asked), and the cursor for the next page:
    pass `next_before` as HistoryQuery.before_id; None when no older entry matches."""

    entries: list[Entry]
    next_before: int | None


class HistoryLog(ABC, Sequence[Entry]):
    """The history of one stored state, as of its revision: an entry committed later is never seen.

    As a Sequence it holds full entries, oldest first: len() and indexing from the end are cheap,
    iterating reads everything (tools and tests; commands use `page`, `after` and `entry`).
    """

    @abstractmethod
    def count(self) -> int:
        """How many entries there are (no read of the entries themselves)."""

    @abstractmethod
    def last_id(self) -> int:
        """The id of the newest entry; 0 when there is none."""

    @abstractmethod
    def page(self, query: HistoryQuery) -> HistoryPage:
        """One page of entries matching `query`, newest first (headers unless query.with_changes).

        Costs the page's size plus the entries skipped by the filters, never the whole history
        for an unfiltered page. Raises DatabaseError when the history cannot be read.
        """

    @abstractmethod
    def entry(self, entry_id: int) -> Entry:
        """The full entry with this id. Raises NotFound when there is none."""

    @abstractmethod
    def after(self, revision: int) -> list[Entry]:
        """Full entries whose revision is greater than `revision`, oldest first (the stale-edit
        check: what others committed since a screen was loaded). Costs only those entries."""

    @abstractmethod
    def at_revision(self, revision: int) -> Entry | None:
        """The header of the entry that produced `revision`, or None (e.g. revision 0)."""

    @abstractmethod
    def __iter__(self) -> Iterator[Entry]:
        """Every full entry, oldest first."""

    def next_id(self) -> int:
        """The id the next entry gets."""
        return self.last_id() + 1

    def walk(self, query: HistoryQuery) -> Iterator[Entry]:
        """Every entry matching `query` (its limit is the page size), newest first, read a page at a time."""
        before = query.before_id
        while True:
            page = self.page(query._replace(before_id=before))
            yield from page.entries
            if page.next_before is None:
                return
            before = page.next_before

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return list(self)[index]
        total = self.count()
        position = index + total if index < 0 else index
        if not 0 <= position < total:
            raise IndexError("history index out of range")
        from_newest = total - 1 - position
        for number, header in enumerate(self.walk(HistoryQuery(limit=max(64, from_newest + 1)))):
            if number == from_newest:
                return self.entry(header["id"])
        raise IndexError("history index out of range")

    def __reversed__(self) -> Iterator[Entry]:
        for header in self.walk(HistoryQuery(limit=64)):
            yield self.entry(header["id"])


class MemoryHistory(HistoryLog):
    """A history held in a list: the history inside an old (schema 0-1) document, the in-memory
    backend's, and the empty history of a state built without storage."""

    def __init__(self, entries: Sequence[Entry] = ()) -> None:
        self._entries = sorted(entries, key=lambda e: e["id"])
        self._headers: list[Entry] | None = None

    @classmethod
    def of_document(cls, document: Document) -> MemoryHistory:
        """The `history` table of an old document ({doc_id: entry}); entries without an id are left out."""
        table = document.get("history") or {}
        return cls([e for e in table.values() if isinstance(e, dict) and isinstance(e.get("id"), int)])

    def headers(self) -> list[Entry]:
        if self._headers is None:
            self._headers = [header_of(e) for e in self._entries]
        return self._headers

    def count(self) -> int:
        return len(self._entries)

    def last_id(self) -> int:
        return self._entries[-1]["id"] if self._entries else 0

    def page(self, query: HistoryQuery) -> HistoryPage:
        found: list[Entry] = []
        headers = self.headers()
        for position in range(len(headers) - 1, -1, -1):
            header = headers[position]
            if query.before_id is not None and header["id"] >= query.before_id:
                continue
            if not query.matches(header):
                continue
            if query.limit is not None and len(found) >= query.limit:
                return HistoryPage(found, found[-1]["id"])
            found.append(self._entries[position] if query.with_changes else header)
        return HistoryPage(found, None)

    def entry(self, entry_id: int) -> Entry:
        for entry in self._entries:
            if entry["id"] == entry_id:
                return entry
        raise NotFound(f"no history entry #{entry_id}")

    def after(self, revision: int) -> list[Entry]:
        return [e for e in self._entries if isinstance(e.get("revision"), int) and e["revision"] > revision]

    def at_revision(self, revision: int) -> Entry | None:
        for header in self.headers():
            if header.get("revision") == revision:
                return header
        return None

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries))


# -- states, transactions, backends ---------------------------------------------------------------
# Value records are NamedTuples, not dataclasses: they are defined on every command's start-up, where
# a dataclass costs about a millisecond each to create and a NamedTuple a fraction of that.
class StoredState(NamedTuple):
    """What one read of the storage saw, returned to the caller and kept nowhere else.

    document: the current records, upgraded to the current schema (module doc; no history in it).
    revision: the document's `meta["revision"]`.
    token: the ChangeToken of what was read; Backend.token() returns an equal one until the next commit.
    history: the history as of `revision`.
    schema: the schema version as stored, before any upgrade (the next commit stores the upgrade).
    created: this call created the database (seeded it), so a front end can say so.
    """

    document: Document
    revision: int
    token: ChangeToken
    history: HistoryLog
    schema: int
    created: bool = False


class Backup(NamedTuple):
    """One kept version of the current state; number 1 is the newest.

    location: where it is kept (a file path for the TinyDB backend), for messages and --json.
    revision: the revision of the state it holds; saved_at: when it was kept (seconds since the
    epoch); size: in bytes.
    """

    number: int
    location: str
    revision: int
    saved_at: float
    size: int


class BackupContent(NamedTuple):
    """What a backup holds: its document (upgraded to the current schema, no history in it), and
    the history entries kept inside the backup itself (only a file from before history was stored
    apart has any; they matter when the history store holds nothing)."""

    document: Document
    history: list[Entry]


class Replaced(NamedTuple):
    """What Transaction.replace did: where the state it replaced was kept (None: there was none)."""

    kept_as: str | None
    stored: StoredState


class Transaction(ABC):
    """One writer's turn: created by Backend.writing(), which holds the writers' lock throughout.

    A transaction is used by one thread and remembers what its own read saw; nothing is shared
    with readers or other transactions.
    """

    @abstractmethod
    def read(self) -> StoredState | None:
        """The current state, read under the lock (None: no database yet, nor any history).

        Removes what a writer killed mid-commit left behind (an entry whose state was never
        stored, temporary files). Raises DatabaseError when the state cannot be read, or when it
        is older than its history (replaced by an older copy): writing on it would lose changes.
        """

    @abstractmethod
    def commit(self, document: Document, entry: Entry | None) -> StoredState:
        """Store `document` as the new current state together with its history entry, all or nothing.

        `entry["revision"]` must equal the document's revision, one more than the state read
        (`entry` None only when creating the database: nothing read, revision 0). What changed is
        `entry["changes"]` (every record that differs between the state read and `document`, with
        its before and after) and `document["_meta"]`: a backend may write only those rows (a
        server does) or the whole document (a file does). A record added comes after every other
        in its table; a backend keeps the document's record order either way.

        After a crash at any moment, the stored state is either the one read with its history, or
        the new one with `entry` as its newest entry. Returns what is now stored. Raises
        DatabaseError when the state changed since `read` (a program that ignores the lock), when
        it cannot be written, or when the connection to a server was lost (its message says
        whether the change was written, when the backend can tell); nothing is then stored.
        Raises ValueError when `entry`'s id or revision does not follow the stored history (a
        caller's bug, not the user's). Called from the thread that opened the transaction.
        """

    @abstractmethod
    def recovery_history(self) -> HistoryLog:
        """Every complete entry the history holds, whatever the current state says (which may be
        unreadable): what a whole-state restore replays."""

    def recovery_skipped(self) -> list[Entry]:
        """Complete entries the history holds that `recovery_history()` leaves out, oldest first:
        those whose commit never completed (a writer killed after writing its entry, before
        storing its state). `replace` cuts them off the history; their ids and revisions are never
        given again (recovery_history().next_id() is past them). Default: none, for a backend
        whose commit is one atomic step (a SQL transaction) and so never leaves such entries."""
        return []

    @abstractmethod
    def replace(self, document: Document, entries: list[Entry]) -> Replaced:
        """Replace a state that `read` refused (unreadable, missing beside a history, or older than
        its history) as a whole with `document`, appending `entries` (oldest first; the last one
        produced the document's revision) after every entry of `recovery_history()`, whose ids and
        revisions must all be lower, as must those of `recovery_skipped()`, which are dropped. The
        replaced state is kept (Replaced.kept_as). Raises DatabaseError when it cannot be written.
        """

    def erase(self) -> str | None:
        """Optional (`rollout db copy --force`): set the whole database, state and history, aside
        or remove it inside this turn, so `replace` then starts an empty history. Returns where
        a copy was kept (None: none, e.g. a server's own backups hold it). NotImplementedError
        when the storage cannot."""
        raise NotImplementedError


class ChangeHook(ABC):
    """Tells a long-running front end (the TUI) that the stored state changed (Backend.watch).

    `current()` is cheap enough to call from the UI thread several times a second: the file
    backend's is one stat, a server backend's returns what its listener last heard (no I/O).
    The `on_change` callback given to Backend.watch, when the backend pushes, is called from the
    hook's own thread (so it must hand over to the UI thread itself)."""

    @abstractmethod
    def current(self) -> ChangeToken | None:
        """The newest change token known (None: no database). Raises DatabaseError (one line, no
        credential) while the storage cannot be reached; the same hook recovers by itself."""

    def close(self) -> None:  # noqa: B027 (optional: most hooks hold nothing)
        """Stop watching (idempotent)."""


class PollingHook(ChangeHook):
    """The default hook: Backend.token() at every call (a stat for a file); never pushes."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def current(self) -> ChangeToken | None:
        return self.backend.token()


class Backend(ABC):
    """One rollout database: its current state, its history, its writers' lock, its backups.

    Required: exists, read, token, revision, history, writing. Optional, with defaults here:
    backups and backup_content (supports_backups), watch (live refresh), storage_checks
    (`rollout doctor`). Every method may raise DatabaseError (one line naming `location`, never a
    credential) when the storage cannot be read, written, reached or locked; none raises a driver
    or OS error. Thread safety: a backend object may be shared by the threads of one process
    (each call is complete in itself); a Transaction belongs to the thread that opened it.
    """

    location: str  # a path, or a URL without credentials: what messages name
    # Why `restore` has nothing to offer when supports_backups is False (said to the user as is).
    backups_note = "this storage keeps no backups"

    @abstractmethod
    def exists(self) -> bool:
        """Whether the database exists (a state has been stored)."""

    def missing_reason(self) -> str | None:
        """Why there is no state although the database is not simply absent (a file lost while its
        history is there), as one line saying how to recover; None when the database exists or
        nothing of it does. Never creates anything. Optional: the default says None."""
        return None

    @abstractmethod
    def read(self) -> StoredState | None:
        """The current state without taking the lock (None: no database yet). Readers never see a
        half-committed change. Raises DatabaseError when it cannot be read."""

    @abstractmethod
    def token(self) -> ChangeToken | None:
        """A token that changes whenever the stored state does (None: no database); for polling,
        so it costs no read of the state (a stat, a one-row query). Front ends that poll often
        use `watch` instead, which may avoid the I/O."""

    @abstractmethod
    def revision(self) -> int | None:
        """The stored revision (None: no database), without reading the records; never creates anything."""

    @abstractmethod
    def history(self) -> HistoryLog:
        """The history as of the stored revision, without reading the records. Raises DatabaseError
        when the database does not exist or cannot be read."""

    @abstractmethod
    def writing(self, timeout: float | None = None) -> AbstractContextManager[Transaction]:
        """Hold the writers' lock (waiting at most `timeout` seconds, default ROLLOUT_LOCK_TIMEOUT)
        and yield a Transaction. Raises DatabaseError when the lock cannot be had in time or the
        storage cannot be reached. A writer's turn ends with the block: a commit not made by then
        is not made. May be called from any thread; the Transaction stays on that thread."""

    # -- optional: live refresh, storage checks --------------------------------------------------
    def watch(self, on_change: Callable[[], None] | None = None) -> ChangeHook:
        """A ChangeHook on this database. A backend that pushes (a server's notifications) calls
        `on_change` from its own thread when the state changes or the connection is lost or back;
        the default polls token() and never calls it."""
        return PollingHook(self)

    def storage_checks(self) -> list[str]:
        """Problems of the storage itself, beyond the records (one sentence each; [] when fine).
        `rollout doctor` runs the record checks on what `read` returns, then these."""
        return []

    # -- optional: backups ------------------------------------------------------------------
    supports_backups = False

    def backups(self) -> list[Backup]:
        """Kept versions of the state, newest first (number 1). Optional: NotImplementedError."""
        raise NotImplementedError

    def backup_content(self, backup: Backup) -> BackupContent:
        """What a backup holds (BackupContent). Raises DatabaseError, naming the backup's number,
        when it cannot be read. Optional: NotImplementedError."""
        raise NotImplementedError
