"""The Templates screen, its apply with a dry-run preview, and notes from the item, promotion and
region panes (issue 21): pilot tests against the file, and snapshots at 80x24 and 120x40.

Regenerate the snapshots after an intended change with `--snapshot-update`, then look at the SVGs."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from tui_helpers import load, type_text, wait_until

from rollout.tui.app import RolloutApp
from rollout.tui.screens.forms import FormScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.screens.templates import TemplatesScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _with_korea(db_path) -> None:
    """KR planned (launch 2 March 2027) without its checklist, and `standard` with one more item."""
    from rollout import ops, templates
    from rollout.db import Database

    with Database(db_path).transaction("tester", "setup") as state:
        ops.add_region(state, "KR", name="South Korea", timezone="Asia/Seoul", currency="KRW", launch="2027-03-02")
        templates.edit_template(state, "standard", "kr-cert", "tester", title="KC certification", due="-20wd")


async def test_a_template_is_applied_after_a_preview(make_app, db_path):
    _with_korea(db_path)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, TemplatesScreen))
        items = str(app.screen.query_one("#template-items", Static).render())
        assert "kr-cert" in items and "-20wd" in items
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        await type_text(pilot, "KR")
        await pilot.pause()
        preview = str(app.screen.query_one("#preview", Static).render())
        assert "+ KR c385   item      legal-entity: add" in preview and "… and 11 more" in preview
        assert "would apply: 19 added" in preview
        assert load(db_path).items_of("KR") == []  # a preview writes nothing
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TemplatesScreen))
    state = load(db_path)
    assert len(state.items_of("KR")) == 19
    assert {i["origin"]["template"] for i in state.items_of("KR")} == {"standard"}
    assert [e["command"] for e in state.history][-1] == "tui: template apply standard KR"


async def test_a_bad_region_in_the_apply_dialog_writes_nothing(make_app, db_path):
    before = db_path.read_bytes()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, TemplatesScreen))
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        for _ in range(4):
            await pilot.press("backspace")
        await type_text(pilot, "AQ")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # refused in the form, which stays open
    assert db_path.read_bytes() == before


async def test_notes_are_added_from_the_item_promotion_and_region_panes(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_region("PL", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await pilot.pause()
        item = app.screen.query_one("#items").cursor_key
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        await type_text(pilot, "Filed with the court")
        await pilot.press("tab")
        await type_text(pilot, "https://example.com/f/1")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await pilot.pause()
        detail = str(app.screen.query_one("#item-detail", Static).render())
        assert "1 note" in detail and "Filed with the court <https://example.com/f/1>" in detail
        await pilot.press("3")
        await pilot.pause()
        promo = app.screen.query_one("#promos").cursor_key
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        await type_text(pilot, "Budget approved")
        await pilot.press("tab")
        await type_text(pilot, "javascript:alert(1)")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # a link that is not http(s) is refused in the form
        for _ in range(len("javascript:alert(1)")):
            await pilot.press("backspace")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("N")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        await type_text(pilot, "Kickoff done")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await pilot.pause()
        facts = str(app.screen.query_one("#overview-facts", Static).render())
        assert "Notes: 1 note" in facts and "tester: Kickoff done" in facts
    state = load(db_path)
    assert [(n["user"], n["text"], n["link"]) for n in state.items[item]["notes"]] == [
        ("tester", "Filed with the court", "https://example.com/f/1")
    ]
    assert [n["text"] for n in state.promotions[promo]["notes"]] == ["Budget approved"]
    assert [n["text"] for n in state.region("PL")["notes"]] == ["Kickoff done"]


async def test_a_not_applicable_item_shows_why(make_app, db_path):
    from rollout import templates
    from rollout.db import Database

    item = next(i for i in load(db_path).items_of("PL") if i["status"] == "open")
    with Database(db_path).transaction("tester", "check na") as state:
        templates.set_not_applicable(state, None, item["id"], "No such rule in PL")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_region("PL", "checklist", item["id"])
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await pilot.pause()
        detail = str(app.screen.query_one("#item-detail", Static).render())
        assert "not applicable: No such rule in PL" in detail


async def test_a_late_critical_item_marked_not_applicable_is_neither_late_nor_gating(make_app, db_path):
    from rollout import ops, queries, templates
    from rollout.db import Database
    from rollout.tui.widgets.base import RecordTable

    item = next(i for i in load(db_path).items_of("PL") if i["status"] == "open")
    with Database(db_path).transaction("tester", "check edit") as state:  # due long before the pinned clock
        ops.edit_item(state, None, item["id"], critical=True, due="2026-01-05")
    assert queries.is_overdue(load(db_path).items[item["id"]], "Europe/Warsaw", queries.times.now())
    with Database(db_path).transaction("tester", "check na") as state:
        templates.set_not_applicable(state, None, item["id"], "No such rule in PL")
    assert not queries.is_overdue(load(db_path).items[item["id"]], "Europe/Warsaw", queries.times.now())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_region("PL", "checklist", item["id"])
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await pilot.pause()
        row = [str(cell) for cell in app.screen.query_one("#items", RecordTable).get_row(item["id"])]
        assert "n/a" in row and not any("late" in cell for cell in row), row
        detail = str(app.screen.query_one("#item-detail", Static).render())
        assert "critical (not gating: not applicable)" in detail and "gates launch" not in detail


async def open_templates(pilot) -> None:
    await pilot.press("P")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_templates_screen(snap_compare, db_path, size):
    assert snap_compare(RolloutApp(db_path, user="tester"), terminal_size=size, run_before=open_templates)


@pytest.mark.parametrize("size", SIZES)
def test_apply_preview(snap_compare, db_path, size):
    _with_korea(db_path)
    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, run_before=open_templates, press=["a", "K", "R"])


@pytest.mark.parametrize("size", SIZES)
def test_note_dialog(snap_compare, db_path, size):
    async def open_item_note(pilot) -> None:
        pilot.app.open_region("PL", "checklist")
        await pilot.pause()

    app = RolloutApp(db_path, user="tester")
    assert snap_compare(app, terminal_size=size, run_before=open_item_note, press=["n", "F", "i", "l", "e", "d"])
