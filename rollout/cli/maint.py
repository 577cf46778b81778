"""`doctor` and `restore`: checking the database file and bringing a backup back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from rollout import queries
from rollout.backends.base import Backup
from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.params import WholeNumber
from rollout.db import Database, Restored
from rollout.errors import RolloutError


def _doctor_schema() -> contract.Schema:
    return contract.obj(
        {
            "path": contract.STRING,
            "ok": contract.BOOLEAN,
            "summary": {"type": "object"},
            "problems": contract.STRINGS,
            "notes": contract.STRINGS,
            "backups": contract.array({"type": "object"}),
        }
    )


@click.command(short_help="Check the database file; exit 1 on a problem.")
@contract.reads(_doctor_schema, shows=True)
@pass_app
def doctor(app: App, as_json: bool) -> None:
    """Check the database file: it parses, its schema version, the references between regions,
    checklist items and promotions, duplicate ids, history and backups. Exit 1 when a problem is found."""
    from rollout.doctor import examine_location, format_report

    report = examine_location(app.db_path)
    if as_json:
        output.emit_json(report.to_json())
    else:
        click.echo(format_report(report))
    if not report.ok:
        raise RolloutError(f"{len(report.problems)} problem(s) found in {app.location}")


def _backups_schema() -> contract.Schema:
    last = contract.nullable(
        {
            "anyOf": [
                contract.obj({"id": contract.COUNT, "user": contract.STRING, "command": contract.STRING}),
                contract.obj({"unreadable": {"const": True}}),
            ]
        }
    )
    backup = contract.obj(
        {
            "number": contract.COUNT,
            "revision": contract.COUNT,
            "saved_at": contract.INSTANT,
            "size": contract.COUNT,
            "file": contract.STRING,
            "last_change": last,
        }
    )
    return contract.array(backup)


def _restored_schema() -> dict[str, contract.Schema]:
    return {
        "restored": contract.obj(
            {
                "backup": contract.COUNT,
                "revision": contract.COUNT,
                "file": contract.STRING,
                "whole": contract.BOOLEAN,
                "replaced_unreadable": contract.nullable(contract.STRING),
                "replayed": contract.array(contract.COUNT),
                "skipped": contract.array(contract.COUNT),
            }
        )
    }


@click.command(short_help="List the backups, or bring one back.")
@click.argument("number", metavar="[N]", type=WholeNumber(min=1), required=False)
@click.option("--list", "list_only", is_flag=True, help="List the backups, newest first (also what no N does).")
@click.option("--dry-run", is_flag=True, help="Show what restoring backup N would change; write nothing.")
@click.option(
    "--force", is_flag=True, help="When the database cannot be read at all, replace it with the backup as a whole."
)
@contract.edits(_restored_schema, listing=_backups_schema)
@pass_app
def restore(app: App, number: int | None, list_only: bool, dry_run: bool, force: bool, as_json: bool) -> None:
    """Bring back backup N (1 = the newest; one is kept before every change, the last 10 in all).

    The restore is itself one change in history, so `rollout undo` reverts it. Without N, lists the backups.
    With --force, a database that cannot be read is replaced by backup N as a whole, and every change
    history holds after it is replayed on top, so nothing history holds is lost; an entry written by a
    change that never completed (killed before storing its state) is skipped, and said so.
    """
    if number is not None and list_only:
        raise click.UsageError("give either N or --list, not both")
    if not app.db.backend.supports_backups:  # a server's backups are the server's (rollout.backends.base)
        raise RolloutError(f"{app.db.location} keeps no backups in rollout: {app.db.backend.backups_note}")
    if number is None:
        _list_backups(app.db, as_json)
        return
    done = app.db.restore(number, app.user, app.command, dry_run=dry_run, force=force)
    if as_json:
        output.emit_json(_restored_json(done, dry_run))
        return
    click.echo(_describe_restore(done, dry_run))


def _saved_at(backup: Backup) -> str:
    return datetime.fromtimestamp(backup.saved_at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _last_change(db: Database, backup: Backup) -> dict[str, Any] | None:
    """The history entry that produced a backup's revision: what that version was the result of."""
    entry = db.backup_last_change(backup)
    if entry is None or entry.get("unreadable"):
        return entry
    return {"id": entry.get("id"), "user": entry.get("user"), "command": entry.get("command")}


def _list_backups(db: Database, as_json: bool) -> None:
    kept = db.backups()
    rows = [(b, _last_change(db, b)) for b in kept]
    if as_json:
        output.emit_json(
            [
                {
                    "number": b.number,
                    "revision": b.revision,
                    "saved_at": datetime.fromtimestamp(b.saved_at, UTC).isoformat(),
                    "size": b.size,
                    "file": b.location,
                    "last_change": last,
                }
                for b, last in rows
            ]
        )
        return
    if not kept:
        click.echo(f"No backups of {db.location} yet (one is kept before every change).")
        return
    click.echo(f"Backups of {db.location}, newest first (`rollout restore N` brings one back):")
    click.echo(
        output.table(
            ["N", "REVISION", "SAVED (UTC)", "SIZE", "LAST CHANGE IN IT"],
            [[b.number, b.revision, _saved_at(b), _size(b.size), _change_cell(last)] for b, last in rows],
        )
    )


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 10 * 1024 * 1024 else f"{size / 1024 / 1024:.0f} MB"


def _change_cell(last: dict[str, Any] | None) -> str:
    if last is None:
        return "(none)"
    if last.get("unreadable"):
        return "(unreadable)"
    return f"#{last['id']} {last['user']}: {last['command']}"


def _describe_restore(done: Restored, dry_run: bool) -> str:
    backup = done.backup
    name = f"backup {backup.number} (revision {backup.revision}, saved {_saved_at(backup)} UTC)"
    if done.whole:
        replayed = _replayed(done.replayed) + _skipped(done.skipped)
        if dry_run:
            return f"Dry run: the unreadable database would be replaced by {name} as a whole{replayed}. Nothing was written."
        # A file that could be read was refused for another reason (older than its history, written
        # without the lock): it is "the database", kept as "the replaced file".
        readable = done.replaced_unreadable is not None and ".unreadable-" not in Path(done.replaced_unreadable).name
        what = "replaced" if readable else "unreadable"
        kept = f"; the {what} file was kept as {done.replaced_unreadable}" if done.replaced_unreadable else ""
        entry = done.entry["id"] if done.entry else "?"
        database = "the database" if readable else "the unreadable database"
        return f"Replaced {database} with {name}{replayed} (history #{entry}){kept}."
    summary = queries.summarize_changes(done.changes)
    if dry_run:
        return f"Dry run: restoring {name} would apply: {summary}. Nothing was written."
    if done.entry is None:
        return f"The database already has the records of {name}: nothing changed."
    return f"Restored {name}: {summary} (history #{done.entry['id']}; `rollout undo` reverts it)."


def _replayed(ids: list[int]) -> str:
    """', replaying the 3 later changes in history (#4-#6)' or ', with no later change in history to replay'."""
    if not ids:
        return ", with no later change in history to replay"
    span = f"#{ids[0]}" if len(ids) == 1 else f"#{ids[0]}-#{ids[-1]}"
    noun = "change" if len(ids) == 1 else f"{len(ids)} changes"
    return f", replaying the later {noun} in history ({span})"


def _skipped(ids: list[int]) -> str:
    """', skipping #7, written by a change that never completed' (its state was never stored), or ''."""
    if not ids:
        return ""
    span = f"#{ids[0]}" if len(ids) == 1 else f"#{ids[0]}-#{ids[-1]}"
    return f", skipping {span}, written by a change that never completed"


def _restored_json(done: Restored, dry_run: bool) -> dict[str, Any]:
    """The envelope of a restore, with what was restored (`restored`: the backup's number, revision
    and file, where a whole-database restore kept the replaced one, and the entries it replayed)."""
    assert done.state is not None
    restored = {
        "backup": done.backup.number,
        "revision": done.backup.revision,
        "file": done.backup.location,
        "whole": done.whole,
        "replaced_unreadable": done.replaced_unreadable if done.whole else None,
        "replayed": list(done.replayed),
        "skipped": list(done.skipped),
    }
    return contract.envelope(
        contract.command_name(),
        done.state,
        done.changes,
        history=done.entry["id"] if done.entry else None,
        dry_run=dry_run,
        warnings=list(done.state.notes),
        restored=restored,
    )


COMMANDS = [doctor, restore]
