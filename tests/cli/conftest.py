"""CLI tests: every `--json` output a test gets is checked against the command's published schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from contract_tools import validate


@pytest.fixture(autouse=True)
def _no_terminal_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output as printed to a pipe: tables fit $COLUMNS when it is set, and test workers may
    inherit one (the tests that fit a width set it themselves)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture
def rollout(rollout, backend: str):  # noqa: ANN001, ARG001 (wraps the suite's own fixture, on the test's backend)
    """The suite's `rollout` runner, validating every successful `--json` output against its schema."""

    def run(*args: str, **options):  # noqa: ANN202
        result = rollout(*args, **options)
        if "--json" in args and result.exit_code == 0 and "--help" not in args:
            validate(args, result.stdout)
        return result

    return run


@pytest.fixture
def crafted(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Path | str:
    """The cockpit's crafted database (tests/cli/cli_cockpit_data.py), on the test's backend: built
    as a file, and for PostgreSQL copied over with its history (rollout.copy)."""
    import cli_cockpit_data

    built = cli_cockpit_data.build(tmp_path / "crafted.json")
    if backend != "postgres":
        return built
    from rollout.copy import copy_database

    location = request.getfixturevalue("postgres_server").new_database()
    copy_database(str(built), location)
    return location


@pytest.fixture
def run(rollout, crafted: Path | str):  # noqa: ANN001
    """The suite's runner on the crafted database."""

    def go(*args: str, **options):  # noqa: ANN202
        return rollout(*args, db=crafted, **options)

    return go
