"""Opening the database, reading it, committing changes as history entries, and its backups."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rollout import times
from rollout.errors import DatabaseError, NotFound, ReadOnly, StaleEdit
from rollout.schema import check_touched
from rollout.state import TABLES, Record, State, empty_document
from rollout.storage import (
    AtomicJSONStorage,
    backup_revision,
    file_signature,
    list_backups,
    parse_document,
    write_lock,
)


def default_path() -> Path:
    """--db is handled by the caller; then ROLLOUT_DB, then the XDG data directory."""
    env = os.environ.get("ROLLOUT_DB")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "rollout" / "rollout.json"


def default_user() -> str:
    env = os.environ.get("ROLLOUT_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def env_read_only() -> bool:
    return os.environ.get("ROLLOUT_READ_ONLY", "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Commit:
    """What a transaction wrote: its history entry (None when nothing changed).

    `base_revision` is the revision the edit was based on: the caller's (e.g. what a screen
    showed) when given, else the one read under the lock. `rebased` says the edit was applied
    on data newer than that, after the stale-edit check found no conflict.
    """

    entry: dict[str, Any] | None = None
    base_revision: int = 0
    rebased: bool = False


@dataclass
class Backup:
    """One kept version of the database; number 1 is the newest."""

    number: int
    path: Path
    revision: int
    saved_at: float  # when that version was written (the file's mtime)
    size: int


@dataclass
class Restored:
    """What `restore` did: the backup used, the records it changed, and the history entry."""

    backup: Backup
    changes: list[Record] = field(default_factory=list)
    entry: dict[str, Any] | None = None
    replaced_unreadable: Path | None = None  # where the unreadable file was kept, for a whole-file restore


class Database:
    """A rollout database file. Reads take no lock; every write is a locked read-modify-write."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.storage = AtomicJSONStorage(self.path)
        self.created_from_seed = False

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> State:
        """The current state, seeding the file from the bundled dataset if it does not exist yet."""
        document = self.storage.read()
        if document is None:
            self.ensure_created()
            document = self.storage.read()
            if document is None:
                raise DatabaseError(f"database {self.path} disappeared while opening it")
        return State(document)

    def revision(self) -> int:
        """The revision on disk, for cheap change detection (reads only the file)."""
        return self.load().revision

    def ensure_created(self) -> None:
        if self.read_only:
            raise DatabaseError(f"no database at {self.path} (read-only mode cannot create one)")
        with write_lock(self.path):
            self._read_locked()

    def _read_locked(self) -> State:
        """The state read under the lock, seeding the file first if it does not exist."""
        document = self.storage.read()
        if document is None:
            from rollout.dataset import bundled_document

            self.storage.write(bundled_document())
            self.created_from_seed = True
            document = self.storage.read()
            if document is None:
                raise DatabaseError(f"database {self.path} disappeared while creating it")
        return State(document)

    def create(self, *, empty: bool, force: bool) -> None:
        """`init`: write a fresh database; refuses to replace an existing one unless forced.

        The replaced file is kept: in the backup rotation when it was readable, else set aside
        under a dated `unreadable` name in the backups folder.
        """
        self._check_writable()
        with write_lock(self.path):
            self.storage.remove_leftovers()
            previous: dict[str, Any] | None = None
            unreadable = False
            if self.path.exists():
                if not force:
                    raise DatabaseError(f"database {self.path} already exists (use --force to replace it)")
                try:
                    previous = self.storage.read()
                except DatabaseError:
                    unreadable = True
            if empty:
                document = empty_document()
            else:
                from rollout.dataset import bundled_document

                document = bundled_document()
            meta = document["_meta"]["1"]
            if previous is not None:
                # Keep counting revisions so backups of the replaced file stay in order.
                meta["revision"] = int(previous["_meta"]["1"].get("revision", 0)) + 1
            elif unreadable:
                meta["revision"] = self._revision_after_backups()
                self.storage.keep_aside("unreadable")
            self.storage.write(document, keep_backup=not unreadable)

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
        with write_lock(self.path):
            self.storage.remove_leftovers()
            state = self._read_locked()
            based_on = state.revision if base_revision is None else base_revision
            commit = Commit(base_revision=based_on, rebased=state.revision != based_on)
            state.commit = commit  # type: ignore[attr-defined]
            yield state
            check_touched(state)  # no change may store a record the schema refuses
            if dry_run:
                return
            if base_revision is not None:
                check_stale(state, base_revision)
            entry = record_change(state, user, command)
            if entry is not None:
                self._write_locked(state.document())
                commit.entry = entry

    def _write_locked(self, document: dict[str, Any]) -> None:
        """Write under the lock, refusing if the file changed since it was read (only a program
        that ignores the lock could have done that; overwriting would lose its change)."""
        if file_signature(self.path) != self.storage.signature:
            raise DatabaseError(
                f"database {self.path} was replaced by a program that does not take the rollout lock "
                "while this change was being made; nothing was written (run the command again)"
            )
        self.storage.write(document)

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnly(f"read-only mode: no change written to {self.path}")

    # -- backups ---------------------------------------------------------------------------
    def backups(self) -> list[Backup]:
        """Kept versions, newest first (number 1)."""
        found = []
        for number, path in enumerate(list_backups(self.path), 1):
            try:
                info = path.stat()
            except OSError:
                continue
            found.append(Backup(number, path, backup_revision(path), info.st_mtime, info.st_size))
        return found

    def backup(self, number: int) -> Backup:
        kept = self.backups()
        if not kept:
            raise NotFound(f"no backups of {self.path} yet (one is kept before every change)")
        if not 1 <= number <= len(kept):
            raise NotFound(f"no backup {number}: there are {len(kept)} (rollout restore --list shows them)")
        return kept[number - 1]

    def backup_document(self, backup: Backup) -> dict[str, Any]:
        """A backup's document, upgraded to the current schema; a clear error when it cannot be read."""
        try:
            raw = backup.path.read_bytes()
        except OSError as exc:
            raise DatabaseError(f"cannot read backup {backup.number} ({backup.path}): {exc.strerror or exc}") from None
        try:
            return parse_document(raw, backup.path)
        except DatabaseError as exc:
            raise DatabaseError(f"backup {backup.number} cannot be restored: {exc}") from None

    def restore(self, number: int, user: str, command: str, *, dry_run: bool = False, force: bool = False) -> Restored:
        """Bring backup `number` back as one change (its records replace the current ones), which undo reverts.

        When the current file cannot be read there is nothing to diff against: with `force` the
        backup replaces the file as a whole, and the unreadable file is set aside in the backups folder.
        """
        self._check_writable()
        backup = self.backup(number)
        target = self.backup_document(backup)
        try:
            self.storage.read()
        except DatabaseError as exc:
            if not force:
                raise DatabaseError(
                    f"{exc}; `rollout restore {number} --force` replaces it with the backup as a whole, keeping "
                    "the unreadable file in the backups folder"
                ) from None
            if dry_run:
                return Restored(backup, replaced_unreadable=self.path)
            return self._replace_unreadable(backup, target, user, command)
        with self.transaction(user, command, dry_run=dry_run) as state:
            changes = bring_back(state, target)
        return Restored(backup, changes, state.commit.entry)  # type: ignore[attr-defined]

    def _replace_unreadable(self, backup: Backup, target: dict[str, Any], user: str, command: str) -> Restored:
        with write_lock(self.path):
            self.storage.remove_leftovers()
            try:
                self.storage.read()
            except DatabaseError:
                pass
            else:
                raise DatabaseError(f"database {self.path} became readable again; run restore without --force")
            aside = self.storage.keep_aside("unreadable")
            state = State(target)
            state.meta["revision"] = max(self._revision_after_backups(), state.revision + 1) - 1
            state.notes.append(f"replaced an unreadable database file (kept as {aside.name if aside else 'nothing'})")
            state.entry_extra["restores"] = backup.revision
            entry = record_change(state, user, command, allow_empty=True)
            self.storage.write(state.document(), keep_backup=False)
        return Restored(backup, [], entry, replaced_unreadable=aside)

    def _revision_after_backups(self) -> int:
        """A revision above every kept backup, for a file that replaces an unreadable one."""
        return max((backup_revision(p) for p in list_backups(self.path)), default=-1) + 1


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
    for counter in ("next_items", "next_promotions"):  # ids are never reused, so counters never go back
        state.meta[counter] = max(int(state.meta.get(counter, 1)), int(wanted.meta.get(counter, 1)))
    return state.changes()


# -- stale edits -----------------------------------------------------------------------------
WHOLE_RECORD = "*"
TABLE_LABEL = {"regions": "region", "items": "checklist item", "promotions": "promotion"}


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
    later = []
    for entry in reversed(state.history):
        if entry.get("revision", 0) <= base_revision:
            break
        later.append(entry)
    explained = {entry.get("revision") for entry in later}
    if state.revision < base_revision or not set(range(base_revision + 1, state.revision + 1)) <= explained:
        raise StaleEdit(
            f"the database was replaced since you opened it (revision {base_revision}, now {state.revision}); "
            "reload and try again"
        )
    for entry in later:
        for change in entry["changes"]:
            ours = mine.get((change["table"], change["key"]))
            if ours is None:
                continue
            theirs = changed_fields(change["before"], change["after"])
            if WHOLE_RECORD in ours or WHOLE_RECORD in theirs or ours & theirs:
                raise StaleEdit(_stale_message(change, ours & theirs, entry))


def _stale_message(change: Record, fields: set[str], entry: Record) -> str:
    label = f"{TABLE_LABEL.get(change['table'], change['table'])} {change['key']}"
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
    """Turn the state's touched records into a history entry and bump the revision."""
    changes = state.changes()
    if not changes and not allow_empty:
        return None
    state.meta["revision"] = state.revision + 1
    entry = {
        "id": state.next_history_id(),
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
    state.add_history(entry)
    return entry
