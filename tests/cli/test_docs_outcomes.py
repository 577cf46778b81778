"""docs/signoff-gmv-freeze.md's console examples run as shown, the way test_readme runs the README's."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_readme import ROOT, Block, chains, environment, parse, run_command

from rollout.db import Database

PAGE = ROOT / "docs" / "signoff-gmv-freeze.md"
BLOCKS = parse(PAGE.read_text(encoding="utf-8"))
CHAINS = chains([b for b in BLOCKS if not b.marker.startswith("not run")])


def test_the_page_has_runnable_examples():
    assert len(CHAINS) >= 3 and all(block.commands for block in BLOCKS)


@pytest.mark.parametrize("chain", CHAINS, ids=[c[0].id for c in CHAINS])
def test_the_examples_run_as_shown(chain: list[Block], tmp_path: Path):
    Database(tmp_path / "rollout.json").create(empty=False, force=False)
    env = environment(tmp_path)
    for block in chain:
        for command in block.commands:
            run_command(block, command, tmp_path, env)
