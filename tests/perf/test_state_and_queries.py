"""The read-side shortcuts (checklist counts kept by the state, the quick next-promotion scan, the
collector paused while a command runs) give the answers a plain computation gives."""

from __future__ import annotations

import contextlib
import gc
import random
from datetime import UTC, datetime, timedelta, timezone

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import synth
from rollout import ops, queries, times
from rollout import status as region_status
from rollout.dataset import bundled_document
from rollout.errors import InvalidValue, RolloutError
from rollout.state import State


def plain_counts(state: State, code: str) -> tuple[int, int, int]:
    items = [i for i in state.items.values() if i["region"] == code]
    done = sum(1 for i in items if i["status"] == "done")
    critical_open = sum(1 for i in items if i["critical"] and i["status"] != "done")
    return done, len(items), critical_open


def random_edit(state: State, rng: random.Random) -> None:
    codes = sorted(state.regions)
    code = rng.choice(codes)
    items = [i["id"] for i in state.items_of(code)]
    kind = rng.choice(("add", "done", "reopen", "critical", "remove", "remove_region", "undo_batch"))
    if kind == "add":
        ops.add_items(state, [code], "new item", critical=rng.random() < 0.5)
    elif kind in ("done", "reopen") and items:
        ops.set_items_done(state, code, rng.sample(items, min(3, len(items))), kind == "done", "tester")
    elif kind == "critical" and items:
        ops.edit_item(state, code, rng.choice(items), critical=rng.random() < 0.5)
    elif kind == "remove" and items:
        ops.remove_items(state, code, [rng.choice(items)])
    elif kind == "remove_region" and len(codes) > 3:
        ops.remove_region(state, code)
    elif kind == "undo_batch":
        state.apply(state.changes(), reverse=True)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), counts_first=st.booleans(), edits=st.integers(1, 25))
def test_checklist_counts_follow_every_edit(seed, counts_first, edits):
    state = State(bundled_document())
    rng = random.Random(seed)
    if counts_first:  # the counts are built on first use: before the edits, or after them
        state.checklist_counts("DE")
    for _ in range(edits):
        with contextlib.suppress(RolloutError):  # a refused edit changes nothing, which is fine here
            random_edit(state, rng)
    for code in [*state.regions, "XX"]:
        assert state.checklist_counts(code) == plain_counts(state, code)
        region = state.regions.get(code)
        if region is not None:
            done, total, critical_open = plain_counts(state, code)
            data = queries.region_json(state, region)
            assert data["readiness"] == (done * 100 // total if total else 0)
            assert data["critical_open"] == critical_open == len(queries.open_critical(state, code))


def plain_next_promotion(state: State, code: str, reference: datetime) -> dict | None:
    running = [p for p in state.promotions_of(code) if times.instant(p["end"]) > reference]
    return min(running, key=lambda p: times.instant(p["start"]), default=None)


OFFSETS = [timedelta(hours=h, minutes=m) for h, m in ((-12, 0), (-9, -30), (0, 0), (5, 45), (13, 0), (14, 0))]


@settings(max_examples=500, deadline=None)
@given(
    ends=st.lists(st.tuples(st.integers(-4 * 24 * 60, 4 * 24 * 60), st.sampled_from(OFFSETS)), max_size=8),
    reference_minute=st.integers(0, 24 * 60 - 1),
    reference_offset=st.sampled_from(OFFSETS),
    pendulum_reference=st.booleans(),
)
def test_next_promotion_is_the_running_or_soonest_one_whatever_the_offsets(
    ends, reference_minute, reference_offset, pendulum_reference
):
    """Ends within four days either side of the reference, in offsets from -12:00 to +14:00, so the
    scan's shortcut for long-ended promotions meets its edge cases."""
    reference = datetime(2026, 11, 24, tzinfo=UTC) + timedelta(minutes=reference_minute)
    reference = reference.astimezone(timezone(reference_offset))
    if pendulum_reference:
        reference = pendulum.instance(reference)
    state = State({"_meta": {"1": {"schema": 1, "revision": 0}}})
    state.put("regions", {"code": "DE", "timezone": "Europe/Berlin"})
    for n, (minutes, offset) in enumerate(ends):
        end = (reference + timedelta(minutes=minutes)).astimezone(timezone(offset))
        start = end - timedelta(days=1 + n % 3)
        state.put("promotions", {"id": f"p{n}", "region": "DE", "start": start.isoformat(), "end": end.isoformat()})
    assert queries.next_promotion(state, "DE", reference) == plain_next_promotion(state, "DE", reference)
    assert queries.next_promotion(state, "DE", queries.plain_utc(reference)) == plain_next_promotion(
        state, "DE", reference
    )


def test_next_promotion_near_the_shortcut_edge_at_the_extreme_offsets():
    """A promotion ending anywhere from three days before to a day after the reference, hour by hour,
    for references all through a day, with the widest offsets apart (-12:00 against +14:00)."""
    extremes = [timedelta(hours=-12), timedelta(0), timedelta(hours=14)]
    state = State({"_meta": {"1": {"schema": 1, "revision": 0}}})
    state.put("regions", {"code": "DE", "timezone": "Europe/Berlin"})
    for ref_offset in extremes:
        for ref_hour in range(24):
            reference = (datetime(2026, 11, 24, tzinfo=UTC) + timedelta(hours=ref_hour)).astimezone(
                timezone(ref_offset)
            )
            for end_offset in extremes:
                for hours in range(-72, 25):
                    end = (reference + timedelta(hours=hours, minutes=-1)).astimezone(timezone(end_offset))
                    promo = {"id": "p1", "region": "DE", "start": (end - timedelta(days=1)).isoformat()}
                    state.put("promotions", {**promo, "end": end.isoformat()})
                    expected = state.promotions["p1"] if hours > 0 else None
                    assert queries.next_promotion(state, "DE", reference) == expected, (reference, end)


def plain_promotions_between(state: State, start: datetime | None, end: datetime | None) -> list[dict]:
    found = [
        p
        for p in state.promotions.values()
        if (end is None or times.instant(p["start"]) < end) and (start is None or times.instant(p["end"]) > start)
    ]
    return sorted(found, key=lambda p: (times.instant(p["start"]), p["region"], p["id"]))


@settings(max_examples=150, deadline=None)
@given(
    spans=st.lists(
        st.tuples(st.integers(-3000, 3000), st.integers(1, 3000), st.sampled_from(OFFSETS), st.sampled_from("ABC")),
        max_size=12,
    ),
    window=st.tuples(st.none() | st.integers(-3000, 3000), st.none() | st.integers(-3000, 3000)),
)
def test_promotions_between_filters_and_orders_like_plain_datetimes(spans, window):
    base = datetime(2026, 11, 24, tzinfo=UTC)
    state = State({"_meta": {"1": {"schema": 1, "revision": 0}}})
    for region in "ABC":
        state.put("regions", {"code": region, "timezone": "UTC"})
    for n, (minute, length, offset, region) in enumerate(spans):
        start = (base + timedelta(minutes=minute)).astimezone(timezone(offset))
        end = start + timedelta(minutes=length)
        state.put("promotions", {"id": f"p{n}", "region": region, "start": start.isoformat(), "end": end.isoformat()})
    since, until = (None if m is None else pendulum.instance(base + timedelta(minutes=m)) for m in window)
    if since is not None and until is not None and until < since:  # a reversed window is refused (times.check_window)
        with pytest.raises(InvalidValue, match="before it starts"):
            queries.promotions_between(state, None, since, until)
        return
    assert queries.promotions_between(state, None, since, until) == plain_promotions_between(state, since, until)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati"])
def test_plain_utc_is_the_same_instant(zone):
    moment = pendulum.datetime(2026, 3, 29, 1, 30, 15, 123456, tz=zone)
    plain = queries.plain_utc(moment)
    assert plain == moment and plain.tzinfo is UTC and type(plain) is datetime
    assert queries.plain_utc(datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=-3)))).hour == 4


def test_status_rows_at_scale_match_a_plain_computation():
    state = synth.build_state(200)
    reference = times.now()
    rows = region_status.status_rows(state, reference)
    assert [r["code"] for r in rows] == [r["code"] for r in queries.sorted_regions(state)]
    for row in rows:
        done, total, critical_open = plain_counts(state, row["code"])
        assert (row["items_done"], row["items_total"], row["critical_open"]) == (done, total, critical_open)
        assert row["readiness"] == done * 100 // total
        expected = plain_next_promotion(state, row["code"], reference)
        assert (row["next_promotion"] or {}).get("id") == (expected or {}).get("id")


def test_a_command_runs_with_the_collector_paused_and_leaves_it_running(rollout, monkeypatch):
    seen = []
    original = region_status.status_rows

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(region_status, "status_rows", spy)
    assert gc.isenabled()
    assert rollout("status", "--json").exit_code == 0
    assert seen == [False]
    assert gc.isenabled()
    result = rollout("region", "show", "XX")  # a failing command gives it back too
    assert result.exit_code == 1 and gc.isenabled()


def test_outside_a_command_the_collector_is_left_alone(db_path):
    from rollout.cli.app import App

    App(db_path=db_path, user="tester").state()  # as a long-running front end would
    assert gc.isenabled()
