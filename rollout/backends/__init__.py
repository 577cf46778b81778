"""Where a rollout database lives: one interface (base.py), one module per kind of storage.

- rollout.backends.tinydb: a TinyDB JSON file with its history in a JSON Lines journal beside it
  (what `--db PATH` opens);
- rollout.backends.memory: in memory, for tests and tools.
"""

from __future__ import annotations

import os

from rollout.backends.base import Backend


def open_backend(location: str | os.PathLike[str]) -> Backend:
    """The backend for a database location: for now always a path to a TinyDB file."""
    from rollout.backends.tinydb import TinyDBBackend

    return TinyDBBackend(location)
