"""The cockpit in a real terminal at 80x24: the installed `rollout` script in tmux shows each
region's health and the worst reason on the home screen, and the Timeline moves a launch."""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_NOW, Tmux, load, rollout_script

from rollout import health

pytestmark = pytest.mark.e2e

sys.path.append(str(Path(__file__).parent.parent / "tui"))  # the crafted data the TUI tests use
from tui_cockpit_data import build  # noqa: E402


@pytest.fixture
def small_tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (scripts/test-deps installs it)")
    session = Tmux(tmp_path, width=80, height=24)
    yield session
    session.kill()


def tui_command(db: Path) -> str:
    env = {"ROLLOUT_NOW": FIXED_NOW, "ROLLOUT_USER": "e2e", "TZ": "UTC", "TERM": "xterm-256color", "NO_COLOR": "1"}
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    script = shlex.quote(str(rollout_script()))
    return f"env {assignments} timeout --foreground 120 {script} --db {shlex.quote(str(db))} tui"


def test_health_at_80x24_and_a_launch_moved_on_the_timeline(small_tmux: Tmux, tmp_path: Path) -> None:
    db = build(tmp_path / "cockpit.json")
    core = {h.code: h for h in health.health_all(load(db))}
    small_tmux.start(tui_command(db))
    screen = small_tmux.wait_for("7 regions")
    lines = screen.splitlines()
    header = next(line for line in lines if "CODE" in line)
    for title in ("NAME", "HEALTH", "LAUNCH", "WHEN", "READY", "CRIT"):
        assert title in header  # no scrolling needed at 80 columns
    germany = next(line for line in lines if line.lstrip().startswith("DE"))
    assert "✖ off track" in germany and "2026-12-10" in germany

    small_tmux.press("g")  # it opens by health, worst first: the top is what needs attention
    screen = small_tmux.wait_for("by health, worst first")
    worst = core["DE"].reasons[0].text
    small_tmux.wait_for(f"DE ✖ off track: {worst[:40]}")

    small_tmux.press("T")
    screen = small_tmux.wait_for("zoom: month")
    assert "◆" in screen and "DE Germany" in screen
    small_tmux.press("g")
    small_tmux.press("j")  # JP launched first, DE second
    small_tmux.wait_for("DE Germany · ✖ off track")
    small_tmux.press(">")
    small_tmux.wait_for("DE launch moved 1w to 2026-12-17")
    small_tmux.press("u")
    small_tmux.wait_for("Undid")
    small_tmux.press("q")
    assert small_tmux.exit_status() == 0

    state = load(db)
    assert state.region("DE")["launch"].startswith("2026-12-10")
    assert [e["command"] for e in state.history][-2:] == ["tui: shift DE --by 1w", "tui: undo"]
