"""Helpers for terminal end-to-end tests: the installed console script driven inside tmux."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import console_script, program

from rollout.db import Database
from rollout.state import State

SCREEN_TIMEOUT = 30.0
FIXED_NOW = "2026-11-24T09:00:00+00:00"


def rollout_script() -> Path:
    """The `rollout` console script installed next to this interpreter."""
    return console_script()


def load(path: Path) -> State:
    return Database(path).load()


class Tmux:
    """One tmux server of its own (a unique socket name), one pane running a command."""

    def __init__(self, workdir: Path, width: int = 100, height: int = 30) -> None:
        self.name = f"rollout-e2e-{uuid.uuid4().hex[:12]}"
        self.workdir = workdir
        self.width, self.height = width, height
        self.config = workdir / "tmux.conf"
        # Keep the pane after the program exits, so its exit status can be read.
        self.config.write_text("set -g remain-on-exit on\nset -g history-limit 0\n")

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.name, "-f", str(self.config), *args], capture_output=True, text=True, check=True
        )
        return result.stdout

    def start(self, command: str) -> None:
        self._tmux("new-session", "-d", "-s", "e2e", "-x", str(self.width), "-y", str(self.height), command)

    def press(self, *keys: str) -> None:
        """tmux key names (Enter, Escape, Space, Down) or single characters, one by one."""
        for key in keys:
            self._tmux("send-keys", "-t", "e2e", key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "e2e", "-l", text)
        time.sleep(0.2)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, text: str, timeout: float = SCREEN_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{shown}")
            time.sleep(0.2)

    def exit_status(self, timeout: float = SCREEN_TIMEOUT) -> int:
        """Wait for the program to end; its exit status."""
        deadline = time.monotonic() + timeout
        while True:
            dead, _, status = (
                self._tmux("display-message", "-p", "-t", "e2e", "#{pane_dead} #{pane_dead_status}")
                .strip()
                .partition(" ")
            )
            if dead == "1":
                return int(status or 0)
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not exit; the screen shows:\n{self.screen()}")
            time.sleep(0.2)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    program("tmux")
    session = Tmux(tmp_path)
    yield session
    session.kill()
