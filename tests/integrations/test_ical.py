"""`rollout export --format ics`: parsed back with icalendar, every event's instant and timezone checked."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar
from integration_helpers import load


def parse(text: str) -> Calendar:
    return Calendar.from_ical(text)


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def export_ics(rollout, *args: str) -> Calendar:
    result = rollout("export", "--format", "ics", *args)
    assert result.exit_code == 0, result.stderr
    return parse(result.stdout)


def test_one_event_per_launch_and_per_promotion_at_the_stored_instant(rollout, db_path):
    calendar = export_ics(rollout)
    state = load(db_path)
    events = events_by_uid(calendar)
    # A launch event is at the actual launch once it happened, else at the target.
    launches = {
        code: r["launched_at"] or r["launch"] for code, r in state.regions.items() if r["launched_at"] or r["launch"]
    }
    assert len(events) == len(launches) + len(state.promotions)
    for code, launch in launches.items():
        event = events[f"launch-{code}@rollout"]
        start = event.decoded("dtstart")
        assert start == datetime.fromisoformat(launch)
        assert event["dtstart"].params["TZID"] == state.regions[code]["timezone"]
        assert [str(c) for c in event["categories"].cats] == [code, "launch"]
    for promo in state.promotions.values():
        event = events[f"promotion-{promo['id']}@rollout"]
        tz = state.regions[promo["region"]]["timezone"]
        assert event.decoded("dtstart") == datetime.fromisoformat(promo["start"])
        assert event.decoded("dtend") == datetime.fromisoformat(promo["end"])
        assert event["dtstart"].params["TZID"] == tz and event["dtend"].params["TZID"] == tz
        assert [str(c) for c in event["categories"].cats] == [promo["region"], "promotion", promo["kind"]]


def test_every_timezone_used_has_its_vtimezone(rollout, db_path):
    calendar = export_ics(rollout)
    defined = {str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")}
    assert defined == {r["timezone"] for r in load(db_path).regions.values()}
    assert calendar.get_missing_tzids() == set()


def test_reexport_keeps_uids_and_raises_the_sequence_so_calendars_update(rollout, db_path):
    before = events_by_uid(export_ics(rollout))
    assert rollout("promo", "move", "p61", "--by", "1d").exit_code == 0
    assert rollout("region", "set", "NL", "--launch", "2027-02-02T09:00").exit_code == 0
    after = events_by_uid(export_ics(rollout))
    assert set(after) == set(before)
    assert after["promotion-p61@rollout"].decoded("dtstart") != before["promotion-p61@rollout"].decoded("dtstart")
    assert int(after["promotion-p61@rollout"]["sequence"]) > int(before["promotion-p61@rollout"]["sequence"])
    nl = after["launch-NL@rollout"]
    assert nl.decoded("dtstart").isoformat() == "2027-02-02T09:00:00+01:00"
    assert str(nl["status"]) == "TENTATIVE"
    assert str(after["launch-JP@rollout"]["status"]) == "CONFIRMED"


def test_what_picks_launches_or_promotions(rollout, db_path):
    promos = events_by_uid(export_ics(rollout, "--what", "promos"))
    assert promos and all(uid.startswith("promotion-") for uid in promos)
    launches = events_by_uid(export_ics(rollout, "--what", "regions"))
    assert launches and all(uid.startswith("launch-") for uid in launches)


def test_checklist_has_no_calendar_form(rollout):
    result = rollout("export", "--format", "ics", "--what", "checklist")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "iCalendar export holds launches and promotions" in result.stderr


def test_an_instant_stored_with_another_offset_keeps_its_instant(rollout, db_path):
    assert (
        rollout("promo", "add", "JP", "Flash", "--start", "2027-03-01T00:00Z", "--end", "2027-03-01T06:00Z").exit_code
        == 0
    )
    promo = next(p for p in load(db_path).promotions.values() if p["name"] == "Flash")
    event = events_by_uid(export_ics(rollout))[f"promotion-{promo['id']}@rollout"]
    assert event["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert event.decoded("dtstart").isoformat() == "2027-03-01T09:00:00+09:00"
