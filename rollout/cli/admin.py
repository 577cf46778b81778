"""`init`, `history`, `undo`, `batch` and `tui`."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from rollout import ops, queries, times
from rollout.cli import output
from rollout.cli.app import App, Batch, pass_app
from rollout.cli.regions import JSON
from rollout.errors import DatabaseError, InvalidValue, RolloutError

# Commands a batch line may run: the editing ones (reads, undo and nested batches make no sense there).
BATCHABLE = {
    "region": {"add", "set", "remove"},
    "shift": None,
    "check": {"add", "done", "reopen", "edit", "remove"},
    "promo": {"add", "move", "edit", "remove"},
}
PREVIEW_LINES = 20


@click.command()
@click.option("--empty", is_flag=True, help="Start with no regions instead of the bundled dataset.")
@click.option("--force", is_flag=True, help="Replace an existing database (the old one is kept as a backup).")
@pass_app
def init(app: App, empty: bool, force: bool) -> None:
    """Create the database, from the bundled dataset unless --empty."""
    app.db.create(empty=empty, force=force)
    origin = "empty" if empty else "from the bundled dataset"
    click.echo(f"Created {app.db.path} ({origin}).")


@click.command()
@click.argument("code", required=False)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N entries.")
@JSON
@pass_app
def history(app: App, code: str | None, limit: int | None, as_json: bool) -> None:
    """Changes, newest first: when, who, the command, and what it touched."""
    state = app.state()
    region = state.region(code.strip().upper())["code"] if code else None
    entries = queries.history(state, region, limit)
    if as_json:
        output.emit_json([queries.history_json(e) for e in entries])
        return
    if not entries:
        click.echo("No history yet.")
        return
    click.echo(
        output.table(
            ["ID", "AT (UTC)", "USER", "COMMAND", "CHANGES"],
            [[f"#{e['id']}", _at(e["at"]), e["user"], e["command"], _changes_cell(e)] for e in entries],
        )
    )


def _at(iso: str) -> str:
    return times.local_display(iso, "UTC")


def _changes_cell(entry: dict) -> str:
    text = queries.summarize_changes(entry["changes"])
    if "undoes" in entry:
        text = f"undoes #{entry['undoes']}: {text}"
    if entry.get("notes"):
        text += " [" + "; ".join(entry["notes"]) + "]"
    return text


@click.command()
@pass_app
def undo(app: App) -> None:
    """Revert the most recent change (repeat to go further back)."""
    with app.change() as state:
        entry = ops.undo(state)
    click.echo(f"Undid {queries.describe_entry(entry)}.")


@click.command()
@click.argument("file", metavar="FILE|-")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@pass_app
def batch(app: App, file: str, dry_run: bool) -> None:
    """Apply a file of subcommands as one change (one write, one history entry, one undo step).

    One command per line, in the CLI's own grammar without the leading `rollout`;
    `#` comments and blank lines are ignored. If any line fails, nothing is written.
    """
    label = "stdin" if file == "-" else file
    lines = parse_batch(read_batch_file(file), label)
    with app.db.transaction(app.user, f"batch {label} ({len(lines)} commands)", dry_run=dry_run) as state:
        run = app.batch = Batch(state)
        try:
            for number, args in lines:
                run_batch_line(app, label, number, args)
        finally:
            app.batch = None
    for warning in run.warnings + promotion_warnings(run):
        output.warn(warning)
    changes = state.changes()
    summary = queries.summarize_changes(changes)
    if dry_run:
        click.echo(f"Dry run of {label}: {len(lines)} commands would apply: {summary}. Nothing was written.")
        for change in changes[:PREVIEW_LINES]:
            click.echo("  " + _describe_change(change))
        if len(changes) > PREVIEW_LINES:
            click.echo(f"  ... and {len(changes) - PREVIEW_LINES} more")
    elif state.commit.entry is None:  # type: ignore[attr-defined]
        click.echo(f"Applied {label}: nothing changed.")
    else:
        click.echo(f"Applied {label}: {len(lines)} commands, {summary} (history #{state.commit.entry['id']}).")  # type: ignore[attr-defined]


def promotion_warnings(run: Batch) -> list[str]:
    """Warnings for the batch's promotions, computed once per region at the end."""
    by_region: dict[str, dict[str, list[str]]] = {}
    messages = []
    for line, promo_id in run.promotions:
        promo = run.state.promotions.get(promo_id)
        if promo is None:
            continue
        if promo["region"] not in by_region:
            by_region[promo["region"]] = queries.promo_warnings(run.state, promo["region"])
        for message in by_region[promo["region"]][promo_id]:
            messages.append(f"line {line}: {promo_id} {promo['name']!r} in {promo['region']} {message}")
    return messages


def _describe_change(change: dict) -> str:
    verb = "add" if change["before"] is None else "remove" if change["after"] is None else "change"
    record = change["after"] or change["before"]
    label = record.get("title") or record.get("name") or ""
    return (
        f"{verb} {change['table'][:-1] if change['table'] != 'regions' else 'region'} {change['key']} {label}".rstrip()
    )


def read_batch_file(file: str) -> str:
    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(file)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InvalidValue(f"batch file {file} does not exist") from None
        except IsADirectoryError:
            raise InvalidValue(f"batch file {file} is a directory") from None
        except OSError as exc:
            raise InvalidValue(f"cannot read batch file {file}: {exc.strerror}") from None
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
            args = shlex.split(raw, comments=True)
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


def run_batch_line(app: App, label: str, number: int, args: list[str]) -> None:
    from rollout.cli import cli

    assert app.batch is not None
    app.batch.line = number
    try:
        with cli.make_context("rollout", list(args), obj=app) as ctx:
            cli.invoke(ctx)
    except click.UsageError as exc:
        raise InvalidValue(f"{label} line {number}: {exc.format_message()}") from None
    except click.exceptions.Exit:
        raise InvalidValue(f"{label} line {number}: --help is not a batch command") from None
    except DatabaseError:
        raise
    except RolloutError as exc:
        raise type(exc)(f"{label} line {number}: {exc}") from None


@click.command()
@click.option("--read-only", is_flag=True, help="View only: every edit is refused.")
@pass_app
def tui(app: App, read_only: bool) -> None:
    """Open the terminal UI."""
    open_tui(app, read_only=read_only or app.read_only)


def open_tui(app: App, read_only: bool) -> None:
    try:
        from rollout.tui.app import run
    except ModuleNotFoundError:
        raise click.UsageError("the TUI is not available in this installation") from None
    app.db.load()
    run(app.db_path, user=app.user, read_only=read_only)


COMMANDS = [init, history, undo, batch, tui]
