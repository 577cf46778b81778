"""The terminal the TUI runs in: leave cleanly on a signal, and notice when the terminal has gone.

Textual restores the terminal (alternate screen off, cursor shown, mouse reporting off) when the
app exits normally. A signal's default action ends the process without that, so SIGTERM, SIGHUP
(the SSH connection dropped) and SIGQUIT are turned into a normal exit. When the terminal goes
away without a signal (a pipe or pseudo-terminal closed), reading it gives end-of-file forever
and Textual's input thread spins; `input_gone` lets the app notice and leave instead.

A normal exit can itself hang once the terminal is gone: Textual's shutdown writes to the
terminal through a bounded queue, and with nobody reading the pseudo-terminal that write never
returns (seen with a form open when tmux's server went away; SIGTERM then did nothing, because
the event loop that would have handled it was the thread stuck). So the signal handlers are
Python-level ones (they run even while the main thread waits on a lock), and every way out starts
`leave_within`: if the process is still there after GRACE_SECONDS it ends itself, once the
database write in progress (if any) has finished.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from typing import Any

CHECK_SECONDS = 1.0
GRACE_SECONDS = 3.0
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL
_leaving = threading.Event()


def on_a_terminal() -> bool:
    """Stdin is a terminal (not Textual's web driver or a test)."""
    with suppress(ValueError, OSError):
        return sys.stdin.isatty()
    return False


def exit_on_signals(leave: Callable[[int], None], writing: AbstractContextManager[Any] | None = None) -> None:
    """On each of EXIT_SIGNALS: call `leave(signum)` on the running event loop, and end the process
    (status 128 + signum) after GRACE_SECONDS if that has not (see leave_within). Main thread only.
    `writing`: held while the database is written (the write finishes before the process ends)."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()

    def handler(signum: int, _frame: object) -> None:
        leave_within(GRACE_SECONDS, 128 + signum, writing)
        with suppress(RuntimeError):  # the loop has closed: the watchdog ends the process
            loop.call_soon_threadsafe(leave, signum)

    for signum in EXIT_SIGNALS:
        with suppress(ValueError, OSError):
            signal.signal(signum, handler)


def leave_within(seconds: float, status: int, writing: AbstractContextManager[Any] | None = None) -> None:
    """Make sure the process ends: a daemon thread waits `seconds` (the normal exit, restoring the
    terminal, usually ends the process first), then waits for `writing` (a database write in
    progress finishes) and ends the process with `status`. Only the first call starts it."""
    if _leaving.is_set():
        return
    _leaving.set()

    def watchdog() -> None:
        time.sleep(seconds)
        with writing if writing is not None else nullcontext():
            os._exit(status)

    threading.Thread(target=watchdog, name="rollout-exit-watchdog", daemon=True).start()


def input_gone() -> bool:
    """True when stdin has hung up or been closed: the terminal is not coming back."""
    try:
        fd = sys.stdin.fileno()
    except (ValueError, OSError):
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return any(mask & GONE for _, mask in poller.poll(0))


# -- what the terminal can do, decided once before the TUI starts ------------------------------
TRUECOLOR = ("truecolor", "24bit")  # COLORTERM's values for 24-bit colour (what terminals set)
NO_CURSOR = ("", "dumb")  # TERM values that promise no cursor movement, whatever terminfo says


@dataclass(frozen=True)
class Capabilities:
    """What the terminfo entry of a TERM says: cursor addressing (`cup`) and its number of colours."""

    moves_cursor: bool
    colours: int  # terminfo's `colors`; -1 when it has none


@dataclass(frozen=True)
class Decision:
    """How the TUI runs on this terminal: refused (one line for `Error: ...`), or with `environ` set
    before Textual is imported (its colour system) and `notices` shown once it is up."""

    refusal: str | None = None
    environ: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()


def capabilities(term: str) -> Capabilities | None:
    """The terminfo entry of `term` (curses reads the system's terminal database), None when this
    machine has none. curses reads one entry per process: the TUI decides once, at its start."""
    import curses

    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        curses.setupterm(term, fd)
    except (curses.error, OSError, ValueError):
        return None
    return Capabilities(moves_cursor=curses.tigetstr("cup") is not None, colours=curses.tigetnum("colors"))


def decide(environ: Mapping[str, str], lookup: Callable[[str], Capabilities | None] = capabilities) -> Decision:
    """How to run on the terminal `environ` names (TERM, COLORTERM), from its capabilities.

    A terminal that cannot move its cursor (TERM unset or `dumb`, what Emacs shells, CI logs and
    minimal SSH clients give, or a terminfo entry without `cup`) is refused: a full-screen program
    there is garbage. A TERM this machine has no terminfo entry for (a new terminal's own name over
    SSH) runs with 16 colours unless COLORTERM promises 24-bit colour, and says so. A known one gets
    the colours its entry lists (24-bit with COLORTERM=truecolor); none at all means NO_COLOR.
    A colour system the user set (TEXTUAL_COLOR_SYSTEM) is kept. Textual's web driver
    (`rollout serve`, TEXTUAL_DRIVER) needs no terminal.
    """
    if environ.get("TEXTUAL_DRIVER"):
        return Decision()
    term = environ.get("TERM", "").strip()
    hint = "set TERM to your terminal's, e.g. TERM=xterm-256color; the commands work anywhere, e.g. `rollout status`"
    if term.lower() in NO_CURSOR:
        shown = f"TERM={term}" if term else "an unset TERM"
        return Decision(refusal=f"the TUI needs a terminal that can move its cursor, and {shown} cannot ({hint})")
    found = lookup(term)
    if found is not None and not found.moves_cursor:
        return Decision(refusal=f"the TUI needs a terminal that can move its cursor, and TERM={term} cannot ({hint})")
    truecolor = environ.get("COLORTERM", "").strip().lower() in TRUECOLOR
    notices: tuple[str, ...] = ()
    if truecolor:
        system: str | None = "truecolor"
    elif found is None:
        system = "standard"
        notices = (f"TERM={term} is unknown here: 16 colours (COLORTERM=truecolor: more)",)
    else:
        system = "256" if found.colours >= 256 else "standard" if found.colours >= 8 else None
    wanted = {"TEXTUAL_COLOR_SYSTEM": system} if system else {"NO_COLOR": "1"}
    return Decision(environ={k: v for k, v in wanted.items() if k not in environ}, notices=notices)
