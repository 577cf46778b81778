"""The exit watchdog (rollout.tui.terminal.leave_within): a TUI whose normal exit hangs still ends,
but never in the middle of a database write."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path


def run(code: str, timeout: float = 30) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout
    )
    return result, time.monotonic() - started


def test_a_hung_exit_ends_with_the_status_after_the_grace_period():
    result, took = run(
        """
        import threading, time
        from rollout.tui import terminal
        terminal.leave_within(0.3, 143)
        threading.Event().wait()  # the main thread hangs, as Textual's shutdown can on a dead terminal
        """
    )
    assert result.returncode == 143 and took < 20


def test_a_write_in_progress_finishes_before_the_process_ends(tmp_path: Path):
    marker = tmp_path / "written"
    result, _ = run(
        f"""
        import threading, time
        from pathlib import Path
        from rollout.tui import terminal
        writing = threading.Lock()
        with writing:
            terminal.leave_within(0.1, 143, writing)
            time.sleep(1.0)  # a write longer than the grace period
            Path({str(marker)!r}).write_text("done")
        threading.Event().wait()
        """
    )
    assert result.returncode == 143
    assert marker.read_text() == "done"


def test_a_sigterm_ends_a_process_whose_main_thread_is_stuck():
    """The handler is a Python-level one: it runs while the main thread waits on a lock, where an
    event-loop handler would never run (the loop is the thing stuck)."""
    code = """
        import asyncio, os, signal, threading
        from rollout.tui import terminal
        terminal.GRACE_SECONDS = 0.3

        async def main():
            terminal.exit_on_signals(lambda signum: None)  # the app's exit, which never comes
            os.kill(os.getpid(), signal.SIGTERM)
            stuck = threading.Lock()
            stuck.acquire()
            stuck.acquire()  # the main thread hangs, as on Textual's full output queue

        asyncio.run(main())
        """
    result, took = run(code)
    assert result.returncode == 128 + 15 and took < 20, result.stderr
