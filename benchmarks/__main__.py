"""rollout benchmarks: `python -m benchmarks` (every size) or `python -m benchmarks --smoke` (smallest sizes, once).

Builds synthetic databases of 17, 200 and 2,000 regions (~40 checklist items and ~20 promotions each,
fixed seed, real ISO 3166 codes: see benchmarks/synth.py), runs each case several times through the
installed `rollout` console script (a fresh process per run, `--db` on a scratch copy), and prints a table
of medians. Where a floor exists the figure is a ratio to it, measured in the same run.

- start-up: `status --json` and `region list --json` on the bundled data, against
  `python -c "import click, tinydb, pendulum"`; and which heavy modules `status --json` imports;
- batch: 1,000, 10,000 and 100,000-line batch files (check add / check done / region set / promo add,
  in equal shares) applied to the 200-region database: wall time, peak memory (max RSS), growth per 10x;
- reads at scale: `status --json` and `promo list --json` on 2,000 regions (after one warm-up run,
  which fills the public-holiday cache; the cold first run is shown too);
- cockpit: `rollout health --json` and `rollout agenda --json` (the commands, start-up included)
  beside `status --json`, with their CPU time; then the core alone: health of every region, the
  agenda of the next 7 days, owners' workload, the text timeline of every region and the timeline
  model of one screen (40 rows) at 2,000 regions, each a fresh process loading what a command loads
  (benchmarks/cockpit_probe.py);
- TUI: headless (Textual's run_test, see benchmarks/tui_probe.py): start to a drawn Regions table at
  17 and 2,000 regions, one filter keystroke and one cursor move at 2,000, the calendar's month,
  the Timeline's first draw, a cursor move and a zoom on it;
- concurrency: 8 writer processes x 100 edits (`check add`) on one database, each edit its own locked
  transaction through the CLI's commands; total time, edits per second, and a check that none was lost.
  Also, for comparison, 8 x 10 edits as separate `rollout` processes (interpreter start-up per edit).
- templates: a launch template applied to 2,000 regions in process, then again, then after one change
  (benchmarks/templates_probe.py; CPU seconds).
- kpi: the GMV report over 2,000 regions x 24 months (48,000 targets and actuals, a rate per currency
  and month): the core's report in process, and `rollout kpi report --json` as a command
  (benchmarks/kpi_probe.py).
- history: the bundled data fresh (`init` and five edits) and aged (the same, then batches that add and
  then remove 5,000 checklist items, ten times: 100,000 changes in history, the records unchanged), both
  built through `rollout`'s own commands; `status --json`, `history` (headers, --json, by region), one
  `region set`, `undo`, the TUI's start and opening its History screen, each timed fresh and aged,
  interleaved, with their ratio; then, on the aged database, the History screen's keys (a cursor move,
  the next page, filters by user and by day; benchmarks/history_probe.py).
  Then the same against a file in the format from before history was stored apart, holding 100,000
  small entries (synthetic): its first write moves the history out (timed once), then every figure again.
- `--backend postgres`: the PostgreSQL backend on a server of its own, beside the file (benchmarks/postgres.py).

The clock is pinned (ROLLOUT_NOW) so runs compare; caches and data live in a scratch directory.
Timings are reported, never asserted: the exit status is 1 only when a command fails or an edit is lost.
--smoke runs the smallest size of each case once (CI runs it so this script keeps working).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import synth, writer

ROOT = Path(__file__).resolve().parent.parent

PINNED_NOW = "2026-11-24T09:00:00+00:00"
FLOOR = ("-c", "import click, tinydb, pendulum")
# Start-up budgets as a ratio to FLOOR (issue 19: `region list --json` was 1.31-1.37x; the
# region commands load alone, see rollout.cli.COMMAND_MODULES).
STARTUP_TARGETS = {"status --json": 1.3, "region list --json": 1.25}
HEAVY_MODULES = ("textual", "filelock", "pycountry", "holidays", "icalendar")
BATCH_SIZES = (1_000, 10_000, 100_000)
TUI_FILTER = "sofia"  # an owner name: narrows 2,000 regions to a couple of hundred
WRITERS, EDITS = 8, 100


class BenchmarkError(Exception):
    """A command failed or produced the wrong data: the figures would mean nothing."""


@dataclass
class Row:
    case: str
    size: str
    seconds: float | None
    figure: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the process: what other load on the machine changes least
    peak_mb: float
    stdout: bytes
    stderr: bytes


@dataclass
class Bench:
    work: Path
    runs: int
    smoke: bool
    rows: list[Row] = field(default_factory=list)
    python: str = sys.executable
    rollout: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        script = Path(self.python).parent / "rollout"  # the console script scripts and users run
        self.rollout = [str(script)] if script.exists() else [self.python, "-m", "rollout"]

    # -- running ------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        # Bytecode caches on, as for anyone running the installed tool (PYTHONDONTWRITEBYTECODE would make
        # every run recompile whatever changed since the last cache write).
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROLLOUT_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            ROLLOUT_NOW=PINNED_NOW,
            ROLLOUT_USER="bench",
            XDG_CACHE_HOME=str(self.work / "cache"),
            XDG_DATA_HOME=str(self.work / "data"),
            NO_COLOR="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        return env

    def run(self, args: Sequence[str], *, check: bool = True) -> Run:
        """Run a command, timing it and reading its peak memory from the kernel (wait4)."""
        out_path, err_path = self.work / "stdout", self.work / "stderr"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(list(args), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=self.env())
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        run = Run(seconds, cpu, usage.ru_maxrss / 1024, out_path.read_bytes(), err_path.read_bytes())
        if check and proc.returncode != 0:
            raise BenchmarkError(f"{' '.join(args)} exited {proc.returncode}: {run.stderr.decode()[-500:]}")
        return run

    def cli(self, db: Path, *args: str, check: bool = True) -> Run:
        return self.run([*self.rollout, "--db", str(db), *args], check=check)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"  {row.case} [{row.size}]: {_seconds(row.seconds)} {row.figure}", file=sys.stderr, flush=True)

    # -- data ---------------------------------------------------------------------------
    def database(self, regions: int) -> Path:
        path = self.work / f"regions-{regions}.json"
        if not path.exists():
            synth.write_database(path, regions)
        return path

    def bundled(self) -> Path:
        path = self.work / "bundled.json"
        if not path.exists():
            self.cli(path, "init")
        return path

    def scratch_copy(self, source: Path, name: str) -> Path:
        """A copy of the database at `source` (its state file and its history) named `name`."""
        target = self.work / name
        shutil.rmtree(target.with_name(target.name + ".backups"), ignore_errors=True)
        shutil.rmtree(target.with_name(target.name + ".history"), ignore_errors=True)
        shutil.copyfile(source, target)
        history = source.with_name(source.name + ".history")
        if history.is_dir():
            shutil.copytree(history, target.with_name(target.name + ".history"))
        return target


# -- cases -------------------------------------------------------------------------------
def startup(bench: Bench) -> None:
    db = bench.bundled()
    commands: dict[str, list[str]] = {
        "floor": [bench.python, *FLOOR],
        "status --json": [*bench.rollout, "--db", str(db), "status", "--json"],
        "region list --json": [*bench.rollout, "--db", str(db), "region", "list", "--json"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for args in commands.values():  # warm-up: bytecode caches, page cache, holiday cache
        bench.run(args)
    for _ in range(bench.runs * 3):  # interleaved, so load on the machine hits all alike
        for name, args in commands.items():
            run = bench.run(args)
            times[name].append(run.seconds)
            cpu[name].append(run.cpu)
    floor = statistics.median(times["floor"])
    floor_cpu = statistics.median(cpu["floor"])
    heavy = imported_heavy_modules(bench, db)
    bench.add(Row("start-up floor: import click, tinydb, pendulum", "-", floor))
    for name in ("status --json", "region list --json"):
        median = statistics.median(times[name])
        # Paired: each run's ratio to the floor run beside it, so load on the machine cancels out.
        paired = statistics.median(run / base for run, base in zip(times[name], times["floor"], strict=True))
        target = STARTUP_TARGETS[name]
        figure = (
            f"{median / floor:.2f}x floor, paired {paired:.2f}x (cpu {statistics.median(cpu[name]) / floor_cpu:.2f}x)"
        )
        met = paired <= target
        if name == "status --json":
            figure += "; imports " + (", ".join(heavy) if heavy else "none of " + "/".join(HEAVY_MODULES))
            met = met and not heavy
        bench.add(Row(f"start-up: {name}", "bundled", median, figure, f"<= {target}x floor, no textual", met))


def imported_heavy_modules(bench: Bench, db: Path) -> list[str]:
    """Top-level packages among HEAVY_MODULES that `rollout status --json` imports (python -X importtime)."""
    program = bench.rollout[-1:] if len(bench.rollout) == 1 else ["-m", "rollout"]
    run = bench.run([bench.python, "-X", "importtime", *program, "--db", str(db), "status", "--json"])
    names = {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.decode().splitlines() if "|" in line}
    return [m for m in HEAVY_MODULES if m in names]


def batch(bench: Bench) -> None:
    base = bench.database(200)
    state = _load(base)
    sizes = BATCH_SIZES[:1] if bench.smoke else BATCH_SIZES
    previous: float | None = None
    for size in sizes:
        file = synth.write_batch(bench.work / f"batch-{size}.txt", state, size)
        runs = []
        for _ in range(bench.runs if size < 100_000 else max(1, min(bench.runs, 3))):
            db = bench.scratch_copy(base, "batch.json")
            runs.append(bench.cli(db, "batch", str(file)))
            _check_one_write(db, state.revision, len(state.history))
        seconds = statistics.median(r.seconds for r in runs)
        peak = max(r.peak_mb for r in runs)
        figure = f"cpu {_seconds(statistics.median(r.cpu for r in runs))}; peak {peak:.0f} MB"
        target, met = "", None
        if previous is not None:
            figure += f"; x{seconds / previous:.1f} for 10x lines"
        if size == 10_000:
            target, met = "<= 1 s, one write", seconds <= 1.0
        elif size == 100_000:
            target, met = "<= 12x the 10,000 figure", previous is not None and seconds <= 12 * previous
        bench.add(Row(f"batch: {size:,} lines", "200 regions", seconds, figure, target, met))
        previous = seconds


def _load(path: Path) -> Any:
    from rollout.db import Database

    return Database(path).load()


def _check_one_write(db: Path, revision: int, history: int) -> None:
    after = _load(db)
    if after.revision != revision + 1 or len(after.history) != history + 1:
        raise BenchmarkError(f"batch made {after.revision - revision} writes, {len(after.history) - history} entries")


def reads(bench: Bench) -> None:
    regions = 17 if bench.smoke else 2000
    db = bench.database(regions)
    cases: list[tuple[str, list[str], str, Callable[[float], bool] | None]] = [
        ("status --json", ["status", "--json"], "<= 0.5 s", lambda s: s <= 0.5),
        ("promo list --json", ["promo", "list", "--json"], "", None),
    ]
    cold_cache = bench.work / "cache" / "rollout" / "holidays.json"
    for name, args, target, meets in cases:
        cold_cache.unlink(missing_ok=True)
        cold = bench.cli(db, *args)
        _check_json(cold.stdout, regions if name.startswith("status") else None)
        runs = [bench.cli(db, *args) for _ in range(bench.runs)]
        seconds = statistics.median(r.seconds for r in runs)
        figure = f"cpu {_seconds(statistics.median(r.cpu for r in runs))}"
        met = meets(seconds) if meets and regions == 2000 else None
        size = f"{regions:,} regions"
        bench.add(Row(f"read: {name}", size, seconds, figure, target if regions == 2000 else "", met))
        bench.add(
            Row(f"read: {name}, first run (empty holiday cache)", size, cold.seconds, f"cpu {_seconds(cold.cpu)}")
        )


def _check_json(output: bytes, rows: int | None) -> None:
    data = json.loads(output)
    if rows is not None and len(data) != rows:
        raise BenchmarkError(f"status listed {len(data)} regions, expected {rows}")


COCKPIT_TARGET = 0.5  # the `status --json` budget at 2,000 regions, start-up included


def cockpit(bench: Bench) -> None:
    """The launch cockpit's reads at 2,000 regions (17 in a smoke run), each a fresh process that loads
    what a command loads (benchmarks/cockpit_probe.py), interleaved with `status --json` for reference."""
    regions = 17 if bench.smoke else 2000
    db = bench.database(regions)
    probe = [bench.python, "-m", "benchmarks.cockpit_probe"]
    commands: dict[str, list[str]] = {
        "status --json": [*bench.rollout, "--db", str(db), "status", "--json"],
        "health --json": [*bench.rollout, "--db", str(db), "health", "--json"],
        "agenda --json": [*bench.rollout, "--db", str(db), "agenda", "--json"],
        "health, all regions, JSON": [*probe, "health", str(db)],
        "agenda, next 7 days, JSON": [*probe, "agenda", str(db)],
        "owners, JSON": [*probe, "owners", str(db)],
        "timeline text, all regions, 100 columns": [*probe, "timeline-text", str(db)],
        "timeline model, first screen (40 rows)": [*probe, "timeline-screen", str(db)],
    }
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for args in commands.values():  # warm-up: bytecode and holiday caches
        bench.run(args)
    for _ in range(bench.runs):
        for name, args in commands.items():
            runs[name].append(bench.run(args))
    _check_cockpit_output(runs, regions)
    size = f"{regions:,} regions"
    reference = statistics.median(r.seconds for r in runs["status --json"])
    reference_cpu = statistics.median(r.cpu for r in runs["status --json"])
    for name, found in runs.items():
        seconds = statistics.median(r.seconds for r in found)
        cpu = statistics.median(r.cpu for r in found)
        probed = commands[name][: len(probe)] == probe
        figures = [json.loads(r.stderr.decode().strip().splitlines()[-1]) for r in found] if probed else []
        figure = f"cpu {_seconds(cpu)}"
        if figures:
            figure += f"; in-process: load {_seconds(statistics.median(f['load'] for f in figures))}"
            figure += f", compute {_seconds(statistics.median(f['compute'] for f in figures))}"
        target, met = "", None
        if name.startswith(("health", "agenda")) and regions == 2000:
            figure += f"; {seconds / reference:.2f}x status --json (cpu {cpu / reference_cpu:.2f}x)"
            target, met = f"<= {COCKPIT_TARGET} s", seconds <= COCKPIT_TARGET
        if name.startswith("timeline model"):
            first = statistics.median(f["first"] for f in figures)
            following = statistics.median(f["next"] for f in figures)
            figure += f"; first screen {_seconds(first)}, next screen {_seconds(following)}"
            if regions == 2000:
                target, met = "first screen <= 0.5 s", first <= 0.5
        bench.add(Row(f"cockpit: {name}", size, seconds, figure, target, met))


def _check_cockpit_output(runs: dict[str, list[Run]], regions: int) -> None:
    health = json.loads(runs["health, all regions, JSON"][0].stdout)
    if len(health) != regions or not all("health" in row and "reasons" in row for row in health):
        raise BenchmarkError(f"health listed {len(health)} regions, expected {regions}")
    if json.loads(runs["health --json"][0].stdout) != health:
        raise BenchmarkError("`rollout health --json` and the core's health rows differ")
    if json.loads(runs["agenda --json"][0].stdout) != json.loads(runs["agenda, next 7 days, JSON"][0].stdout):
        raise BenchmarkError("`rollout agenda --json` and the core's agenda differ")
    status = json.loads(runs["status --json"][0].stdout)
    if sorted(r["code"] for r in status) != sorted(r["code"] for r in health):
        raise BenchmarkError("health and status list different regions")
    if not isinstance(json.loads(runs["agenda, next 7 days, JSON"][0].stdout), list):
        raise BenchmarkError("the agenda is not a JSON list")
    lines = runs["timeline text, all regions, 100 columns"][0].stdout.decode().splitlines()
    if len(lines) < regions + 2 or max(len(line) for line in lines) > 100:
        raise BenchmarkError("the text timeline has a line per region within 100 columns")


def tui(bench: Bench) -> None:
    try:
        import textual  # noqa: F401

        from rollout.tui import app  # noqa: F401
    except ImportError as exc:
        bench.add(Row("tui", "-", None, f"skipped: {exc}"))
        return
    sizes = (17,) if bench.smoke else (17, 2000)
    for regions in sizes:
        db = bench.database(regions)
        results = []
        for _ in range(bench.runs):
            run = bench.run([bench.python, "-m", "benchmarks.tui_probe", str(db), TUI_FILTER])
            results.append(json.loads(run.stdout.decode().strip().splitlines()[-1]))
        if any(r["rows"] != regions for r in results):
            raise BenchmarkError(f"the TUI showed {results[0]['rows']} regions, expected {regions}")

        def median(key: str, results: list[dict[str, Any]] = results) -> float:
            return statistics.median(r[key] for r in results)

        size = f"{regions:,} regions"
        if regions == 2000:  # the size launch managers reported over SSH: 80,000 items, 40,000 promotions, 27 MB
            size += f", {regions * synth.ITEMS_PER_REGION:,} items, {regions * synth.PROMOS_PER_REGION:,} promotions"
        limit = 0.5 if regions == 17 else 1.0
        start = median("start")
        bench.add(Row("tui: start to a drawn Regions table", size, start, "", f"<= {limit} s", start <= limit))
        keystroke = median("keystroke")
        shown = results[0]["rows_after_filter"]
        bench.add(
            Row(
                "tui: one filter keystroke, table redrawn",
                size,
                keystroke,
                f"{TUI_FILTER!r} leaves {shown}",
                "<= 50 ms" if regions == 2000 else "",
                keystroke <= 0.05 if regions == 2000 else None,
            )
        )
        reads = max(r["cursor_disk_reads"] for r in results)
        bench.add(
            Row(
                "tui: one cursor move, redrawn",
                size,
                median("cursor"),
                f"{reads} disk reads in {results[0]['moves']} moves",
                "never waits on disk",
                reads == 0,
            )
        )
        bench.add(Row("tui: calendar, open on this month", size, median("calendar")))
        bench.add(Row("tui: calendar, next month", size, median("month")))
        if any(r["timeline_rows"] != regions for r in results):
            raise BenchmarkError(f"the Timeline had {results[0]['timeline_rows']} rows, expected {regions}")
        first_draw = median("timeline")
        bench.add(Row("tui: timeline, first draw", size, first_draw, "", "<= 0.5 s", first_draw <= 0.5))
        for key, what in (("timeline_cursor", "a cursor move (region or column)"), ("timeline_zoom", "a zoom")):
            value = median(key)
            bench.add(Row(f"tui: timeline, {what}, redrawn", size, value, "", "<= 50 ms", value <= 0.05))


def concurrency(bench: Bench) -> None:
    writers, edits = (WRITERS, 5) if bench.smoke else (WRITERS, EDITS)
    runs = []
    for _ in range(1 if bench.smoke else max(1, min(bench.runs, 3))):
        db = bench.scratch_copy(bench.bundled(), "concurrent.json")
        runs.append(_writers(bench, db, writers, edits))
    seconds = statistics.median(runs)
    total = writers * edits
    bench.add(
        Row(
            f"concurrency: {writers} writer processes x {edits} edits",
            "bundled",
            seconds,
            f"{total / seconds:.0f} edits/s, none lost",
            "<= 10 s, none lost" if edits == EDITS else "",
            seconds <= 10 if edits == EDITS else None,
        )
    )
    if not bench.smoke:
        db = bench.scratch_copy(bench.bundled(), "concurrent.json")
        seconds = _separate_processes(bench, db, writers, 10)
        bench.add(
            Row(
                f"concurrency: {writers} x 10 edits, one `rollout` process per edit",
                "bundled",
                seconds,
                f"{writers * 10 / seconds:.0f} edits/s, none lost",
            )
        )


def _writers(bench: Bench, db: Path, writers: int, edits: int) -> float:
    before = _load(db)
    go = bench.work / "go"
    go.unlink(missing_ok=True)
    procs = [
        subprocess.Popen(
            [bench.python, "-m", "benchmarks.writer", str(db), str(n), str(edits), str(go)],
            stdout=subprocess.PIPE,
            env=bench.env(),
        )
        for n in range(writers)
    ]
    for proc in procs:  # every writer imported and waiting, then all go at once
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != b"ready":
            raise BenchmarkError("a writer process did not start")
    started = time.perf_counter()
    go.touch()
    outputs = [p.communicate()[0] for p in procs]
    seconds = time.perf_counter() - started
    failed = sum(int(out.strip() or b"1") for out in outputs)
    if failed or any(p.returncode for p in procs):
        raise BenchmarkError(f"{failed} concurrent edits failed")
    _check_none_lost(db, before, writers, edits, writer.TITLE)
    return seconds


def _separate_processes(bench: Bench, db: Path, writers: int, edits: int) -> float:
    before = _load(db)
    script = (
        "import subprocess, sys\n"
        "db, writer, edits = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
        "for edit in range(edits):\n"
        "    subprocess.run([*sys.argv[4:], '--db', db, '--user', 'w' + writer, 'check', 'add', 'DE',\n"
        "                    f'proc w{writer} e{edit}'], check=True, stdout=subprocess.DEVNULL)\n"
    )
    started = time.perf_counter()
    procs = [
        subprocess.Popen([bench.python, "-c", script, str(db), str(n), str(edits), *bench.rollout], env=bench.env())
        for n in range(writers)
    ]
    if any(p.wait() for p in procs):
        raise BenchmarkError("a `rollout` edit failed")
    seconds = time.perf_counter() - started
    _check_none_lost(db, before, writers, edits, "proc w{writer} e{edit}")
    return seconds


def _check_none_lost(db: Path, before: Any, writers: int, edits: int, title: str) -> None:
    after = _load(db)
    titles = {item["title"] for item in after.items.values()}
    expected = {title.format(writer=w, edit=e) for w in range(writers) for e in range(edits)}
    lost = expected - titles
    entries = len(after.history) - len(before.history)
    if lost or entries != writers * edits:
        raise BenchmarkError(f"{len(lost)} edits lost; {entries} history entries for {writers * edits} edits")


AGING_ROUNDS, AGING_ITEMS = 10, 5_000
RATIO_TARGET = 1.25


def history(bench: Bench) -> None:
    """Fresh against aged: what a long history costs every later command."""
    rounds, items = (1, 200) if bench.smoke else (AGING_ROUNDS, AGING_ITEMS)
    fresh = bench.scratch_copy(bench.bundled(), "history-fresh.json")
    for n in range(5):
        bench.cli(fresh, "--user", "bench", "region", "set", "DE", "--owner", f"owner {n}")
    aged = bench.scratch_copy(fresh, "history-aged.json")
    started = time.perf_counter()
    changes = _age(bench, aged, rounds, items)
    aging = time.perf_counter() - started
    if _load(aged).data() != _load(fresh).data():
        raise BenchmarkError("aging changed the records")
    size = f"bundled, {changes:,} changes in history"
    bench.add(
        Row(
            f"history: aging ({2 * rounds} batches of {items:,} lines)",
            size,
            aging,
            f"history {_history_mb(aged)}, state file {aged.stat().st_size / 1e3:.0f} KB "
            f"(fresh {fresh.stat().st_size / 1e3:.0f} KB)",
        )
    )
    _compare(bench, fresh, aged, size, targets=True, rare_user="bench")

    entries = 1_000 if bench.smoke else SMALL_ENTRIES
    old = synth.write_schema1_history(bench.work / "history-schema1.json", fresh, entries, first_user="founder")
    megabytes = old.stat().st_size / 1e6
    upgrade = bench.cli(old, "--user", "bench", "region", "set", "FR", "--owner", "upgraded")
    small = f"bundled, {entries:,} small entries"
    bench.add(
        Row(
            f"history: first write to a schema-1 file ({megabytes:.0f} MB), moving its history out",
            small,
            upgrade.seconds,
            f"peak {upgrade.peak_mb:.0f} MB; then state file {old.stat().st_size / 1e3:.0f} KB, history "
            f"{_history_mb(old)}",
        )
    )
    _compare(bench, fresh, old, small, targets=False, rare_user="founder")


SMALL_ENTRIES = 100_000


def _history_mb(db: Path) -> str:
    folder = db.with_name(db.name + ".history")
    return f"{sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.0f} MB"


def _compare(bench: Bench, fresh: Path, aged: Path, size: str, targets: bool, rare_user: str) -> None:
    cases = [
        ("status --json", ["status", "--json"]),
        ("history --limit 5", ["history", "--limit", "5"]),
        ("history --limit 5 --json", ["history", "--limit", "5", "--json"]),
        ("history DE --limit 5", ["history", "DE", "--limit", "5"]),
        ("one edit (region set)", ["region", "set", "FR", "--owner", "{n}"]),
        ("undo", ["undo"]),
    ]
    targeted = {"status --json", "history --limit 5", "one edit (region set)"} if targets else set()
    runs = 1 if bench.smoke else bench.runs * 2
    for name, args in cases:
        timings: dict[Path, list[float]] = {fresh: [], aged: []}
        cpu: dict[Path, list[float]] = {fresh: [], aged: []}
        for n in range(runs + 1):  # the first round warms caches and is not counted
            for db in (fresh, aged):  # interleaved, so load on the machine hits both alike
                run = bench.cli(db, *[a.format(n=f"bench {n}") for a in args])
                if n:
                    timings[db].append(run.seconds)
                    cpu[db].append(run.cpu)
        cpu_ratio = statistics.median(cpu[aged]) / statistics.median(cpu[fresh])
        _history_row(
            bench, f"history: {name}", size, timings[fresh], timings[aged], name in targeted, f"; cpu {cpu_ratio:.2f}x"
        )
    _tui_ratio(bench, fresh, aged, size, targets)
    _history_screen(bench, fresh, aged, size, rare_user)


OPEN_TARGET = 0.25


def _history_screen(bench: Bench, fresh: Path, aged: Path, size: str, rare_user: str) -> None:
    """The TUI's History screen (benchmarks/history_probe.py): opening it fresh against aged, then
    what its keys cost on the aged database."""
    try:
        import textual  # noqa: F401
    except ImportError as exc:
        bench.add(Row("history: TUI History screen", size, None, f"skipped: {exc}"))
        return
    results: dict[Path, list[dict[str, Any]]] = {fresh: [], aged: []}
    for _ in range(1 if bench.smoke else bench.runs):
        for db in (fresh, aged):
            run = bench.run([bench.python, "-m", "benchmarks.history_probe", str(db), rare_user])
            results[db].append(json.loads(run.stdout.decode().strip().splitlines()[-1]))

    def median(db: Path, key: str) -> float:
        return statistics.median(r[key] for r in results[db])

    last = results[aged][-1]
    opened = median(aged, "open")
    bench.add(
        Row(
            "history: TUI History screen, L to its first page drawn",
            size,
            opened,
            f"fresh {_seconds(median(fresh, 'open'))} ({results[fresh][-1]['entries']} entries), "
            f"aged {_seconds(opened)} ({min(last['entries'], 100)} rows of {last['entries']:,})",
            f"<= {_seconds(OPEN_TARGET)}",
            opened <= OPEN_TARGET,
        )
    )
    bench.add(
        Row(
            "history: TUI History screen, each row's undo state read (worker)",
            size,
            median(aged, "states"),
            f"{last['entries']:,} entries; {last['history_bytes'] / 1e3:.0f} KB of history read to open it and move 20 rows",
        )
    )
    for key, case, target, figure in [
        ("cursor", "one cursor move, the entry's fields shown", 0.05, ""),
        ("page", "G at the end of the list: the next page", 0.1, ""),
        ("filter_user", f"filter user={rare_user}", 0.5, f"{last['filter_user_rows']} found"),
        ("filter_nobody", "filter on a user with no change (reads every header)", 0.5, "0 found"),
        ("filter_day", "filter day= (the middle of history)", 0.5, f"{last['filter_day_rows']} found"),
    ]:
        value = median(aged, key)
        bench.add(Row(f"history: TUI History, {case}", size, value, figure, f"<= {_seconds(target)}", value <= target))


def _age(bench: Bench, db: Path, rounds: int, items: int) -> int:
    """Add `items` checklist items in one batch and remove them in another, `rounds` times, through
    `rollout batch`; return the number of record changes that put in history."""
    codes = sorted(_load(db).regions)
    for round_number in range(rounds):
        adding = bench.work / "aging-add.txt"
        adding.write_text(
            "".join(f'check add {codes[n % len(codes)]} "aging {round_number}.{n}"\n' for n in range(items))
        )
        bench.cli(db, "--user", "ager", "batch", str(adding))
        added = [i for i in _load(db).items.values() if i["title"].startswith(f"aging {round_number}.")]
        removing = bench.work / "aging-remove.txt"
        removing.write_text("".join(f"check remove {i['region']} {i['id']}\n" for i in added))
        bench.cli(db, "--user", "ager", "batch", str(removing))
    return 2 * rounds * items


def _history_row(
    bench: Bench, case: str, size: str, fresh: list[float], aged: list[float], targeted: bool, extra: str = ""
) -> None:
    ratio = statistics.median(aged) / statistics.median(fresh)
    figure = f"fresh {_seconds(statistics.median(fresh))}, aged {_seconds(statistics.median(aged))}: {ratio:.2f}x"
    figure += extra
    target = f"<= {RATIO_TARGET}x fresh" if targeted else ""
    bench.add(Row(case, size, statistics.median(aged), figure, target, ratio <= RATIO_TARGET if targeted else None))


def _tui_ratio(bench: Bench, fresh: Path, aged: Path, size: str, targeted: bool) -> None:
    try:
        import textual  # noqa: F401
    except ImportError as exc:
        bench.add(Row("history: tui start", size, None, f"skipped: {exc}"))
        return
    starts: dict[Path, list[float]] = {fresh: [], aged: []}
    for _ in range(1 if bench.smoke else bench.runs):
        for db in (fresh, aged):
            run = bench.run([bench.python, "-m", "benchmarks.tui_probe", str(db), TUI_FILTER])
            starts[db].append(json.loads(run.stdout.decode().strip().splitlines()[-1])["start"])
    _history_row(bench, "history: tui start to a drawn Regions table", size, starts[fresh], starts[aged], targeted)


def compile_package() -> None:
    """Write rollout's bytecode caches up front, as installing it does, so no timed run compiles."""
    import compileall

    import rollout

    compileall.compile_dir(Path(rollout.__file__).parent, quiet=2)


# -- report ------------------------------------------------------------------------------
def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from rollout import __version__

    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), {os.cpu_count()} CPUs (nproc), "
        f"{cpu}, {platform.system()} {platform.release()}; rollout {__version__}"
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(rows: list[Row], markdown: bool) -> str:
    headers = ["Case", "Data", "Median", "Figure", "Target", "Met"]
    cells = [
        [r.case, r.size, _seconds(r.seconds), r.figure, r.target, "" if r.met is None else ("yes" if r.met else "NO")]
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


TEMPLATE_TARGET = 0.5  # a launch template applied to 2,000 regions, in process (issue 21)


def templates(bench: Bench) -> None:
    """A launch template (the bundled checklist in working days, two promotions) applied to every
    region, in process (benchmarks/templates_probe.py): the first apply (every item added), the same
    again (all unchanged) and after one offset changed (one update per region); CPU seconds, after
    one warm-up run that fills the public-holiday cache (the cold first run is shown too)."""
    regions = 17 if bench.smoke else 2000
    db = bench.database(regions)
    probe = [bench.python, "-m", "benchmarks.templates_probe", str(db)]
    cold = json.loads(bench.run(probe).stderr.decode().strip().splitlines()[-1])
    found = [json.loads(bench.run(probe).stderr.decode().strip().splitlines()[-1]) for _ in range(bench.runs)]
    size = f"{regions:,} regions"
    for name in ("apply", "reapply", "changed"):
        seconds = statistics.median(f[name] for f in found)
        target, met = (
            ("", None)
            if name != "apply" or regions != 2000
            else (f"<= {TEMPLATE_TARGET} s", seconds <= TEMPLATE_TARGET)
        )
        figure = f"cpu; {found[0]['added']:,} records added" if name == "apply" else "cpu"
        if name == "apply":
            figure += f"; cold holiday cache {_seconds(cold['apply'])}"
        bench.add(Row(f"templates: {name}", size, seconds, figure, target, met))


KPI_TARGET = 0.5  # the GMV report over 2,000 regions x 24 periods (issue 21)


def kpis(bench: Bench) -> None:
    """The GMV report at 2,000 regions x 24 months (17 x 3 in a smoke run), benchmarks/kpi_probe.py:
    the core's report (the target's figure) and the command with start-up and load."""
    regions, months = (17, 3) if bench.smoke else (2000, 24)
    probe = [bench.python, "-m", "benchmarks.kpi_probe", "--regions", str(regions), "--periods", str(months)]
    found = json.loads(
        bench.run([*probe, "--runs", str(bench.runs), "--json"]).stdout.decode().strip().splitlines()[-1]
    )
    size = f"{regions:,} regions x {months} months"
    met = found["core"] <= KPI_TARGET if regions == 2000 else None
    target = f"<= {KPI_TARGET} s" if met is not None else ""
    figure = f"in process; {found['records']:,} KPI records"
    bench.add(Row("kpi: report", size, found["core"], figure, target, met))
    bench.add(Row("kpi: kpi report --json", size, found["command"], "fresh process, start-up and load included"))


CASES: dict[str, Callable[[Bench], None]] = {
    "startup": startup,
    "batch": batch,
    "reads": reads,
    "cockpit": cockpit,
    "tui": tui,
    "concurrency": concurrency,
    "history": history,
    "templates": templates,
    "kpi": kpis,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="smallest sizes, one run each; asserts no timings")
    parser.add_argument("--runs", type=int, help="runs per case (median reported)  [default: 5, smoke 1]")
    parser.add_argument("--only", choices=sorted(CASES), action="append", help="run only these cases")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    parser.add_argument(
        "--backend",
        choices=("file", "postgres"),
        default="file",
        help="file: every case above; postgres: the PostgreSQL figures beside the file's (benchmarks/postgres.py)",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.smoke else 5)
    work = args.keep or Path(tempfile.mkdtemp(prefix="rollout-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(work=work.resolve(), runs=runs, smoke=args.smoke)
    compile_package()
    print(f"rollout benchmarks ({'smoke' if args.smoke else f'{runs} runs, medians'}) in {work}", file=sys.stderr)
    load_before = os.getloadavg()[0]
    cases = CASES
    if args.backend == "postgres":
        from benchmarks.postgres import postgres

        cases = {"postgres": postgres}
    try:
        for name, case in cases.items():
            if args.only is None or name in args.only or args.backend == "postgres":
                print(f"{name}:", file=sys.stderr, flush=True)
                case(bench)
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    print(
        f"{machine()}; {'smoke run' if args.smoke else f'median of {runs} runs'}; {load}; clock pinned at {PINNED_NOW}"
    )
    print(table(bench.rows, args.markdown))
    if args.json:
        data = [r.__dict__ for r in bench.rows]
        args.json.write_text(json.dumps({"machine": machine(), "rows": data}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
