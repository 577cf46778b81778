"""Helpers shared by the TUI tests (conftest holds the fixtures)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from rollout.db import Database
from rollout.state import State
from rollout.tui.app import RolloutApp
from rollout.tui.screens.region import RegionScreen


def load(path: Path) -> State:
    return Database(path).load()


def record_notices(app: RolloutApp) -> list[str]:
    """Every notification the app shows, as 'severity: message'."""
    seen: list[str] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        seen.append(f"{kwargs.get('severity', 'information')}: {message}")
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `condition` holds (fails the test after `timeout` seconds)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


def key_event(key: str):
    """A key event as the terminal driver makes it (single characters and Textual key names)."""
    import unicodedata

    from textual import events
    from textual.keys import _character_to_key, _get_unicode_name_from_key

    if len(key) == 1:
        return events.Key(key if key.isalnum() else _character_to_key(key), key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = None
    return events.Key(key, char)


def burst_keys(text: str) -> list[str]:
    """Characters of `text` as key names (a space is 'space')."""
    return [{" ": "space"}.get(ch, ch) for ch in text]


async def burst(pilot: Pilot, *keys: str) -> None:
    """Deliver keys the way a laggy SSH link or a paste does: all at once, before any is processed."""
    app = pilot.app
    driver = app._driver
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        driver.send_message(event)
    await settle(pilot)


async def settle(pilot: Pilot) -> None:
    """Wait until the app has handled every key it was sent and everything those keys set off."""
    app = pilot.app
    order = getattr(app, "key_order", None)
    await pilot.pause()
    if order is not None:
        await order.drained()
    await pilot.pause()


def seed_history(path: Path) -> Path:
    """Six changes by three users on the bundled database, the third undone by the fifth."""
    from rollout import ops

    db = Database(path)
    steps = [
        ("lead", "check done PL c337", lambda s: ops.set_items_done(s, "PL", ["c337"], True, "lead")),
        ("ops", "check edit PL c339 --due 2027-02-01", lambda s: ops.edit_item(s, "PL", "c339", due="2027-02-01")),
        ("ops", "region set NL --owner femke --wave 6", lambda s: ops.set_regions(s, ["NL"], owner="femke", wave=6)),
        ("amara", "tui: check done NL c324", lambda s: ops.set_items_done(s, "NL", ["c324"], True, "amara")),
        ("ops", "undo", lambda s: ops.undo(s, "ops")),
        (
            "lead",
            "promo add PL 'Launch Week' --start 2027-03-16 --end 2027-03-23",
            lambda s: ops.add_promotions(s, ["PL"], "Launch Week", start="2027-03-16", end="2027-03-23"),
        ),
    ]
    for user, command, change in steps:
        with db.transaction(user, command) as state:
            change(state)
    return path


async def open_region(pilot: Pilot, code: str) -> RegionScreen:
    """From the Regions screen: filter to `code` and open its Region screen."""
    await pilot.press("slash")
    await type_text(pilot, code)
    await pilot.press("enter", "enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RegionScreen))
    await pilot.pause()
    return pilot.app.screen  # type: ignore[return-value]
