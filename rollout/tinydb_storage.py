"""A TinyDB storage for rollout's state file: `TinyDB(path, storage=AtomicJSONStorage)`.

rollout reads and writes the file itself (rollout.storage, through rollout.backends); this class is
for other programs that want TinyDB's queries on it. `rollout.storage.AtomicJSONStorage` is the same
class, loaded on first use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from rollout.storage import BACKUPS_KEPT, peek_meta, read_state_file, write_state_file


class AtomicJSONStorage(Storage):
    """A TinyDB storage for the state file: `TinyDB(path, storage=AtomicJSONStorage)` opens and
    queries it like any TinyDB file ({table: {doc_id: document}}).

    `read` returns the document as stored (no schema upgrade; `_meta` as it is, including the
    history pointer), None when there is no file, DatabaseError when it is not a rollout database.
    `write` replaces the file atomically, keeping the previous version as a backup. Neither takes
    the writers' lock nor records history: rollout itself reads and writes through rollout.backends.
    """

    def __init__(self, path: str | os.PathLike[str], backups: int = BACKUPS_KEPT) -> None:
        self.path = Path(path)
        self.backups = backups

    def read(self) -> dict[str, Any] | None:
        """The stored document ({table: {doc_id: record}}), or None when the file does not exist."""
        found = read_state_file(self.path)
        return None if found is None else found.document

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file with `data` (a document with `_meta` doc 1); DatabaseError when it cannot."""
        meta = peek_meta(self.path)
        previous = meta.get("schema") if meta else None
        write_state_file(
            self.path, data, previous_schema=previous if isinstance(previous, int) else None, backups=self.backups
        )

    def close(self) -> None:
        pass
