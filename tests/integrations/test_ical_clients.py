"""iCalendar exports read by strict, independent parsers, each through the file's own VTIMEZONEs.

vobject (what gcalcli imports with), icalendar and dateutil's tzical each resolve every event of
the export to an instant, which must be the instant stored in the database. TZIDs are renamed
before parsing so that no parser can fall back on its own copy of the tz database: only the
VTIMEZONE in the file decides. Zones: every zone of the bundled dataset, and zones with short or
unusual periods (Casablanca's Ramadan hour, Lord Howe's half hour, Dublin's negative DST,
Santiago's midnight changes, Kathmandu's +05:45), with events around each of their transitions.
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import tzdb
import vobject
from dateutil import tz as dateutil_tz
from integration_helpers import load

from rollout import ops, vtimezone
from rollout.db import Database

UNUSUAL = {
    "MA": "Africa/Casablanca",
    "AU": "Australia/Lord_Howe",
    "IE": "Europe/Dublin",
    "CL": "America/Santiago",
    "NP": "Asia/Kathmandu",
}
SPAN = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC))


def renamed(text: str) -> str:
    """The same calendar with TZIDs no library knows, so each must use the file's VTIMEZONE. They are
    new on every call: vobject keeps the first VTIMEZONE it saw under a TZID for the whole process."""
    tag = uuid.uuid4().hex[:8]
    return re.sub(r"(TZID[:=])([^:;\r\n]+)", lambda m: f"{m.group(1)}X-{tag}-{m.group(2).replace('/', '-')}", text)


def instants_by_parser(text: str) -> dict[str, dict[tuple[str, str], datetime]]:
    """{parser: {(uid, "dtstart"|"dtend"): aware instant}} as each parser resolves the events."""
    text = renamed(text)
    found: dict[str, dict[tuple[str, str], datetime]] = {"vobject": {}, "icalendar": {}, "dateutil": {}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for event in vobject.readOne(text).vevent_list:
            for name in ("dtstart", "dtend"):
                if hasattr(event, name):
                    found["vobject"][(event.uid.value, name)] = getattr(event, name).value
    calendar = icalendar.Calendar.from_ical(text)
    ical_zones = {str(c["tzid"]): c.to_tz() for c in calendar.walk("VTIMEZONE")}
    dateutil_zones = {}
    for block in re.findall(r"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r?\n", text, re.S):
        parsed = dateutil_tz.tzical(io.StringIO(block))
        dateutil_zones.update({key: parsed.get(key) for key in parsed.keys()})  # noqa: SIM118 - not a dict
    for event in calendar.walk("VEVENT"):
        for name in ("dtstart", "dtend"):
            if name not in event:
                continue
            prop = event[name]
            raw = prop.to_ical().decode()
            key = (str(event["uid"]), name)
            if raw.endswith("Z"):
                moment = datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                found["icalendar"][key] = found["dateutil"][key] = moment
                continue
            naive = datetime.strptime(raw, "%Y%m%dT%H%M%S")
            tzid = prop.params["TZID"]
            found["icalendar"][key] = naive.replace(tzinfo=ical_zones[tzid])
            found["dateutil"][key] = naive.replace(tzinfo=dateutil_zones[tzid])
    return found


def stored_instants(path: Path) -> dict[tuple[str, str], datetime]:
    state = load(path)
    expected = {}
    for code, region in state.regions.items():
        launch = region.get("launched_at") or region.get("launch")
        if launch:
            expected[(f"launch-{code}@rollout", "dtstart")] = datetime.fromisoformat(launch)
    for promo in state.promotions.values():
        expected[(f"promotion-{promo['id']}@rollout", "dtstart")] = datetime.fromisoformat(promo["start"])
        expected[(f"promotion-{promo['id']}@rollout", "dtend")] = datetime.fromisoformat(promo["end"])
    return expected


def assert_every_parser_gets_the_stored_instants(rollout, path: Path) -> str:
    result = rollout("export", "--format", "ics", db=path)
    assert result.exit_code == 0, result.stderr
    expected = stored_instants(path)
    for parser, found in instants_by_parser(result.stdout).items():
        wrong = {k: (found.get(k), v) for k, v in expected.items() if found.get(k) != v}
        assert not wrong, (
            f"{parser} resolves {len(wrong)} of {len(expected)} instants differently: {list(wrong.items())[:3]}"
        )
    return result.stdout


def test_the_bundled_dataset_resolves_exactly_in_every_parser(rollout, db_path):
    text = assert_every_parser_gets_the_stored_instants(rollout, db_path)
    assert not [line for line in text.splitlines() if line.startswith("RDATE") and "," in line]


@pytest.fixture
def unusual_db(empty_db_path: Path) -> Path:
    """A region per unusual zone, with a promotion around each of its transitions in SPAN (starting an
    hour and a half before, ending as long after) and one in the middle of each period between."""
    with Database(empty_db_path).transaction("tester", "setup") as state:
        for code, tz in UNUSUAL.items():
            ops.add_region(state, code, name=code, timezone=tz, currency="EUR", launch="2027-06-01T10:00")
            changes = tzdb.transitions_between(tz, *SPAN)  # none for Kathmandu: +05:45 all along
            ops.add_promotions(state, [code], "plain", start="2027-03-01T09:00", end="2027-03-01T18:00")
            for t in changes:
                start, end = t.at - timedelta(minutes=90), t.at + timedelta(minutes=90)
                ops.add_promotions(
                    state, [code], f"around {t.at:%Y-%m-%d}", start=start.isoformat(), end=end.isoformat()
                )
            for a, b in zip(changes, changes[1:], strict=False):
                middle = a.at + (b.at - a.at) / 2
                ops.add_promotions(
                    state, [code], "between", start=middle.isoformat(), end=(middle + timedelta(hours=2)).isoformat()
                )
        # The input: an evening in Casablanca's Ramadan period of 2027.
        ops.add_promotions(state, ["MA"], "Ramadan nights", start="2027-02-15T21:00", end="2027-02-15T23:30")
    return empty_db_path


def test_unusual_zones_resolve_exactly_in_every_parser(rollout, unusual_db):
    text = assert_every_parser_gets_the_stored_instants(rollout, unusual_db)
    ramadan = next(p for p in load(unusual_db).promotions.values() if p["name"] == "Ramadan nights")
    assert ramadan["start"] == "2027-02-15T21:00:00+00:00"  # Casablanca is at +00:00 during Ramadan 2027
    assert "DTSTART;TZID=Africa/Casablanca:20270215T210000" in text


def test_a_launch_is_a_milestone_with_an_explicit_zero_duration(rollout, db_path):
    result = rollout("export", "--format", "ics", "--what", "regions")
    events = icalendar.Calendar.from_ical(result.stdout).walk("VEVENT")
    assert events and all(e.decoded("duration") == timedelta(0) and "dtend" not in e for e in events)


def test_a_second_occurrence_of_a_wall_time_is_written_in_utc(rollout, empty_db_path):
    with Database(empty_db_path).transaction("tester", "setup") as state:
        ops.add_region(state, "DE", name="DE", timezone="Europe/Berlin", currency="EUR")
        ops.add_promotions(state, ["DE"], "Twice", start="2027-10-31T02:30:00+01:00", end="2027-10-31T04:00")
    text = assert_every_parser_gets_the_stored_instants(rollout, empty_db_path)
    assert "DTSTART:20271031T013000Z" in text


def test_uids_and_sequence_are_stable_across_export_and_import(rollout, db_path, tmp_path):
    first = rollout("export", "--format", "ics").stdout
    dump = tmp_path / "dump.json"
    assert rollout("export", "-o", str(dump)).exit_code == 0
    assert rollout("import", str(dump)).exit_code == 0  # the same records: nothing changes
    again = rollout("export", "--format", "ics").stdout

    def identities(text: str) -> list[tuple[str, int]]:
        return [(str(e["uid"]), int(e["sequence"])) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")]

    assert identities(again) == identities(first)


# -- the generator against the TZif files themselves ------------------------------------------
@pytest.mark.parametrize("year", [2027])
def test_every_transition_of_every_zone_is_found_to_the_second(year):
    """The sampling step cannot miss a change: what it finds equals the TZif transition table."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    for zone in tzdb.zones():
        expected = [(t.at, t.before, t.after) for t in tzdb.transitions_between(zone, start, end)]
        found = [
            (c.at, c.before.offset, c.after.offset)
            for c in vtimezone.changes(zone, start, end)
            if c.before.offset != c.after.offset
        ]
        assert found == expected, zone


def test_short_periods_in_the_tz_database_are_all_found():
    """Every period shorter than 40 days since 2000 (Casablanca's Ramadan hours and others)."""
    checked = 0
    for zone in tzdb.zones():
        changes = tzdb.transitions(zone)
        for a, b in zip(changes, changes[1:], strict=False):
            if a.at.year >= 2000 and b.at - a.at < timedelta(days=40):
                found = vtimezone.changes(zone, a.at - timedelta(days=3), b.at + timedelta(days=3))
                assert [c.at for c in found if c.before.offset != c.after.offset] == [a.at, b.at], zone
                checked += 1
    assert checked >= 20
