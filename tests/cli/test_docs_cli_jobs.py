"""docs/cli-jobs.md's console examples run as shown, the way test_readme runs the README's."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_readme import ROOT, chains, environment, parse, run_command

from rollout.db import Database

PAGE = ROOT / "docs" / "cli-jobs.md"
CHAINS = chains([b for b in parse(PAGE.read_text(encoding="utf-8")) if not b.marker.startswith("not run")])


@pytest.mark.parametrize("chain", CHAINS, ids=[c[0].id for c in CHAINS])
def test_the_page_examples_run_as_shown(chain, tmp_path: Path) -> None:
    Database(tmp_path / "rollout.json").create(empty=False, force=False)
    env = environment(tmp_path)
    for block in chain:
        for command in block.commands:
            run_command(block, command, tmp_path, env)
