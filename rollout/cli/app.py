"""The CLI's shared context: which database, who is acting, and how a command writes."""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from rollout.backends.base import HistoryLog
from rollout.cli import contract, output
from rollout.db import Database
from rollout.state import State

NOTHING_CHANGED = "Nothing changed."


# Plain classes, not dataclasses: building a dataclass costs about a millisecond at import, and
# every command pays it (start-up target in benchmarks/).
class Batch:
    """A batch run: every line edits this one state; nothing is written until the end."""

    def __init__(self, state: State, line: int = 0, label: str = "") -> None:
        self.state = state
        self.line = line
        self.label = label
        self.warnings: list[str] = []
        self.promotions: list[tuple[int, str]] = []  # (line, id) added or moved
        # Where each line's first touched record sits in state.before (kept in touch order): a
        # refusal of the change as a whole names the line that touched its record (where).
        self._starts: list[int] = []
        self._lines: list[int] = []
        # pendulum keeps a timezone loaded only while something refers to it: without these references
        # every date on every line would read its tzdata file again (most of the cost of a dated line).
        import pendulum

        self.zones: list[Any] = [
            pendulum.timezone(name) for name in {r["timezone"] for r in self.state.regions.values()}
        ]

    def start_line(self, number: int) -> None:
        """Line `number` runs next: the records it touches first are the ones touched from now."""
        self.line = number
        self._starts.append(len(self.state.before))
        self._lines.append(number)

    def where(self, table: str, key: str) -> str | None:
        """ "LABEL line N" for the line that first touched record `key` of `table` (None when no line
        did). Looked up only when a change is refused, so a batch of 100,000 lines pays nothing."""
        position = next((i for i, touched in enumerate(self.state.before) if touched == (table, key)), None)
        if position is None or not self._starts:
            return None
        index = bisect_right(self._starts, position) - 1
        return f"{self.label} line {self._lines[max(index, 0)]}"


class App:
    """Who acts on which database, from the root group's options; the running batch, if any."""

    def __init__(
        self,
        db_path: str,
        user: str | None,
        read_only: bool = False,
        command: str = "",
        batch: Batch | None = None,
        default_location: bool = False,
    ) -> None:
        self.db_path = (
            db_path  # the location as given (rollout.backends.parse_location): may hold a credential, never shown
        )
        self.default_location = default_location  # no --db, no ROLLOUT_DB: a read may create it
        self._user = user
        self.read_only = read_only
        self.command = command
        self.batch = batch
        self.changed: State | None = None  # the state of the last change(), for report()
        self._db: Database | None = None

    @property
    def user(self) -> str:
        """Who acts: --user, else ROLLOUT_USER or the login name (db.default_user), looked up only
        when a command needs it (read commands mostly do not)."""
        if self._user is None:
            from rollout.db import default_user

            self._user = default_user()
        return self._user

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.db_path, read_only=self.read_only, create_missing=self.default_location)
        return self._db

    @property
    def location(self) -> str:
        """How messages name the database: its path, or its URL without any credential."""
        from rollout.backends import shown

        return self.db.location if self._db is not None else shown(self.db_path)

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
        """Edit inside one locked transaction (or inside the running batch); `report` then prints it."""
        if self.batch is not None:
            yield self.batch.state
            return
        pause_collector()
        with self.db.transaction(self.user, self.command) as state:
            self._announce_creation()
            yield state
        self.changed = state

    def report(
        self,
        as_json: bool,
        human: Callable[[], str],
        warnings: Iterable[str] = (),
        *,
        unchanged: str = NOTHING_CHANGED,
        **extra: Any,
    ) -> None:
        """Print what the editing command just done in `change` did: the envelope on stdout with --json
        (contract.envelope: records changed and removed, the history entry, every warning), else
        `human()`; then, either way, the core's notes (a forced launch...) and the warnings on stderr.

        When nothing changed (no history entry), the text output is the one line `unchanged` on
        stdout ("Nothing changed: c339 already has that title."), without `human()` nor warnings:
        they would describe a change that did not happen. With --json the envelope says so
        (`history` null) and stderr notes "Nothing changed.". Inside a batch, only the warnings are kept."""
        if self.batch is not None:
            self.batch.warnings.extend(f"line {self.batch.line}: {w}" for w in warnings)
            return
        state = self.changed
        assert state is not None, "report() follows a change()"
        nothing = state.commit.entry is None  # type: ignore[attr-defined]
        said = [*warnings]
        if as_json:
            output.emit_json(contract.transaction_envelope(state, warnings=said, **extra))
        elif nothing:
            click.echo(unchanged)
            said = []
        else:
            text = human()
            if text:
                click.echo(text)
        for message in [*state.notes, *said]:
            output.warn(message)
        if nothing and as_json:
            click.echo(NOTHING_CHANGED, err=True)

    def ensure_database(self, announce: bool = True) -> list[str]:
        """Create the database from the bundled dataset if it does not exist yet, and return the
        notice saying so (also printed on stderr when `announce`). For the long-running front ends
        (the TUI, serve): unlike `state`, it leaves the garbage collector running."""
        if not self.db.exists():
            self.db.ensure_created()
        return self._announce_creation(announce)

    def _announce_creation(self, announce: bool = True) -> list[str]:
        if not self.db.created_from_seed:
            return []
        self.db.created_from_seed = False
        notice = f"rollout: created {self.db.location} from the bundled dataset"
        if announce:
            click.echo(notice, err=True)
        return [notice]


# The fields of the editing commands in words, for "Nothing changed: c339 already has that title."
FIELD_WORDS = {
    "due": "due date",
    "critical": "critical flag",
    "after": "list of items it waits for",
    "no_after": "list of items it waits for",
    "timezone": "timezone",
}


def already_has(keys: Sequence[str], fields: dict[str, Any]) -> str:
    """The line an edit that changed nothing prints: 'Nothing changed: c339 already has that
    title.', 'Nothing changed: NL, CA already have those values (owner, wave).' `keys` name the
    records edited, `fields` the command's field options by parameter name (None: not given)."""
    given = list(dict.fromkeys(FIELD_WORDS.get(name, name) for name, value in fields.items() if value is not None))
    verb = "has" if len(keys) == 1 else "have"
    what = f"that {given[0]}" if len(given) == 1 else f"those values ({', '.join(given)})"
    return f"Nothing changed: {', '.join(keys)} already {verb} {what}."


def require_change(fields: dict[str, Any]) -> None:
    """An editing command given no field to change is a usage error (exit 2) naming the options
    that can be set; `fields` are the command's field options by parameter name (None: not given)."""
    if any(value is not None for value in fields.values()):
        return
    ctx = click.get_current_context()
    names = [
        "/".join([*param.opts, *param.secondary_opts])
        for param in ctx.command.params
        if isinstance(param, click.Option) and param.name in fields
    ]
    raise click.UsageError(f"nothing to change: give at least one of {', '.join(names)}", ctx)


def ids_argument(words: tuple[str, ...], noun: str, one: bool = False) -> tuple[str | None, list[str]]:
    """`[CODE] ITEM...` as typed: (the leading region code or None, the ids); a usage error (exit 2)
    when no id is given, or more than one where `one` is asked for."""
    from rollout.queries import split_ids

    code, ids = split_ids(words)
    ctx = click.get_current_context()
    if not ids:
        after = f" after the region code {code}" if code else ""
        raise click.UsageError(f"Missing argument '{noun}{'' if one else '...'}'{after}", ctx)
    if one and len(ids) > 1:
        raise click.UsageError(f"give one {noun}, not {len(ids)} ({' '.join(ids)})", ctx)
    return code, ids


pass_app = click.make_pass_decorator(App)


def pause_collector() -> None:
    """Pause the cyclic garbage collector until the running command's context closes.

    A loaded database is hundreds of thousands of small, acyclic, long-lived records, and the
    collector would rescan them again and again while a command runs: about a tenth of the time
    of `status` on 2,000 regions. Records are freed by reference counting all the same. Only the
    short commands pause it (through App.state, App.change and App.history); the long-running
    front ends, the TUI and `serve`, prepare their database with App.ensure_database instead and
    run with the collector on. Outside a Click command it is left alone.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or not gc.isenabled():
        return
    gc.disable()
    ctx.call_on_close(gc.enable)
