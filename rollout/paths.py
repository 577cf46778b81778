"""Where rollout keeps its files by default: the per-user folders platformdirs finds.

On Linux and other Unix systems these are the XDG base directories, each with `rollout` under it:
`$XDG_DATA_HOME` (the database; default ~/.local/share), `$XDG_CACHE_HOME` (the public-holiday
cache; ~/.cache), `$XDG_STATE_HOME` (the TUI's error log; ~/.local/state) and `$XDG_CONFIG_HOME`
(the TUI's settings; ~/.config). An unset or empty variable means its default (XDG Base Directory
Specification). platformdirs is imported only when a path is asked for (it costs a command a few
milliseconds at start-up).
"""

from __future__ import annotations

from pathlib import Path

APP = "rollout"


def data_dir() -> Path:
    """`$XDG_DATA_HOME/rollout`: the default database's folder."""
    import platformdirs

    return platformdirs.user_data_path(APP)


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/rollout`: data that can be rebuilt (looked-up holiday calendars)."""
    import platformdirs

    return platformdirs.user_cache_path(APP)


def state_dir() -> Path:
    """`$XDG_STATE_HOME/rollout`: what a developer may want after a run (the TUI's error log)."""
    import platformdirs

    return platformdirs.user_state_path(APP)


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/rollout`: the user's settings."""
    import platformdirs

    return platformdirs.user_config_path(APP)
