"""`owners` and `agenda` through the CLI: one name is one person (rollout.identity), and the row
`owners` shows opens the same list in `agenda --owner` and `agenda --mine`."""

from __future__ import annotations

import json
from pathlib import Path

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


def test_owners_merges_spellings_and_agenda_agrees(empty_db_path: Path, rollout):
    def run(*args: str, user: str = "amara") -> str:
        result = rollout("--user", user, *args, db=empty_db_path)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    run("region", "add", "NL", "--name", "Netherlands", "--tz", "Europe/Amsterdam", "--currency", "EUR")
    for n, owner in enumerate(["amara", "Amara", "AMARA", "Amara"]):
        run("check", "add", "NL", f"Task {n}", "--owner", owner, "--due", "2026-11-26")
    run("check", "add", "NL", "Nobody's", "--due", "2026-11-26")
    run("check", "edit", "NL", "c5", "--owner", "")
    rows = json.loads(run("owners", "--json"))
    assert [(r["owner"], r["open"]) for r in rows] == [("Amara", 4), ("", 1)]
    table = run("owners")
    assert "(unassigned)" in table and "AMARA" not in table and "amara" not in table
    for args in (["--owner", "AMARA"], ["--mine"]):
        entries = json.loads(run("agenda", *args, "--json", user=" amara"))
        assert len(entries) == 4
