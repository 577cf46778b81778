"""A TUI on PostgreSQL: a colleague's commit reaches the screen by notification, and a server that
stops and starts again is said, then caught up with (tests/pg_server.py)."""

from __future__ import annotations

import time

import pytest
from tui_helpers import wait_until

from rollout.db import Database
from rollout.tui.app import RolloutApp

pytestmark = pytest.mark.xdist_group("postgres")


def retitle(url: str, title: str) -> None:
    db = Database(url)
    with db.transaction("jonas", f"check edit c1 --title {title}") as state:
        state.put("items", {**state.items["c1"], "title": title})
    db.backend.close()


async def test_the_tui_follows_a_colleague_loses_the_server_and_catches_up(postgres_server, pg_url, monkeypatch):
    monkeypatch.setenv("ROLLOUT_CONNECT_TIMEOUT", "2")
    Database(pg_url).create(empty=False, force=False)
    app = RolloutApp(pg_url, user="tester")
    notices: list[str] = []
    shown = app.notify
    app.notify = lambda message, **options: (notices.append(str(message)), shown(message, **options))[1]
    async with app.run_test(size=(100, 30)) as pilot:
        assert "Secret" not in app.sub_title
        start = time.monotonic()
        retitle(pg_url, "Seen by notification")
        await wait_until(pilot, lambda: app.snapshot.state.items["c1"]["title"] == "Seen by notification", 5)
        assert time.monotonic() - start < 5
        postgres_server.stop("fast")
        try:
            await wait_until(pilot, lambda: any("lost the connection" in n for n in notices), 15)
        finally:
            postgres_server.start()
        await wait_until(pilot, lambda: any("is back; catching up" in n for n in notices), 15)
        retitle(pg_url, "After the restart")
        await wait_until(pilot, lambda: app.snapshot.state.items["c1"]["title"] == "After the restart", 10)
        assert app.is_running
    app.session.hook.close()
