"""Fixtures shared by the whole suite: a seeded database, a fixed clock, a CLI runner, and a
home of its own for every test.

Every test runs with its own temporary HOME, XDG data, config, cache and state directories (so
also every program a test starts: shells, tmux, Chromium). Around those, the whole run has a
sentinel home: HOME points at an empty temporary directory before any test starts, and a run
that leaves anything in it (something that escaped a test's own home) fails, naming what it
found. The user's real home is never the HOME of a test run.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from rollout.db import Database

# `make mutants` runs the tests once per mutant: fewer examples per property, no deadline.
settings.register_profile("mutants", max_examples=25, deadline=None)

FIXED_NOW = "2026-11-24T09:00:00+00:00"
SENTINEL = "ROLLOUT_TEST_SENTINEL_HOME"
XDG_DIRS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-examples",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="tests/cli/test_readme.py: rewrite the output shown under each console example of README.md and "
        "docs/ (or only of the files under PATH) from what the commands print now (`...` lines kept where they fit)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Point HOME at an empty sentinel directory for the whole run (xdist workers inherit it)."""
    only = config.getoption("--update-examples", None)
    if only and not (only == "README.md" or only.rstrip("/") == "docs" or only.startswith("docs/")):
        # `--update-examples tests/cli/test_readme.py` would take the test file as its PATH.
        raise pytest.UsageError(
            f"--update-examples {only}: PATH is README.md or a page or folder of docs/ "
            "(give the test file first: pytest tests/cli/test_readme.py --update-examples [PATH])"
        )
    if SENTINEL in os.environ:
        return
    sentinel = Path(tempfile.mkdtemp(prefix="rollout-test-home-"))
    os.environ[SENTINEL] = str(sentinel)
    os.environ["HOME"] = str(sentinel)
    for name in XDG_DIRS:
        os.environ.pop(name, None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when anything was written into the sentinel home (checked once, by the controller)."""
    if hasattr(session.config, "workerinput") or SENTINEL not in os.environ:
        return
    sentinel = Path(os.environ[SENTINEL])
    left = sorted(str(p.relative_to(sentinel)) for p in sentinel.rglob("*")) if sentinel.is_dir() else []
    shutil.rmtree(sentinel, ignore_errors=True)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"the test run wrote into its home directory (outside every test's own): {', '.join(left[:10])}"
        if reporter is not None:
            reporter.write_line(f"ERROR: {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads or writes the developer's own home, database, user, config, cache or clock."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("ROLLOUT_USER", "tester")
    monkeypatch.setenv("ROLLOUT_NOW", FIXED_NOW)
    monkeypatch.delenv("ROLLOUT_DB", raising=False)
    monkeypatch.delenv("ROLLOUT_READ_ONLY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    times = sys.modules.get("rollout.times")
    if times is not None:  # what another test parsed is parsed again (the cache is an optimisation)
        times.parse_when_text.cache_clear()
    yield
    # The holiday cache is written when the process ends, by then with the run's HOME: write what
    # this test looked up now, into its own cache.
    # (Some fixtures undo every monkeypatch before this runs, so the test's cache is named again.)
    holidays = sys.modules.get("rollout.holidays")
    if holidays is not None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
            holidays.flush_cache()


# -- one database, on each backend ------------------------------------------------------------------
# A test module that sets BACKENDS = ("file", "postgres") runs each of its tests that takes a
# database (`db_path`, `empty_db_path`, the `rollout` runner) once per backend: the same commands
# must give the same results on a PostgreSQL database as on the file. A test about the file itself
# (its lock, journal, bytes on disk) is marked `file_only`.
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends = getattr(metafunc.module, "BACKENDS", None)
    if backends and "backend" in metafunc.fixturenames:  # every database fixture asks for it
        if metafunc.definition.get_closest_marker("file_only"):
            backends = ("file",)
        metafunc.parametrize("backend", backends)


@pytest.fixture
def backend() -> str:
    """Which backend the test's databases are on (parametrized in modules with BACKENDS)."""
    return "file"


def _database(name: str, empty: bool, backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """A new database, seeded from the bundled dataset unless `empty`: a file in the test's folder
    (its Path), or a new database on the test process's PostgreSQL server (its URL)."""
    location: Path | str
    location = request.getfixturevalue("postgres_server").new_database() if backend == "postgres" else tmp_path / name
    Database(location).create(empty=empty, force=False)
    return location


@pytest.fixture
def db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """A database seeded from the bundled dataset (see _database)."""
    return _database("rollout.json", False, backend, tmp_path, request)


@pytest.fixture
def empty_db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """A database with no records (see _database)."""
    return _database("empty.json", True, backend, tmp_path, request)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def rollout(request: pytest.FixtureRequest, backend: str):  # noqa: ARG001 (the backend db_path is made on)
    """Run `rollout --db <seeded db> ARGS...` in-process; returns exit code, stdout, stderr. The
    seeded database (`db_path`) is made when a call first needs it: not for a test that always
    names its own with `db=`."""
    from rollout.cli import cli

    def run(*args: str, input: str | None = None, db: Path | str | None = None) -> Result:
        runner = CliRunner()
        where = db or request.getfixturevalue("db_path")
        result = runner.invoke(cli, ["--db", str(where), *args], input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


# -- PostgreSQL (tests/pg_server.py) ---------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for this test process, started on first use and stopped at the end."""
    from pg_server import PostgresServer

    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture
def pg_url(postgres_server) -> str:  # noqa: ANN001
    """The location of a new, empty PostgreSQL database (no rollout tables yet)."""
    return postgres_server.new_database()
