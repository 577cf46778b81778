"""Running a test on each storage backend: the seeded file as it is, or copied into a new PostgreSQL
database (tests/pg_server.py). ROLLOUT_TEST_BACKEND=file or =postgres runs only that one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rollout.db import Database

BACKENDS = ("file", "postgres")


def backend_kinds() -> list[str]:
    """The backends a parametrized test runs on: both, or the one ROLLOUT_TEST_BACKEND names."""
    chosen = os.environ.get("ROLLOUT_TEST_BACKEND", "").strip()
    return [chosen] if chosen in BACKENDS else list(BACKENDS)


def database_on(kind: str, db_path: Path, request: pytest.FixtureRequest) -> Database:
    """The database seeded at `db_path`, on backend `kind` (a PostgreSQL copy made by `db copy`)."""
    if kind == "file":
        return Database(db_path)
    from rollout.copy import copy_database

    url = request.getfixturevalue("pg_url")
    copy_database(str(db_path), url)
    return Database(url)
