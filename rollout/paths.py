"""Where rollout keeps its files by default: the per-user folders platformdirs finds.

On Linux and other Unix systems these are the XDG base directories, each with `rollout` under it:
`$XDG_DATA_HOME` (the database; default ~/.local/share), `$XDG_CACHE_HOME` (the public-holiday
cache; ~/.cache), `$XDG_STATE_HOME` (the TUI's error log; ~/.local/state) and `$XDG_CONFIG_HOME`
(the TUI's settings; ~/.config). An unset or empty variable means its default (XDG Base Directory
Specification). platformdirs finds the folders; on Linux and the BSDs a variable set to an absolute
path is read directly, as platformdirs reads it (a test compares the two), since importing
platformdirs costs a command about 8 ms at start-up, more than `status` spends on its own work.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "rollout"


# The XDG variable of each kind of folder rollout uses.
_XDG = {"data": "XDG_DATA_HOME", "cache": "XDG_CACHE_HOME", "state": "XDG_STATE_HOME", "config": "XDG_CONFIG_HOME"}


def _user_path(kind: str) -> Path:
    """rollout's folder of one kind ("data", "cache", "state", "config") for this user."""
    base = os.environ.get(_XDG[kind], "")
    if os.path.isabs(base) and sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return Path(base) / APP
    import platformdirs  # everything else: unset, relative, the home folder's rules, other systems

    return Path(getattr(platformdirs, f"user_{kind}_path")(APP))


def data_dir() -> Path:
    """`$XDG_DATA_HOME/rollout`: the default database's folder."""
    return _user_path("data")


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/rollout`: data that can be rebuilt (looked-up holiday calendars)."""
    return _user_path("cache")


def state_dir() -> Path:
    """`$XDG_STATE_HOME/rollout`: what a developer may want after a run (the TUI's error log)."""
    return _user_path("state")


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/rollout`: the user's settings."""
    return _user_path("config")
