"""A region's row of `status` (and of the Markdown report): its figures (rollout.queries) with its
health (rollout.health), in one module that uses both (neither of them imports the other's caller).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rollout import health, queries, signoff, times
from rollout.state import Record, State


def status_row(state: State, region: Record, reference: datetime, context: Any = None) -> dict[str, Any]:
    """One region's row of `status --json`: region_json (readiness percent 0-100, open critical
    items) plus `days_to_launch` (local calendar days from `reference` to the effective launch, in the
    region's zone; negative once past, None without a date), `items_done`, `items_total`,
    `warnings` (region_warnings at `reference`), `next_promotion` (id, name, start and end in the
    region's offset; the one running or starting soonest, None when none is ahead), and the
    region's health (rollout.health): `health` (one of health.HEALTHS), `reasons` (sentences, worst
    first) and `forecast` (the forecast ready date, YYYY-MM-DD in the region's calendar, or None).
    `reference` is an aware instant; `context` (a health.Context at `reference`) shares the
    settings and dependency chains across rows.
    """
    context = context or health.Context(state, reference)
    found = context.region(region["code"])
    counts = queries.checklist_counts(state, region["code"])
    row = queries.region_json(state, region, counts)
    launch = queries.effective_launch(region)
    row["days_to_launch"] = times.days_until(launch, region["timezone"], reference) if launch else None
    row["items_done"], row["items_total"], _ = counts
    row["warnings"] = queries.region_warnings(state, region["code"], reference, overdue=found.overdue)
    promo = queries.next_promotion(state, region["code"], reference)
    row["next_promotion"] = (
        None
        if promo is None
        else {
            "id": promo["id"],
            "name": promo["name"],
            "start": times.in_region(promo["start"], region["timezone"]),
            "end": times.in_region(promo["end"], region["timezone"]),
        }
    )
    row["health"] = found.health
    row["reasons"] = [reason.text for reason in found.reasons]
    row["forecast"] = health.forecast_text(found)
    row["signoff"] = signoff.region_state(state, region["code"])
    return row


def status_rows(
    state: State, reference: datetime | None = None, codes: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """`status` rows (status_row) at the aware instant `reference` (default now), ordered by launch,
    of every region or of the regions `codes`; one health.Context shares the settings and the
    dependency chains across the rows."""
    ref = queries.plain_utc(reference or times.now())
    context = health.Context(state, ref)
    regions = None if codes is None else [state.regions[c] for c in codes]
    return [status_row(state, r, ref, context) for r in queries.sorted_regions(state, regions)]
