"""Fixtures shared by the reliability tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_workload import small_document, write_document


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    """Nine planned regions, no checklist, no promotions, no history."""
    path = tmp_path / "small.json"
    write_document(path, small_document())
    return path
