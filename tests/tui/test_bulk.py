"""Marks and bulk actions: a filter, a mark-all and one form make one change, previewed first."""

from __future__ import annotations

from tui_helpers import load, record_notices, settle, type_text, wait_until

from rollout import queries, times
from rollout.tui.screens.forms import ChoiceScreen, ConfirmScreen, FormScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.screens.regions import RegionsScreen
from rollout.tui.widgets.base import RecordTable
from rollout.tui.widgets.form import FormFields
from rollout.tui.widgets.region_table import RegionTable


def table(app) -> RegionTable:
    return app.screen.query_one("#regions", RegionTable)


async def test_a_promotion_for_every_wave_5_region_is_one_change_after_a_preview(make_app, db_path):
    before = load(db_path)
    wave5 = [r["code"] for r in queries.sorted_regions(before) if r["wave"] == 5]
    assert len(wave5) >= 2
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "wave=5")
        shown = [r.code for r in table(app).rows]  # the order the command lists them in
        await pilot.press("enter", "V", "b")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("2")  # Add a promotion…
        assert isinstance(app.screen, FormScreen)
        await type_text(pilot, "Spring Sale")
        form = app.screen.query_one("#form", FormFields)
        form.set_value("start", "2027-04-01")
        form.set_value("end", "2027-04-08")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        preview = str(app.screen.query_one(".dialog-question").render())
        assert f"would apply: {len(wave5)} promotions added." in preview
        assert preview.count("add promotion ") == len(wave5)
        assert load(db_path).revision == before.revision  # nothing written before the answer
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionsScreen))
        assert table(app).marked == set()
    after = load(db_path)
    added = [p for p in after.promotions.values() if p["name"] == "Spring Sale"]
    assert sorted(p["region"] for p in added) == sorted(wave5)
    assert len(after.history) == len(before.history) + 1
    entry = after.history[-1]
    assert sorted(shown) == sorted(wave5)
    assert entry["command"].startswith("tui: promo add " + " ".join(shown))


async def test_no_to_the_preview_writes_nothing(make_app, db_path):
    before = db_path.read_bytes()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("v", "v", "b", "4")  # two regions, Owner…
        await type_text(pilot, "sam")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "would apply: 2 regions changed." in str(app.screen.query_one(".dialog-question").render())
        await pilot.press("n")
    assert db_path.read_bytes() == before


async def test_marked_checklist_items_are_ticked_in_one_change(make_app, db_path):
    open_items = [i["id"] for i in load(db_path).items_of("PL") if i["status"] == "open"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_region("PL", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        items = app.screen.query_one("#items", RecordTable)
        await pilot.press("f")  # open items only
        assert items.shown_keys == open_items
        await pilot.press("V", "b", "1", "y")
    state = load(db_path)
    assert all(state.items[i]["status"] == "done" for i in open_items)
    assert state.history[-1]["command"] == "tui: check done PL " + " ".join(open_items)


async def test_checklist_filter_shows_open_critical_overdue_and_mine(make_app, db_path):
    from tui_helpers import load as load_state

    state = load_state(db_path)
    now = times.now()
    items = state.items_of("AU")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_region("AU", "checklist")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
        await settle(pilot)
        table = app.screen.query_one("#items", RecordTable)
        expected = {
            "open": [i["id"] for i in items if i["status"] != "done"],
            "critical": [i["id"] for i in items if i["critical"] and i["status"] != "done"],
            "overdue": [
                i["id"] for i in items if i["status"] != "done" and queries.is_overdue(i, "Australia/Sydney", now)
            ],
            "mine": [i["id"] for i in items if i["owner"] == "tester"],
            "all": [i["id"] for i in queries.checklist(state, "AU")],
        }
        for show in ("open", "critical", "overdue", "mine", "all"):
            await pilot.press("f")
            assert sorted(table.shown_keys) == sorted(expected[show]), show


async def test_y_copies_the_id_and_Y_the_row(make_app):
    app = make_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        first = table(app).cursor_code
        await pilot.press("y", "Y")
        assert copied[0] == first
        assert copied[1].startswith(first + "\t") and "\t" in copied[1]


async def test_bulk_preview_and_notices_carry_the_warnings_batch_dry_run_prints(make_app, db_path, rollout):
    # A sale before some wave-5 launches: batch --dry-run warns (starts before launch, overlaps...).
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "wave=5")
        await pilot.press("enter", "V", "b", "2")
        await type_text(pilot, "Spring Sale")
        form = app.screen.query_one("#form", FormFields)
        form.set_value("start", "2027-03-01")
        form.set_value("end", "2027-03-07")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        preview = str(app.screen.query_one(".dialog-question").render())
        command = preview.splitlines()[0].removeprefix("tui: ")
        dry = rollout("batch", "-", "--dry-run", input=command + "\n")
        assert dry.exit_code == 0
        expected = [line.replace("line 1: ", "", 1) for line in dry.stderr.splitlines() if line.startswith("Warning:")]
        assert expected  # the case warns at all
        assert [line for line in preview.splitlines() if line.startswith("Warning:")] == expected
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionsScreen))
    shown = [n.removeprefix("warning: ") for n in notices if n.startswith("warning: ")]
    assert [f"Warning: {n}" for n in shown] == expected
