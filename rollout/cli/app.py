"""The CLI's shared context: which database, who is acting, and how a command writes."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from rollout.backends.base import HistoryLog
from rollout.cli import output
from rollout.db import Database
from rollout.state import State


@dataclass
class Batch:
    """A batch run: every line edits this one state; nothing is written until the end."""

    state: State
    line: int = 0
    warnings: list[str] = field(default_factory=list)
    promotions: list[tuple[int, str]] = field(default_factory=list)  # (line, id) added or moved
    zones: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        # pendulum keeps a timezone loaded only while something refers to it: without these references
        # every date on every line would read its tzdata file again (most of the cost of a dated line).
        import pendulum

        self.zones = [pendulum.timezone(name) for name in {r["timezone"] for r in self.state.regions.values()}]


@dataclass
class App:
    db_path: Path
    user: str
    read_only: bool = False
    command: str = ""
    batch: Batch | None = None
    _db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.db_path, read_only=self.read_only)
        return self._db

    def state(self) -> State:
        """The state to read: the batch's working copy, or the file as it is now."""
        if self.batch is not None:
            return self.batch.state
        pause_collector()
        state = self.db.load()
        self._announce_creation()
        return state

    def history(self) -> HistoryLog:
        """The history to read, without the records (the batch's working copy's, inside a batch)."""
        if self.batch is not None:
            return self.batch.state.history
        pause_collector()
        if not self.db.exists():
            self.state()  # seeds a new database and says so
        return self.db.history()

    @contextmanager
    def change(self) -> Iterator[State]:
        """Edit inside one locked transaction (or inside the running batch)."""
        if self.batch is not None:
            yield self.batch.state
            return
        pause_collector()
        with self.db.transaction(self.user, self.command) as state:
            self._announce_creation()
            yield state
        for note in state.notes:
            output.warn(note)
        if state.commit.entry is None:  # type: ignore[attr-defined]
            click.echo("Nothing changed.", err=True)

    def _announce_creation(self) -> None:
        if self.db.created_from_seed:
            self.db.created_from_seed = False
            click.echo(f"rollout: created {self.db.path} from the bundled dataset", err=True)

    @property
    def quiet(self) -> bool:
        return self.batch is not None

    def say(self, text: str) -> None:
        """Human output; a batch prints its own summary instead."""
        if not self.quiet:
            click.echo(text)

    def warn(self, message: str) -> None:
        if self.batch is not None:
            self.batch.warnings.append(f"line {self.batch.line}: {message}")
        else:
            output.warn(message)

    def emit(self, as_json: bool, data: Any, human: Callable[[], str]) -> None:
        if self.quiet:
            return
        if as_json:
            output.emit_json(data)
        else:
            text = human()
            if text:
                click.echo(text)


pass_app = click.make_pass_decorator(App)


def pause_collector() -> None:
    """Pause the cyclic garbage collector until the running command's context closes.

    A loaded database is hundreds of thousands of small, acyclic, long-lived records, and the
    collector would rescan them again and again while a command runs: about a tenth of the time
    of `status` on 2,000 regions. Records are freed by reference counting all the same. Outside
    a Click command (a long-running front end) the collector is left alone.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or not gc.isenabled():
        return
    gc.disable()
    ctx.call_on_close(gc.enable)
