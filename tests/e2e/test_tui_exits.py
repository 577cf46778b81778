"""Every TUI ends when its terminal goes away or it is sent SIGTERM, whatever it is showing.

The console script runs in tmux; then tmux's server is killed (the terminal disappears: SIGHUP and
a closed pseudo-terminal) or the process gets SIGTERM. It must be gone within a bounded wait: a
TUI that outlives its terminal keeps the database's readers and a process nobody can see.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
from pathlib import Path

import pytest
from conftest import Tmux
from test_terminal import program_pid, settled_screen, tui_command

pytestmark = pytest.mark.e2e

GONE_WITHIN = 15.0  # seconds: the exit's grace period (terminal.GRACE_SECONDS) and a slow machine

# What is on the screen when the terminal goes: keys typed (tmux names), then text the screen shows.
STATES = {
    "regions": ([], "21 regions"),
    "help dialog": (["?"], "Everywhere"),
    "add form typed into": (["/", "P", "L", "Enter", "Enter", "2", "a", "N", "e", "w"], "Title"),
    "calendar day dialog": (["c", "t", "Enter"], "enter jumps to an event"),
}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return status not in ("Z", "X")  # a zombie has ended; its parent (the pane's shell) just has not reaped it


def wait_gone(pid: int) -> float:
    started = time.monotonic()
    while alive(pid):
        if time.monotonic() - started > GONE_WITHIN:
            raise AssertionError(f"the TUI (pid {pid}) is still running {GONE_WITHIN:.0f} s after its terminal went")
        time.sleep(0.2)
    return time.monotonic() - started


def direct_command(db_path: Path, config: Path) -> str:
    """The TUI as the pane's own process, as a user starts it (no `timeout` wrapper in between, which
    would take the terminal's hang-up for it)."""
    command = tui_command(db_path, config)
    assert " timeout --foreground 120 " in command
    return command.replace(" timeout --foreground 120 ", " ", 1)


def open_in(tmux: Tmux, tmp_path: Path, db_path: Path, state: str) -> int:
    keys, shown = STATES[state]
    tmux.start(direct_command(db_path, tmp_path / "config"))
    tmux.wait_for("21 regions")
    settled_screen(tmux)
    tmux.press(*keys)
    tmux.wait_for(shown)
    return program_pid(tmux)


@pytest.mark.parametrize("state", STATES)
def test_the_tui_ends_when_its_terminal_disappears(tmux: Tmux, tmp_path: Path, db_path: Path, state: str) -> None:
    pid = open_in(tmux, tmp_path, db_path, state)
    tmux.kill()  # the tmux server goes: the terminal is deleted under the TUI
    try:
        wait_gone(pid)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("state", ["help dialog", "add form typed into"])
def test_sigterm_ends_the_tui_in_any_state_and_restores_the_terminal(
    tmux: Tmux, tmp_path: Path, db_path: Path, state: str
) -> None:
    keys, shown = STATES[state]
    command = tui_command(db_path, tmp_path / "config") + "; echo exited $?; sleep 60"
    tmux.start(f"sh -c {shlex.quote(command)}")
    tmux.wait_for("21 regions")
    settled_screen(tmux)
    tmux.press(*keys)
    tmux.wait_for(shown)
    pid = program_pid(tmux)
    os.kill(pid, signal.SIGTERM)
    wait_gone(pid)
    tmux.wait_for(f"exited {128 + signal.SIGTERM}")
