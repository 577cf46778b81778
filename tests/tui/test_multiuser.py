"""Two people on one database: a CLI edit between TUI keystrokes never loses or silently undoes a change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tui_helpers import load, settle, type_text, wait_until

from rollout.tui.screens.forms import FormScreen, UnsavedScreen
from rollout.tui.screens.region import RegionScreen
from rollout.tui.screens.regions import RegionsScreen
from rollout.tui.widgets.form import FormFields

BACKENDS = ("file", "postgres")  # every test taking a database runs on both (tests/conftest.py)


def colleague(db: Path, *args: str) -> None:
    """Another process writing the same file, as a colleague at the CLI would."""
    subprocess.run(
        [sys.executable, "-m", "rollout", "--db", str(db), "--user", "ops", *args], check=True, capture_output=True
    )


async def open_tab(pilot, code: str, tab: str, key: str | None = None) -> RegionScreen:
    pilot.app.open_region(code, tab, key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RegionScreen))
    await settle(pilot)
    return pilot.app.screen


def form(app) -> FormFields:
    return app.screen.query_one("#form", FormFields)


async def test_a_field_never_touched_is_never_written_after_a_refused_save(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "PL", "checklist", "c337")
        await pilot.press("e")
        assert isinstance(app.screen, FormScreen)
        await pilot.press("end")
        await type_text(pilot, " (v2)")
        app.poll_timer.pause()  # the user saves before this screen noticed the other write
        colleague(db_path, "check", "edit", "PL", "c337", "--due", "2027-02-25", "--title", "Carrier signed")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, FormScreen)  # refused: they changed the title too
        assert "now 'Carrier signed' in the database" in str(app.screen.query_one("#note-title").render())
        assert form(app).value("due") == "2027-02-25"  # the untouched field now shows theirs
        await pilot.press("ctrl+s")  # the user has seen their title: save mine knowingly
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    item = load(db_path).items["c337"]
    assert item["title"].endswith(" (v2)")
    assert item["due"].startswith("2027-02-25")  # the colleague's due date stands


async def test_an_open_edit_form_follows_the_database_in_untouched_fields(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "PL", "checklist", "c337")
        await pilot.press("e")
        await pilot.press("end")
        await type_text(pilot, "!")
        colleague(db_path, "check", "edit", "PL", "c337", "--due", "2027-02-25", "--owner", "ola")
        await wait_until(pilot, lambda: form(app).value("owner") == "ola")
        assert form(app).value("due") == "2027-02-25"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    item = load(db_path).items["c337"]
    assert (item["owner"], item["title"][-1]) == ("ola", "!")
    assert item["due"].startswith("2027-02-25")


async def test_a_promotion_form_writes_only_the_fields_typed_in(make_app, db_path):
    promo = min(load(db_path).promotions_of("NL"), key=lambda p: p["start"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "NL", "promotions", promo["id"])
        await pilot.press("e")
        assert isinstance(app.screen, FormScreen)
        await pilot.press("end")
        await type_text(pilot, " XL")
        app.poll_timer.pause()
        colleague(db_path, "promo", "edit", promo["id"], "--kind", "flash")
        await pilot.press("ctrl+s")
        if isinstance(app.screen, FormScreen):  # refused once (the file moved on); the second save is knowing
            await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    saved = load(db_path).promotions[promo["id"]]
    assert (saved["name"], saved["kind"]) == (promo["name"] + " XL", "flash")


async def test_escape_from_a_modified_form_asks_and_stay_keeps_the_text(make_app, db_path):
    app = make_app()
    before = load(db_path).revision
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "PL", "checklist")
        await pilot.press("a")
        await type_text(pilot, "Carrier SLA")
        assert "modified" in str(app.screen.query_one("#form-title").render())
        await pilot.press("escape")
        assert isinstance(app.screen, UnsavedScreen)
        await pilot.press("escape")  # stay
        assert isinstance(app.screen, FormScreen) and form(app).value("title") == "Carrier SLA"
        await pilot.press("escape", "d")  # discard
        assert isinstance(app.screen, RegionScreen)
        assert load(db_path).revision == before
        await pilot.press("a")
        await type_text(pilot, "Carrier SLA")
        await pilot.press("escape", "s")  # save
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    assert any(i["title"] == "Carrier SLA" for i in load(db_path).items_of("PL"))


async def test_an_untouched_form_closes_without_asking(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "PL", "checklist")
        await pilot.press("e", "escape")
        assert isinstance(app.screen, RegionScreen)


async def test_leaving_or_quitting_with_unsaved_overview_edits_asks(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "NL", "overview")
        screen.query_one("#region-form", FormFields).set_value("owner", "femke")
        await settle(pilot)
        assert "modified: owner" in str(screen.query_one("#overview-modified").render())
        await pilot.press("escape")
        assert isinstance(app.screen, UnsavedScreen)
        await pilot.press("escape")  # stay
        assert app.screen is screen
        await pilot.press("q")
        assert isinstance(app.screen, UnsavedScreen)
        await pilot.press("s")  # save, then quit
        await wait_until(pilot, lambda: not app.is_running)
    assert load(db_path).region("NL")["owner"] == "femke"


async def test_discarding_unsaved_overview_edits_leaves_the_region(make_app, db_path):
    app = make_app()
    before = load(db_path).revision
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "NL", "overview")
        screen.query_one("#region-form", FormFields).set_value("owner", "femke")
        await settle(pilot)
        await pilot.press("escape", "d")
        assert isinstance(app.screen, RegionsScreen)
    assert load(db_path).revision == before


async def test_a_reload_read_before_the_sessions_own_later_edit_does_not_replace_it(make_app, db_path):
    """A reload worker that read the file between two of this session's own edits (keys in a burst)
    lands after the second: what it read is older than the screen, so it is dropped, and the next
    edit is based on the newest data (before, the second edit vanished from the screen and the
    third was refused as stale)."""
    import threading

    from rollout import ops

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        read, release = threading.Event(), threading.Event()
        load = app.session.load

        def paused_load():
            snapshot = load()
            if threading.current_thread() is not threading.main_thread():
                read.set()
                release.wait(10)
            return snapshot

        app.session.load = paused_load
        first = app.edit("check edit", lambda state: ops.edit_item(state, "PL", "c337", title="First"))
        app.poll_file()  # this session's own write: the worker reads it and pauses
        await wait_until(pilot, read.is_set)
        second = app.edit("check edit", lambda state: ops.edit_item(state, "PL", "c337", owner="second"))
        release.set()
        await wait_until(pilot, lambda: not app._reloading)
        assert first is not None and second is not None
        assert app.snapshot.revision == second.snapshot.revision
        assert app.snapshot.state.items["c337"]["owner"] == "second"
        third = app.edit("check edit", lambda state: ops.edit_item(state, "PL", "c337", due="2027-03-01"))
        assert third is not None and not third.applied_on_fresh_data
        stored = load().state.items["c337"]
        assert (stored["title"], stored["owner"], stored["due"][:10]) == ("First", "second", "2027-03-01")


def span_of(db: Path, promo_id: str) -> str:
    """A promotion's dates as the Move dialog's title shows them (region-local)."""
    from rollout import times

    state = load(db)
    promo = state.promotions[promo_id]
    tz = state.region(promo["region"])["timezone"]
    return f"(now {times.local_display(promo['start'], tz)} - {times.local_display(promo['end'], tz)})"


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_the_move_dialog_follows_a_colleagues_move_and_moves_from_there(make_app, db_path):
    promo_id = load(db_path).promotions_of("NL")[0]["id"]
    before = load(db_path).promotions[promo_id]["start"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "NL", "promotions", promo_id)
        await pilot.press("m")
        await type_text(pilot, "1d")
        assert span_of(db_path, promo_id) in shown(app, "#form-title")
        colleague(db_path, "promo", "move", promo_id, "--by", "1d")
        await wait_until(pilot, lambda: span_of(db_path, promo_id) in shown(app, "#form-title"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    from datetime import timedelta

    from rollout import times

    moved = load(db_path).promotions[promo_id]["start"]
    assert times.instant(moved) - times.instant(before) == timedelta(days=2)  # the colleague's day, then this one


@pytest.mark.file_only  # holds the file's change poll so a colleague's change lands between two reads
async def test_a_move_refused_as_stale_says_who_moved_it_and_shows_the_dates_now(make_app, db_path):
    promo_id = load(db_path).promotions_of("NL")[0]["id"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "NL", "promotions", promo_id)
        await pilot.press("m")
        await type_text(pilot, "1d")
        app.poll_timer.pause()  # the colleague's move lands between two reads of the file
        colleague(db_path, "promo", "move", promo_id, "--by", "1d")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "while this was open" in shown(app, "#form-error"))
        error = shown(app, "#form-error")
        assert "by ops (#" in error and "reload" not in error
        assert span_of(db_path, promo_id) in shown(app, "#form-title")
        await pilot.press("enter")  # as the message says: enter moves it from the dates shown
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    assert [e["user"] for e in load(db_path).history[-2:]] == ["ops", "tester"]


def launch_of(db: Path, code: str) -> str:
    from rollout import times

    region = load(db).region(code)
    return f"(now {times.local_display(region['launch'], region['timezone'])})"


@pytest.mark.file_only  # holds the file's change poll so a colleague's change lands between two reads
async def test_the_launch_move_dialog_follows_a_colleague_and_a_refusal_says_who(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "NL", "overview")
        await pilot.press("m")
        await type_text(pilot, "1d")
        colleague(db_path, "shift", "NL", "--by", "1d")
        await wait_until(pilot, lambda: launch_of(db_path, "NL") in shown(app, "#form-title"))
        app.poll_timer.pause()
        colleague(db_path, "shift", "NL", "--by", "1d")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "while this was open" in shown(app, "#form-error"))
        assert "by ops (#" in shown(app, "#form-error")
        assert launch_of(db_path, "NL") in shown(app, "#form-title")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen) and not app.screen.query(FormScreen))
    assert [e["user"] for e in load(db_path).history[-3:]] == ["ops", "ops", "tester"]


async def test_a_reload_landing_while_the_app_shuts_down_is_dropped(make_app, db_path):
    """A reload worker's result can land while the app shuts down (another user wrote just before
    quitting), after the screens lost their widgets: it must not reach them."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "PL", "checklist", "c337")
        colleague(db_path, "region", "set", "PL", "--owner", "ola")
        app.exit()
        await screen.remove_children()  # what closing the screens at exit does first
        app.apply_snapshot(app.session.load())
        assert app.snapshot.state.regions["PL"]["owner"] == "ola"
