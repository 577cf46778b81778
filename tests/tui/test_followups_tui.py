"""Follow-ups of issue 19 in the TUI: region warnings on the Overview form, the hand-over dialog,
refusals that say how to force."""

from __future__ import annotations

from tui_helpers import load, record_notices, type_text, wait_until

from rollout.tui.screens.region import RegionScreen
from rollout.tui.widgets.form import FormFields


async def open_region(pilot, code: str) -> RegionScreen:
    await pilot.press("slash")
    await type_text(pilot, code)
    await pilot.press("enter", "enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RegionScreen))
    await pilot.pause()
    return pilot.app.screen


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
