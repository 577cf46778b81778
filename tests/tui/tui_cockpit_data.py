"""A crafted database for the cockpit's screens, built through the core's operations on the suite's
fixed clock (ROLLOUT_NOW = 2026-11-24T09:00Z), so every health, agenda line and timeline cell is
known from the data below, not copied from the output.

- DE (Berlin, launch 2026-12-10, 16 days away): c1 'Payment provider live', critical, due
  2026-11-19 (5 days overdue, owner ops) -> off track; c2 'Carrier SLA signed' due 2026-11-26
  (tester); c3 'Go-live rehearsal' due 2026-11-27 (tester) waits for c1 (blocked). Promotions
  'Black Friday' 11-27..11-30 and 'Cyber Week' 11-29..12-03 overlap (a conflict).
- PL (Warsaw, launch 2026-12-20): c4 'Courier contract' due 2026-12-15 (ana): the forecast
  (its due day) leaves 5 days before the launch, under the 7 days of slack -> at risk.
- NL (Amsterdam, launch 2026-12-14, 20 days away): c5 'Local payment methods', critical, due
  2026-12-01 (ana) -> at risk (critical open, launch within 21 days).
- FR (Paris, launch 2027-03-01): c6 'Translations reviewed' due 2026-11-25 (tester), c7 ticked
  today -> on track; promotion 'Winter Sale' from 2027-02-20 starts before the launch (a conflict).
- JP launched 2026-10-20; BR planned without a date; IT paused.
"""

from __future__ import annotations

from pathlib import Path

from rollout import ops, times
from rollout.db import Database

OFF_TRACK_CODE, AT_RISK_CODE, ON_TRACK_CODE = "DE", "NL", "FR"
USER = "tester"


def build(path: Path) -> Path:
    """Write the crafted database at `path` (through one transaction per step) and return it."""
    db = Database(path)
    db.create(empty=True, force=False)
    with db.transaction("setup", "crafted regions") as state:
        region = ops.add_region
        region(state, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR", launch="2026-12-10",
               status="preparing", owner="ana", wave=1)  # fmt: skip
        region(state, "PL", name="Poland", timezone="Europe/Warsaw", currency="PLN", launch="2026-12-20",
               status="preparing", owner="ana", wave=1)  # fmt: skip
        region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR", launch="2026-12-14",
               status="ready", owner="ana", wave=1)  # fmt: skip
        region(state, "FR", name="France", timezone="Europe/Paris", currency="EUR", launch="2027-03-01",
               status="preparing", owner="jonas", wave=2)  # fmt: skip
        region(state, "JP", name="Japan", timezone="Asia/Tokyo", currency="JPY", launch="2026-10-20",
               status="launched", owner="kenji", wave=0)  # fmt: skip
        region(state, "BR", name="Brazil", timezone="America/Sao_Paulo", currency="BRL", status="planned",
               owner="sofia", wave=3)  # fmt: skip
        region(state, "IT", name="Italy", timezone="Europe/Rome", currency="EUR", launch="2027-02-01",
               status="paused", owner="jonas", wave=2)  # fmt: skip
    with db.transaction("setup", "crafted items") as state:
        item = ops.add_items
        item(state, ["DE"], "Payment provider live", due="2026-11-19", owner="ops", critical=True)  # c1
        item(state, ["DE"], "Carrier SLA signed", due="2026-11-26", owner=USER)  # c2
        item(state, ["DE"], "Go-live rehearsal", due="2026-11-27", owner=USER, after="c1")  # c3
        item(state, ["PL"], "Courier contract", due="2026-12-15", owner="ana")  # c4
        item(state, ["NL"], "Local payment methods", due="2026-12-01", owner="ana", critical=True)  # c5
        item(state, ["FR"], "Translations reviewed", due="2026-11-25", owner=USER)  # c6
        item(state, ["FR"], "Legal review", due="2026-11-20", owner="jonas")  # c7
    with db.transaction("setup", "tick c7") as state:
        ops.set_items_done(state, "FR", ["c7"], True, "jonas")
    with db.transaction("setup", "crafted promotions") as state:
        promo = ops.add_promotions
        promo(state, ["DE"], "Black Friday", start="2026-11-27", end="2026-12-01")  # p1
        promo(state, ["DE"], "Cyber Week", start="2026-11-29", end="2026-12-04")  # p2
        promo(state, ["FR"], "Winter Sale", start="2027-02-20", end="2027-03-05")  # p3
    return path


def launch_day(path: Path, code: str) -> str:
    """A region's target launch as its local YYYY-MM-DD."""
    region = Database(path).load().region(code)
    return times.local_display(region["launch"], region["timezone"], with_time=False)
