"""The rollout TUI: the Textual app launch managers open over SSH to run the rollout day to day.

`run()` is what `rollout` (no command, on a terminal) and `rollout tui` call. The app loads
the database once, polls the file cheaply for other writers, and sends every change through
the same core operations as the CLI (see session.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import Monochrome, NoColor
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from rollout import ops, queries
from rollout import undo as undo_rules
from rollout.db import default_user, env_read_only
from rollout.errors import ReadOnly, RolloutError, StaleEdit
from rollout.freeze import InsideFreeze
from rollout.history_view import acted_text, at_text
from rollout.identity import same_person
from rollout.state import State
from rollout.tui import forcing, settings, terminal
from rollout.tui.commands import RegionCommands
from rollout.tui.guard import live, log_exception, reported
from rollout.tui.host import local_zone_name
from rollout.tui.keyorder import KeyOrder, escape_then_key, is_ordered_input
from rollout.tui.notices import Message, MessageLog, notice_text
from rollout.tui.session import Outcome, Session, Signature, Snapshot

T = TypeVar("T")
STYLES = Path(__file__).parent / "styles"
POLL_SECONDS = 0.5
# Actions that open or change things: not while a dialog is on top (its keys belong to it).
BLOCKED_IN_DIALOGS = {
    "calendar", "timeline", "agenda", "owners", "history", "undo", "redo", "help", "quit", "home", "messages",
}  # fmt: skip
# Actions that change the database: hidden (and refused) in a read-only session.
EDITING_ACTIONS = {
    "undo", "redo", "undo_entry", "redo_entry", "toggle", "add", "edit", "delete", "move", "move_launch", "save",
    "revert", "bulk", "mark", "mark_all",
}  # fmt: skip


class RolloutApp(App[None]):
    """Regions, a region's overview/checklist/promotions/history, and a calendar."""

    TITLE = "rollout"
    HELP_TITLE = "Everywhere"
    COMMANDS = App.COMMANDS | {RegionCommands}
    CSS_PATH = [STYLES / "app.tcss", STYLES / "screens.tcss"]
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False, id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("c", "calendar", "Calendar", show=False, id="calendar"),
        Binding("T", "timeline", "Timeline", show=False, id="timeline"),
        Binding("A", "agenda", "Agenda", show=False, id="agenda"),
        Binding("O", "owners", "Owners", show=False, id="owners"),
        Binding("P", "templates", "Templates", show=False, id="templates"),
        Binding("u", "undo", "Undo", show=False, id="undo"),
        # vim's redo, beside u; a form being typed into keeps ctrl+r for its own revert.
        Binding("ctrl+r", "redo", "Redo", show=False, id="redo"),
        Binding("L", "history", "History", show=False, id="history"),
        Binding("M", "messages", "Messages", show=False, id="messages"),
        Binding("H", "home", "Regions", show=False, id="regions"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True, id="palette"),
        Binding("colon", "command_palette", "Commands", show=False, id="commands"),
        Binding("z", "cycle_times", "Times", show=False, id="times"),
        # What terminal users press to put a program in the background; never an editing key.
        Binding("ctrl+z", "suspend_process", "Suspend", show=False, id="suspend"),
    ]

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        user: str | None = None,
        read_only: bool = False,
        notices: Sequence[str] = (),
    ) -> None:
        super().__init__()
        if self.no_color:
            # Textual turns NO_COLOR into shades of grey (its Monochrome filter), so a cursor row is a
            # grey band. NO_COLOR means the terminal's own colours: its NoColor filter keeps text
            # styles, and the cursor rows show in reverse video (styles/app.tcss, App:nocolor).
            self._filters = [NoColor() if isinstance(f, Monochrome) else f for f in self._filters]
        self.start_notices = list(notices)  # what the command that opened the TUI has to say (a new database...)
        self.session = Session(db_path, user or default_user(), read_only or env_read_only())
        self.snapshot: Snapshot = self.session.load()
        self._reloading = False
        self._writes_since_reload = 0  # this session's own edits since the running reload began
        self._past_freeze = False  # edits made past blocking freeze windows (past_freeze)
        self._failed_signature: Signature | None = None
        self._missing = False
        self._lost = False
        # The days the calendar shows, if it is open: a background reload prepares them too.
        self.calendar_window: tuple[date, date] | None = None
        self._crash: BaseException | None = None
        self.key_order = KeyOrder(self)
        self.settings = settings.load()
        self.times = self.settings.times
        self.message_log = MessageLog()
        self._notice_timeout: float | None = None

    # -- input -------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        # Each key waits until the one before it has been handled (see keyorder.py).
        if is_ordered_input(event):
            if self.key_order.hold(event):
                return
            if isinstance(event, events.Key) and (keys := escape_then_key(event)) and not self._is_bound(event.key):
                # Escape and a key sent together (a burst, a paste): both, in order (see keyorder.py).
                event, after = keys
                self.key_order.hold_next(after)
        await super().on_event(event)

    def _is_bound(self, key: str) -> bool:
        """Whether a binding of the focused widget, its screen or the app (remapped keys too) takes `key`."""
        return any(key in bindings.key_to_bindings for _node, bindings in self.screen._binding_chain)

    def on_key(self, event: events.Key) -> None:
        """A read-only session hides its editing keys; pressing one still says why nothing happens."""
        if not self.read_only or self.focused is None:
            return
        for node in self.focused.ancestors_with_self:
            for binding in node._bindings.key_to_bindings.get(event.key, []):
                if binding.action in EDITING_ACTIONS:
                    self.refuse_read_only()
                    return

    async def _press_keys(self, keys: Iterable[str]) -> None:
        # Pilot's press: return once the keys have acted, as they are held in order.
        await super()._press_keys(keys)
        await self.key_order.drained()

    # -- notices -----------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
        short: str | None = None,
    ) -> None:
        """Keep the message in the log (`M` shows it whole) and show it as a one-line notice (`short`,
        when the sender has a shorter form); the messages sent while one event is handled (a change's
        warnings) share one notice."""
        if self.message_log.add(Message(datetime.now().astimezone(), severity, title, str(message), short)):
            self.call_later(self._show_notices)
        self._notice_timeout = max(self._notice_timeout or 0, timeout or 0) or None

    def _say_acted(self, verb: str, entry: Any, title: str) -> None:
        """The notice after an undo or redo: what was acted on first ('Undid #12: promo move p3 --by 1w'),
        the whole sentence (who, when, what changed) in the log."""
        command = str(entry.get("command", "")).removeprefix("tui: ")
        full = acted_text(verb, entry, self.session.user, self.history_zone)
        whose = "" if entry.get("user") == self.session.user else f"{entry.get('user', 'someone')}'s "
        self.notify(full, title=title, short=f"{verb} {whose}#{entry.get('id')}: {command}")

    def _show_notices(self) -> None:
        batch = self.message_log.take()
        if not batch:
            return
        # A notice is at most 60% of the screen wide (styles/app.tcss), less its border and padding.
        width = max(self.size.width * 6 // 10 - 3, 24)
        text, severity = notice_text(batch, width)
        timeout, self._notice_timeout = self._notice_timeout, None
        super().notify(text, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    def action_messages(self) -> None:
        from rollout.tui.screens.messages import MessagesScreen

        if not self._raise_screen(MessagesScreen):
            self.push_screen(MessagesScreen())

    # -- start-up ----------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.session.read_only

    def on_mount(self) -> None:
        from rollout.tui.screens.regions import RegionsScreen

        self.sub_title = self._subtitle()
        self._apply_settings()
        self.push_screen(RegionsScreen())
        for notice in self.start_notices:
            self.notify(notice, title="Database", timeout=10)
        self.poll_timer = self.set_interval(POLL_SECONDS, self.poll_file)
        self.session.watch(self._changed_elsewhere)
        if not self.is_headless and terminal.on_a_terminal():
            terminal.exit_on_signals(self.leave_on_signal, self.session.writing)
            self.set_interval(terminal.CHECK_SECONDS, self._check_terminal)

    def _apply_settings(self) -> None:
        """Theme and keys from config.toml; what is wrong there is a notice naming the line, never a crash."""
        config = self.settings
        problems = list(config.problems)
        if config.theme in self.available_themes:
            self.theme = config.theme
        else:
            line = settings.line_of(config.path.read_text(encoding="utf-8"), "theme") if config.path else None
            where = f"{config.path} line {line}" if line else str(config.path)
            problems.append(f"{where}: no theme {config.theme!r}; try ctrl+p, then Theme")
        unknown = sorted(set(config.keys) - binding_ids())
        for binding_id in unknown:
            text = config.path.read_text(encoding="utf-8") if config.path else ""
            line = settings.line_of(text, binding_id)
            where = f"{config.path} line {line}" if line else str(config.path)
            problems.append(f"{where}: no key binding with id {binding_id!r} (? lists the ids)")
        self.set_keymap({k: v for k, v in config.keys.items() if k not in unknown})
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        for problem in problems:
            self.notify(problem, severity="warning", title="Settings", timeout=15)

    def _remember_theme(self, theme: Any) -> None:
        self.remember("theme", theme.name)

    def remember(self, key: str, value: str | bool) -> None:
        """Keep the user's choice (theme, sort...) in their settings file, for the next start."""
        config = self.settings
        if getattr(config, key) == value:
            return
        setattr(config, key, value)
        if config.path is None:
            return
        try:
            settings.remember(config.path, key, value)
        except OSError as error:
            self.notify(f"could not remember the {key} in {config.path}: {error}", severity="warning")

    def zone_for(self, region_tz: str) -> str:
        """The zone times are shown in: the region's, this machine's, or UTC (z switches)."""
        if self.times == "utc":
            return "UTC"
        if self.times == "local":
            return local_zone_name()
        return region_tz

    @property
    def times_label(self) -> str:
        return {"region": "region time", "local": f"your time ({local_zone_name()})", "utc": "UTC"}[self.times]

    def action_cycle_times(self) -> None:
        modes = settings.TIME_MODES
        self.times = modes[(modes.index(self.times) + 1) % len(modes)]
        self.apply_snapshot(self.snapshot)
        self.notify(f"Times in {self.times_label}", timeout=2)

    def copy_text(self, text: str, what: str) -> None:
        """Put text on the clipboard through the terminal (OSC 52: works over SSH and in tmux)."""
        self.copy_to_clipboard(text)
        self.notify(f"Copied {what}", timeout=2)

    def leave_on_signal(self, signum: int) -> None:
        """SIGTERM, SIGHUP or SIGQUIT: leave the way `q` does, so the terminal is restored."""
        self.exit(return_code=128 + signum)

    def _check_terminal(self) -> None:
        if terminal.input_gone():
            # Shutting down writes to the terminal, which may hang now that it has gone: bounded.
            terminal.leave_within(terminal.GRACE_SECONDS, 1, self.session.writing)
            self.exit(return_code=1)

    def _subtitle(self) -> str:
        parts = [self.session.path.name, self.session.user]
        if self.read_only:
            parts.append("read-only")
        return " · ".join(parts)

    # -- other writers -----------------------------------------------------------------
    def _changed_elsewhere(self) -> None:
        """The change hook's push (from its own thread): look now rather than at the next tick."""
        if not self.is_running:
            return
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(self.poll_file)

    def poll_file(self) -> None:
        """Cheap check (the change hook: one stat for a file) for a write by someone else; reload off
        the UI thread if so. A server out of reach is said once; once back, what changed is read."""
        if self._reloading:
            return
        try:
            signature = self.session.signature()
        except RolloutError as error:
            if not self._lost:
                self._lost = True
                self.notify(f"{error}; showing what was last loaded", severity="error", timeout=10)
            return
        if self._lost:
            self._lost = False
            self.notify(f"{self.session.location} is back; catching up", timeout=5)
        if signature is None:
            if not self._missing:
                self._missing = True
                self.notify(f"{self.session.path} has gone; showing what was last loaded", severity="error")
            return
        self._missing = False
        if signature == self.snapshot.signature or signature == self._failed_signature:
            return
        self._reloading = True
        self._writes_since_reload = 0
        self.reload_in_background()

    @work(thread=True, exclusive=True, group="reload")
    def reload_in_background(self) -> None:
        try:
            snapshot = self.session.load()
            window = self.calendar_window
            if window is not None:
                snapshot.calendar.events(*window)  # the slow part of a calendar refresh, off the UI thread
        except RolloutError as error:
            self.call_from_thread(self._reload_failed, error)
        else:
            self.call_from_thread(self._reloaded, snapshot)

    def _reload_failed(self, error: RolloutError) -> None:
        self._reloading = False
        self._failed_signature = self.session.signature()
        self.notify(f"could not reload: {error}", severity="error")

    def _reloaded(self, snapshot: Snapshot) -> None:
        self._reloading = False
        self._failed_signature = None
        if self._writes_since_reload and snapshot.revision < self.snapshot.revision:
            # Read before this session's own later write landed (a burst of edits while the worker
            # read): older than what is shown, so dropped; the next poll reads the file again.
            return
        own_write = self.snapshot.signature is None and snapshot.revision == self.snapshot.revision
        if own_write:
            self.snapshot.signature = snapshot.signature
            return
        self.apply_snapshot(snapshot)

    def reload_now(self) -> None:
        """Read the file right away (after a refused stale edit, so the user sees what changed)."""
        self.apply_snapshot(self.session.load())

    def apply_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_data", None)
            # A screen still being put up has no widgets yet: it draws the new snapshot when mounted.
            # One closed while the app shuts down (a reload landing at exit) has none left.
            if refresh is not None and live(screen):
                refresh()

    # -- editing -----------------------------------------------------------------------
    def refuse_read_only(self) -> bool:
        """True (with a notice) when this session may not write."""
        if self.read_only:
            self.notify("Read-only: nothing can be changed in this session.", severity="warning", title="Read-only")
        return self.read_only

    def apply_edit(self, command: str, change: Callable[[State], T]) -> Outcome[T]:
        """Run one edit through the core; raises RolloutError for the caller to show (forms show it
        inline). Inside past_freeze, the edit is made past blocking freeze windows (`--force`)."""
        if self.read_only:
            raise ReadOnly("read-only: nothing can be changed in this session")
        if self._past_freeze:
            command, change = f"{command} --force", forcing.past_freeze(change)
        try:
            outcome = self.session.edit(command, change, self.snapshot.revision)
        except StaleEdit:
            self.reload_now()
            raise
        self._writes_since_reload += 1
        self.apply_snapshot(outcome.snapshot)
        state = outcome.snapshot.state
        if outcome.entry is None:
            self.notify("Nothing changed.", title=command)
        elif outcome.applied_on_fresh_data:
            self.notify(
                f"Someone else changed the database since this screen loaded (revision {outcome.seen_revision} → "
                f"{outcome.base_revision}); your change was applied to the fresh data.",
                severity="warning",
                title="Applied on fresh data",
            )
        for note in state.notes:
            self.notify(note, severity="warning")
        return outcome

    @contextmanager
    def past_freeze(self) -> Iterator[None]:
        """Edits made inside are made past blocking freeze windows (a form saved again after
        "Force?": its save builds the change, this forces it)."""
        self._past_freeze = True
        try:
            yield
        finally:
            self._past_freeze = False

    def edit(self, command: str, change: Callable[[State], T]) -> Outcome[T] | None:
        """Like apply_edit, with errors shown as notifications (None when nothing was applied). A
        date inside a blocking freeze window asks "Force?" and, on yes, makes the same change
        past the window (forcing.past_freeze), as `--force` does."""
        if self.refuse_read_only():
            return None
        try:
            return self.apply_edit(command, change)
        except InsideFreeze as error:
            forcing.ask_to_force(self, error, lambda: self.edit(f"{command} --force", forcing.past_freeze(change)))
            return None
        except RolloutError as error:  # a rule's refusal says how to force it from the CLI
            self.notify(forcing.from_the_cli(error, command), severity="error", title="Not done")
            return None

    # -- navigation --------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in EDITING_ACTIONS and self.read_only:
            return False  # a read-only session's footer and palette offer no editing keys
        return not (action in BLOCKED_IN_DIALOGS and isinstance(self.screen, ModalScreen))

    def open_region(self, code: str, tab: str | None = None, focus_key: str | None = None) -> None:
        from rollout.tui.screens.region import RegionScreen

        if code not in self.snapshot.state.regions:
            self.notify(f"no region {code}", severity="error")
            return
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        current = self.screen
        if isinstance(current, RegionScreen) and current.code == code:
            current.show(tab, focus_key)
            return
        self.push_screen(RegionScreen(code, tab=tab, focus_key=focus_key))

    def _raise_screen(self, kind: type[Screen[Any]]) -> bool:
        """Pop back to an open screen of this kind; False when there is none."""
        if not any(isinstance(s, kind) for s in self.screen_stack):
            return False
        while not isinstance(self.screen, kind):
            self.pop_screen()
        return True

    def leave(self, screens: list[Screen[Any]], proceed: Callable[[], object]) -> None:
        """Run `proceed` (which closes `screens`) once their unsaved edits are saved or discarded.

        Each screen may say what it has unsaved (`unsaved() -> str | None`) and save it
        (`save_unsaved() -> bool`). With nothing unsaved, `proceed` runs at once; otherwise the
        user chooses: save (then proceed if every save succeeded), discard, or stay.
        """
        from rollout.tui.screens.forms import UnsavedScreen

        pending = [s for s in screens if getattr(s, "unsaved", None) is not None and s.unsaved()]  # type: ignore[attr-defined]
        if not pending:
            proceed()
            return

        def chosen(choice: str | None) -> None:
            if choice == "discard" or (choice == "save" and all(s.save_unsaved() for s in pending)):  # type: ignore[attr-defined]
                proceed()

        what = "; ".join(s.unsaved() for s in pending)  # type: ignore[attr-defined]
        self.push_screen(UnsavedScreen(f"Unsaved changes: {what}. Save them?"), chosen)

    async def action_quit(self) -> None:
        self.leave(list(reversed(self.screen_stack)), self.exit)

    @reported
    def action_calendar(self) -> None:
        from rollout.tui.screens.calendar import CalendarScreen

        if not self._raise_screen(CalendarScreen):
            self.push_screen(CalendarScreen())

    @reported
    def action_timeline(self) -> None:
        from rollout.tui.screens.timeline import TimelineScreen

        if not self._raise_screen(TimelineScreen):
            self.push_screen(TimelineScreen())

    @reported
    def action_agenda(self) -> None:
        from rollout.tui.screens.agenda import AgendaScreen

        if not self._raise_screen(AgendaScreen):
            self.push_screen(AgendaScreen())

    @reported
    def action_owners(self) -> None:
        from rollout.tui.screens.owners import OwnersScreen

        if not self._raise_screen(OwnersScreen):
            self.push_screen(OwnersScreen())

    @reported
    def action_templates(self) -> None:
        from rollout.tui.screens.templates import TemplatesScreen

        if not self._raise_screen(TemplatesScreen):
            self.push_screen(TemplatesScreen())

    @reported
    def action_home(self) -> None:
        from rollout.tui.screens.regions import RegionsScreen

        above = self.screen_stack[
            next(i for i, s in enumerate(self.screen_stack) if isinstance(s, RegionsScreen)) + 1 :
        ]
        self.leave(above, lambda: self._raise_screen(RegionsScreen))

    @reported
    def action_help(self) -> None:
        from rollout.tui.screens.help import HelpScreen, bindings_of

        self.push_screen(HelpScreen(bindings_of(self.screen)))

    @reported
    def action_history(self) -> None:
        from rollout.tui.screens.history import HistoryScreen

        if not self._raise_screen(HistoryScreen):
            self.push_screen(HistoryScreen())

    @reported
    def action_undo(self) -> None:
        """Undo this user's most recent change still in effect (never someone else's: see rollout.undo)."""
        user = self.session.user
        forcing.edit_or_force(
            self,
            "undo",
            lambda state, force: ops.undo(state, user, force=force),
            lambda outcome: self._say_acted("Undid", outcome.value, "Undo"),
        )

    @reported
    def action_redo(self) -> None:
        """Redo the change of this user's most recent undo (see rollout.undo)."""
        user = self.session.user
        forcing.edit_or_force(
            self,
            "redo",
            lambda state, force: ops.redo(state, user, force=force),
            lambda outcome: self._say_acted("Redid", outcome.value, "Redo"),
        )

    @property
    def history_zone(self) -> str:
        """The zone history times are shown in: yours, or UTC when times are shown in UTC."""
        return "UTC" if self.times == "utc" else local_zone_name()

    def act_on_entry(self, direction: str, entry_id: int, timeline: undo_rules.Timeline | None = None) -> None:
        """Undo or redo history entry #entry_id (the History screen's u and ctrl+r): anyone's change,
        after asking, naming who made it and when, when it is not this user's own. `timeline`: the
        screen's, when it already knows whether the change is undone."""
        if self.refuse_read_only():
            return
        user = self.session.user
        try:
            history = self.snapshot.state.history
            change = undo_rules.named_change(history, entry_id, direction, timeline)  # type: ignore[arg-type]
        except RolloutError as error:
            self.notify(str(error), severity="error", title="Not done")
            return
        operation = ops.undo if direction == "undo" else ops.redo
        verb = "Undid" if direction == "undo" else "Redid"

        def run() -> None:
            forcing.edit_or_force(
                self,
                f"{direction} --entry {entry_id}",
                lambda state, force: operation(state, user, entry=entry_id, force=force),
                lambda done: self._say_acted(verb, done.value, direction.capitalize()),
            )

        if same_person(change.get("user"), user):  # your own change, in any spelling (rollout.identity)
            run()
            return
        from rollout.tui.screens.forms import ConfirmScreen

        question = (
            f"{direction.capitalize()} {change.get('user', 'someone')}'s change #{change['id']} "
            f"made {at_text(change, self.history_zone)}?\n{change['command']} ({queries.entry_summary(change)})"
        )
        self.push_screen(ConfirmScreen(question, yes=direction.capitalize()), lambda yes: run() if yes else None)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Regions", "The home screen: every region", self.action_home)
        yield SystemCommand("Calendar", "Launches and promotions by month", self.action_calendar)
        yield SystemCommand("Timeline", "Launches and promotions of every region over time (T)", self.action_timeline)
        yield SystemCommand("Agenda", "What needs attention this week, overdue, or yours (A)", self.action_agenda)
        yield SystemCommand("Owners", "Open work per owner across regions (O)", self.action_owners)
        yield SystemCommand("History", "Every change across all regions, filterable (L)", self.action_history)
        yield SystemCommand("Messages", "Every notice of this session in full (M)", self.action_messages)
        yield SystemCommand("Undo", "Undo your last change (u)", self.action_undo)
        yield SystemCommand("Redo", "Redo the change you last undid (ctrl+r)", self.action_redo)
        yield SystemCommand("Help", "Every key binding (?)", self.action_help)
        seen = {
            "quit", "help", "calendar", "timeline", "agenda", "owners", "history", "undo", "redo", "home",
            "command_palette", "messages",
        }  # fmt: skip
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            help_text = f"{binding.description} ({self.get_key_display(binding)})"
            yield SystemCommand(binding.description, help_text, partial(active.node.run_action, binding.action))

    # -- crashes -----------------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """An error no handler caught: leave with one line (details in the log), never a traceback."""
        error = self._crash
        where = log_exception(error) if error is not None else None
        detail = f"; details in {where}" if where else ""
        message = f"Error: the TUI stopped on an unexpected error ({type(error).__name__}: {error}){detail}"
        self._exit_renderables.append(Text(message))
        self._close_messages_no_wait()


def binding_ids() -> set[str]:
    """Every binding id the TUI declares (what config.toml's [keys] may remap)."""
    return {b.id for c in binding_classes() for b in getattr(c, "BINDINGS", []) if isinstance(b, Binding) and b.id}


def binding_classes() -> list[type]:
    """The app and every screen and widget class of rollout's TUI, where key bindings are declared
    (their BINDINGS); the manual's key reference and its test read them from here too."""
    from rollout.tui.screens import agenda, calendar, forms, help, messages, owners, region, regions, templates
    from rollout.tui.screens import history as history_screen
    from rollout.tui.screens import timeline as timeline_screen
    from rollout.tui.widgets import base, checklist, history, month, promotions, region_table
    from rollout.tui.widgets import timeline as timeline_view

    classes: list[type] = [RolloutApp]
    screens = (
        agenda,
        calendar,
        forms,
        help,
        history_screen,
        messages,
        owners,
        region,
        regions,
        templates,
        timeline_screen,
    )
    for module in (*screens, base, checklist, history, month, promotions, region_table, timeline_view):
        classes += [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__]
    return classes


def run(
    db_path: str | os.PathLike[str], user: str | None = None, read_only: bool = False, notices: Sequence[str] = ()
) -> None:
    """Open the TUI on a database until the user quits, showing `notices` as notifications first."""
    app = RolloutApp(db_path, user=user, read_only=read_only, notices=notices)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)
