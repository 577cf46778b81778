"""Fixtures for the TUI tests: a seeded database, a pinned clock and timezone, notice recording."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rollout.tui.app import RolloutApp


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests (Pilot needs an event loop) without an extra plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**arguments))
    return True


@pytest.fixture(autouse=True)
def _utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The calendar's 'today' follows the machine's timezone: pin it so screens are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make_app(db_path: Path) -> Callable[..., RolloutApp]:
    def build(read_only: bool = False, path: Path | None = None) -> RolloutApp:
        return RolloutApp(path or db_path, user="tester", read_only=read_only)

    return build
