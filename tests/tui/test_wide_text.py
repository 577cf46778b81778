"""Text is measured in terminal cells (rollout.text: wide characters take two) in every TUI column."""

from __future__ import annotations

from tui_helpers import settle, wait_until

from rollout import ops
from rollout.db import Database
from rollout.text import display_width
from rollout.tui.screens.region import RegionScreen
from rollout.tui.widgets.region_table import COLUMNS, INDEX, RegionTable

WIDE_NAME = "オランダ王国"  # 6 characters, 12 cells
WIDE_OWNER = "山田太郎"


def widen(db_path) -> str:
    """NL named in wide characters, an open PL item titled and owned in them: the item's id."""
    with Database(db_path).transaction("tester", "test") as state:
        ops.set_regions(state, ["NL"], name=WIDE_NAME)
        item = next(i for i in state.items_of("PL") if i["status"] == "open")
        ops.edit_item(state, "PL", item["id"], title="検収テスト" * 6, owner=WIDE_OWNER)
    return item["id"]


async def test_the_regions_table_lines_up_wide_names(make_app, db_path):
    widen(db_path)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#regions", RegionTable)
        name = table.widths[INDEX["NAME"]]
        assert name >= display_width(WIDE_NAME)
        header = table.render_line(0)
        row = table.render_line(1 + next(i for i, r in enumerate(table.rows) if r.code == "NL"))
        assert header.cell_length == row.cell_length == table.size.width
        text, head = "".join(s.text for s in row), "".join(s.text for s in header)
        assert WIDE_NAME in text
        # The column after NAME starts in the same cell on both lines.
        health = COLUMNS[INDEX["HEALTH"]].header

        def cells_before(line: str, part: str) -> int:
            return display_width(line[: line.index(part)])

        assert cells_before(text, "on track") - 2 == cells_before(head, health)


async def test_the_checklist_fits_wide_titles_and_owners(make_app, db_path):
    item_id = widen(db_path)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_region("PL", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        table = app.screen.query_one("#items")
        row = table.get_row(item_id)
        shown = [str(cell) for cell in row]
        assert WIDE_OWNER in shown  # 8 cells: fits the owner column whole
        title = next(cell for cell in shown if cell.startswith("検収"))
        assert title.endswith("…")
        # Cut to the room left in cells, so the whole row fits the screen (DataTable pads each cell by one).
        assert sum(display_width(cell) + 2 for cell in shown) <= table.size.width
