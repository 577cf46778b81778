"""The TinyDB backend: the current state in one TinyDB JSON file, its history in a journal beside it.

    rollout.json            the current records and `_meta` (rollout.storage): a plain TinyDB
                            document, rewritten atomically by every change
    rollout.json.history/   the history (rollout.backends.journal): appended to, never rewritten
    rollout.json.lock       the writers' lock (filelock)
    rollout.json.backups/   the last versions of rollout.json, and files kept aside

A commit, under the lock: append the entry to the journal (fsync), append its header to the
index, then replace the state file, whose `_meta.history` mark now covers the entry, and record
what it stored (journal.Committed). A kill before the replace leaves the old state and a tail no
reader looks at (the next writer cuts it off, a recovery skips it); after it, the new state with
its entry. What a change costs does not grow with history.

The next writer checks, under the lock, that the state file is the one the last commit stored
(journal.stored_by_rollout: the file's signature, else the SHA-256 of the bytes it has read
anyway): a program that wrote the file without the lock is refused, never absorbed.

For crash tests, ROLLOUT_TEST_STOP_AT=<checkpoint> makes a writer stop itself (SIGSTOP) when it
reaches that point of a commit (CHECKPOINTS, in order), so a test can look at the files and at
readers at exactly that moment, then kill it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rollout.backends.base import (
    Backend,
    Backup,
    BackupContent,
    Document,
    Entry,
    HistoryLog,
    HistoryPage,
    HistoryQuery,
    MemoryHistory,
    Replaced,
    StoredState,
    Transaction,
)

if TYPE_CHECKING:
    from rollout.backends.journal import Mark, Recovery, Store
from rollout.errors import DatabaseError
from rollout.files import atomic_write, file_signature
from rollout.migrations import HISTORY_APART_SCHEMA, SCHEMA_VERSION, upgrade
from rollout.storage import (
    BACKUPS_KEPT,
    StateFile,
    backup_revision,
    check_shape,
    file_mode,
    keep_aside,
    list_backups,
    parse_document,
    peek_meta,
    read_only,
    read_state_file,
    remove_leftovers,
    write_lock,
    write_state_file,
)

STOP_AT_VARIABLE = "ROLLOUT_TEST_STOP_AT"
CHECKPOINTS = (
    "locked",  # the lock is held, nothing read yet
    "journal-partial",  # half of the entry's journal line written
    "journal-written",  # the entry is in the journal (fsynced), not yet in the index
    "index-partial",  # half of its index line written
    "index-written",  # the history holds the entry; the state file is still the old one
    "tmp-partial",  # half of the new state file written to its temporary file
    "tmp-written",  # the new state file complete and fsynced, not yet in place
    "backup-kept",  # the old state file kept in the backups folder
    "replaced",  # the new state file in place (its directory not yet fsynced)
    "committed",  # all done, the lock still held
)


def missing_with_history(path: Path, store: Any) -> str | None:
    """The message for a state file that is gone while its history is there (None otherwise): a
    lost file is recovered from backup and history, never mistaken for no database at all."""
    if store.is_empty():
        return None
    return (
        f"database {path} is missing, but its history is there ({store.folder.name}); "
        "`rollout restore 1 --force` brings back the newest backup and replays the history, "
        "`rollout init --force` starts afresh after it"
    )


class TinyDBBackend(Backend):
    """A database at `path` (module doc). Holds no state between calls but its configuration."""

    supports_backups = True

    def __init__(self, path: str | os.PathLike[str], *, backups: int = BACKUPS_KEPT) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.backups_kept = backups
        stop_at = os.environ.get(STOP_AT_VARIABLE) or None
        self.checkpoint = _stopper(stop_at) if stop_at else None

    def store(self) -> Store:
        """The history folder (rollout.backends.journal is imported here, on first use: a command
        that reads only the current state never loads it)."""
        from rollout.backends.journal import Store

        return Store(self.path, self.checkpoint)

    def _stop(self, name: str) -> None:
        if self.checkpoint is not None:
            self.checkpoint(name)

    # -- reading --------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def missing_reason(self) -> str | None:
        if self.path.exists():
            return None
        return missing_with_history(self.path, self.store())

    def read(self) -> StoredState | None:
        found = read_state_file(self.path)
        return None if found is None else self.parse(found)[0]

    def parse(self, found: StateFile) -> tuple[StoredState, Any]:
        """The state a read of the file gives, and the raw history mark it holds (a file from
        before schema 2 holds none: it is upgraded in memory, its history served from memory)."""
        document = found.document
        if found.schema < SCHEMA_VERSION:
            document = upgrade(document, found.schema, self.path)
        if found.schema < HISTORY_APART_SCHEMA:
            check_shape(document, self.path)
            history: HistoryLog = MemoryHistory.of_document(document)
            document.pop("history", None)
            raw_mark = None
        else:
            check_shape(document, self.path)
            meta = dict(document["_meta"]["1"])
            raw_mark = meta.pop("history", None)
            document = {**document, "_meta": {"1": meta}}
            document.pop("history", None)  # not part of schema 2; `rollout doctor` reports one
            history = JournalOf(self, raw_mark)
        stored = StoredState(document, int(document["_meta"]["1"]["revision"]), found.signature, history, found.schema)
        return stored, raw_mark

    def mark(self, raw: Any) -> Mark:
        """The history mark kept in `_meta.history`; DatabaseError when it is malformed."""
        from rollout.backends.journal import Mark

        mark = Mark.from_meta(raw)
        if mark is None:
            raise self._bad_mark()
        return mark

    def _bad_mark(self) -> DatabaseError:
        return DatabaseError(f"database {self.path} has a damaged history mark (_meta history); run rollout doctor")

    def token(self) -> Any:
        return file_signature(self.path)

    def revision(self) -> int | None:
        meta = peek_meta(self.path)
        if (
            meta is not None
            and _plain_int(meta.get("revision"))
            and _plain_int(meta.get("schema"))
            and meta["schema"] <= SCHEMA_VERSION
        ):
            return int(meta["revision"])
        stored = self.read()
        return None if stored is None else stored.revision

    def history(self) -> HistoryLog:
        meta = peek_meta(self.path)
        schema = meta.get("schema") if meta is not None else None
        if _plain_int(schema) and HISTORY_APART_SCHEMA <= schema <= SCHEMA_VERSION:
            return self.store().log(self.mark(meta.get("history")))
        stored = self.read()
        if stored is None:
            raise DatabaseError(f"no database at {self.path}")
        return stored.history

    # -- writing --------------------------------------------------------------------------------
    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[Transaction]:
        with write_lock(self.path, timeout):
            self._stop("locked")
            yield FileTransaction(self)

    # -- backups --------------------------------------------------------------------------------
    def backups(self) -> list[Backup]:
        found = []
        for number, path in enumerate(list_backups(self.path), 1):
            try:
                info = path.stat()
            except OSError:
                continue
            found.append(Backup(number, str(path), backup_revision(path), info.st_mtime, info.st_size))
        return found

    def backup_content(self, backup: Backup) -> BackupContent:
        path = Path(backup.location)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DatabaseError(f"cannot read backup {backup.number} ({path}): {exc.strerror or exc}") from None
        try:
            document = parse_document(raw, path)
        except DatabaseError as exc:
            raise DatabaseError(f"backup {backup.number} cannot be restored: {exc}") from None
        history = list(MemoryHistory.of_document(document)) if "history" in document else []
        document.pop("history", None)
        meta = document["_meta"]["1"]
        meta.pop("history", None)
        return BackupContent(document, history)


class FileTransaction(Transaction):
    """One writer's turn on a TinyDB database; remembers what its own read saw (nothing shared)."""

    def __init__(self, backend: TinyDBBackend) -> None:
        self.backend = backend
        self.path = backend.path
        self.store = backend.store()
        self._read = False
        self._seen: StateFile | None = None
        self._stored: StoredState | None = None
        self._mark = self.backend.mark(None)
        self._recovered: Recovery | None = None

    def read(self) -> StoredState | None:
        remove_leftovers(self.path)
        remove_leftovers(self.store.index)
        found = read_state_file(self.path, keep_raw=True)
        self._read = True
        self._seen = found
        if found is None:
            reason = missing_with_history(self.path, self.store)
            if reason:
                raise DatabaseError(reason)
            self._stored = None
            return None
        stored, raw_mark = self.backend.parse(found)
        if found.schema >= HISTORY_APART_SCHEMA:
            from rollout.backends.journal import bypass_error, stored_by_rollout

            mark = self.backend.mark(raw_mark)
            committed = self.store.committed()
            # prepare first: it names an older copy by the changes that came after it
            self._mark = self.store.prepare(mark, stored.revision, committed)
            problem = stored_by_rollout(committed, stored.revision, mark, found.signature, lambda: found.raw)
            if problem is not None:
                raise bypass_error(self.path, problem)
            stored = stored._replace(history=self.store.log(self._mark))
        self._seen = found._replace(raw=b"")  # the bytes are not needed past this check
        self._stored = stored
        return stored

    def commit(self, document: Document, entry: Entry | None) -> StoredState:
        if not self._read:
            raise RuntimeError("commit before read")
        if file_signature(self.path) != (self._seen.signature if self._seen else None):
            raise DatabaseError(
                f"database {self.path} was replaced by a program that does not take the rollout lock "
                "while this change was being made; nothing was written (run the command again)"
            )
        if read_only(self.path):
            raise DatabaseError(f"database {self.path} is read-only; nothing was written")
        revision = int(document["_meta"]["1"]["revision"])
        entries = [] if entry is None else [entry]
        mark = self._mark
        previous_schema = None if self._seen is None else self._seen.schema
        if self._seen is not None and self._seen.schema < HISTORY_APART_SCHEMA:
            assert self._stored is not None
            entries = list(self._stored.history) + entries  # the history the old file held moves out
            if not self.store.is_empty():
                keep_aside(self.store.folder, self.path, "history-set-aside")
            mark = self.backend.mark(None)
        if entry is not None and (entry.get("revision") != revision or entry["id"] <= mark.last_id):
            raise ValueError(f"entry #{entry['id']} (revision {entry.get('revision')}) cannot follow the stored state")
        if entries:
            mark = self.store.append(mark, entries)
        return self._store_state(document, mark, previous_schema, backups=self.backend.backups_kept)

    def _store_state(self, document: Document, mark: Mark, previous_schema: int | None, backups: int) -> StoredState:
        meta = dict(document["_meta"]["1"])
        ordered = {"schema": SCHEMA_VERSION, "revision": meta.pop("revision"), "history": mark.to_meta()}
        meta.pop("schema", None)
        meta.pop("history", None)
        on_disk = {**document, "_meta": {"1": {**ordered, **meta}}}
        written = write_state_file(
            self.path, on_disk, previous_schema=previous_schema, backups=backups, checkpoint=self.backend.checkpoint
        )
        signature = written.signature
        from rollout.backends.journal import Committed

        self.store.record_committed(
            Committed(int(ordered["revision"]), mark.last_id, mark.journal, written.sha256, signature)
        )
        self.backend._stop("committed")
        self._seen = StateFile(on_disk, SCHEMA_VERSION, signature)
        self._mark = mark
        plain = {**document, "_meta": {"1": {"schema": SCHEMA_VERSION, "revision": ordered["revision"], **meta}}}
        self._stored = StoredState(plain, int(ordered["revision"]), signature, self.store.log(mark), SCHEMA_VERSION)
        return self._stored

    def _recovery(self) -> Recovery:
        """What a whole-state recovery builds on (journal.Store.recovery), found once per transaction:
        nothing else writes the history while the lock is held."""
        if self._recovered is None:
            meta = peek_meta(self.path)  # what is left of the state file may still say what landed
            mark = self.backend.mark(None)
            if meta is not None:
                from rollout.backends.journal import Mark

                mark = Mark.from_meta(meta.get("history")) or mark
            self._recovered = self.store.recovery(mark.last_id)
        return self._recovered

    def recovery_history(self) -> HistoryLog:
        from rollout.backends.journal import JournalHistory

        found = self._recovery()
        return JournalHistory(self.store, found.mark, found.index, spent_id=found.spent_id)

    def recovery_skipped(self) -> list[Entry]:
        return list(self._recovery().skipped)

    def replace(self, document: Document, entries: list[Entry]) -> Replaced:
        if read_only(self.path):
            raise DatabaseError(f"database {self.path} is read-only; nothing was written")
        kept = None
        if self.path.is_file():
            try:
                readable = read_state_file(self.path) is not None
            except DatabaseError:
                readable = False
            kept = keep_aside(self.path, self.path, "replaced" if readable else "unreadable")
        found = self._recovery()
        index, mark = found.index, found.mark
        if entries and entries[0]["id"] <= found.spent_id:
            raise ValueError(f"entry #{entries[0]['id']} does not follow the history (last #{found.spent_id})")
        # A line a killed writer left half-written, and entries whose commit never completed (kept aside).
        self.store.cut_for_recovery(found)
        if mark.entries:
            atomic_write(self.store.index, index, mode=file_mode(self.path))
        elif self.store.size(self.store.index):
            self.store._truncate(self.store.index, 0)
        if entries:
            mark = self.store.append(mark, entries)
        stored = self._store_state(document, mark, None, backups=0)
        return Replaced(str(kept) if kept else None, stored)

    def erase(self) -> str | None:
        """The state file and its history folder kept in the backups folder (db copy --force)."""
        kept = keep_aside(self.path, self.path, "replaced") if self.path.is_file() else None
        if kept is not None:
            self.path.unlink()
        history = self.path.with_name(self.path.name + ".history")
        keep_aside(history, self.path, "replaced")
        self.store = self.backend.store()
        self._mark = self.backend.mark(None)
        return str(kept) if kept else None


class JournalOf(HistoryLog):
    """The history of a state read from the file, loading rollout.backends.journal only when it is
    first used (most commands never look at history). Raises DatabaseError on use when the mark
    the state holds is malformed."""

    def __init__(self, backend: TinyDBBackend, raw_mark: Any) -> None:
        self._backend = backend
        self._raw_mark = raw_mark
        self._log: HistoryLog | None = None

    def _journal(self) -> HistoryLog:
        if self._log is None:
            self._log = self._backend.store().log(self._backend.mark(self._raw_mark))
        return self._log

    def count(self) -> int:
        return self._journal().count()

    def last_id(self) -> int:
        return self._journal().last_id()

    def page(self, query: HistoryQuery) -> HistoryPage:
        return self._journal().page(query)

    def entry(self, entry_id: int) -> Entry:
        return self._journal().entry(entry_id)

    def after(self, revision: int) -> list[Entry]:
        return self._journal().after(revision)

    def at_revision(self, revision: int) -> Entry | None:
        return self._journal().at_revision(revision)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._journal())


def _plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _stopper(point: str) -> Any:
    """A checkpoint function that stops this process (SIGSTOP) at the named point of a commit."""
    if point not in CHECKPOINTS:
        raise DatabaseError(f"{STOP_AT_VARIABLE}={point!r} is not a checkpoint ({', '.join(CHECKPOINTS)})")

    import signal

    def checkpoint(name: str) -> None:
        if name == point:
            os.kill(os.getpid(), signal.SIGSTOP)

    return checkpoint
