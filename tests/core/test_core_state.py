"""The state's region index: records grouped by region in stored order, whatever order regions come in."""

from __future__ import annotations

import random

from rollout.state import State, empty_document


def _document(regions: list[str | None]) -> dict:
    document = empty_document()
    for n, region in enumerate(regions, 1):
        status = "done" if n % 3 == 0 else "open"
        document["items"][str(n)] = {"id": f"c{n}", "region": region, "status": status, "critical": n % 2 == 0}
        document["promotions"][str(n)] = {"id": f"p{n}", "region": region}
    return document


def test_index_groups_interleaved_and_grouped_regions_in_stored_order():
    rng = random.Random(7)
    for regions in (
        ["DE", "FR", "DE", "FR", "DE"],
        [None, None, "DE", None],
        ["DE", "DE", "FR", "FR", "DE", None, None, "FR"],
        [rng.choice(["DE", "FR", "NL", None]) for _ in range(200)],
    ):
        state = State(_document(regions))
        for code in set(regions):
            expected = [f"c{n}" for n, region in enumerate(regions, 1) if region == code]
            assert [i["id"] for i in state.items_of(code)] == expected
            assert [p["id"] for p in state.promotions_of(code)] == [e.replace("c", "p") for e in expected]
            ns = [n for n, region in enumerate(regions, 1) if region == code]
            done = sum(1 for n in ns if n % 3 == 0)
            critical_open = sum(1 for n in ns if n % 3 and n % 2 == 0)
            assert state.checklist_counts(code) == (done, len(ns), critical_open)
