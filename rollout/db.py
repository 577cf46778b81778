"""Opening the database, reading it, and committing changes as history entries."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rollout import times
from rollout.errors import DatabaseError, ReadOnly
from rollout.state import State, empty_document
from rollout.storage import AtomicJSONStorage, write_lock


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
    """What a transaction wrote: its history entry (None when nothing changed)."""

    entry: dict[str, Any] | None = None


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
            if self.storage.read() is None:
                from rollout.dataset import bundled_document

                self.storage.write(bundled_document())
                self.created_from_seed = True

    def create(self, *, empty: bool, force: bool) -> None:
        """`init`: write a fresh database; refuses to replace an existing one unless forced."""
        self._check_writable()
        with write_lock(self.path):
            self.storage.remove_leftovers()
            previous = None
            if self.path.exists():
                if not force:
                    raise DatabaseError(f"database {self.path} already exists (use --force to replace it)")
                try:
                    previous = self.storage.read()
                except DatabaseError:
                    previous = None
            if empty:
                document = empty_document()
            else:
                from rollout.dataset import bundled_document

                document = bundled_document()
            if previous is not None:
                # Keep counting revisions so backups of the replaced file stay in order.
                document["_meta"]["1"]["revision"] = int(previous["_meta"]["1"].get("revision", 0)) + 1
            self.storage.write(document)

    @contextmanager
    def transaction(self, user: str, command: str, *, dry_run: bool = False) -> Iterator[State]:
        """Lock, read fresh, let the caller edit the state, then write once with a history entry.

        An exception inside the block writes nothing. The yielded state has a `commit`
        attribute holding the entry written (None when the edit changed nothing).
        """
        self._check_writable()
        if not self.exists():
            self.ensure_created()
        with write_lock(self.path):
            self.storage.remove_leftovers()
            state = self.load()
            state.commit = Commit()  # type: ignore[attr-defined]
            yield state
            if dry_run:
                return
            entry = record_change(state, user, command)
            if entry is not None:
                self.storage.write(state.document())
                state.commit.entry = entry  # type: ignore[attr-defined]

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnly(f"read-only mode: no change written to {self.path}")


def record_change(state: State, user: str, command: str, **extra: Any) -> dict[str, Any] | None:
    """Turn the state's touched records into a history entry and bump the revision."""
    changes = state.changes()
    if not changes:
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
