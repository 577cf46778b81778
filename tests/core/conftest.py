"""Fixtures of the core tests."""

from __future__ import annotations

import pytest

from rollout import ops
from rollout.state import State, empty_document


@pytest.fixture
def state() -> State:
    """A state in memory with one region, NL: Europe/Amsterdam (UTC+1 in winter, UTC+2 in summer),
    owner priya, launch target 2027-03-01 10:00 local, an empty checklist and no promotions.
    (Test modules with a `state` fixture of their own use theirs.)"""
    fresh = State(empty_document())
    ops.add_region(
        fresh,
        "NL",
        name="Netherlands",
        timezone="Europe/Amsterdam",
        currency="EUR",
        launch="2027-03-01T10:00",
        owner="priya",
    )
    return fresh
