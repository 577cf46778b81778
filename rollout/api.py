"""The Python API for scripts: `rollout.open(location)` (docs/scripting-python.md).

A script changes a rollout database the way the command line does, never by writing its file:
each `with shop.change(...)` block is one locked transaction that runs rollout.ops operations on
fresh data, checks every record it touched against the schema (rollout.schema.check_touched) and
stores the new state with its one history entry (rollout.db.Database.transaction, the CLI's
path). An exception inside the block writes nothing. Reads take no lock.

    import rollout

    shop = rollout.open("rollout.json", user="ci-bot")
    with shop.change("script: hand DE over to jonas") as change:
        change.set_regions(["DE"], owner="jonas")
    print(change.entry["id"])  # its history entry (None when nothing changed)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rollout import ops
from rollout.backends.base import Entry, HistoryQuery
from rollout.db import Database, default_user
from rollout.errors import DatabaseError
from rollout.state import State

# The operations a change offers: rollout.ops functions taking the state first, called with the rest
# of their arguments (see each one's docstring). Those that record who acted get the shop's user.
OPERATIONS = (
    "add_region",
    "set_regions",
    "remove_region",
    "shift",
    "add_items",
    "set_items_done",
    "edit_item",
    "remove_items",
    "set_setting",
    "reset_setting",
    "add_promotions",
    "move_promotion",
    "edit_promotion",
    "remove_promotion",
    "undo",
    "redo",
)
NEEDS_USER = frozenset(("set_items_done", "undo", "redo"))


class Change:
    """One change being made inside a `with shop.change(...)` block.

    Operations (OPERATIONS) are called as methods without the state: `change.add_items(["DE"],
    "Translate checkout", critical=True)`; they raise a RolloutError (rollout.errors) when a rule
    says no, and the block then writes nothing. `state` is the fresh state they edit (read under
    the lock). After the block: `entry` is the history entry written (None when nothing changed
    or on a dry run) and `notes` what the operations noted (a forced launch...).
    """

    def __init__(self, state: State, user: str) -> None:
        self.state = state
        self.user = user
        self.entry: Entry | None = None
        self.notes: list[str] = []
        self._open = True

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in OPERATIONS:
            raise AttributeError(f"a change has no operation {name!r} (it offers: {', '.join(OPERATIONS)})")
        if not self._open:
            raise RuntimeError("this change is over: one change per `with shop.change(...)` block")
        operation = getattr(ops, name)
        if name in NEEDS_USER:
            return functools.partial(operation, self.state, user=self.user)
        return functools.partial(operation, self.state)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *OPERATIONS]


class Shop:
    """A rollout database opened by a script (rollout.open). Keeps nothing between calls but
    where the database is and who acts, so reads always see the stored state."""

    def __init__(self, db: Database, user: str) -> None:
        self.db = db
        self.user = user
        self._changing = False

    @property
    def location(self) -> str:
        """Where the database is (a path, for the TinyDB file)."""
        return self.db.backend.location

    def read(self) -> State:
        """The current records (a State: `.regions`, `.items`, `.promotions`, `.settings`,
        `.history`), read without the lock. Editing it changes nothing stored: use `change`."""
        return self.db.load()

    def revision(self) -> int:
        """The stored revision (one more with every change)."""
        revision = self.db.revision()
        if revision is None:
            raise DatabaseError(f"no database at {self.location}")
        return revision

    def history(self, limit: int | None = 20, **filters: Any) -> list[Entry]:
        """History entries, newest first: headers (id, revision, at in UTC, user, command, regions,
        summary). `filters` are rollout.backends.base.HistoryQuery's (region, user, command, since,
        until, with_changes=True for the changes themselves)."""
        return self.db.history().page(HistoryQuery(limit=limit, **filters)).entries

    @contextmanager
    def change(self, command: str = "script", *, dry_run: bool = False) -> Iterator[Change]:
        """One change: lock, read fresh, let the block run operations, then validate and store
        the state with one history entry recorded as `command` by the shop's user (module doc).

        Raises what the operations raise (a RolloutError: nothing is written), DatabaseError when
        the database cannot be locked, read or written, RuntimeError for a change inside a change.
        With `dry_run`, everything is checked and nothing written.
        """
        if self._changing:
            raise RuntimeError("a change is already open on this shop: one change per `with` block, not nested")
        self._changing = True
        change: Change | None = None
        try:
            with self.db.transaction(self.user, command, dry_run=dry_run) as state:
                change = Change(state, self.user)
                yield change
            change.entry = state.commit.entry  # type: ignore[attr-defined]
            change.notes = list(state.notes)
        finally:
            self._changing = False
            if change is not None:
                change._open = False


def open(location: str | os.PathLike[str], *, user: str | None = None, read_only: bool = False) -> Shop:
    """Open the rollout database at `location` (the path of its file, as `--db` takes) for a script.

    `user`: who the history records as making the changes (default: ROLLOUT_USER, else the login
    name, as the command line). `read_only`: refuse every change (ReadOnly). Raises DatabaseError
    when there is no database there: a script never creates one (`rollout init` does).
    """
    db = Database(location, read_only=read_only)
    if not db.exists():
        raise DatabaseError(f"no database at {location} (`rollout init --db {location}` creates one)")
    return Shop(db, user or default_user())
