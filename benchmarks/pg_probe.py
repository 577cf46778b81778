"""The delay from a colleague's commit to a TUI's redraw on PostgreSQL: `python -m benchmarks.pg_probe URL ROUNDS`.

Runs the TUI headless (Textual's run_test) on URL; each round, another process's connection
commits a change and the probe waits until the Regions screen shows the new data. Prints one
delay in seconds per round.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time


def commit(url: str, title: str, done: list[float]) -> None:
    from rollout.db import Database

    db = Database(url)
    with db.transaction("colleague", f"check edit c1 --title {title}") as state:
        state.put("items", {**state.items["c1"], "title": title})
    done.append(time.perf_counter())
    db.backend.close()


async def probe(url: str, rounds: int) -> list[float]:
    from rollout.tui.app import RolloutApp

    app = RolloutApp(url, user="bench")
    delays = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        for n in range(rounds):
            title = f"probe {n}"
            done: list[float] = []
            writer = threading.Thread(target=commit, args=(url, title, done))
            writer.start()
            while app.snapshot.state.items["c1"]["title"] != title:
                await asyncio.sleep(0.005)
            await pilot.pause()  # the screen has redrawn with it
            seen = time.perf_counter()
            writer.join()
            delays.append(max(0.0, seen - done[0]))
            await pilot.pause(0.3)
    app.session.hook.close()
    return delays


def main(argv: list[str]) -> int:
    delays = asyncio.run(probe(argv[0], int(argv[1])))
    print(" ".join(f"{d:.4f}" for d in delays))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
