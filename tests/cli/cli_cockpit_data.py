"""A crafted database for the cockpit commands' CLI tests, built through the operations on the
suite's fixed clock (ROLLOUT_NOW 2026-11-24T09:00Z): one region of each health.

- PL Poland (Europe/Warsaw, launch 2027-03-01): off track, critical c1 due 2026-11-20 is 4 days
  overdue; c2 (due 2026-11-26) waits for c1.
- NL Netherlands (Europe/Amsterdam, launch 2026-12-04, 10 days away): at risk, critical c3 open
  (due 2026-12-01, 3 days before the launch: less than the 7 days of slack).
- US United States in Pacific/Honolulu (launch 2027-06-01): on track; c4 done on 2026-11-20; c5
  due 2026-11-23, which is Honolulu's today (23:00 on the 23rd at 09:00 UTC), so due today there
  and not overdue.
- DE Germany (no launch date): no date.  FR France: paused.  JP Japan: launched, one promotion
  p1 running 2026-11-27 to 2026-11-29.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rollout import ops, times
from rollout.db import Database

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HEALTH_OF = {
    "PL": "off track",
    "NL": "at risk",
    "DE": "no date",
    "US": "on track",
    "FR": "paused",
    "JP": "launched",
}


def build(path: Path) -> Path:
    """Write the crafted database at `path` (an empty database first, then one change)."""
    db = Database(path)
    db.create(empty=True, force=False)
    with db.transaction("setup", "setup") as state:
        add = ops.add_region
        add(state, "PL", name="Poland", timezone="Europe/Warsaw", currency="PLN", launch="2027-03-01", owner="ola")
        add(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR", launch="2026-12-04")
        state.put("regions", {**state.regions["NL"], "owner": "anna", "status": "ready"})
        add(state, "US", name="United States", timezone="Pacific/Honolulu", currency="USD", launch="2027-06-01")
        state.put("regions", {**state.regions["US"], "owner": "jamie"})
        add(state, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR", owner="jonas")
        add(state, "FR", name="France", timezone="Europe/Paris", currency="EUR", launch="2027-02-01", status="paused")
        add(state, "JP", name="Japan", timezone="Asia/Tokyo", currency="JPY", launch="2026-10-20", status="launched")
        item = ops.add_items
        item(state, ["PL"], "Payment provider live", due="2026-11-20", owner="payments", critical=True)  # c1
        item(state, ["PL"], "Checkout tested", due="2026-11-26", owner="payments", after="c1")  # c2
        item(state, ["NL"], "Terms localized", due="2026-12-01", owner="legal", critical=True)  # c3
        (done,) = item(state, ["US"], "Press kit", due="2026-11-20", owner="jamie")  # c4
        stamp = times.to_iso(times.parse_when("2026-11-20T12:00", "Pacific/Honolulu"))
        state.put("items", {**done, "status": "done", "done_at": stamp, "done_by": "jamie"})
        item(state, ["US"], "Sales tax registered", due="2026-11-23", owner="tax")  # c5
        ops.add_promotions(state, ["JP"], "Black Friday", start="2026-11-27", end="2026-11-30")  # p1
    return path
