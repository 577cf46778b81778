"""The terminal the TUI runs in: leave cleanly on a signal, and notice when the terminal has gone.

Textual restores the terminal (alternate screen off, cursor shown, mouse reporting off) when the
app exits normally. A signal's default action ends the process without that, so SIGTERM, SIGHUP
(the SSH connection dropped) and SIGQUIT are turned into a normal exit. When the terminal goes
away without a signal (a pipe or pseudo-terminal closed), reading it gives end-of-file forever
and Textual's input thread spins; `input_gone` lets the app notice and leave instead.
"""

from __future__ import annotations

import asyncio
import select
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import suppress

CHECK_SECONDS = 1.0
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def on_a_terminal() -> bool:
    """Stdin is a terminal (not Textual's web driver or a test)."""
    with suppress(ValueError, OSError):
        return sys.stdin.isatty()
    return False


def exit_on_signals(leave: Callable[[int], None]) -> None:
    """Call `leave(signum)` on the running event loop for each of EXIT_SIGNALS (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for signum in EXIT_SIGNALS:
        with suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, leave, int(signum))


def input_gone() -> bool:
    """True when stdin has hung up or been closed: the terminal is not coming back."""
    try:
        fd = sys.stdin.fileno()
    except (ValueError, OSError):
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return any(mask & GONE for _, mask in poller.poll(0))
