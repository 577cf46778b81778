"""Keys in order: every key acts on the state that the keys before it produced.

Textual hands a key to the focused widget by posting it to that widget's queue, and goes straight on
to the next key. A key that moves the focus (tab), opens a screen or a dialog, or changes what the
next key means (a calendar move) is therefore still on its way when the keys after it are handed to
the widget that had the focus before. Over SSH and when pasting, keys arrive in bursts: typing
`title<tab><tab>2027-02-20<enter>` in one burst wrote the date into the title.

`KeyOrder` holds each key until the key before it, and everything it set off (bubbling, bindings,
focus changes, screen pushes and their mounts, after-refresh callbacks), has been processed. A key
arriving while the app is quiet is handled at once, so typing at human speed costs nothing.

Escape followed by another key in the same burst reaches the app as alt+KEY: a terminal sends
alt+s as the bytes ESC s, and Textual's parser (textual/_xterm_parser.py) reads ESC and a letter
arriving together that way. `escape_then_key` undoes that for an alt+KEY nothing is bound to:
the app handles Escape, then KEY once the Escape has settled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

# A key never waits longer than this for the previous one to settle (an app busy with a long task
# must still take input; the order is then as good as Textual's own).
SETTLE_LIMIT_SECONDS = 2.0
FRAME_SECONDS = 1 / 60


def is_ordered_input(event: events.Event) -> bool:
    """Keys and pastes from the terminal (not yet forwarded to a widget)."""
    return isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded


def escape_then_key(event: events.Key) -> tuple[events.Key, events.Key] | None:
    """An alt+KEY as the two keys it may stand for, Escape then KEY; None for any other key.

    Textual names ESC + 'L' alt+shift+l (character 'L'): the second key is then 'L', as typed alone."""
    if not event.key.startswith("alt+"):
        return None
    key = event.key.removeprefix("alt+")
    character = event.character
    if key.startswith("shift+") and character is not None and len(character) == 1 and character.isupper():
        key = character
    return events.Key("escape", "\x1b"), events.Key(key, character)


class KeyOrder:
    """Hold terminal input while the previous key is still being processed; release one at a time."""

    def __init__(self, app: App[object]) -> None:
        self.app = app
        self.held: deque[events.Event] = deque()
        self._releasing: events.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._drained = asyncio.Event()
        self._drained.set()

    def hold(self, event: events.Event) -> bool:
        """True when `event` must wait (it is queued); False when the app should handle it now."""
        if event is self._releasing:
            self._releasing = None
            return False
        if self._task is not None:
            self.held.append(event)
            return True
        self._drained.clear()
        self._task = asyncio.create_task(self._release_when_settled())
        return False

    def hold_next(self, event: events.Event) -> None:
        """Queue `event` ahead of every held key: it runs once the key being handled has settled.

        Only while a key is being handled (right after `hold` returned False)."""
        self.held.appendleft(event)

    async def drained(self) -> None:
        """Wait until every held key has been handled and the app has settled after the last one."""
        await self._drained.wait()

    async def _release_when_settled(self) -> None:
        try:
            while True:
                await self._settle()
                if not self.held:
                    return
                if not self.app.is_running:
                    self.held.clear()
                    return
                event = self.held.popleft()
                self._releasing = event
                self.app.post_message(event)
        finally:
            self._task = None
            self._drained.set()

    def _pumps(self) -> list[MessagePump]:
        pumps: list[MessagePump] = [self.app]
        for screen in self.app.screen_stack:
            pumps.extend(screen.walk_children(with_self=True))
        return pumps

    async def _settle(self) -> None:
        """Return once every message pump has processed what it had queued and nothing new arrived."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_LIMIT_SECONDS
        while loop.time() < deadline:
            if not self.app.is_running:
                return
            pumps = self._pumps()
            await self._round(pumps, deadline - loop.time())
            pumps = self._pumps()
            if any(not pump._message_queue.empty() for pump in pumps):
                continue
            if any(screen._callbacks for screen in self.app.screen_stack):
                await asyncio.sleep(FRAME_SECONDS)  # after-refresh callbacks run after the next repaint
                continue
            return

    @staticmethod
    async def _round(pumps: list[MessagePump], timeout: float) -> None:
        """Wait until each pump has processed the messages it had queued when this round began."""
        pending = 0
        done = asyncio.Event()

        def finished() -> None:
            nonlocal pending
            pending -= 1
            if pending == 0:
                done.set()

        for pump in pumps:
            if pump.call_later(finished):
                pending += 1
        if pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=max(timeout, 0.01))
