"""What the eye needs: text readable on the cursor row (with and without colour), controls drawn whole."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox
from tui_helpers import settle, wait_until

from rollout.tui.screens.forms import FormScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.widgets.region_table import RegionTable

STATUSES = ("planned", "preparing", "ready", "launched", "paused")


def visible_segments(app, table: RegionTable, y: int):
    """The segments of line y as the terminal gets them (after the app's filters, e.g. NO_COLOR)."""
    strip = table.render_line(y)
    for line_filter in app._filters:
        strip = strip.apply_filter(line_filter, app.styles.background)
    return [s for s in strip if s.text.strip()]


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_every_cell_of_the_cursor_row_is_readable(make_app, db_path, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.screen.query_one("#regions", RegionTable)
        statuses = {row.status for row in table.rows}
        assert {"planned", "launched"} <= statuses
        for status in sorted(statuses):
            table.move_to(next(r.code for r in table.rows if r.status == status))
            await settle(pilot)
            segments = visible_segments(app, table, table.cursor_row + 1)
            assert status in "".join(s.text for s in segments)
            for segment in segments:
                style = segment.style
                # The terminal's own two colours (NO_COLOR) differ, whatever their names say.
                terminal_colours = style.color is not None and style.color.is_default and style.bgcolor.is_default
                assert terminal_colours or style.color != style.bgcolor, f"{segment.text!r} is in its background colour"


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_the_critical_checkbox_is_drawn_whole_with_its_label(make_app, width):
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        app.open_region("PL", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, FormScreen)
        box = app.screen.query_one("#field-critical", Checkbox)
        await settle(pilot)
        assert box.region.width >= len("▐X▌ critical")
        assert "critical" in str(box.label).lower()


async def test_at_80_columns_every_sort_shows_its_marker_and_a_cut_column_ends_in_an_ellipsis(make_app):
    from rollout.tui.widgets.region_table import COLUMNS, SORT_COLUMN, RegionTable

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#regions", RegionTable)
        assert table.render_line(0).text.rstrip().endswith("…")  # STATUS at the edge, cut: ST…
        assert table.render_line(1).text.rstrip().endswith("…")
        seen = []
        while table.sort not in seen:
            seen.append(table.sort)
            header = table.render_line(0).text
            assert COLUMNS[SORT_COLUMN[table.sort]].header[:2] in header and "▲" in header, (table.sort, header)
            await pilot.press("s")
            await pilot.pause()
        assert {"status", "wave"} <= set(seen)


async def test_the_checklist_names_its_open_critical_filter_and_cuts_no_column_at_the_edge(make_app):
    from rollout.tui.screens.region import RegionScreen
    from rollout.tui.widgets.base import RecordTable

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_region("PL", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        table = app.screen.query_one("#items", RecordTable)
        for _show in ("open", "critical", "overdue", "mine", "all"):
            await pilot.press("f")
            await settle(pilot)
            edge = table.scrollable_content_region.width
            start = 0
            for column in table.columns.values():
                end = start + column.get_render_width(table)
                assert not start < edge < end, (column.label.plain, start, end, edge)
                start = end
        await pilot.press("f", "f")
        progress = str(app.screen.query_one("#progress").render())
        assert "f shows: open critical (" in progress


def filtered(app, strip):
    for line_filter in app._filters:
        strip = strip.apply_filter(line_filter, app.styles.background)
    return [s for s in strip if s.text.strip()]


def is_reverse_video(segments) -> bool:
    """Every segment in the terminal's own colours, reversed: what NO_COLOR users are promised."""
    default = {None, "default"}
    return bool(segments) and all(
        s.style.reverse
        and (s.style.color is None or s.style.color.name in default)
        and (s.style.bgcolor is None or s.style.bgcolor.name in default)
        for s in segments
    )


async def test_with_no_color_every_cursor_row_is_reverse_video_not_a_grey_band(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        regions = app.screen.query_one("#regions", RegionTable)
        assert is_reverse_video(filtered(app, regions.render_line(regions.cursor_row + 1)))
        other = filtered(app, regions.render_line(regions.cursor_row + 2))
        assert other and not any(s.style.reverse for s in other)  # only the cursor row
        assert all(s.style.bgcolor is None or s.style.bgcolor.name == "default" for s in other)  # no grey anywhere
        app.open_region("PL", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        items = app.screen.query_one("#items")
        items.focus()
        await settle(pilot)
        line = items.cursor_row + 1 - round(items.scroll_y)  # the header is line 0
        assert is_reverse_video(filtered(app, items.render_line(line)))
