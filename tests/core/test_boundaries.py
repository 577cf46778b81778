"""The launch manager's rules at their boundaries, on a state built in memory.

Each test builds the smallest state that puts one rule at its edge (two promotions that touch, a
region with exactly one open critical item, a region with no checklist), so a rule changed by one
character fails here rather than by accident somewhere else.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from rollout import ops, queries
from rollout.errors import Refused
from rollout.state import State

NOW = datetime.fromisoformat("2026-11-24T09:00:00+00:00")


def overlaps(state: State, code: str) -> dict[str, list[str]]:
    warnings = queries.promo_warnings(state, code, NOW)
    return {pid: [w for w in found if w.startswith("overlaps")] for pid, found in warnings.items()}


# -- overlap: promotions run over [start, end) -------------------------------------------------
def test_back_to_back_promotions_that_touch_do_not_overlap(state):
    (first,) = ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01T10:00", end="2027-04-08T10:00")
    (second,) = ops.add_promotions(state, ["NL"], "Easter", start="2027-04-08T10:00", end="2027-04-15T10:00")
    assert overlaps(state, "NL") == {first["id"]: [], second["id"]: []}


def test_promotions_sharing_one_minute_overlap_both_ways(state):
    (first,) = ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01T10:00", end="2027-04-08T10:01")
    (second,) = ops.add_promotions(state, ["NL"], "Easter", start="2027-04-08T10:00", end="2027-04-15T10:00")
    assert overlaps(state, "NL") == {
        first["id"]: [f"overlaps {second['id']} 'Easter'"],
        second["id"]: [f"overlaps {first['id']} 'Spring'"],
    }


def test_a_promotion_inside_another_overlaps_it_and_not_the_one_after(state):
    (long,) = ops.add_promotions(state, ["NL"], "Season", start="2027-04-01", end="2027-05-01")
    (inner,) = ops.add_promotions(state, ["NL"], "Weekend", start="2027-04-10", end="2027-04-12")
    (after,) = ops.add_promotions(state, ["NL"], "May", start="2027-05-01", end="2027-05-02")
    assert overlaps(state, "NL") == {
        long["id"]: [f"overlaps {inner['id']} 'Weekend'"],
        inner["id"]: [f"overlaps {long['id']} 'Season'"],
        after["id"]: [],
    }


def test_promotions_of_other_regions_never_overlap(state):
    ops.add_region(state, "BE", name="Belgium", timezone="Europe/Brussels", currency="EUR")
    (nl,) = ops.add_promotions(state, ["NL"], "Spring", start="2027-04-01", end="2027-04-08")
    ops.add_promotions(state, ["BE"], "Spring", start="2027-04-01", end="2027-04-08")
    assert overlaps(state, "NL") == {nl["id"]: []}


# -- before launch: a promotion may start at the launch instant --------------------------------
@pytest.mark.parametrize(
    ("start", "warned"),
    [("2027-03-01T09:59", True), ("2027-03-01T10:00", False), ("2027-03-01T10:01", False)],
)
def test_a_promotion_starting_before_the_launch_instant_is_warned(state, start, warned):
    (promo,) = ops.add_promotions(state, ["NL"], "Launch", start=start, end="2027-03-08")
    found = queries.promo_warnings(state, "NL", NOW)[promo["id"]]
    assert found == (["starts before NL launches (2027-03-01 10:00)"] if warned else [])


def test_once_launched_the_actual_launch_is_what_promotions_must_not_precede(state):
    ops.set_regions(state, ["NL"], status="launched")  # no critical item: launched now, 2026-11-24
    (promo,) = ops.add_promotions(state, ["NL"], "Early", start="2027-01-05", end="2027-01-08")
    assert queries.promo_warnings(state, "NL", NOW)[promo["id"]] == []


# -- the launch gate: any open critical item blocks, however few --------------------------------
def add_item(state: State, title: str, *, critical: bool) -> str:
    (item,) = ops.add_items(state, ["NL"], title, critical=critical)
    return item["id"]


def test_one_open_critical_item_blocks_a_launch(state):
    add_item(state, "Payment provider live", critical=True)
    with pytest.raises(Refused, match=r"cannot launch NL: 1 critical item\(s\) open \(c1 'Payment provider live'\)"):
        ops.set_regions(state, ["NL"], status="launched")
    assert state.regions["NL"]["status"] == "planned"
    assert state.regions["NL"]["launched_at"] is None


def test_one_open_critical_item_launches_with_force_and_the_note_says_so(state):
    add_item(state, "Payment provider live", critical=True)
    (region,) = ops.set_regions(state, ["NL"], status="launched", force=True)
    assert region["status"] == "launched"
    assert region["launched_at"] == "2026-11-24T10:00:00+01:00"  # the clock, in Amsterdam
    assert state.notes == ["forced launch of NL with 1 critical item(s) open"]


def test_open_items_that_are_not_critical_do_not_block_a_launch(state):
    add_item(state, "Banner copy", critical=False)
    critical = add_item(state, "Payment provider live", critical=True)
    ops.set_items_done(state, "NL", [critical], True, "amara")
    (region,) = ops.set_regions(state, ["NL"], status="launched")
    assert region["status"] == "launched"
    assert state.notes == []


def test_a_region_without_a_checklist_launches_without_force(state):
    (region,) = ops.set_regions(state, ["NL"], status="launched")
    assert region["status"] == "launched"


@pytest.mark.parametrize("status", ["planned", "preparing", "ready", "paused"])
def test_only_launching_is_gated(state, status):
    add_item(state, "Payment provider live", critical=True)
    (region,) = ops.set_regions(state, ["NL"], status=status)
    assert region["status"] == status


def test_a_critical_item_reopened_blocks_again(state):
    critical = add_item(state, "Payment provider live", critical=True)
    ops.set_items_done(state, "NL", [critical], True, "amara")
    ops.set_items_done(state, "NL", [critical], False, "amara")
    assert [i["id"] for i in queries.open_critical(state, "NL")] == [critical]
    with pytest.raises(Refused, match="1 critical item"):
        ops.set_regions(state, ["NL"], status="launched")


# -- readiness: done items over items, floored; nothing to do is not ready ---------------------
def test_readiness_of_an_empty_checklist_is_zero(state):
    assert queries.readiness(state, "NL") == 0
    assert queries.region_json(state, state.regions["NL"])["readiness"] == 0


@pytest.mark.parametrize(("done", "total", "percent"), [(0, 1, 0), (1, 1, 100), (1, 3, 33), (2, 3, 66), (99, 100, 99)])
def test_readiness_is_floored_so_100_means_every_item_is_done(state, done, total, percent):
    ids = [add_item(state, f"Item {n}", critical=False) for n in range(total)]
    ops.set_items_done(state, "NL", ids[:done], True, "amara")
    assert queries.readiness(state, "NL") == percent
    assert queries.region_json(state, state.regions["NL"])["readiness"] == percent
