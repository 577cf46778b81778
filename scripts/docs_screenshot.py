"""The README's and the manual's picture of the TUI: the Regions screen at 80x24, drawn by the app.

`python scripts/docs_screenshot.py` writes docs/images/tui-80x24.svg; `--stdout` prints the SVG instead
(what tests/tui/test_docs_screenshot.py compares with the file). The picture is taken headless
(Textual's run_test and export_screenshot) on a fresh database from the bundled dataset, with the
clock pinned at 2026-11-24T09:00:00+00:00 (ROLLOUT_NOW), the machine in UTC and the user amara, in a
process of its own whose home, config and cache are temporary, so the settings of whoever runs it
never show.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "docs" / "images" / "tui-80x24.svg"
NOW = "2026-11-24T09:00:00+00:00"
SIZE = (80, 24)


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROLLOUT_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        ROLLOUT_NOW=NOW,
        ROLLOUT_USER="amara",
        TZ="UTC",
    )
    env.pop("NO_COLOR", None)
    return env


def render() -> str:
    """The SVG, taken in a fresh process (see the module's doc)."""
    with tempfile.TemporaryDirectory(prefix="rollout-screenshot-") as home:
        done = subprocess.run(
            [sys.executable, __file__, "--take", str(Path(home) / "rollout.json")],
            env=environment(Path(home)),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
    return done.stdout


async def take(db: Path) -> str:
    from rollout.db import Database
    from rollout.tui.app import RolloutApp

    Database(db).create(empty=False, force=False)
    app = RolloutApp(db, user="amara")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        return app.export_screenshot(title="rollout")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--take"]:
        sys.stdout.write(asyncio.run(take(Path(sys.argv[2]))))
    elif sys.argv[1:] == ["--stdout"]:
        sys.stdout.write(render())
    else:
        IMAGE.write_text(render(), encoding="utf-8")
        print(f"wrote {IMAGE.relative_to(ROOT)}")
