"""`db copy`: a database copied to another location with its history (rollout.copy)."""

from __future__ import annotations

import click

from rollout.cli import contract, output


@click.group("db", short_help="Whole databases: copy one to another location.")
def db() -> None:
    """Whole databases, wherever they are: a file path or a postgresql:// URL (see --db)."""


def _copy_schema() -> contract.Schema:
    return contract.obj(
        {
            "source": contract.STRING,
            "destination": contract.STRING,
            "counts": {"type": "object", "additionalProperties": contract.COUNT},
            "history": contract.COUNT,
            "revision": contract.COUNT,
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "kept_as": contract.nullable(contract.STRING),
        }
    )


@db.command("copy", short_help="Copy a database with its history (file <-> PostgreSQL).")
@click.argument("source")
@click.argument("destination")
@click.option("--force", is_flag=True, help="Replace a database already at DESTINATION.")
@contract.reads(_copy_schema, shows=True)
def copy(source: str, destination: str, force: bool, as_json: bool) -> None:
    """Copy the database at SOURCE to DESTINATION (each a file path or a postgresql:// URL): every
    record in its order, the id counters, and the whole history with its ids and revisions. A
    DESTINATION that holds a database is refused unless --force (a replaced file is kept in its
    backups folder). The copy is read back and checked against SOURCE: counts and a content hash."""
    from rollout.copy import copy_database

    done = copy_database(source, destination, force=force)
    if as_json:
        output.emit_json(
            {
                "source": done.source,
                "destination": done.destination,
                "counts": done.counts,
                "history": done.history,
                "revision": done.revision,
                "sha256": done.digest,
                "kept_as": done.kept_as,
            }
        )
        return
    counts = ", ".join(f"{n} {table}" for table, n in done.counts.items())
    click.echo(
        f"Copied {done.source} to {done.destination}: {counts}, {done.history} history entries, revision {done.revision}."
    )
    click.echo(f"Checked: the copy reads back the same (sha256 {done.digest[:16]}).")
    if done.kept_as:
        click.echo(f"The database it replaced was kept as {done.kept_as}.")


COMMANDS = [db]
