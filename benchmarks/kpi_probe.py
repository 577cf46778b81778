"""The GMV report at scale: `python -m benchmarks.kpi_probe [--regions N] [--periods P] [--runs R]`.

Builds the synthetic database of benchmarks/synth.py (2,000 regions by default), adds a target and
an actual for each region and each of 24 months (48,000 KPI records) and the exchange rates of every
currency into USD for each month, then times:

- core: rollout.kpi.report over every region (the figure the target is about: <= 0.5 s), the
  median of R runs on the loaded state;
- command: `rollout kpi report --json` in a fresh process (start-up and load included), median of R.

`--json` prints those figures as one JSON line instead (`python -m benchmarks --only kpi` runs it).

Timings are reported, never asserted (the target lives here, not in a timed test).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import orjson

from benchmarks import synth
from rollout import kpi, money, periods
from rollout.state import State

TARGET_SECONDS = 0.5
PINNED_NOW = "2026-11-24T09:00:00+00:00"


def add_kpis(state: State, months: int) -> int:
    """A target and an actual per region and month from 2025-01, in each region's currency, with
    as many decimals as its minor units allow; and a rate into USD per currency and month."""
    labels = [periods.month_of(date(2025 + m // 12, m % 12 + 1, 1)) for m in range(months)]
    kpis = state.tables["kpis"]
    for n, (code, region) in enumerate(state.regions.items()):
        cur = region["currency"]
        digits = money.minor_units(cur)
        for m, period in enumerate(labels):
            target = 100000 + (n * 37 + m * 101) % 90000
            actual = target * (70 + (n + m) % 50) // 100
            tail = "." + "5" * digits if digits else ""
            kpis[f"{code}/{period}"] = {
                "id": f"{code}/{period}",
                "region": code,
                "period": period,
                "promo": None,
                "currency": cur,
                "target": f"{target}",
                "actual": f"{actual}{tail}",
            }
    rates = state.tables["fx_rates"]
    for cur in {r["currency"] for r in state.regions.values()} - {"USD"}:
        for m, period in enumerate(labels):
            key = f"{cur}/USD/{period}"
            rates[key] = {"id": key, "base": cur, "quote": "USD", "period": period, "rate": f"0.{(m % 9) + 1}0375"}
    return len(kpis)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--regions", type=int, default=2000)
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON line of figures (python -m benchmarks reads it)")
    args = parser.parse_args(argv)
    state = synth.build_state(args.regions)
    count = add_kpis(state, args.periods)
    codes = list(state.regions)
    core = []
    for _ in range(args.runs):
        started = time.perf_counter()
        shown = kpi.report(state, codes)
        core.append(time.perf_counter() - started)
    assert len(shown["periods"]) == count and not shown["total"]["missing_rates"], "the report lost rows or rates"
    with tempfile.TemporaryDirectory(prefix="outcomes-kpi-") as scratch:
        db = Path(scratch) / "kpi.json"
        db.write_bytes(orjson.dumps(state.document()))
        command = [sys.executable, "-m", "rollout", "--db", str(db), "kpi", "report", "--json"]
        env = {"ROLLOUT_NOW": PINNED_NOW, "ROLLOUT_USER": "bench", "PATH": "/usr/bin:/bin", "HOME": scratch}
        cli = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            cli.append(time.perf_counter() - started)
    core_s, cli_s = statistics.median(core), statistics.median(cli)
    if args.json:
        print(orjson.dumps({"core": core_s, "command": cli_s, "records": count}).decode())
        return 0
    print(f"KPI report, {args.regions} regions x {args.periods} periods ({count} records), median of {args.runs}:")
    verdict = "met" if core_s <= TARGET_SECONDS else "MISSED"
    print(f"  core kpi.report:          {core_s:.3f} s  (target <= {TARGET_SECONDS} s: {verdict})")
    print(f"  rollout kpi report --json: {cli_s:.3f} s  (fresh process: start-up and load included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
