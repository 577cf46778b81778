"""Opening the database, reading it, committing changes as history entries, and its backups.

Database is what the operations' callers (CLI, batch, TUI) use; it speaks to one storage backend
(rollout.backends) and never to a file directly, so every rule here holds for any backend.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from rollout import times
from rollout.backends.base import Backend, Backup, BackupContent, HistoryLog, HistoryQuery, StoredState, Transaction
from rollout.errors import DatabaseError, NotFound, ReadOnly, StaleEdit
from rollout.schema import KINDS
from rollout.state import ID_PREFIX, TABLES, Record, State, empty_document


def default_path() -> Path:
    """The default location: `rollout.json` in the user's data folder (rollout.paths:
    $XDG_DATA_HOME/rollout). The only location a read creates a database at on its first run."""
    from rollout.paths import data_dir

    return data_dir() / "rollout.json"


def default_location() -> tuple[str, bool]:
    """--db is handled by the caller; then ROLLOUT_DB (a path or a URL, rollout.backends), then
    default_path(). Returns (location, whether it is the default one)."""
    env = os.environ.get("ROLLOUT_DB")
    if env:
        return env, False
    return str(default_path()), True


def default_user() -> str:
    """Who is recorded as making a change when --user is not given: ROLLOUT_USER, else the login
    name, else "unknown".
    """
    env = os.environ.get("ROLLOUT_USER")
    if env:
        return env
    import getpass  # here, not at the top: it loads termios, which no read command needs otherwise

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def env_read_only() -> bool:
    """Whether ROLLOUT_READ_ONLY asks for read-only mode (1, true, yes or on, any case)."""
    return os.environ.get("ROLLOUT_READ_ONLY", "").strip().lower() in ("1", "true", "yes", "on")


class Commit:
    """What a transaction wrote: its history entry (None when nothing changed).

    `base_revision` is the revision the edit was based on: the caller's (e.g. what a screen
    showed) when given, else the one read under the lock. `rebased` says the edit was applied
    on data newer than that, after the stale-edit check found no conflict. `token` is the
    storage's change token after the write (None when nothing was written).

    A plain class rather than a dataclass: it is defined on every command's start-up (see
    rollout.backends.base on what a dataclass costs there).
    """

    __slots__ = ("entry", "base_revision", "rebased", "token")

    def __init__(
        self,
        entry: dict[str, Any] | None = None,
        base_revision: int = 0,
        rebased: bool = False,
        token: Hashable | None = None,
    ) -> None:
        self.entry = entry
        self.base_revision = base_revision
        self.rebased = rebased
        self.token = token

    def __repr__(self) -> str:
        return f"Commit(entry={self.entry!r}, base_revision={self.base_revision}, rebased={self.rebased})"


class Restored(NamedTuple):
    """What `restore` did: the backup used, the records it changed, the history entry, and for a
    whole-database restore (`--force`) where the replaced database was kept, which history
    entries were replayed on top of the backup (ids, oldest first), and which were skipped
    because their commit never completed (ids; a writer killed before storing its state)."""

    backup: Backup
    changes: list[Record] = []
    entry: dict[str, Any] | None = None
    replaced_unreadable: str | None = None
    replayed: list[int] = []
    whole: bool = False
    skipped: list[int] = []
    state: State | None = None  # the records as the restore left them (or would, on a dry run)


class Database:
    """A rollout database. Reads take no lock; every write is a locked read-modify-write that
    stores the new state and its one history entry together.

    `path` is a location (rollout.backends.parse_location: a file path or a postgresql:// URL);
    `backend` gives any other storage. `location` is how messages name it (no credential in it);
    `path` the file's path for a file database, else None. `create_missing`: a read of a missing
    database seeds it from the bundled dataset (the CLI allows it only on the default location;
    elsewhere a missing database is a DatabaseError saying to run `rollout init`).
    A Database keeps no state between calls but `created_from_seed` (this object created the
    database), so threads may share one: each read returns what it saw.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        backend: Backend | None = None,
        create_missing: bool = True,
    ) -> None:
        if backend is None:
            if path is None:
                raise TypeError("Database needs a path or a backend")
            from rollout.backends import open_backend, parse_location

            where = parse_location(path)
            backend = open_backend(where)
            self.path: Path | None = Path(where.target) if where.is_file else None
        else:
            self.path = Path(path) if path is not None else Path(backend.location)
        self.backend = backend
        self.location = backend.location
        self.read_only = read_only
        self.create_missing = create_missing
        self.created_from_seed = False

    def exists(self) -> bool:
        """Whether the database exists in its backend (for the TinyDB backend: the state file)."""
        return self.backend.exists()

    # -- reading -------------------------------------------------------------------------------
    def load(self) -> State:
        """The current state (history read on demand), seeding the database from the bundled
        dataset if it does not exist yet. Raises DatabaseError when it cannot be read."""
        stored = self.backend.read()
        if stored is None:
            stored = self.ensure_created()
        return _state(stored)

    def token(self) -> Hashable | None:
        """A token that changes whenever the stored state does (None: no database): one stat for a file."""
        return self.backend.token()

    def revision(self) -> int | None:
        """The stored revision without reading the records (None: no database); creates nothing."""
        return self.backend.revision()

    def history(self) -> HistoryLog:
        """The history as of the stored revision, without reading the records."""
        return self.backend.history()

    def ensure_created(self) -> StoredState:
        """The stored state, seeding the database under the lock if there is none yet (only when
        `create_missing`; else DatabaseError: no database there, `rollout init` creates one)."""
        reason = self.backend.missing_reason()
        if reason:  # lost, not absent: recovery, never a fresh database over its history
            raise DatabaseError(reason)
        if not self.create_missing:
            raise DatabaseError(f"no database at {self.location} (`rollout init` creates one there)")
        if self.read_only:
            raise DatabaseError(f"no database at {self.location} (read-only mode cannot create one)")
        with self.backend.writing() as tx:
            return self._read_or_seed(tx)

    def _read_or_seed(self, tx: Transaction) -> StoredState:
        stored = tx.read()
        if stored is None:
            from rollout.dataset import bundled_document

            stored = tx.commit(bundled_document(), None)._replace(created=True)
            self.created_from_seed = True
        return stored

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def transaction(
        self, user: str, command: str, *, dry_run: bool = False, base_revision: int | None = None
    ) -> Iterator[State]:
        """Lock, read fresh, let the caller edit the state, then write once with a history entry.

        An exception inside the block writes nothing. The yielded state has a `commit`
        attribute (a Commit) holding the entry written (None when the edit changed nothing).
        `base_revision` is the revision the caller's view was loaded at: when others have
        written since, the edit (made by the block on fresh data) is written only if it changes
        no field that they changed; otherwise StaleEdit is raised and nothing is written.
        """
        self._check_writable()
        with self.backend.writing() as tx:
            state = _state(self._read_or_seed(tx))
            based_on = state.revision if base_revision is None else base_revision
            state.commit = Commit(base_revision=based_on, rebased=state.revision != based_on)  # type: ignore[attr-defined]
            yield state
            # What no operation judged: a path that skipped a rule is refused.
            _rules().enforce(state, where=state.where)
            _rules().check_touched(state)  # no change may store a record the schema refuses
            _freeze().check_change(state)  # no launch or promotion start inside a blocking freeze window
            if dry_run:
                return
            if base_revision is not None:
                check_stale(state, base_revision)
            entry = record_change(state, user, command, allow_empty=state.record_always)
            if entry is not None:
                _commit(tx, state, entry)

    def create(self, *, empty: bool, force: bool, user: str | None = None, command: str = "init") -> None:
        """`init`: write a fresh database; refuses to replace an existing one unless forced.

        Replacing a readable database is one change in history (undo brings the old records
        back); an unreadable one is kept in the backups folder and replaced as a whole. Either
        way the history stays, and revisions and ids go on counting.
        """
        self._check_writable()
        from rollout.dataset import bundled_document

        user = user or default_user()
        fresh = empty_document() if empty else bundled_document()
        what = "an empty database" if empty else "the bundled dataset"
        with self.backend.writing() as tx:
            try:
                stored = tx.read()
            except DatabaseError:
                if not force:
                    if self.backend.exists():
                        raise DatabaseError(
                            f"database {self.location} already exists (use --force to replace it)"
                        ) from None
                    raise
                state = self._recovery_state(tx, fresh, None)
                for past in state.history:  # ids are never reused: counters go past every id history used
                    for change in past.get("changes", ()):
                        state.reserve_id(change["table"], change["key"])
                state.notes.append(f"replaced a database that could not be read with {what}")
                skipped = [entry["id"] for entry in tx.recovery_skipped()]
                if skipped:
                    state.entry_extra["skipped"] = skipped
                    state.notes.append(f"skipped {_span(skipped)} in history, written by a change that never completed")
                entry = record_change(state, user, command, allow_empty=True)
                assert entry is not None
                tx.replace(state.document(), [entry])
                return
            if stored is None:
                tx.commit(fresh, None)
                return
            if not force:
                raise DatabaseError(f"database {self.location} already exists (use --force to replace it)")
            state = _state(stored)
            bring_back(state, fresh)
            _rules().check_touched(state)
            state.notes.append(f"replaced every record with {what}")
            entry = record_change(state, user, command, allow_empty=True)
            assert entry is not None
            _commit(tx, state, entry)

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnly(f"read-only mode: no change written to {self.location}")

    # -- backups -------------------------------------------------------------------------------
    def backups(self) -> list[Backup]:
        """Kept versions, newest first (number 1); none for a storage that keeps no backups."""
        if not self.backend.supports_backups:
            return []
        return self.backend.backups()

    def backup(self, number: int) -> Backup:
        """Backup `number` (1 is the newest) of those kept; NotFound when there is none or no such number."""
        if not self.backend.supports_backups:
            raise NotFound(f"{self.location} keeps no backups here: {self.backend.backups_note}")
        kept = self.backups()
        if not kept:
            raise NotFound(f"no backups of {self.location} yet (one is kept before every change)")
        if not 1 <= number <= len(kept):
            raise NotFound(f"no backup {number}: there are {len(kept)} (rollout restore --list shows them)")
        return kept[number - 1]

    def backup_content(self, backup: Backup) -> BackupContent:
        """A backup's records (upgraded to the current schema); DatabaseError when it cannot be read."""
        return self.backend.backup_content(backup)

    def backup_last_change(self, backup: Backup) -> dict[str, Any] | None:
        """The history entry (header) that produced a backup's revision: what that version was the
        result of; None when none did; {"unreadable": True} when the backup cannot be read."""
        try:
            content = self.backup_content(backup)
        except DatabaseError:
            return {"unreadable": True}
        if content.history:
            return content.history[-1]
        try:
            return self.history().at_revision(backup.revision)
        except DatabaseError:
            return None

    def restore(self, number: int, user: str, command: str, *, dry_run: bool = False, force: bool = False) -> Restored:
        """Bring backup `number` back as one change (its records replace the current ones), which undo reverts.

        When the current database cannot be read (or is older than its history), there is
        nothing to diff against: with `force` the backup replaces it as a whole, every history
        entry after the backup's revision is replayed on top (so nothing history holds is
        lost), and the replaced database is kept in the backups folder. Revisions and history
        ids go on after every one ever used.
        """
        self._check_writable()
        backup = self.backup(number)
        content = self.backup_content(backup)
        with self.backend.writing() as tx:
            try:
                stored = self._read_or_seed(tx)
            except DatabaseError as exc:
                if not force:
                    raise DatabaseError(
                        f"{exc}; `rollout restore {number} --force` replaces it with the backup as a whole and replays "
                        "the history after it, keeping the replaced file in the backups folder"
                    ) from None
                return self._restore_whole(tx, backup, content, user, command, dry_run)
            state = _state(stored)
            changes = bring_back(state, content.document)
            # A backup is a state that was: recovery brings it back whatever the rules say now, and
            # says so (a tick whose blocker is open now, a launch with critical items open now).
            _rules().enforce(state, force=True, how="restore")
            changes = state.changes()
            _rules().check_touched(state)
            if dry_run:
                return Restored(backup, changes, state=state)
            entry = record_change(state, user, command)
            if entry is not None:
                _commit(tx, state, entry)
            return Restored(backup, changes, entry, state=state)

    def _restore_whole(
        self, tx: Transaction, backup: Backup, content: BackupContent, user: str, command: str, dry_run: bool
    ) -> Restored:
        state = self._recovery_state(tx, content.document, content)
        replayed = replay(state, state.history.after(backup.revision))
        skipped = [entry["id"] for entry in tx.recovery_skipped()]
        if dry_run:
            return Restored(backup, whole=True, replayed=replayed, skipped=skipped, state=state)
        note = f"replaced the database as a whole with backup {backup.number} (revision {backup.revision})"
        if replayed:
            state.entry_extra["replayed"] = [replayed[0], replayed[-1]]
            note += f", replaying {_span(replayed)}"
        if skipped:
            state.entry_extra["skipped"] = skipped
            note += f", skipping {_span(skipped)} (written by a change that never completed)"
        state.notes.append(note)
        entry = record_change(state, user, command, allow_empty=True, restores=backup.revision)
        assert entry is not None
        legacy = content.history if not len(state.history) else []
        done = tx.replace(state.document(), [*legacy, entry])
        return Restored(
            backup,
            [],
            entry,
            replaced_unreadable=done.kept_as,
            replayed=replayed,
            whole=True,
            skipped=skipped,
            state=state,
        )

    def _recovery_state(self, tx: Transaction, document: dict[str, Any], content: BackupContent | None) -> State:
        """A state to replace a database that cannot be read: `document` over the whole history the
        storage holds whose commits completed (or the backup's own, for a file from before history
        was stored apart), at a revision above every one used so far, skipped entries' included
        (the caller's record_change adds one)."""
        log = tx.recovery_history()
        if not len(log) and content is not None and content.history:
            from rollout.backends.base import MemoryHistory

            log = MemoryHistory(content.history)
        state = State(document, history=log)
        newest = log.page(HistoryQuery(limit=1)).entries
        used = [b.revision for b in self.backups()] + [newest[0]["revision"] if newest else 0]
        used += [e["revision"] for e in tx.recovery_skipped() if isinstance(e.get("revision"), int)]
        state.meta["revision"] = max([state.revision, *used])
        return state


def _freeze() -> ModuleType:
    """rollout.freeze, loaded by the writes that need it (a read command never does)."""
    from rollout import freeze

    return freeze


def _rules() -> ModuleType:
    """rollout.rules, loaded by the writes that need it (a read command never does)."""
    from rollout import rules

    return rules


def _span(ids: list[int]) -> str:
    """#4, or #4-#6 for several."""
    return f"#{ids[0]}" if len(ids) == 1 else f"#{ids[0]}-#{ids[-1]}"


def _state(stored: StoredState) -> State:
    return State(stored.document, history=stored.history, token=stored.token)


def _commit(tx: Transaction, state: State, entry: dict[str, Any]) -> None:
    """Store the state with its entry and point the state at what is now stored."""
    stored = tx.commit(state.document(), entry)
    state.history = stored.history
    state.token = stored.token
    commit = getattr(state, "commit", None)
    if commit is None:
        commit = state.commit = Commit()  # type: ignore[attr-defined]
    commit.entry = entry
    commit.token = stored.token


def replay(state: State, entries: list[dict[str, Any]]) -> list[int]:
    """Apply history entries forwards (oldest first) to a state restored from a backup, so every
    record they touched ends as their last `after` says. They are already in history, so they
    are not tracked as changes of the state. Moves the revision and the id counters past them;
    returns the ids of the entries replayed."""
    for entry in entries:
        state.apply(entry["changes"])
        for change in entry["changes"]:
            state.reserve_id(change["table"], change["key"])
        state.meta["revision"] = max(state.revision, int(entry["revision"]))
    _rules().enforce(state, force=True, how="restore")  # noted, never refused: see Database.restore
    state.before.clear()
    return [entry["id"] for entry in entries]


def bring_back(state: State, target: dict[str, Any]) -> list[Record]:
    """Make the state's records those of the document `target` (in its order), as tracked changes."""
    wanted = State(target)
    for table in TABLES:
        current = state.tables[table]
        for key in [k for k in current if k not in wanted.tables[table]]:
            state.delete(table, key)
        for key, record in wanted.tables[table].items():
            if current.get(key) != record:
                state.put(table, dict(record))
        ordered = {key: current[key] for key in wanted.tables[table]}
        current.clear()
        current.update(ordered)
    for table in ID_PREFIX:  # ids are never reused, so counters never go back
        state.raise_counter(table, int(wanted.meta.get(KINDS[table].counter, 1)))
    return state.changes()


# -- stale edits -----------------------------------------------------------------------------
WHOLE_RECORD = "*"


def changed_fields(before: Record | None, after: Record | None) -> set[str]:
    """Fields that differ; adding or removing a record changes all of it."""
    if before is None or after is None:
        return {WHOLE_RECORD}
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def check_stale(state: State, base_revision: int) -> None:
    """Refuse an edit made on a view older than the data when it would overwrite someone else's change.

    The edit was re-run on fresh data; it stands unless a field it changes was also changed by an
    entry written after `base_revision` (then writing would silently undo or override that change).
    """
    mine = {(c["table"], c["key"]): changed_fields(c["before"], c["after"]) for c in state.changes()}
    if not mine or state.revision == base_revision:
        return
    later = state.history.after(base_revision) if state.revision > base_revision else []
    explained = {entry.get("revision") for entry in later}
    if state.revision < base_revision or not set(range(base_revision + 1, state.revision + 1)) <= explained:
        raise StaleEdit(
            f"the database was replaced since you opened it (revision {base_revision}, now {state.revision}); "
            "reload and try again"
        )
    for entry in reversed(later):  # the newest conflicting change is the one to name
        for change in entry["changes"]:
            ours = mine.get((change["table"], change["key"]))
            if ours is None:
                continue
            theirs = changed_fields(change["before"], change["after"])
            if WHOLE_RECORD in ours or WHOLE_RECORD in theirs or ours & theirs:
                raise StaleEdit(_stale_message(change, ours & theirs, entry))


def _stale_message(change: Record, fields: set[str], entry: Record) -> str:
    kind = KINDS.get(change["table"])
    label = f"{kind.noun if kind else change['table']} {change['key']}"
    what = (
        "was added"
        if change["before"] is None
        else "was removed"
        if change["after"] is None
        else f"{', '.join(sorted(fields))} changed"
        if fields
        else "was changed"
    )
    return (
        f"{label} {what} by {entry.get('user', 'someone')} (#{entry['id']}) since you opened it; reload and try again"
    )


def record_change(
    state: State, user: str, command: str, *, allow_empty: bool = False, **extra: Any
) -> dict[str, Any] | None:
    """Turn the state's touched records into a history entry and bump the revision.

    Returns the entry (rollout.backends.base: id, revision, at in UTC, user, command, changes,
    notes and extras), or None when nothing changed and `allow_empty` is not set. The caller
    stores it with the state (Transaction.commit); until then the state's history does not hold it.
    """
    changes = state.changes()
    if not changes and not allow_empty:
        return None
    state.meta["revision"] = state.revision + 1
    entry = {
        "id": state.history.next_id(),
        "revision": state.revision,
        "at": times.to_iso(times.now()),
        "user": user,
        "command": command,
        "changes": changes,
    }
    if state.notes:
        entry["notes"] = list(state.notes)
    entry.update(state.entry_extra)
    entry.update(extra)
    return entry
