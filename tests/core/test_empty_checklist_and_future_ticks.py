"""A region with an empty checklist says so (not "on track" with a forecast of today); nothing in the
bundled data is ticked after its own today, and `doctor` reports ticks and launches in the future."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crafted import NOW, day, fresh, item, region

from rollout import health, times
from rollout.dataset import DATASET_NOW, bundled_document
from rollout.db import Database
from rollout.doctor import examine
from rollout.health import NO_CHECKLIST, NO_DATE, OFF_TRACK, ON_TRACK


def test_an_empty_checklist_is_no_checklist_with_no_forecast() -> None:
    state = fresh()
    region(state, "NL", launch=day(60))
    found = health.region_health(state, "NL", NOW)
    assert found.health == NO_CHECKLIST
    assert [r.text for r in found.reasons] == ["NL has no checklist: add its items to judge readiness"]
    assert health.forecast_text(found) is None
    row = health.health_json(state, found)
    assert (row["health"], row["forecast"], row["open"]) == ("no checklist", None, 0)


def test_one_item_makes_it_judged_again_and_all_done_is_on_track() -> None:
    state = fresh()
    region(state, "NL", launch=day(60))
    item(state, "NL", "Done", done_on=day(-3))
    found = health.region_health(state, "NL", NOW)
    assert found.health == ON_TRACK and health.forecast_text(found) is not None


@pytest.mark.parametrize(("launch", "expected"), [(None, NO_DATE), (day(-4), OFF_TRACK)])
def test_other_healths_still_say_the_checklist_is_empty(launch, expected) -> None:
    state = fresh()
    region(state, "NL", launch=launch)
    found = health.region_health(state, "NL", NOW)
    assert found.health == expected
    assert "NL has no checklist: add its items to judge readiness" in [r.text for r in found.reasons]
    assert health.forecast_text(found) is None


def test_no_checklist_ranks_among_the_healths_and_has_symbols() -> None:
    assert NO_CHECKLIST in health.HEALTHS
    assert health.RANK[NO_CHECKLIST] < health.RANK[ON_TRACK]
    assert NO_CHECKLIST in health.SYMBOLS and NO_CHECKLIST in health.ASCII_SYMBOLS


def test_the_bundled_data_ticks_nothing_after_its_own_today() -> None:
    document = bundled_document()
    now = times.instant(DATASET_NOW)
    ticks = [i["done_at"] for i in document["items"].values() if i["done_at"]]
    assert ticks and all(times.instant(t) <= now for t in ticks)
    launches = [r["launched_at"] for r in document["regions"].values() if r["launched_at"]]
    assert all(times.instant(t) <= now for t in launches)


def test_doctor_passes_the_bundled_data_at_its_own_today(db_path: Path) -> None:
    assert examine(db_path).problems == []


@pytest.mark.parametrize(
    ("table", "key", "field", "words"),
    [("items", "c1", "done_at", "ticked in the future"), ("regions", "NL", "launched_at", "launched in the future")],
)
def test_doctor_reports_stamps_in_the_future(db_path: Path, table, key, field, words) -> None:
    document = json.loads(db_path.read_text(encoding="utf-8"))
    field_key = "id" if table == "items" else "code"
    record = next(r for r in document[table].values() if r[field_key] == key)
    record[field] = "2026-11-25T10:00:00+00:00"  # a day after the suite's pinned now
    if table == "items":
        record.update(status="done", done_by="someone")
    else:
        record.update(status="launched")
    db_path.write_text(json.dumps(document), encoding="utf-8")
    report = examine(db_path)
    # A tick after now is a problem; a launch stamp ahead (a target taken as the best guess) a note.
    said = report.problems if table == "items" else report.notes
    assert any(words in p and key in p for p in said), said


def test_a_database_seeded_by_init_is_consistent(tmp_path: Path) -> None:
    path = tmp_path / "fresh.json"
    Database(path).create(empty=False, force=False)
    assert examine(path).problems == []
