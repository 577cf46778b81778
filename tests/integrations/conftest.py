"""Fixtures for the integration tests: an isolated holiday cache per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rollout import holidays


@pytest.fixture(autouse=True)
def _isolated_holiday_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test gets its own holiday cache file and forgets what earlier tests looked up."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    holidays.clear_memory()
    yield
    holidays.clear_memory()
