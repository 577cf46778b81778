"""Snapshots of the screens on the bundled dataset with the clock pinned (tests/conftest.py).

Regenerate after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`,
then look at the SVGs under __snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest

from rollout.tui.app import RolloutApp

SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((120, 40), id="120x40"),
    pytest.param((60, 20), id="60x20"),
]


async def open_netherlands(pilot) -> None:
    pilot.app.open_region("NL")
    await pilot.pause()


async def open_poland_checklist(pilot) -> None:
    pilot.app.open_region("PL", "checklist")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_regions(snap_compare, db_path, size):
    assert snap_compare(RolloutApp(db_path, user="tester"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_regions_marked_and_sorted(snap_compare, db_path, size):
    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, press=["s", "S", "v", "v", "right", "right"])


@pytest.mark.parametrize("size", SIZES)
def test_region_overview(snap_compare, db_path, size):
    assert snap_compare(RolloutApp(db_path, user="tester"), terminal_size=size, run_before=open_netherlands)


@pytest.mark.parametrize("size", SIZES)
def test_region_checklist(snap_compare, db_path, size):
    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, run_before=open_netherlands, press=["2"])


@pytest.mark.parametrize("size", SIZES)
def test_region_promotions(snap_compare, db_path, size):
    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, run_before=open_netherlands, press=["3"])


@pytest.mark.parametrize("size", SIZES)
def test_add_item_form(snap_compare, db_path, size):
    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, run_before=open_poland_checklist, press=["a", "X"])


@pytest.mark.parametrize("size", SIZES)
def test_bulk_tick_preview(snap_compare, db_path, size):
    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, run_before=open_poland_checklist, press=["f", "V", "b", "1"])


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, db_path, size):
    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, run_before=open_poland_checklist, press=["question_mark"])


@pytest.mark.parametrize("size", SIZES)
def test_calendar(snap_compare, db_path, size):
    assert snap_compare(RolloutApp(db_path, user="tester"), terminal_size=size, press=["c"])
