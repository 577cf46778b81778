"""Follow-ups of issue 19 in the TUI: region warnings on the Overview form, the hand-over dialog,
refusals that say how to force."""

from __future__ import annotations

import json

import pytest
from tui_helpers import load, open_region, record_notices, settle, type_text, wait_until

from rollout import handover, ops
from rollout.tui.app import RolloutApp
from rollout.tui.bulk import confirm_change
from rollout.tui.screens.forms import ConfirmScreen, FormScreen
from rollout.tui.screens.owners import OwnersScreen
from rollout.tui.widgets.base import RecordTable
from rollout.tui.widgets.form import FormFields


# -- region warnings on the Overview form -------------------------------------------------------------
async def test_overview_form_warns_of_a_zone_or_currency_not_of_the_country(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        notices = record_notices(app)
        screen = await open_region(pilot, "PL")
        form = screen.query_one("#region-form", FormFields)
        form.set_value("currency", "JPY")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: load(db_path).region("PL")["currency"] == "JPY")
        await pilot.pause()
        assert "warning: PL: currency JPY is not Poland's (PLN)" in notices
        assert not any("time zone" in n for n in notices)  # the zone was not saved: not judged
        notices.clear()
        form.set_value("name", "Polska")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: load(db_path).region("PL")["name"] == "Polska")
        await pilot.pause()
        assert not any("currency" in n for n in notices)  # only the fields saved are judged


# -- hand-over from the Owners screen -----------------------------------------------------------------
async def open_handover(pilot, owner: str) -> FormScreen:
    await pilot.press("O")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, OwnersScreen))
    await settle(pilot)
    pilot.app.screen.query_one("#owners", RecordTable).select_key(owner)
    await pilot.press("h")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormScreen))
    await pilot.pause()
    return pilot.app.screen


def _preview(form: FormScreen) -> str:
    return str(form.query_one("#preview").render())


async def test_handover_dialog_previews_then_hands_over_in_one_undoable_change(make_app, db_path):
    before = load(db_path)
    moving = handover.to_hand_over(before, "payments")
    assert moving.items and moving.regions == []
    revision = len(before.history)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_handover(pilot, "payments")
        assert f"Would hand over {len(moving.items)} open items and no region" in _preview(form)
        await type_text(pilot, "Nadia")
        await pilot.pause()
        assert _preview(form).endswith("to Nadia.")
        assert load(db_path).items == before.items  # the preview is a dry run
        form.fields.set_value("regions", "PL")
        await pilot.pause()
        in_pl = [i for i in moving.items if i["region"] == "PL"]
        assert f"Would hand over {len(in_pl)} open items" in _preview(form)
        form.fields.set_value("regions", "")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, OwnersScreen))
        after = load(db_path)
        assert all(after.items[i["id"]]["owner"] == "Nadia" for i in moving.items)
        assert len(after.history) == revision + 1  # one change
        assert after.history[-1]["command"] == "tui: handover payments Nadia"
        await settle(pilot)
        assert "Nadia" in app.screen.query_one("#owners", RecordTable).shown_keys
        await pilot.press("u")
        await wait_until(pilot, lambda: load(db_path).items == before.items)


async def test_handover_dialog_refuses_the_same_person_and_an_unknown_region(make_app, db_path):
    before = db_path.read_bytes()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_handover(pilot, "payments")
        await type_text(pilot, " PAYMENTS")
        await pilot.pause()
        assert "same person" in str(form.query_one("#form-error").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and db_path.read_bytes() == before
        form.fields.set_value("to", "nadia")
        form.fields.set_value("regions", "QQ")
        await pilot.pause()
        assert "QQ" in _preview(form)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "QQ" in str(form.query_one("#form-error").render())
        assert db_path.read_bytes() == before


async def test_handover_is_not_offered_in_a_read_only_session(make_app, db_path):
    app = make_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("O")
        await wait_until(pilot, lambda: isinstance(app.screen, OwnersScreen))
        await settle(pilot)
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, OwnersScreen)


def test_handover_dialog_snapshot(snap_compare, db_path):
    async def open_dialog(pilot) -> None:
        await open_handover(pilot, "payments")
        await type_text(pilot, "nadia")
        await pilot.pause()

    assert snap_compare(RolloutApp(db_path, user="tester"), terminal_size=(80, 24), run_before=open_dialog)


# -- refusals of a rule: ask to force, or say how to force from the CLI --------------------------------
async def _save_a_moved_launch(pilot, code: str) -> None:
    """On region `code`'s Overview form, move the launch to 2030-01-15 and save: the Force? question."""
    screen = await open_region(pilot, code)
    screen.query_one("#region-form", FormFields).set_value("launch", "2030-01-15")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))


async def test_moving_a_launched_regions_launch_asks_to_force_then_saves_forced(make_app, db_path):
    launched = next(r for r in load(db_path).regions.values() if r["status"] == "launched")
    code = launched["code"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _save_a_moved_launch(pilot, code)
        question = str(app.screen.query_one(".dialog-question").render())
        assert f"cannot move the launch of {code}: it has already launched" in question
        assert "Force?" in question and "--force" not in question
        assert load(db_path).region(code)["launch"] == launched["launch"]
        await pilot.press("y")
        await wait_until(pilot, lambda: load(db_path).region(code)["launch"] != launched["launch"])
        entry = load(db_path).history[-1]
        assert entry["command"] == f"tui: region set {code} --launch 2030-01-15 --force"
        assert "forced move" in entry["notes"][0]


async def test_moving_a_launched_regions_launch_answered_no_saves_nothing(make_app, db_path):
    code = next(r["code"] for r in load(db_path).regions.values() if r["status"] == "launched")
    before = db_path.read_bytes()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _save_a_moved_launch(pilot, code)
        await pilot.press("n")
        await pilot.pause()
        assert db_path.read_bytes() == before


@pytest.fixture
def undo_crossing_a_rule(rollout, db_path):
    """tester's newest change is reopening an item; since then ops reopened the item it waits
    for, so undoing tester's change would tick an item whose blocker is open."""
    added = rollout("--user", "tester", "check", "add", "PL", "Promo live", "--after", "c334", "--json")
    item = json.loads(added.stdout)["changed"]["checklist"][0]["id"]
    assert rollout("--user", "tester", "check", "done", item).exit_code == 0
    assert rollout("--user", "tester", "check", "reopen", item).exit_code == 0
    assert rollout("--user", "ops", "check", "reopen", "c334").exit_code == 0
    return item


async def test_an_undo_that_crosses_a_rule_asks_to_force(make_app, db_path, undo_crossing_a_rule):
    item = undo_crossing_a_rule
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one(".dialog-question").render())
        assert f"would tick {item}, which waits for c334" in question and "Force?" in question
        assert load(db_path).items[item]["status"] != "done"
        await pilot.press("y")
        await wait_until(pilot, lambda: load(db_path).items[item]["status"] == "done")
        entry = load(db_path).history[-1]
        assert entry["command"] == "tui: undo --force" and "forced tick" in entry["notes"][0]


async def test_a_bulk_tick_refused_by_a_rule_says_how_to_force_it_from_the_cli(make_app, db_path, rollout):
    added = rollout("--user", "tester", "check", "add", "PL", "Promo live", "--after", "c337", "--json")
    item = json.loads(added.stdout)["changed"]["checklist"][0]["id"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        notices = record_notices(app)
        confirm_change(app, f"check done PL {item}", lambda s: ops.set_items_done(s, "PL", [item], True, "tester"))
        await pilot.pause()
        (refusal,) = [n for n in notices if n.startswith("error:")]
        assert "waits for c337" in refusal and "use --force" not in refusal
        assert refusal.endswith(f"to force it: rollout check done PL {item} --force")


async def test_move_launch_of_a_launched_region_says_how_to_force_it(make_app, db_path):
    code = next(r["code"] for r in load(db_path).regions.values() if r["status"] == "launched")
    before = db_path.read_bytes()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        notices = record_notices(app)
        await open_region(pilot, code)
        await pilot.press("m")
        await pilot.pause()
        assert any(f"rollout region set {code} --launch WHEN --force" in n for n in notices)
        assert not isinstance(app.screen, FormScreen) and db_path.read_bytes() == before
