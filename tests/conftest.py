"""Fixtures shared by the whole suite: a seeded database, a fixed clock, a CLI runner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from rollout.db import Database

FIXED_NOW = "2026-11-24T09:00:00+00:00"


@pytest.fixture(scope="session")
def _cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the whole run (holiday calendars), away from the developer's own."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _cache_home: Path) -> None:
    """No test reads the developer's own database, user, cache or clock by accident."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_cache_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("ROLLOUT_USER", "tester")
    monkeypatch.setenv("ROLLOUT_NOW", FIXED_NOW)
    monkeypatch.delenv("ROLLOUT_DB", raising=False)
    monkeypatch.delenv("ROLLOUT_READ_ONLY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database seeded from the bundled dataset."""
    path = tmp_path / "rollout.json"
    Database(path).create(empty=False, force=False)
    return path


@pytest.fixture
def empty_db_path(tmp_path: Path) -> Path:
    path = tmp_path / "empty.json"
    Database(path).create(empty=True, force=False)
    return path


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def rollout(db_path: Path):
    """Run `rollout --db <seeded db> ARGS...` in-process; returns exit code, stdout, stderr."""
    from rollout.cli import cli

    def run(*args: str, input: str | None = None, db: Path | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(cli, ["--db", str(db or db_path), *args], input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run
