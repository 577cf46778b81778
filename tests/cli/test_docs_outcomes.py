"""docs/signoff-gmv-freeze.md's console examples run as shown, the way test_readme runs the README's.

Once test_readme runs the manual's pages itself (its FILES list), this module leaves them to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_readme
from test_readme import ROOT, chains, environment, run_command

from rollout.db import Database

PAGE = ROOT / "docs" / "signoff-gmv-freeze.md"
COVERED = hasattr(test_readme, "FILES")  # the runner of README.md and docs/**/*.md
BLOCKS = [] if COVERED else test_readme.parse(PAGE.read_text(encoding="utf-8"))
CHAINS = chains([b for b in BLOCKS if not b.marker.startswith("not run")])


@pytest.mark.skipif(COVERED, reason="test_readme runs docs/ itself")
def test_the_page_has_runnable_examples():
    assert len(CHAINS) >= 3 and all(block.commands for block in BLOCKS)


@pytest.mark.skipif(COVERED, reason="test_readme runs docs/ itself")
@pytest.mark.parametrize("chain", CHAINS, ids=[c[0].id for c in CHAINS])
def test_the_examples_run_as_shown(chain, tmp_path: Path):  # noqa: ANN001
    Database(tmp_path / "rollout.json").create(empty=False, force=False)
    env = environment(tmp_path)
    for block in chain:
        for command in block.commands:
            run_command(block, command, tmp_path, env)
