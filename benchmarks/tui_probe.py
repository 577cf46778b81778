"""Time the TUI headless (Textual's run_test), in a process of its own: `python -m benchmarks.tui_probe DB FILTER`.

Prints one JSON object (times in seconds), each measured up to the moment the change is drawn (the
widget has rendered a line after it), not to the end of Pilot's idle waits:
- start: from this process's first line to the Regions table drawn with rows (imports, loading the
  database, computing the rows, mounting);
- keystroke: median time for one filter keystroke (typing FILTER, then deleting it) to redraw the table;
- cursor: median time for one cursor move to be drawn, and `cursor_disk_reads`, the reads of the
  database file and of its history those moves made (the table works from the loaded snapshot, so
  it should be 0);
- calendar: opening the calendar on the current month; month: moving to the next month;
- timeline: from `T` to the Timeline drawn with rows; timeline_cursor: median time for a cursor move
  down a region or right a column to be drawn; timeline_zoom: median time for a zoom (`-`, `+`) to
  be drawn.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

SIZE = (160, 48)
CURSOR_MOVES = 40
TIMEOUT = 30.0
COUNTS = {
    "table_shows": 0,
    "table_lines": 0,
    "lines_at_show": 0,
    "day_renders": 0,
    "disk_reads": 0,
    "timeline_lines": 0,
}
TIMELINE_MOVES = 20


def _count(cls: type, method: str, counter: str) -> None:
    """Wrap cls.method so every call bumps COUNTS[counter] (the probe's only hook into the app)."""
    original = getattr(cls, method)

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        COUNTS[counter] += 1
        if counter == "table_shows":
            COUNTS["lines_at_show"] = COUNTS["table_lines"]
        return original(self, *args, **kwargs)

    setattr(cls, method, counted)


def _count_function(module: Any, name: str, counter: str) -> None:
    """Wrap module.name so every call bumps COUNTS[counter]."""
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        COUNTS[counter] += 1
        return original(*args, **kwargs)

    setattr(module, name, counted)


async def probe(db: str, text: str) -> dict[str, Any]:
    import rollout.backends.tinydb
    from rollout.backends.journal import Lines
    from rollout.tui.app import RolloutApp
    from rollout.tui.widgets.month import DayCell, MonthGrid
    from rollout.tui.widgets.region_table import RegionTable
    from rollout.tui.widgets.timeline import TimelineView

    _count_function(rollout.backends.tinydb, "read_state_file", "disk_reads")
    _count(Lines, "__enter__", "disk_reads")
    _count(RegionTable, "show", "table_shows")
    _count(RegionTable, "render_line", "table_lines")
    _count(DayCell, "render", "day_renders")
    _count(TimelineView, "render_line", "timeline_lines")

    app = RolloutApp(db_path=db, user="bench", read_only=True)
    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE, headless=True) as pilot:
        await _until(lambda: _table(app) is not None and _table(app).row_count > 0 and COUNTS["table_lines"] > 0)
        result["start"] = time.perf_counter() - STARTED
        table = _table(app)
        result["rows"] = table.row_count
        await pilot.pause()

        await pilot.press("slash")
        keystrokes = []
        for key in [*text, *["backspace"] * len(text)]:
            keystrokes.append(await _keystroke(app, key, lambda: True))
            if key != "backspace" and len(keystrokes) == len(text):
                result["rows_after_filter"] = table.row_count
            await pilot.pause()
        result["keystroke"] = statistics.median(keystrokes)
        await pilot.press("escape")
        await pilot.pause()

        table.focus()
        reads = COUNTS["disk_reads"]
        moves = []
        for _ in range(CURSOR_MOVES):
            target = min(table.cursor_row + 1, table.row_count - 1)
            moves.append(await _keystroke(app, "down", lambda t=target: table.cursor_row == t, redraw="table_lines"))
        result["cursor"] = statistics.median(moves)
        result["moves"] = CURSOR_MOVES
        result["cursor_disk_reads"] = COUNTS["disk_reads"] - reads
        await pilot.pause()

        started = time.perf_counter()
        renders = COUNTS["day_renders"]
        await _send(app, "c")
        await _until(lambda: bool(app.screen.query(MonthGrid)) and COUNTS["day_renders"] >= renders + 42)
        result["calendar"] = time.perf_counter() - started
        await pilot.pause()
        month = app.screen.selected.month
        result["month"] = await _keystroke(
            app, "right_square_bracket", lambda: app.screen.selected.month != month, redraw="day_renders"
        )
        await pilot.pause()

        started = time.perf_counter()
        await _send(app, "T")
        await _until(lambda: bool(app.screen.query(TimelineView)) and COUNTS["timeline_lines"] > 10)
        result["timeline"] = time.perf_counter() - started
        await pilot.pause()
        view = app.screen.query_one(TimelineView)
        moves = []
        for n in range(TIMELINE_MOVES):
            if n % 2:
                day = view.cursor_day
                moves.append(await _keystroke(app, "right", lambda d=day: view.cursor_day != d, "timeline_lines"))
            else:
                row = view.cursor_row
                moves.append(await _keystroke(app, "down", lambda r=row: view.cursor_row != r, "timeline_lines"))
        result["timeline_cursor"] = statistics.median(moves)
        zooms = []
        for key in ("minus", "plus", "plus", "minus"):
            zoom = view.zoom
            zooms.append(await _keystroke(app, key, lambda z=zoom: view.zoom is not z, "timeline_lines"))
            await pilot.pause()
        result["timeline_zoom"] = statistics.median(zooms)
        result["timeline_rows"] = len(view.codes)
    return result


def _table(app: Any) -> Any:
    tables = app.screen.query("#regions")
    return tables.first() if tables else None


async def _send(app: Any, key: str) -> None:
    """Deliver a key press the way Pilot does, without Pilot's idle waits."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)
    await asyncio.sleep(0)


async def _keystroke(app: Any, key: str, done: Callable[[], bool], redraw: str = "table_lines") -> float:
    """Seconds from a key press until `done()` holds and the widget has drawn since (for filter keys:
    until the table was re-filled and drawn)."""
    shows, drawn = COUNTS["table_shows"], COUNTS[redraw]
    started = time.perf_counter()
    await _send(app, key)
    if redraw == "table_lines" and key not in ("down", "up"):
        await _until(lambda: COUNTS["table_shows"] > shows)
        drawn = COUNTS["lines_at_show"]
    await _until(lambda: done() and COUNTS[redraw] > drawn)
    return time.perf_counter() - started


async def _until(condition: Callable[[], bool]) -> None:
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
