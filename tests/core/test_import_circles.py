"""No import circle among rollout's modules (core, CLI and TUI), counting function-local and type-only imports
(HOUSE rules: `../shared/tools/import-cycles rollout` lists them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from needs import unavailable

REPO = Path(__file__).resolve().parents[2]
# ../shared/tools/import-cycles beside the repository (or beside the folder of its worktrees).
PLACES = [folder / "shared" / "tools" / "import-cycles" for folder in (REPO.parent, REPO.parent.parent)]


def _circles() -> list[list[str]]:
    tool = next((place for place in PLACES if place.exists()), None)
    if tool is None:
        unavailable(f"the import-cycles tool at {PLACES[0]}", "the shared tools folder")
    done = subprocess.run(
        [sys.executable, str(tool), str(REPO / "rollout")], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode in (0, 1), done.stderr
    return [line.split(": ", 1)[1].split(", ") for line in done.stdout.splitlines() if re.match(r"circle \d+: ", line)]


def test_no_import_circle_anywhere_in_rollout():
    assert _circles() == []
