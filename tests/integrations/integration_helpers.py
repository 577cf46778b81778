"""Helpers for the integration tests: the real console script, the stored state, JSON results."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import needs

from rollout.db import Database
from rollout.state import State


def console_script() -> str:
    return str(needs.console_script())


def run_script(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """The installed `rollout` in a subprocess, with the test's environment (clock, cache, user)."""
    return subprocess.run(
        [console_script(), *args],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def load(path: Path) -> State:
    return Database(path).load()


def data_of(path: Path) -> dict[str, Any]:
    """The records of a database; launch templates left out: they travel in a file of their own
    (`template export`), not in the export of regions, checklists and promotions."""
    data = load(path).data()
    data.pop("templates", None)
    return data


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)
