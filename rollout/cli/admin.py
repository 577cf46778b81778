"""`init`, `history`, `undo`, `redo`, `batch` and `tui`."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from contextlib import ExitStack
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import click

from rollout import ops, queries, times
from rollout.backends.base import HistoryLog, HistoryQuery, header_of
from rollout.cli import contract, output
from rollout.cli.app import App, Batch, pass_app
from rollout.cli.completion import complete_files
from rollout.cli.params import WholeNumber
from rollout.cli.regions import selectors_argument
from rollout.errors import DatabaseError, InvalidValue, RolloutError
from rollout.history_view import HistoryFeed, HistoryFilter, changes_text, cli_filter, undo_state
from rollout.state import TABLES, Record
from rollout.undo import Timeline, kind_of

# Commands a batch line may run: the editing ones (reads, undo and nested batches make no sense there).
BATCHABLE = {
    "region": {"add", "set", "remove", "note"},
    "shift": None,
    "check": {"add", "done", "reopen", "edit", "remove", "na", "applies", "note"},
    "promo": {"add", "move", "edit", "remove", "note"},
    "handover": None,
    # outcomes: sign-off, GMV, exchange rates, freeze windows
    "signoff": {"request", "approve", "reject"},
    "kpi": {"target", "actual"},
    "fx": {"set", "remove"},
    "freeze": {"add", "remove"},
    "template": {"edit", "apply"},  # launch templates (issue 21)
}


@click.command(short_help="Create the database (bundled dataset, or --empty).")
@click.option("--empty", is_flag=True, help="Start with no regions instead of the bundled dataset.")
@click.option("--force", is_flag=True, help="Replace an existing database (one change in history: undo reverts it).")
@contract.edits(lambda: {"path": contract.STRING})
@pass_app
def init(app: App, empty: bool, force: bool, as_json: bool) -> None:
    """Create the database, from the bundled dataset unless --empty."""
    existed = app.db.exists()
    app.db.create(empty=empty, force=force, user=app.user, command=app.command or "init")
    origin = "empty" if empty else "from the bundled dataset"
    if not as_json:
        click.echo(f"Created {app.db.location} ({origin}).")
        return
    state = app.db.load()
    if existed:  # a replaced database is one change in history: its newest entry
        entry = state.history.page(HistoryQuery(limit=1, with_changes=True)).entries[0]
        changes, history_id, notes = entry["changes"], entry["id"], entry.get("notes", [])
    else:  # a new file holds every record, added
        changes = [
            {"table": table, "key": key, "before": None, "after": record}
            for table in TABLES
            for key, record in state.tables[table].items()
        ]
        history_id, notes = None, []
    output.emit_json(
        contract.envelope(
            contract.command_name(), state, changes, history=history_id, warnings=notes, path=app.db.location
        )
    )


@click.command(short_help="Changes, newest first: when, who, what.")
@selectors_argument()
@click.option("--user", "who", metavar="NAME", help="Only changes by this user (me: your own).")
@click.option(
    "--command", "command", metavar="TEXT", help="Only commands starting with this (`check done`; the TUI's too)."
)
@click.option("--day", metavar="DAY", help="Only changes on this UTC day: YYYY-MM-DD, today or yesterday.")
@click.option("--since", metavar="WHEN", help=f"Only changes at or after this (UTC): {times.WHEN_HELP}.")
@click.option("--until", metavar="WHEN", help="Only changes before this (UTC).")
@click.option("--limit", type=WholeNumber(min=1), help="Show at most N entries.")
@contract.reads(lambda: contract.array(contract.history_entry_schema()))
@pass_app
def history(
    app: App,
    selectors: tuple[str, ...],
    who: str | None,
    command: str | None,
    day: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Changes, newest first: when, who, the command, which fields of which records it changed, and
    whether it was undone (and by which entry).

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every change); only the changes
    that touched a selected region (or its checklist and promotions). --user, --command, --day and
    --since/--until filter as the TUI's History screen does (user=, command=, day=); every filter
    given must match. Days and times are UTC, as the AT column shows them."""
    wanted = cli_filter(user=who, command=command, day=day, since=since, until=until, me=app.user, zone="UTC")
    codes: list[str] | None = None
    if selectors:
        codes = queries.select(app.state(), selectors, reading=True)
        if len(codes) == 1:
            wanted, codes = replace(wanted, region=codes[0]), None
    log = app.history()
    headers = _filtered(log, wanted, codes, limit)
    # The text needs the changes only of entries whose header does not name the edited fields.
    entries = [log.entry(h["id"]) if as_json or "edited" not in h else h for h in headers]
    timeline = Timeline(log)
    if entries:
        timeline.read_down_to(entries[-1]["id"])  # every undo or redo newer than the oldest entry shown
    if as_json:
        output.emit_json([_entry_json(e, timeline) for e in entries])
        return
    if not entries:
        click.echo("No history matches." if selectors or wanted != HistoryFilter() else "No history yet.")
        return
    click.echo(
        output.table(
            ["ID", "AT (UTC)", "USER", "COMMAND", "CHANGES"],
            [[f"#{e['id']}", _at(e["at"]), e["user"], e["command"], _changes_cell(e, timeline)] for e in entries],
        )
    )


def _entry_json(entry: Record, timeline: Timeline) -> dict[str, Any]:
    """queries.history_json plus, for a change, whether it is undone and by which entry (the same
    reading as the text's 'undone by #4 (amara)': history_view.undo_state)."""
    data = queries.history_json(entry)
    state = undo_state(entry, timeline)
    if state is not None:
        data.update(state.as_json())
    return data


def _filtered(log: HistoryLog, wanted: HistoryFilter, codes: list[str] | None, limit: int | None) -> list[Record]:
    """Headers matching `wanted` (and touching one of `codes`, when given), newest first, at most
    `limit`, read a page at a time as the History screen reads them (HistoryFeed)."""
    if codes is not None and not codes:
        return []
    chosen = set(codes or ())
    feed, found = HistoryFeed(log, wanted, "UTC"), []
    while feed.more:
        page = feed.next_page()
        if not page:
            break
        for header in page:
            if chosen and not chosen.intersection(header.get("regions", ())):
                continue
            found.append(header)
            if limit is not None and len(found) >= limit:
                return found
    return found


def _changes_cell(entry: Record, timeline: Timeline) -> str:
    """What an entry changed (undone ones say by which entry), then each record's changed fields:
    'undone by #3 (ops) · 1 region changed; DE: owner, wave'."""
    text = changes_text(entry, timeline) if kind_of(entry) == "change" else queries.describe_changes(entry)
    touched = _fields_changed(entry)
    return f"{text}; {touched}" if touched else text


def _fields_changed(entry: Record) -> str:
    """'DE: owner, wave; c12: status': the changed fields of each record edited, at most
    EDITED_LISTED records, from the header when it names them (records added or removed are
    counted in the summary already)."""
    header = entry if "edited" in entry else header_of(entry)  # a full entry, or one from before
    total = sum(count for _, action, count in header["summary"] if action == "change")
    parts = [f"{key}: {', '.join(fields)}" for key, fields in header["edited"]]
    if total > len(parts):
        parts.append(f"+{total - len(parts)} more")
    return "; ".join(parts)


def _at(iso: str) -> str:
    return times.local_display(iso, "UTC")


ENTRY_OPTION = click.option(
    "--entry",
    "entry_id",
    type=WholeNumber(min=1),
    metavar="N",
    help="History entry N, whoever made it (an undo or redo entry stands for the change it names).",
)
RULES_FORCE_OPTION = click.option(
    "--force",
    is_flag=True,
    help="Apply it even when it ticks a blocked item, launches with critical items open or moves a launched "
    "region's launch (recorded in history).",
)


@click.command(short_help="Undo your most recent change (or entry N).")
@ENTRY_OPTION
@RULES_FORCE_OPTION
@contract.edits(lambda: {"undid": contract.COUNT})
@pass_app
def undo(app: App, entry_id: int | None, force: bool, as_json: bool) -> None:
    """Undo your most recent change still in effect, never someone else's (repeat to go further
    back); --entry N undoes history entry N, whoever made it. Refused, changing nothing, when a
    field it would set back was changed since (the error names that change, its user and the field),
    or when it would break a rule (tick an item whose blocker is open, launch with critical items
    open, move a launched region's launch) unless --force, which history notes."""
    with app.change() as state:
        entry = ops.undo(state, app.user, entry=entry_id, force=force)
    app.report(as_json, lambda: queries.describe_acted("Undid", entry, app.user, name_zone=True), undid=entry["id"])


@click.command(short_help="Redo the change you last undid (or entry N).")
@ENTRY_OPTION
@RULES_FORCE_OPTION
@contract.edits(lambda: {"redid": contract.COUNT})
@pass_app
def redo(app: App, entry_id: int | None, force: bool, as_json: bool) -> None:
    """Re-apply the change of your most recent undo (a change of yours made since ends it); --entry N
    re-applies history entry N, whoever undid it. Refused, changing nothing, when a field it would
    set was changed since (the error names that change, its user and the field), or when it would
    break a rule, as undo."""
    with app.change() as state:
        entry = ops.redo(state, app.user, entry=entry_id, force=force)
    app.report(as_json, lambda: queries.describe_acted("Redid", entry, app.user, name_zone=True), redid=entry["id"])


@click.command(short_help="Apply a file of commands as one change.")
@click.argument("file", metavar="FILE|-", shell_complete=complete_files)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@contract.edits(lambda: {"file": contract.STRING, "lines": contract.COUNT})
@pass_app
def batch(app: App, file: str, dry_run: bool, as_json: bool) -> None:
    """Apply a file of subcommands as one change: one write, one history entry, one undo step.

    One command per line, in the CLI's own grammar without the leading `rollout`;
    `#` comments and blank lines are ignored. If any line fails, nothing is written.
    """
    label = "stdin" if file == "-" else file
    lines = parse_batch(read_batch_file(file), label)
    with app.db.transaction(app.user, f"batch {label} ({len(lines)} commands)", dry_run=dry_run) as state:
        run = app.batch = Batch(state, label=label)
        state.where = run.where  # a refusal of the change as a whole names the line (rollout.rules)
        try:
            with LineRunner(app, click.get_current_context().find_root().command) as runner:
                for number, args in lines:
                    run_batch_line(app, label, number, args, runner)
        finally:
            app.batch = None
    warnings = run.warnings + promotion_warnings(run)
    changes = state.changes()
    summary = queries.summarize_changes(changes)
    if as_json:
        output.emit_json(
            contract.transaction_envelope(state, dry_run=dry_run, warnings=warnings, file=label, lines=len(lines))
        )
    elif dry_run:
        click.echo(f"Dry run of {label}: {len(lines)} commands would apply: {summary}. Nothing was written.")
        output.echo_preview(changes)
    elif state.commit.entry is None:  # type: ignore[attr-defined]
        click.echo(f"Applied {label}: nothing changed.")
        warnings = []  # they would describe changes that did not happen (App.report)
    else:
        click.echo(f"Applied {label}: {len(lines)} commands, {summary} (history #{state.commit.entry['id']}).")  # type: ignore[attr-defined]
    for warning in [*state.notes, *warnings]:
        output.warn(warning)


def promotion_warnings(run: Batch) -> list[str]:
    """Warnings for the batch's promotions, computed once per region at the end."""
    by_region: dict[str, dict[str, list[str]]] = {}
    messages = []
    for line, promo_id in run.promotions:
        promo = run.state.promotions.get(promo_id)
        if promo is None:
            continue
        if promo["region"] not in by_region:
            by_region[promo["region"]] = queries.promo_warnings(run.state, promo["region"], times.now())
        for message in by_region[promo["region"]][promo_id]:
            messages.append(f"line {line}: {promo_id} {promo['name']!r} in {promo['region']} {message}")
    return messages


def read_batch_file(file: str) -> str:
    data = output.read_input(file, f"batch file {file}")
    if b"\0" in data:
        raise InvalidValue(f"batch file {file} is not a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValue(f"batch file {file} is not UTF-8 text") from None


def parse_batch(text: str, label: str) -> list[tuple[int, list[str]]]:
    """Split lines into arguments like a shell would, checking each names a batchable command."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        try:
            args = split_line(raw)
        except ValueError as exc:
            raise InvalidValue(f"{label} line {number}: {exc} (unterminated quote?)") from None
        if not args:
            continue
        _check_batchable(label, number, args)
        lines.append((number, args))
    return lines


def _check_batchable(label: str, number: int, args: list[str]) -> None:
    head = args[0]
    if head.startswith("-"):
        raise InvalidValue(f"{label} line {number}: global options like {head} are not allowed in a batch")
    if head not in BATCHABLE:
        raise InvalidValue(
            f"{label} line {number}: {head!r} cannot be used in a batch (allowed: {', '.join(BATCHABLE)})"
        )
    allowed = BATCHABLE[head]
    if allowed is not None and (len(args) < 2 or args[1] not in allowed):
        sub = args[1] if len(args) > 1 else ""
        raise InvalidValue(
            f"{label} line {number}: {f'{head} {sub}'.strip()!r} is not a batch command (allowed: {', '.join(f'{head} {s}' for s in sorted(allowed))})"
        )
    if "--help" in args or "-h" in args:  # refused before Click would print the help text to stdout
        raise InvalidValue(f"{label} line {number}: --help is not a batch command")


def run_batch_line(app: App, label: str, number: int, args: list[str], runner: LineRunner | None = None) -> None:
    assert app.batch is not None
    app.batch.start_line(number)
    try:
        if runner is None:
            with LineRunner(app, click.get_current_context().find_root().command) as runner:
                runner.run(args)
        else:
            runner.run(args)
    except click.UsageError as exc:
        raise InvalidValue(f"{label} line {number}: {exc.format_message()}") from None
    except click.exceptions.Exit:
        raise InvalidValue(f"{label} line {number}: --help is not a batch command") from None
    except DatabaseError:
        raise
    except RolloutError as exc:
        raise type(exc)(f"{label} line {number}: {exc}") from None


# -- splitting and running lines fast --------------------------------------------------
# A batch of 10,000 lines must apply in well under a second, so the per-line cost of the shell-like
# split and of Click's parsing matters. Both fast paths below give exactly the results of the slow
# ones (shlex.split, Click's make_context) and step aside for anything they do not handle.

# A word: unquoted characters other than shlex's POSIX whitespace, backslash and `#`, single-quoted
# text, or double-quoted text without backslashes, run together. Atomic, so a line that does not
# fit (a backslash, a comment, an unterminated quote) fails at once and goes to shlex.
_WORD = r"""(?>(?:[^ \t\r\n'"\\#]++|'[^']*+'|"[^"\\]*+")+)"""


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(a plain line, a word, a quoted part), compiled on first use: most commands never split a line."""
    plain_line = re.compile(rf"[ \t\r\n]*+(?:{_WORD}(?:[ \t\r\n]++|\Z))*+")
    return plain_line, re.compile(_WORD), re.compile(r"'([^']*)'|\"([^\"]*)\"")


def split_line(raw: str) -> list[str]:
    """shlex.split(raw, comments=True), with a quick path for lines without backslashes or comments."""
    plain_line, word_pattern, quoted = _patterns()
    if not plain_line.fullmatch(raw):
        return shlex.split(raw, comments=True)
    words = word_pattern.findall(raw)
    for i, word in enumerate(words):
        if "'" in word or '"' in word:
            words[i] = quoted.sub(_unquote, word)
    return words


def _unquote(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


_PLACEHOLDER = "\0arg{}\0"  # cannot occur in a batch line (NUL bytes are refused)


@dataclass
class _Shape:
    """What Click made of one line shape: constant parameters, and those that take the line's words."""

    command: click.Command
    name: str
    constants: dict[str, Any]
    words: list[tuple[str, int]]  # parameter, index of its word after the command name
    word_tuples: list[tuple[str, tuple[int, ...]]]  # nargs=-1 parameters: indexes of their words

    def params(self, words: list[str]) -> dict[str, Any]:
        params = dict(self.constants)
        for name, index in self.words:
            params[name] = words[index]
        for name, indexes in self.word_tuples:
            params[name] = tuple(words[i] for i in indexes)
        return params


class LineRunner:
    """Runs batch lines through the CLI's own Click commands, parsing each line *shape* only once.

    A shape is the command path plus the line's option words and the values of options Click
    converts (a choice, a number in a range), with every other word (values, selectors, titles)
    replaced by a placeholder. Click parses the first line of each shape; later
    lines of that shape reuse the result with their own words put back in. That is exact for commands
    whose parameters are plain strings and flags without callbacks, since Click then passes words
    through unchanged; other commands, and any line Click rejects, take Click's full path (which also
    produces its error messages). Each line runs its command's callback in its own context; the
    group callbacks on its path (which see only the groups' own options) run for the first line of
    each command path.
    """

    def __init__(self, app: App, root: click.Command) -> None:
        # `root` is the root group Click runs (ctx.find_root().command): importing it from
        # rollout.cli would close an import circle with the package that registers this module.
        self.app = app
        self.root = root
        self._depths: dict[str, int] = {}
        self._chains: dict[tuple[str, ...], list[click.Context]] = {}
        self._shapes: dict[tuple[str | None, ...], _Shape | None] = {}
        self._simple: dict[click.Command, bool] = {}
        self._typed: dict[tuple[str, ...], frozenset[str]] = {}
        self._groups_run: set[tuple[str, ...]] = set()
        self._entered = ExitStack()

    def __enter__(self) -> LineRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._entered.close()

    def run(self, args: list[str]) -> None:
        depth = self._depth(args[0])
        typed = self._typed_options(tuple(args[:depth])) if depth else frozenset()
        words = args[depth:]
        key = (
            *args[:depth],
            *[w if w[:1] == "-" or (i and words[i - 1] in typed) else None for i, w in enumerate(words)],
        )
        shape = self._shapes[key] if key in self._shapes else self._shape(key, args, depth)
        if shape is None:
            with self.root.make_context("rollout", list(args), obj=self.app) as ctx:
                self.root.invoke(ctx)
            return
        path = key[: depth - 1]
        chain = self._chains[path]  # type: ignore[index]
        if tuple(args[:depth]) not in self._groups_run:
            # A group's callback sees only its own options, the same for every line of the chain:
            # it runs once per command path, as Click would run it for that path's first line.
            self._groups_run.add(tuple(args[:depth]))
            for ctx, name in zip(chain, args[:depth], strict=True):
                ctx.invoked_subcommand = name
                if ctx.command.callback is not None:
                    ctx.invoke(ctx.command.callback, **ctx.params)
        command = shape.command
        leaf = command.context_class(command, info_name=shape.name, parent=chain[-1], **command.context_settings)
        leaf.params = shape.params(args[depth:])
        with leaf:
            command.invoke(leaf)

    def _depth(self, head: str) -> int:
        """How many words name the command: 1 for `shift`, 2 for `check add` (0: leave it to Click)."""
        if head not in self._depths:
            command = self.root.commands.get(head)
            depth = 0
            if command is not None and not head.startswith("-"):
                depth = 1
                if isinstance(command, click.Group):
                    nested = any(isinstance(c, click.Group) for c in command.commands.values())
                    depth = 0 if nested else 2
            self._depths[head] = depth
        return self._depths[head]

    def _typed_options(self, path: tuple[str, ...]) -> frozenset[str]:
        """The option names of a command whose values Click converts (a choice, a number in a range):
        their values stay in the line's shape, so Click converts each distinct value itself."""
        if path not in self._typed:
            command: click.Command | None = self.root
            for name in path:
                command = command.commands.get(name) if isinstance(command, click.Group) else None
            names: set[str] = set()
            if command is not None and not isinstance(command, click.Group):
                for param in command.params:
                    if isinstance(param, click.Option) and not param.is_flag and _converted(param.type):
                        names.update(param.opts)
                        names.update(param.secondary_opts)
            self._typed[path] = frozenset(names)
        return self._typed[path]

    def _shape(self, key: tuple[str | None, ...], args: list[str], depth: int) -> _Shape | None:
        self._shapes[key] = None
        if depth == 0 or len(args) < depth:
            return None
        path, name = tuple(args[: depth - 1]), args[depth - 1]
        group = self.root.commands[path[0]] if path else self.root
        assert isinstance(group, click.Group)
        command = group.commands.get(name)
        if command is None or name.startswith("-"):
            return None
        chain = self._chain(path, name)
        if not self._is_simple(command, chain[-1]):
            return None
        words = args[depth:]
        template = [
            w if k is not None else _PLACEHOLDER.format(i)
            for i, (w, k) in enumerate(zip(words, key[depth:], strict=True))
        ]
        try:  # the only callback allowed is --help's: what it would print now, Click prints on the full path
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                ctx = command.make_context(name, template, parent=chain[-1])
        except (click.exceptions.ClickException, click.exceptions.Exit):
            return None
        shape = _shape_of(command, name, ctx.params, len(words))
        self._shapes[key] = shape
        return shape

    def _chain(self, path: tuple[str, ...], command: str) -> list[click.Context]:
        """Contexts for the root and each group on the path, made by Click as for a full command line
        and kept entered while the batch runs."""
        if path not in self._chains:
            chain = [self.root.make_context("rollout", [*path, command], obj=self.app)]
            for depth, name in enumerate(path):
                group = chain[-1].command
                assert isinstance(group, click.Group)
                rest = [*path[depth + 1 :], command]
                chain.append(group.commands[name].make_context(name, rest, parent=chain[-1]))
            for ctx in chain:
                self._entered.enter_context(ctx)
            self._chains[path] = chain
        return self._chains[path]

    def _is_simple(self, command: click.Command, parent: click.Context) -> bool:
        """Whether Click passes every placeholder word through unchanged: string and flag parameters, and
        options with converted values (kept in the shape), no callbacks."""
        if command not in self._simple:
            ctx = click.Context(command, parent=parent)
            help_option = command.get_help_option(ctx)
            self._simple[command] = not isinstance(command, click.Group) and all(
                param is help_option
                or (
                    param.callback is None
                    and (
                        isinstance(param.type, click.types.StringParamType)
                        or (isinstance(param, click.Option) and param.is_flag and not param.count)
                        or (isinstance(param, click.Option) and _converted(param.type) and param.nargs == 1)
                    )
                )
                for param in command.get_params(ctx)
            )
        return self._simple[command]


def _converted(kind: click.ParamType) -> bool:
    """A parameter type whose words Click converts, kept literal in a line's shape."""
    return isinstance(kind, click.Choice | click.types.IntParamType)


def _shape_of(command: click.Command, name: str, params: dict[str, Any], count: int) -> _Shape | None:
    """Sort Click's parameters for the placeholder line into constants and words (None: not that simple)."""
    slots = {_PLACEHOLDER.format(i): i for i in range(count)}
    shape = _Shape(command, name, {}, [], [])
    for param, value in params.items():
        if isinstance(value, str) and value in slots:
            shape.words.append((param, slots[value]))
        elif isinstance(value, tuple) and value and all(isinstance(v, str) and v in slots for v in value):
            shape.word_tuples.append((param, tuple(slots[v] for v in value)))
        elif isinstance(value, tuple | list) and any(isinstance(v, str) and v in slots for v in value):
            return None
        else:
            shape.constants[param] = value
    return shape


@click.command(short_help="Open the terminal UI.")
@click.option("--read-only", is_flag=True, help="View only: every edit is refused.")
@contract.interactive("it draws on the terminal until quit; scripts use the other commands")
@pass_app
def tui(app: App, read_only: bool) -> None:
    """Open the terminal UI."""
    open_tui(app, read_only=read_only or app.read_only)


def missing_terminal() -> str | None:
    """Which of stdin/stdout is not a terminal (what `ssh -n`, `ssh -T`, cron or a pipe give), else None.

    A TUI without a terminal cannot be quit and reads end-of-file in a loop. `rollout serve` runs the
    TUI through Textual's web driver (TEXTUAL_DRIVER set), which needs no terminal.
    """
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    missing = [name for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)) if not stream.isatty()]
    return " and ".join(missing) or None


def open_tui(app: App, read_only: bool) -> None:
    """Run the TUI on the app's database until it quits; a new database is created first, and the
    notice saying so is shown inside the TUI (on stderr it would be hidden behind it)."""
    missing = missing_terminal()
    if missing:
        raise RolloutError(
            f"the TUI needs a terminal, but {missing} {'is' if ' and ' not in missing else 'are'} not one "
            "(over SSH use `ssh -t`; scripts use the commands, e.g. `rollout status`)"
        )
    from rollout.tui import terminal  # the standard library only: Textual is not imported yet

    decision = terminal.decide(os.environ)
    if decision.refusal:
        raise RolloutError(decision.refusal)
    os.environ.update(decision.environ)  # Textual reads its colour system when it is imported
    from rollout.tui.app import run

    notices = [*decision.notices, *app.ensure_database(announce=False)]
    run(app.db_path, user=app.user, read_only=read_only, notices=notices)


COMMANDS = [init, history, undo, redo, batch, tui]
