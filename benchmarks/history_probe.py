"""Time the TUI's History screen headless, in a process of its own: `python -m benchmarks.history_probe DB`.

Prints one JSON object (times in seconds), each measured from the key press to the moment the
screen shows the result:
- open: `L` on the Regions screen until the History table is drawn with its first page;
- states: from then until every row shown says whether it was undone (read in a worker thread);
- cursor: median time for one cursor move until the selected entry's fields are shown (read in a
  worker thread), over CURSOR_MOVES moves;
- page: `G` until the next page of entries is in the table;
- filter_user: a filter on a user who made one change, long ago (`/` `user=...` enter);
- filter_nobody: a filter on a user who made none, which reads the whole history to say so;
- filter_day: a filter on the day of the entry in the middle of history (`day=...`);
- history_bytes: bytes of the history files read from opening the screen to the last cursor move.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

SIZE = (160, 48)
CURSOR_MOVES = 20
TIMEOUT = 120.0
READ = {"bytes": 0}


async def probe(db: str, rare_user: str) -> dict[str, Any]:
    import rollout.backends.journal
    from rollout.backends.base import HistoryQuery
    from rollout.tui.app import RolloutApp
    from rollout.tui.screens.history import HistoryScreen

    original = os.pread

    def pread(fd: int, size: int, offset: int) -> bytes:
        data = original(fd, size, offset)
        READ["bytes"] += len(data)
        return data

    rollout.backends.journal.os.pread = pread  # type: ignore[attr-defined]
    app = RolloutApp(db_path=db, user="bench", read_only=True)
    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE, headless=True) as pilot:
        await _until(lambda: app.screen.query("#regions"))
        await pilot.pause()
        READ["bytes"] = 0
        started = time.perf_counter()
        await _send(app, "L")
        await _until(
            lambda: isinstance(app.screen, HistoryScreen) and app.screen.is_mounted and app.screen.table.row_count > 0
        )
        result["open"] = time.perf_counter() - started
        screen = app.screen
        result["entries"] = screen.history_log.count()
        await _until(lambda: screen.timeline.covers(screen.headers[-1]["id"]))
        result["states"] = time.perf_counter() - started
        moves = []
        for _ in range(min(CURSOR_MOVES, screen.table.row_count - 1)):
            target = screen.table.cursor_row + 1
            moves.append(
                await _timed(
                    app,
                    "j",
                    lambda t=target: screen.table.cursor_row == t and screen.selected["id"] in screen.entries,
                )
            )
        result["cursor"] = statistics.median(moves) if moves else 0.0
        result["history_bytes"] = READ["bytes"]
        rows = screen.table.row_count
        result["page"] = await _timed(app, "G", lambda: screen.table.row_count > rows or not screen.feed.more)
        result["filter_user"] = await _filter(app, screen, f"user={rare_user}")
        result["filter_user_rows"] = screen.table.row_count
        await pilot.pause()
        result["filter_nobody"] = await _filter(app, screen, "user=nobody")
        await pilot.pause()
        middle = screen.history_log.page(HistoryQuery(before_id=result["entries"] // 2, limit=1)).entries[0]
        day = middle["at"][:10]
        result["filter_day"] = await _filter(app, screen, f"day={day}")
        result["filter_day_rows"] = screen.table.row_count
    return result


async def _filter(app: Any, screen: Any, text: str) -> float:
    await _send(app, "slash")
    await _until(lambda: screen.query_one("#history-filter").has_focus)
    box = screen.query_one("#history-filter")
    box.value = text
    headers = screen.headers
    started = time.perf_counter()
    await _send(app, "enter")
    await _until(lambda: screen.headers is not headers and not screen.query_one("#history-filter").has_focus)
    return time.perf_counter() - started


async def _send(app: Any, key: str) -> None:
    """Deliver a key press the way Pilot does, without Pilot's idle waits."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)
    await asyncio.sleep(0)


async def _timed(app: Any, key: str, done: Callable[[], bool]) -> float:
    started = time.perf_counter()
    await _send(app, key)
    await _until(done)
    return time.perf_counter() - started


async def _until(condition: Callable[[], Any]) -> None:
    deadline = time.perf_counter() + TIMEOUT
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the TUI did not get there in time")
        await asyncio.sleep(0.0005)


def main(argv: list[str]) -> int:
    print(json.dumps(asyncio.run(probe(argv[0], argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
