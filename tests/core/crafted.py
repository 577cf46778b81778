"""Crafted databases for the cockpit's tests: a few regions and items built through the operations,
in memory, on the suite's fixed clock (FIXED_NOW, 2026-11-24T09:00Z)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from rollout import ops, times
from rollout.backends.memory import MemoryBackend
from rollout.db import Database
from rollout.state import Record, State, empty_document

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the suite's ROLLOUT_NOW
TODAY = date(2026, 11, 24)  # the local date of NOW in every zone from UTC-9 to UTC+14


def day(offset: int) -> str:
    """TODAY + offset days as YYYY-MM-DD."""
    return (TODAY + timedelta(days=offset)).isoformat()


def database() -> Database:
    """An empty database in memory (history, undo and validation as on a file)."""
    return Database(backend=MemoryBackend(empty_document()))


def region(
    state: State,
    code: str,
    *,
    tz: str = "Europe/Berlin",
    launch: str | None = "2027-03-01",
    status: str = "preparing",
    owner: str = "ana",
) -> Record:
    return ops.add_region(
        state, code, name=f"Region {code}", timezone=tz, currency="EUR", launch=launch, status=status, owner=owner
    )


def item(
    state: State,
    code: str,
    title: str = "Task",
    *,
    due: str | None = None,
    critical: bool = False,
    owner: str | None = None,
    after: Any = None,
    done_on: str | None = None,
) -> Record:
    """An item of region `code`; `done_on` (a WHEN, read in the region's zone) ticks it then."""
    (created,) = ops.add_items(state, [code], title, due=due, critical=critical, owner=owner, after=after)
    if done_on is not None:
        tz = state.region(code)["timezone"]
        stamp = times.to_iso(times.parse_when(done_on, tz))
        created = state.put("items", {**created, "status": "done", "done_at": stamp, "done_by": "ana"})
    return created


def fresh() -> State:
    """A state in memory, not backed by storage (for read-only queries)."""
    return State(empty_document())
