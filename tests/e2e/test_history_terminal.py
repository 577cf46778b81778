"""The History screen in a real terminal (tmux): a burst of keys ends exactly like the same keys
typed one at a time, undoing a colleague's change after the confirmation and opening an entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_terminal import run

from rollout import ops
from rollout.db import Database

pytestmark = pytest.mark.e2e


def with_history(db_path: Path) -> Path:
    db = Database(db_path)
    for user, command, change in [
        ("e2e", "check done PL c337", lambda s: ops.set_items_done(s, "PL", ["c337"], True, "e2e")),
        ("ops", "check edit PL c339 --due 2027-02-01", lambda s: ops.edit_item(s, "PL", "c339", due="2027-02-01")),
        ("ops", "region set NL --owner femke", lambda s: ops.set_regions(s, ["NL"], owner="femke")),
        ("amara", "check done NL c324", lambda s: ops.set_items_done(s, "NL", ["c324"], True, "amara")),
    ]:
        with db.transaction(user, command) as state:
            change(state)
    return db_path


# L opens History; / filters to ops's changes; j moves to the older one; u asks (ops's change) and y
# undoes it; g goes to the newest of ops's entries; enter opens it whole.
KEYS = "L/ops\rjuyg\r"


def test_a_burst_on_the_history_screen_ends_like_the_keys_one_at_a_time(tmp_path: Path, db_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (scripts/test-deps installs it)")
    source = with_history(db_path)
    slow_data, slow_screen = run(tmp_path, source, "one-at-a-time", KEYS, burst=False)
    fast_data, fast_screen = run(tmp_path, source, "burst", KEYS, burst=True)
    assert fast_data == slow_data
    assert fast_data["items"]["c339"]["due"].startswith("2027-02-14")  # ops's edit (#2) was undone
    assert fast_data["regions"]["NL"]["owner"] == "femke"
    assert "#3 ops" in fast_screen and "owner" in fast_screen and "femke" in fast_screen
    assert fast_screen == slow_screen
