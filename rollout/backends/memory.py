"""A backend that keeps everything in memory: for tests and tools, and the smallest example of the
interface (rollout.backends.base) that a new kind of storage implements.

One MemoryBackend is one database for the life of the object; threads of one process may share
it (a lock serialises writers). Nothing survives the process; it keeps no backups.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from rollout.backends.base import (
    Backend,
    Document,
    Entry,
    HistoryLog,
    MemoryHistory,
    Replaced,
    StoredState,
    Transaction,
)
from rollout.errors import DatabaseError
from rollout.migrations import SCHEMA_VERSION
from rollout.storage import lock_timeout


def _copy(value: Any) -> Any:
    """A deep copy that shares nothing with the caller (records are plain JSON data)."""
    return orjson.loads(orjson.dumps(value))


class MemoryBackend(Backend):
    """A database in memory, empty (no state stored yet) or starting from `document`."""

    def __init__(self, document: Document | None = None, name: str = "memory") -> None:
        self.location = name
        self._document: Document | None = None if document is None else _copy(document)
        self._entries: list[Entry] = []
        self._version = 0  # bumped by every commit: the change token
        self._lock = threading.Lock()

    def exists(self) -> bool:
        return self._document is not None

    def _snapshot(self) -> StoredState | None:
        document, entries, version = self._document, self._entries, self._version  # one consistent read
        if document is None:
            return None
        meta = document["_meta"]["1"]
        return StoredState(
            _copy(document), int(meta["revision"]), (id(self), version), MemoryHistory(entries), SCHEMA_VERSION
        )

    def read(self) -> StoredState | None:
        return self._snapshot()

    def token(self) -> Any:
        return None if self._document is None else (id(self), self._version)

    def revision(self) -> int | None:
        return None if self._document is None else int(self._document["_meta"]["1"]["revision"])

    def history(self) -> HistoryLog:
        if self._document is None:
            raise DatabaseError(f"no database at {self.location}")
        return MemoryHistory(self._entries)

    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[Transaction]:
        wait = lock_timeout() if timeout is None else timeout
        if not self._lock.acquire(timeout=wait):
            raise DatabaseError(
                f"database {self.location} is locked by another writer (waited {wait:g} s); nothing was written"
            )
        try:
            yield MemoryTransaction(self)
        finally:
            self._lock.release()

    def _store(self, document: Document, entries: list[Entry]) -> StoredState:
        self._entries = [*self._entries, *_copy(entries)]  # a new list: histories already handed out stay as they were
        self._document = _copy(document)
        self._version += 1
        stored = self._snapshot()
        assert stored is not None
        return stored


class MemoryTransaction(Transaction):
    def __init__(self, backend: MemoryBackend) -> None:
        self.backend = backend
        self._seen: Any = None

    def read(self) -> StoredState | None:
        stored = self.backend.read()
        self._seen = None if stored is None else stored.token
        return stored

    def commit(self, document: Document, entry: Entry | None) -> StoredState:
        if self.backend.token() != self._seen:
            raise DatabaseError(f"database {self.backend.location} changed while this change was being made")
        last = self.backend._entries[-1]["id"] if self.backend._entries else 0
        if entry is not None and (entry["revision"] != document["_meta"]["1"]["revision"] or entry["id"] <= last):
            raise ValueError(f"entry #{entry['id']} cannot follow the stored state")
        stored = self.backend._store(document, [] if entry is None else [entry])
        self._seen = stored.token
        return stored

    def recovery_history(self) -> HistoryLog:
        return MemoryHistory(self.backend._entries)

    def replace(self, document: Document, entries: list[Entry]) -> Replaced:
        stored = self.backend._store(document, entries)
        self._seen = stored.token
        return Replaced(None, stored)

    def erase(self) -> str | None:
        self.backend._document = None
        self.backend._entries = []
        self.backend._version += 1
        self._seen = self.backend.token()
        return None
