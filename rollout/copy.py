"""`rollout db copy`: a database copied to another location, with its history, checked at the end.

Moves a team from the file to PostgreSQL (and back): the records, their order, the metadata (id
counters) and every history entry with its id and revision are written to the destination in
one turn of its writers' lock, then read back and compared with the source by counts and by a
content hash (SHA-256 of the records, the metadata and the entries, in canonical JSON).
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import orjson

from rollout.backends import open_backend
from rollout.backends.base import Backend, StoredState
from rollout.errors import DatabaseError
from rollout.state import TABLES

# Keys of `_meta` that belong to one storage (the file's mark into its history), not to the database.
STORAGE_META = ("history",)


class Copied(NamedTuple):
    """What a copy wrote: the locations (no credential), records per table, history entries, the
    revision, the content hash both sides agree on, and where a replaced destination was kept."""

    source: str
    destination: str
    counts: dict[str, int]
    history: int
    revision: int
    digest: str
    kept_as: str | None


def content(stored: StoredState) -> tuple[dict[str, int], int, str]:
    """(records per table, history entries, SHA-256 hex) of a stored database; equal for two
    databases with the same records in the same order, metadata and history."""
    digest = hashlib.sha256()
    meta = {k: v for k, v in stored.document["_meta"]["1"].items() if k not in STORAGE_META}
    digest.update(orjson.dumps(meta, option=orjson.OPT_SORT_KEYS))
    counts = {}
    for table in TABLES:
        records = list((stored.document.get(table) or {}).values())
        counts[table] = len(records)
        digest.update(orjson.dumps([table, records], option=orjson.OPT_SORT_KEYS))
    entries = 0
    for entry in stored.history:
        digest.update(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS))
        entries += 1
    return counts, entries, digest.hexdigest()


def copy_database(source: str, destination: str, *, force: bool = False) -> Copied:
    """Copy the database at `source` to `destination` (locations: rollout.backends.parse_location).

    Raises DatabaseError when the source does not exist or cannot be read, when the destination
    already holds a database and `force` is not given (nothing is written), when both name the
    same database, or when the copy read back does not match the source (counts or hash).
    """
    src = open_backend(source)
    dest = open_backend(destination)
    if src.location == dest.location:
        raise DatabaseError(f"{src.location} is both the source and the destination")
    stored = src.read()
    if stored is None:
        raise DatabaseError(f"no database at {src.location} to copy")
    counts, history, digest = content(stored)
    entries = list(stored.history)
    kept = _write(dest, stored, entries, force)
    copied = dest.read()
    if copied is None:
        raise DatabaseError(f"the copy at {dest.location} cannot be read back")
    got = content(copied)
    if got != (counts, history, digest):
        raise DatabaseError(
            f"the copy at {dest.location} does not match {src.location} "
            f"({_describe(got[0], got[1])} against {_describe(counts, history)})"
        )
    return Copied(src.location, dest.location, counts, history, stored.revision, digest, kept)


def _write(dest: Backend, stored: StoredState, entries: list[dict[str, Any]], force: bool) -> str | None:
    with dest.writing() as tx:
        try:
            existing = tx.read() is not None
        except DatabaseError:
            existing = True  # something is there, unreadable
        existing = existing or dest.exists() or len(tx.recovery_history()) > 0
        kept = None
        if existing:
            if not force:
                raise DatabaseError(
                    f"{dest.location} already holds a database (--force replaces it); nothing was written"
                )
            kept = tx.erase()
        document = {**stored.document, "_meta": {"1": dict(stored.document["_meta"]["1"])}}
        for key in STORAGE_META:
            document["_meta"]["1"].pop(key, None)
        tx.replace(document, entries)
        return kept


def _describe(counts: dict[str, int], history: int) -> str:
    return ", ".join(f"{n} {table}" for table, n in counts.items()) + f", {history} history entries"
