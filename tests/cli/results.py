"""What a command's result must be, for CLI tests: done (exit 0), or refused the one way the CLI
contract allows (one `Error:` line, exit 1, nothing on stdout, the database as it was)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from databases import stored


def ok(result: Any) -> Any:
    """`result` (a CLI run), after checking it exited 0."""
    assert result.exit_code == 0, result.stderr
    return result


def refused(result: Any, db_path: Path, before: object, *words: str) -> str:
    """One `Error:` line naming `words`, exit 1, nothing on stdout, the database's records and
    history as `before` (tests/databases.stored) held them; the line."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and all(w in line for w in words), line
    assert result.stdout == ""
    assert stored(db_path) == before
    return line
