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
def rollout(rollout, db_path: Path):  # noqa: ANN001 (wraps the suite's own fixture)
    """The suite's `rollout` runner, validating every successful `--json` output against its schema."""

    def run(*args: str, **options):  # noqa: ANN202
        result = rollout(*args, **options)
        if "--json" in args and result.exit_code == 0 and "--help" not in args:
            validate(args, result.stdout)
        return result

    return run
