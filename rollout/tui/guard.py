"""Errors become notifications: no traceback ever reaches the screen, the app keeps running."""

from __future__ import annotations

import functools
import inspect
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rollout.errors import RolloutError

F = TypeVar("F", bound=Callable[..., Any])


def error_log_path() -> Path:
    """`tui-errors.log` in the user's state folder (rollout.paths: $XDG_STATE_HOME/rollout)."""
    from rollout.paths import state_dir

    return state_dir() / "tui-errors.log"


def log_exception(error: BaseException) -> Path | None:
    """Keep the details of an unexpected error somewhere a developer can find them."""
    path = error_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write("".join(traceback.format_exception(error)) + "\n")
            cause = getattr(error, "error", None)  # a worker's failure wraps the error it raised
            if isinstance(cause, BaseException):
                log.write("".join(traceback.format_exception(cause)) + "\n")
    except OSError:
        return None
    return path


def report(node: Any, error: Exception) -> None:
    """Show an error as a notification of the running app."""
    app = node.app
    if isinstance(error, RolloutError):
        app.notify(str(error), severity="error", title="Not done")
        return
    where = log_exception(error)
    detail = f" (details in {where})" if where else ""
    app.notify(f"{type(error).__name__}: {error}{detail}", severity="error", title="Unexpected error")


def reported(method: F) -> F:
    """Decorate a handler or action of a widget, screen or app: errors become notifications."""
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def run_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except Exception as error:
                report(self, error)
                return None

        return run_async  # type: ignore[return-value]

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            report(self, error)
            return None

    return run  # type: ignore[return-value]


def live(node: Any) -> bool:
    """True while a screen or widget can be drawn on: mounted, attached to a running app, and on a
    screen that is still in the app's screen stack.

    A worker's result can arrive after its screen was closed (popped, or the app shutting down):
    a closed screen stays `is_mounted`, and stays attached while its widgets are being removed,
    so callbacks check this instead."""
    if not (node.is_mounted and node.is_attached):
        return False
    from textual.screen import Screen

    screen = node if isinstance(node, Screen) else node.screen
    return any(screen is on_stack for on_stack in node.app.screen_stack)
