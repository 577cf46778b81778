"""Snapshots of the cockpit's screens at 80x24 and 120x40, on the crafted data (tui_cockpit_data)
with the clock pinned. Regenerate after an intended change with `--snapshot-update`, then look at
the SVGs under __snapshots__/ before committing them."""

from __future__ import annotations

import pytest
from tui_cockpit_data import USER, build

from rollout.tui.app import RolloutApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def crafted_app(tmp_path):
    return RolloutApp(build(tmp_path / "crafted.json"), user=USER)


@pytest.mark.parametrize("size", SIZES)
def test_regions_by_health(snap_compare, crafted_app, size):
    assert snap_compare(crafted_app, terminal_size=size, press=["j"])  # it opens by health, worst first


@pytest.mark.parametrize("size", SIZES)
def test_timeline(snap_compare, crafted_app, size):
    assert snap_compare(crafted_app, terminal_size=size, press=["T", "j"])


@pytest.mark.parametrize("size", SIZES)
def test_timeline_days(snap_compare, crafted_app, size):
    assert snap_compare(crafted_app, terminal_size=size, press=["T", "j", "plus", "l", "l", "l"])


@pytest.mark.parametrize("size", SIZES)
def test_agenda(snap_compare, crafted_app, size):
    assert snap_compare(crafted_app, terminal_size=size, press=["A", "j"])


@pytest.mark.parametrize("size", SIZES)
def test_owners(snap_compare, crafted_app, size):
    assert snap_compare(crafted_app, terminal_size=size, press=["O"])


@pytest.mark.parametrize("size", SIZES)
def test_owner_items(snap_compare, crafted_app, size):
    assert snap_compare(crafted_app, terminal_size=size, press=["O", "enter"])
