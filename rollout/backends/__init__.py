"""Where a rollout database lives: one interface (base.py), one module per kind of storage.

- rollout.backends.tinydb: a TinyDB JSON file with its history in a JSON Lines journal beside it
  (what `--db PATH` opens);
- rollout.backends.postgres: a PostgreSQL database (what `--db postgresql://...` opens; needs the
  optional extra `rollout[postgres]`, psycopg 3, imported only then);
- rollout.backends.memory: in memory, for tests and tools.

A *location* is what `--db` and ROLLOUT_DB give: a file path, or a URL. `parse_location` is the
one place that tells them apart; everything else names a database by `Location.shown`, which
never holds a credential.
"""

from __future__ import annotations

import os

from rollout.backends.base import Backend
from rollout.backends.location import Location, mask_url, parse_location, shown

__all__ = ["Location", "mask_url", "open_backend", "parse_location", "shown"]


def open_backend(location: str | os.PathLike[str] | Location) -> Backend:
    """The backend for a database location (parse_location). Raises DatabaseError for a location
    no backend opens, or a PostgreSQL location without psycopg installed."""
    where = location if isinstance(location, Location) else parse_location(location)
    if where.kind == "postgresql":
        from rollout.backends.postgres import PostgresBackend

        return PostgresBackend(where.target)
    from rollout.backends.tinydb import TinyDBBackend

    return TinyDBBackend(where.target)
