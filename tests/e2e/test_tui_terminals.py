"""The console script on hostile and unknown terminals (a real pseudo-terminal, raw bytes read):
refused in one line where the cursor cannot move, colours no richer than the terminal has."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import struct
import time
from pathlib import Path

import pytest
from conftest import FIXED_NOW, rollout_script

pytestmark = pytest.mark.e2e

TRUECOLOR = re.compile(rb"\x1b\[[0-9;]*[34]8;2;")  # a 24-bit colour escape
SGR = re.compile(rb"\x1b\[([0-9;]*)m")
ESCAPE = re.compile(rb"\x1b\[[0-9;?$>]*[a-zA-Z]")


def colours(out: bytes) -> list[bytes]:
    """The colour-setting styles written (38/48: 256 or 24-bit; 30-37, 40-47, 90-97, 100-107: 16), not
    39/49 (the terminal's own colours)."""
    found = []
    for match in SGR.finditer(out):
        codes = [int(c) for c in match.group(1).split(b";") if c]
        if any(c in (38, 48) or 30 <= c <= 37 or 40 <= c <= 47 or 90 <= c <= 97 or 100 <= c <= 107 for c in codes):
            found.append(match.group(0))
    return found


def text_of(out: bytes) -> str:
    return " ".join(ESCAPE.sub(b" ", out).decode(errors="replace").split())


def run_on_pty(
    db: Path, tmp_path: Path, env: dict[str, str], seconds: float = 30.0, more: float = 1.5, keys: bytes = b""
) -> tuple[bytes, int | None]:
    """Run `rollout --db DB tui` on a new 80x24 pseudo-terminal with `env`; what it wrote, and its exit
    status (None when it was still drawing after `seconds`, or once a screen was drawn: then SIGTERM).
    `keys` are typed once the first screen is being drawn."""
    import fcntl
    import termios

    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ROLLOUT_NOW": FIXED_NOW,
        "ROLLOUT_USER": "e2e",
        "TZ": "UTC",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        **env,
    }
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console script on the pseudo-terminal
        os.execve(str(rollout_script()), [str(rollout_script()), "--db", str(db), "tui"], environ)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out, status, deadline = b"", None, time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if b"by health" in out:  # the first screen is being drawn: take the rest of it
                if keys:
                    time.sleep(0.5)
                    os.write(fd, keys)
                    keys = b""
                deadline = min(deadline, time.monotonic() + more)
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:  # the program ended and its terminal closed
                    break
        for _ in range(50):
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw)
                break
            if b"by health" in out:
                break  # still drawing, as a TUI does
            time.sleep(0.2)
    finally:
        if status is None:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        os.close(fd)
    return out, status


@pytest.mark.parametrize("term", ["dumb", ""], ids=["dumb", "unset"])
def test_a_terminal_that_cannot_move_its_cursor_gets_one_line_and_exit_1(db_path: Path, tmp_path: Path, term):
    before = db_path.read_bytes()
    out, status = run_on_pty(db_path, tmp_path, {"TERM": term} if term else {})
    text = out.decode(errors="replace").strip()
    assert status == 1
    assert text.startswith("Error: the TUI needs a terminal that can move its cursor") and "\n" not in text, text
    assert b"\x1b[" not in out  # nothing drawn
    assert db_path.read_bytes() == before


def test_a_terminal_without_colours_gets_none(db_path: Path, tmp_path: Path):
    out, status = run_on_pty(db_path, tmp_path, {"TERM": "vt100"})
    assert b"by health" in out, out[-400:]
    assert colours(out) == []


def test_an_unknown_terminal_is_drawn_in_16_colours_and_told_so(db_path: Path, tmp_path: Path):
    # The notice is one line (cut at 80 columns); `M`, the messages log, shows it in full.
    out, status = run_on_pty(db_path, tmp_path, {"TERM": "rollout-unknown-term"}, more=5.0, keys=b"M")
    assert b"by health" in out
    assert not TRUECOLOR.search(out) and colours(out)
    shown = text_of(out)
    assert "rollout-unknown-term is unknown" in shown and "16 colours" in shown, shown


def test_a_truecolor_terminal_keeps_24_bit_colour(db_path: Path, tmp_path: Path):
    out, status = run_on_pty(db_path, tmp_path, {"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    assert b"by health" in out and TRUECOLOR.search(out)
