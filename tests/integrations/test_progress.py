"""Progress bars: shown on stderr for large exports and imports when stderr is a terminal, never otherwise."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

import pytest
from integration_helpers import console_script, data_of, load

from rollout import ops
from rollout.cli.exchange import PROGRESS_MIN_RECORDS
from rollout.db import Database

pytestmark = pytest.mark.slow


@pytest.fixture
def big_db(db_path: Path) -> Path:
    """The seeded database with enough checklist items that an export is worth a progress bar."""
    with Database(db_path).transaction("tester", "bulk") as state:
        while len(state.items) < PROGRESS_MIN_RECORDS + 500:
            ops.add_items(state, ["all"], f"Bulk item {len(state.items)}", category="other")
    return db_path


def run_with_terminal_stderr(args: list[str], stdout: Path) -> tuple[int, str]:
    """Run the console script with stderr on a pseudo-terminal (stdout to a file); returns exit code and stderr."""
    leader, follower = pty.openpty()
    with stdout.open("wb") as out:
        process = subprocess.Popen([console_script(), *args], stdin=subprocess.DEVNULL, stdout=out, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode(errors="replace")


def test_large_export_shows_a_bar_on_a_terminal_and_keeps_stdout_clean(big_db, tmp_path):
    out = tmp_path / "dump.json"
    code, stderr = run_with_terminal_stderr(["--db", str(big_db), "export", "--format", "json"], out)
    assert code == 0, stderr
    # Launch templates are not in the export (a file of their own: `template export`).
    total = sum(len(t) for name, t in load(big_db).tables.items() if name != "templates")
    assert "Exporting" in stderr
    assert f"{total}/{total}" in stderr
    assert json.loads(out.read_text())["rollout_export"] == 1  # the bar never reached stdout


def test_large_import_shows_a_bar_on_a_terminal(big_db, empty_db_path, tmp_path):
    dump = tmp_path / "dump.json"
    assert run_with_terminal_stderr(["--db", str(big_db), "export", "-o", str(dump)], tmp_path / "out")[0] == 0
    code, stderr = run_with_terminal_stderr(["--db", str(empty_db_path), "import", str(dump)], tmp_path / "out2")
    assert code == 0, stderr
    assert "Importing" in stderr
    assert data_of(empty_db_path) == data_of(big_db)  # launch templates travel in a file of their own


def test_no_bar_when_stderr_is_not_a_terminal(big_db, rollout):
    result = rollout("export", "--format", "csv", "--what", "checklist")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_no_bar_for_small_jobs_even_on_a_terminal(db_path, tmp_path):
    code, stderr = run_with_terminal_stderr(["--db", str(db_path), "export"], tmp_path / "out.json")
    assert code == 0
    assert "Exporting" not in stderr
