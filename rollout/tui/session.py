"""The TUI's link to the database: one loaded snapshot, cheap change detection, edits through the core.

Everything the interface changes goes through `Session.edit`, which runs the core operations
inside `Database.transaction` (locked, fresh read, one write, one history entry), exactly like
the CLI. No Textual here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Generic, TypeVar

from rollout import times
from rollout.db import Database
from rollout.errors import ReadOnly
from rollout.files import file_signature  # noqa: F401  (the one definition; tests compare with it)
from rollout.state import Record, State
from rollout.timeline import Timeline
from rollout.tui.views import CalendarIndex, RegionRow, region_rows

T = TypeVar("T")

# The storage's change token (rollout.backends.base.ChangeToken): equal tokens, same stored state.
Signature = Hashable
COMMAND_PREFIX = "tui: "


@dataclass
class Snapshot:
    """A state as read from the file, with the home screen's rows computed once."""

    state: State
    rows: list[RegionRow]
    signature: Signature | None
    reference: datetime

    @property
    def revision(self) -> int:
        return self.state.revision

    @cached_property
    def by_code(self) -> dict[str, RegionRow]:
        """The rows by region code."""
        return {row.code: row for row in self.rows}

    @cached_property
    def timeline(self) -> Timeline:
        """The core's timeline model of this state (row order only: rows are computed when drawn).
        Health comes from the rows above, so it is not computed twice."""
        return Timeline(self.state, reference=self.reference, with_health=False)

    @cached_property
    def calendar(self) -> CalendarIndex:
        """Built when the calendar first needs it, then shared by every month shown."""
        return CalendarIndex(self.state)


@dataclass
class Outcome(Generic[T]):
    """What an edit did: the operation's result, the history entry, and whether it met newer data."""

    value: T
    entry: Record | None
    seen_revision: int
    base_revision: int
    snapshot: Snapshot = field(repr=False)

    @property
    def applied_on_fresh_data(self) -> bool:
        """Someone else wrote since the screen loaded; the change was made on their newer data."""
        return self.base_revision != self.seen_revision


class Session:
    def __init__(self, path: str | os.PathLike[str], user: str, read_only: bool = False) -> None:
        self.db = Database(path, read_only=read_only)
        self.location = self.db.location  # what messages name: a path, or a URL without credentials
        self.path = Path(self.location)
        self.user = user
        self.read_only = read_only
        # Held for each write: a process ending on a signal waits for it (rollout.tui.terminal).
        self.writing = threading.Lock()

    def load(self) -> Snapshot:
        """Read the database (no lock: writers replace it atomically) and compute the rows.

        Safe from any thread while another edits: the snapshot's signature is the change token of
        exactly what this read saw, and nothing is stored on the session.
        """
        state = self.db.load()
        return self.snapshot_of(state, state.token)

    def snapshot_of(self, state: State, signature: Signature | None) -> Snapshot:
        reference = times.now()
        return Snapshot(state, region_rows(state, reference), signature, reference)

    def watch(self, on_change: Callable[[], None]) -> None:
        """Follow other writers through the backend's change hook (rollout.backends.base.ChangeHook):
        a server pushes, and calls `on_change` from its own thread; a file is polled by signature()."""
        self.hook = self.db.backend.watch(on_change)

    def signature(self) -> Signature | None:
        """The stored state's change token now, from the change hook (one stat for a file, no I/O
        for a server that pushes): compare with Snapshot.signature. Raises DatabaseError while the
        storage cannot be reached."""
        hook = getattr(self, "hook", None)
        return hook.current() if hook is not None else self.db.token()

    def edit(self, command: str, change: Callable[[State], T], seen_revision: int) -> Outcome[T]:
        """Apply `change` inside one transaction; history records `tui: <command>`.

        `seen_revision` is the revision the user was looking at: when the file moved on since,
        the change ran on the fresh data and the outcome says so.
        """
        if self.read_only:
            raise ReadOnly(f"read-only mode: {command!r} was not applied")
        # base_revision: the core refuses the change if it would overwrite a field changed since seen_revision.
        with (
            self.writing,
            self.db.transaction(self.user, COMMAND_PREFIX + command, base_revision=seen_revision) as state,
        ):
            base_revision = state.revision
            value = change(state)
        entry = state.commit.entry  # type: ignore[attr-defined]
        # The state now equals what is stored; the next poll confirms by revision (signature None).
        snapshot = self.snapshot_of(state, None)
        return Outcome(value, entry, seen_revision, base_revision, snapshot)
