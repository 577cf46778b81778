"""Region: one region in five tabs (Overview, Checklist, Promotions, History, GMV)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, TabbedContent, TabPane, Tabs

from rollout import signoff
from rollout.tui.widgets.base import RegionPane, RolloutNode
from rollout.tui.widgets.checklist import ChecklistPane
from rollout.tui.widgets.history import HistoryPane
from rollout.tui.widgets.kpi import KpiPane
from rollout.tui.widgets.overview import OverviewPane
from rollout.tui.widgets.promotions import PromotionsPane

TABS = ("overview", "checklist", "promotions", "history", "kpi")
OVERVIEW_ACTIONS = {"move_launch", "save", "revert"}


class RegionScreen(RolloutNode, Screen[None]):
    HELP_TITLE = "Region"
    BINDINGS = [
        Binding("escape", "back", "Back", show=False, id="back"),
        Binding("1", "tab('overview')", "Overview", show=False, id="tab.overview"),
        Binding("2", "tab('checklist')", "Checklist", show=False, id="tab.checklist"),
        Binding("3", "tab('promotions')", "Promotions", show=False, id="tab.promotions"),
        Binding("4", "tab('history')", "History", show=False, id="tab.history"),
        Binding("5", "tab('kpi')", "GMV", show=False, id="tab.kpi"),
        Binding("m", "move_launch", "Move launch", id="region.move_launch"),
        Binding("N", "region_note", "Region note", show=False, id="region.note"),
        Binding("ctrl+s", "save", "Save", id="region.save"),
        Binding("ctrl+r", "revert", "Revert", id="region.revert"),
    ]

    def __init__(self, code: str, tab: str | None = None, focus_key: str | None = None) -> None:
        super().__init__()
        self.code = code
        self.initial_tab = tab if tab in TABS else "overview"
        self.focus_key = focus_key

    def compose(self) -> ComposeResult:
        region = self.state.region(self.code)
        key = self.focus_key
        yield Header()
        with Horizontal(id="region-title"):
            yield Static(id="region-name")
            yield Static(id="region-status")
            yield Static(id="region-facts")
        with TabbedContent(initial=self.initial_tab, id="tabs"):
            with TabPane("Overview 1", id="overview"):
                yield OverviewPane(self.code, region)
            with TabPane("Checklist 2", id="checklist"):
                yield ChecklistPane(self.code, key if self.initial_tab == "checklist" else None)
            with TabPane("Promotions 3", id="promotions"):
                yield PromotionsPane(self.code, key if self.initial_tab == "promotions" else None)
            with TabPane("History 4", id="history"):
                yield HistoryPane(self.code)
            with TabPane("GMV 5", id="kpi"):
                yield KpiPane(self.code)
        yield Footer()

    def on_mount(self) -> None:
        self._show_title()
        self.call_after_refresh(self._focus_active_tab)

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#tabs", TabbedContent)

    def pane(self, tab: str) -> RegionPane:
        return self.query_one(f"#{tab}-pane", RegionPane)

    def _focus_active_tab(self) -> None:
        """Deferred focus follows whatever tab is active by then (the user may have switched already)."""
        self._focus_tab(self.tabs.active)

    def _focus_tab(self, tab: str) -> None:
        if tab == "overview":
            self.query_one(Tabs).focus()  # so the screen's keys work until the user tabs into the form
        else:
            self.pane(tab).focus_main()

    def _show_title(self) -> None:
        region = self.state.region(self.code)
        self.query_one("#region-name", Static).update(f"{region['code']}  {region['name']}")
        status = self.query_one("#region-status", Static)
        status.update(region["status"])
        for name in ("planned", "preparing", "ready", "launched", "paused"):
            status.set_class(region["status"] == name, f"status-{name}")
        facts = f"wave {region['wave']} · {region['timezone']} · {region['currency']} · owner {region['owner'] or '-'}"
        go = signoff.region_state(self.state, self.code)
        if go is not None:  # the go/no-go, once a sign-off was asked for: first, so 80 columns show it
            facts = f"sign-off {go} · {facts}"
        self.query_one("#region-facts", Static).update(facts)

    def refresh_data(self) -> None:
        if self.code not in self.state.regions:
            self.notify(f"{self.code} was removed from the database.", severity="warning")
            if self.app.screen is self:
                self.app.pop_screen()
            return
        self._show_title()
        for tab in TABS:
            self.pane(tab).refresh_data()

    def show(self, tab: str | None, focus_key: str | None) -> None:
        """Switch to a tab and put the cursor on one record (a jump from the calendar)."""
        if tab not in TABS:
            return
        self.tabs.active = tab
        pane = self.pane(tab)
        if focus_key and hasattr(pane, "select"):
            pane.select(focus_key)
        self.call_after_refresh(self._focus_active_tab)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or "overview"
        if tab in TABS and tab != "overview":
            self.pane(tab).focus_main()
        self.refresh_bindings()

    # -- actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.rollout.check_action(action, parameters) is False:
            return False
        if action in OVERVIEW_ACTIONS:
            try:
                if self.tabs.active != "overview":
                    return False
            except NoMatches:
                return False
            # ctrl+r reverts typed edits; with none, it is shown dimmed and the key redoes (the app's).
            return True if action != "revert" or self.query_one(OverviewPane).dirty() else None
        return True

    def action_tab(self, tab: str) -> None:
        self.tabs.active = tab
        self._focus_tab(tab)
        self.call_after_refresh(self._focus_active_tab)

    def action_region_note(self) -> None:
        """A note on the region (the Overview's notes line shows the last one)."""
        from rollout.tui.notes import add_note

        add_note(self.rollout, "regions", self.code)

    def action_move_launch(self) -> None:
        self.query_one(OverviewPane).action_move_launch()

    def action_save(self) -> None:
        self.query_one(OverviewPane).action_save()

    def action_revert(self) -> None:
        self.query_one(OverviewPane).action_revert()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one(Tabs).focus()  # leave the field first; a second escape goes back
            return
        self.rollout.leave([self], self._close)

    def _close(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()

    def unsaved(self) -> str | None:
        """The Overview fields typed but not saved, e.g. 'NL owner, wave'."""
        dirty = self.query_one(OverviewPane).dirty()
        return f"{self.code} {', '.join(dirty)}" if dirty else None

    def save_unsaved(self) -> bool:
        return self.query_one(OverviewPane).save_now()
