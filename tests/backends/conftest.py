"""Every storage backend passes the same tests: `backend_kind` runs a test once per kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rollout.backends import open_backend
from rollout.backends.base import Backend
from rollout.backends.memory import MemoryBackend

KINDS = ["memory", "file", "postgres"]


@pytest.fixture(params=KINDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def location(backend_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a new database of this kind would be (nothing there yet)."""
    if backend_kind == "postgres":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "rollout.json")


@pytest.fixture
def connect(backend_kind: str, location: str) -> Iterator[Callable[[], Backend]]:
    """A new backend object on the test's database each call, as another process would open it
    (the memory backend has no other process: the same object)."""
    if backend_kind == "memory":
        shared = MemoryBackend()
        yield lambda: shared
        return
    opened: list[Backend] = []

    def make() -> Backend:
        backend = open_backend(location)
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        close = getattr(backend, "close", None)
        if close is not None:
            close()
