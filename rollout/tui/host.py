"""What screens and widgets may ask of the running app, without importing it.

The app (rollout.tui.app) imports its screens and widgets; they must not import it back (no
import circle, not even a type-only one). They reach the app through `self.app`, typed as `Host`:
a Protocol naming the data and operations the app offers downward. Changes go up as messages or
through these methods; nothing here knows the app's class.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from textual.screen import Screen

    from rollout.state import State
    from rollout.tui.notices import MessageLog
    from rollout.tui.session import Outcome, Session, Snapshot
    from rollout.tui.settings import Settings

T = TypeVar("T")


class Host(Protocol):
    """The RolloutApp as its screens and widgets see it (see rollout.tui.app.RolloutApp for each)."""

    snapshot: Snapshot
    session: Session
    settings: Settings
    times: str
    calendar_window: tuple[date, date] | None
    message_log: MessageLog

    @property
    def read_only(self) -> bool: ...

    @property
    def times_label(self) -> str: ...

    @property
    def history_zone(self) -> str: ...

    @property
    def screen(self) -> Screen[Any]: ...

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...

    def refuse_read_only(self) -> bool: ...

    def remember(self, key: str, value: str | bool) -> None: ...

    def apply_edit(self, command: str, change: Callable[[State], T]) -> Outcome[T]: ...

    def edit(self, command: str, change: Callable[[State], T]) -> Outcome[T] | None: ...

    def past_freeze(self) -> AbstractContextManager[None]: ...

    def open_region(self, code: str, tab: str | None = None, focus_key: str | None = None) -> None: ...

    def zone_for(self, region_tz: str) -> str: ...

    def copy_text(self, text: str, what: str) -> None: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None: ...

    def act_on_entry(self, direction: str, entry_id: int, timeline: Any = None) -> None: ...

    def leave(self, screens: list[Screen[Any]], proceed: Callable[[], object]) -> None: ...

    def notify(
        self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None
    ) -> None: ...

    def push_screen(self, screen: Any, callback: Any = None, wait_for_dismiss: bool = False) -> Any: ...

    def pop_screen(self) -> Any: ...

    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...


def local_zone_name() -> str:
    """This machine's IANA zone (pendulum reads TZ and /etc/localtime)."""
    import pendulum

    return pendulum.local_timezone().name
