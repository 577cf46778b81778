"""The TUI's share of sign-off, GMV and freeze windows: the Region screen's GMV tab, the sign-off
state in its title, the home screen's current-month attainment; pilot and snapshot tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from rollout import kpi, ops, signoff
from rollout.db import Database
from rollout.tui.app import RolloutApp
from rollout.tui.widgets.kpi import TARGET_MARK, bar, period_lines

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _seed(db_path: Path) -> None:
    """NL with GMV for three months (the clock's month, 2026-11, among them), a promotion's GMV,
    and a sign-off asked of tester and li, approved by tester."""
    with Database(db_path).transaction("tester", "seed") as state:
        for period, target, actual in (("2026-10", "800000", "812000.40"), ("2026-11", "1000000", "870000.50")):
            kpi.set_gmv(state, "target", target, code="NL", period=period)
            kpi.set_gmv(state, "actual", actual, code="NL", period=period)
        kpi.set_gmv(state, "target", "1200000", code="NL", period="2026-12")
        kpi.set_gmv(state, "target", "50000", promo="p61")
        kpi.set_gmv(state, "actual", "61000.50", promo="p61")
        signoff.request(state, "NL", "tester,li", "tester")
        signoff.decide(state, "NL", "tester", "approved")
        ops.add_freeze(state, ["NL"], start="2027-01-20", end="2027-01-31", reason="Lunar new year", blocks=True)


@pytest.fixture
def seeded_app(db_path: Path) -> RolloutApp:
    _seed(db_path)
    return RolloutApp(db_path, user="tester")


def test_a_bar_is_eighths_of_cells_with_the_target_marked():
    from decimal import Decimal

    assert bar(Decimal(5), Decimal(10), Decimal(10), cells=4) == "██" + " " + TARGET_MARK
    assert bar(Decimal("2.5"), None, Decimal(10), cells=4) == "█" + "" + " " * 3
    assert bar(Decimal("1.25"), None, Decimal(10), cells=4) == "▌   "
    assert bar(Decimal(12), Decimal(10), Decimal(12), cells=4) == "████"  # past the target: no mark
    assert bar(None, Decimal(10), Decimal(10), cells=4) == "   " + TARGET_MARK


def test_period_lines_say_the_numbers_beside_the_bar():
    records = [
        {"period": "2027-01", "currency": "EUR", "target": "1000000", "actual": "870000.50"},
        {"period": "2027-02", "currency": "EUR", "target": None, "actual": "10"},
    ]
    first, second = period_lines(records, cells=10)
    assert first.startswith("2027-01 ████████▋")
    assert first.endswith("870,000.50 / 1,000,000.00 EUR  87.0 %")
    assert second.endswith("10.00 / -  -")


async def test_the_region_screen_shows_gmv_and_the_sign_off(seeded_app: RolloutApp):
    async with seeded_app.run_test(size=(80, 24)) as pilot:
        seeded_app.open_region("NL")
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        screen = seeded_app.screen
        facts = str(screen.query_one("#region-facts", Static).render())
        assert "sign-off pending" in facts  # li has not approved yet
        periods = str(screen.query_one("#kpi-periods", Static).render())
        assert "2026-11" in periods and "870,000.50 / 1,000,000.00 EUR  87.0 %" in periods
        assert "1,200,000.00 EUR" in periods
        promos = str(screen.query_one("#kpi-promotions", Static).render())
        assert "p61" in promos and "122.0 %" in promos
        line = str(screen.query_one("#kpi-signoff", Static).render())
        assert "tester approved" in line and "li pending" in line


async def test_the_sign_off_goes_stale_on_screen_when_the_launch_moves(seeded_app: RolloutApp, db_path: Path):
    async with seeded_app.run_test(size=(80, 24)) as pilot:
        seeded_app.open_region("NL")
        await pilot.pause()
        with Database(db_path).transaction("li", "region set NL --launch 2027-02-02") as state:
            ops.set_regions(state, ["NL"], launch="2027-02-02")
        seeded_app.reload_now()
        await pilot.pause()
        facts = str(seeded_app.screen.query_one("#region-facts", Static).render())
        assert "sign-off stale" in facts


async def test_the_home_screen_shows_the_current_months_attainment(seeded_app: RolloutApp):
    async with seeded_app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert seeded_app.screen.query_one("#regions").move_to("NL")  # type: ignore[attr-defined]
        await pilot.pause()
        detail = str(seeded_app.screen.query_one("#health-detail", Static).render())
        assert "GMV 2026-11 87.0 %" in detail


async def _open_gmv(pilot) -> None:  # noqa: ANN001
    pilot.app.open_region("NL")
    await pilot.pause()
    await pilot.press("5")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_gmv_tab_snapshot(snap_compare, seeded_app, size):
    assert snap_compare(seeded_app, terminal_size=size, run_before=_open_gmv)


async def _timeline_on_nl(pilot) -> None:  # noqa: ANN001
    await pilot.press("T")
    await pilot.pause()
    await pilot.press("slash", "N", "L", "enter")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_timeline_with_a_freeze_window_snapshot(snap_compare, seeded_app, size):
    assert snap_compare(seeded_app, terminal_size=size, run_before=_timeline_on_nl)


async def test_the_timeline_names_the_freeze_window_of_a_column(seeded_app: RolloutApp):
    from datetime import date

    from rollout.tui.screens.timeline import column_events

    async with seeded_app.run_test(size=(120, 40)) as pilot:
        await _timeline_on_nl(pilot)
        view = seeded_app.screen.view  # type: ignore[attr-defined]
        row = view.row(view.codes.index("NL"))
        events = column_events(row, date(2027, 1, 25), date(2027, 1, 27))
        assert "freeze f1 Lunar new year (2027-01-20 to 2027-01-31)" in events
        assert any("launch inside blocking freeze f1 Lunar new year" in e for e in events)
        title = str(seeded_app.screen.query_one("#timeline-title").render())
        assert "▒" in title and "freeze" in title


async def test_launching_from_the_overview_asks_when_the_sign_off_is_not_fresh(seeded_app: RolloutApp):
    from rollout.tui.screens.forms import ConfirmScreen
    from rollout.tui.widgets.overview import OverviewPane, forced_launch_question

    assert "NL's sign-off is not fresh: li pending" in forced_launch_question("NL", [], ["li pending"])
    async with seeded_app.run_test(size=(120, 40)) as pilot:
        seeded_app.open_region("NL")
        await pilot.pause()
        pane = seeded_app.screen.query_one(OverviewPane)
        pane.form.set_value("status", "launched")  # type: ignore[attr-defined]
        await pilot.pause()
        assert pane.save_now() is False
        await pilot.pause()
        assert isinstance(seeded_app.screen, ConfirmScreen)
