"""`python -m benchmarks --backend postgres`: the figures of the PostgreSQL backend beside the file's.

Starts a PostgreSQL server of its own (tests/pg_server.py: initdb into the scratch directory, a Unix
socket, stopped at the end) and measures, each as whole `rollout` commands in fresh processes:
a read (`status --json`) and an edit (`check add`) on the bundled data, file and PostgreSQL
interleaved in the same run; a 10,000-line batch on 200 regions; `status --json` at 2,000 regions;
8 writer processes x 100 edits (none lost); and the delay from a colleague's commit to a TUI's
redraw (benchmarks/pg_probe.py). --smoke: the smallest sizes, once.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def postgres(bench: Any) -> None:
    from benchmarks.__main__ import BenchmarkError, Row, _writers, synth

    sys.path.insert(0, str(ROOT / "tests"))
    from pg_server import PostgresServer

    server = PostgresServer()
    try:
        _compare(bench, server, Row)
        _batch(bench, server, Row, synth, BenchmarkError)
        _status(bench, server, Row)
        url = _copied(bench, server, bench.bundled())
        writers, edits = (8, 5) if bench.smoke else (8, 100)
        seconds = _writers(bench, url, writers, edits)
        bench.add(
            Row(
                f"postgres: {writers} writer processes x {edits} edits",
                "bundled",
                seconds,
                f"{writers * edits / seconds:.0f} edits/s, none lost",
                "none lost",
                True,
            )
        )
        _redraw(bench, server, Row, BenchmarkError)
    finally:
        server.close()


def _copied(bench: Any, server: Any, source: Path) -> str:
    url = server.new_database()
    bench.run([*bench.rollout, "db", "copy", str(source), url])
    return url


def _compare(bench: Any, server: Any, row: Any) -> None:
    """A read and an edit as whole commands, file and PostgreSQL interleaved (load hits both alike)."""
    file = bench.scratch_copy(bench.bundled(), "compare.json")
    url = _copied(bench, server, file)
    cases = {
        "read (status --json)": ("status", "--json"),
        "edit (check add)": ("check", "add", "DE", "Benchmark item"),
    }
    for name, args in cases.items():
        times: dict[str, list[float]] = {"file": [], "postgres": []}
        bench.run([*bench.rollout, "--db", url, *args])  # warm-up
        for _ in range(max(3, bench.runs * 2) if not bench.smoke else 1):
            times["file"].append(bench.run([*bench.rollout, "--db", str(file), *args]).seconds)
            times["postgres"].append(bench.run([*bench.rollout, "--db", url, *args]).seconds)
        mine, theirs = statistics.median(times["postgres"]), statistics.median(times["file"])
        ratio = mine / theirs
        bench.add(
            row(
                f"postgres: {name}",
                "bundled",
                mine,
                f"{ratio:.2f}x the file's {theirs * 1000:.0f} ms",
                "<= 1.5x the file",
                ratio <= 1.5,
            )
        )


def _batch(bench: Any, server: Any, row: Any, synth: Any, error: Any) -> None:
    from rollout.db import Database

    base = bench.database(17 if bench.smoke else 200)
    state = Database(base).load()
    size = 100 if bench.smoke else 10_000
    lines = synth.write_batch(bench.work / f"pg-batch-{size}.txt", state, size)
    runs, on_file = [], []
    for _ in range(1 if bench.smoke else max(1, min(bench.runs, 3))):
        url = _copied(bench, server, base)
        runs.append(bench.run([*bench.rollout, "--db", url, "batch", str(lines)]).seconds)
        after = Database(url).load()
        if after.revision != state.revision + 1:
            raise error(f"the batch on PostgreSQL made {after.revision - state.revision} writes")
        file = bench.scratch_copy(base, "pg-batch.json")
        on_file.append(bench.run([*bench.rollout, "--db", str(file), "batch", str(lines)]).seconds)
    seconds = statistics.median(runs)
    target = size == 10_000
    bench.add(
        row(
            f"postgres: batch of {size:,} lines",
            "17 regions" if bench.smoke else "200 regions",
            seconds,
            f"one transaction; {seconds / statistics.median(on_file):.2f}x the file's {statistics.median(on_file):.2f} s",
            "<= 2 s" if target else "",
            seconds <= 2.0 if target else None,
        )
    )


def _status(bench: Any, server: Any, row: Any) -> None:
    regions = 17 if bench.smoke else 2000
    file = bench.database(regions)
    url = _copied(bench, server, file)
    bench.run([*bench.rollout, "--db", url, "status", "--json"])  # warm-up: the holiday cache
    runs, on_file = [], []
    for _ in range(bench.runs):
        runs.append(bench.run([*bench.rollout, "--db", url, "status", "--json"]).seconds)
        on_file.append(bench.run([*bench.rollout, "--db", str(file), "status", "--json"]).seconds)
    seconds = statistics.median(runs)
    at_scale = regions == 2000
    bench.add(
        row(
            "postgres: status --json",
            f"{regions:,} regions",
            seconds,
            f"{seconds / statistics.median(on_file):.2f}x the file's {statistics.median(on_file):.2f} s",
            "<= 0.5 s" if at_scale else "",
            seconds <= 0.5 if at_scale else None,
        )
    )


def _redraw(bench: Any, server: Any, row: Any, error: Any) -> None:
    url = _copied(bench, server, bench.bundled())
    rounds = 1 if bench.smoke else 5
    result = subprocess.run(
        [bench.python, "-m", "benchmarks.pg_probe", url, str(rounds)],
        capture_output=True,
        text=True,
        env=bench.env(),
        timeout=300,
    )
    if result.returncode != 0:
        raise error(f"the redraw probe failed: {result.stderr[-500:]}")
    delays = [float(x) for x in result.stdout.split()]
    seconds = statistics.median(delays)
    bench.add(
        row(
            "postgres: a colleague's commit on a TUI's screen",
            "bundled",
            seconds,
            f"max {max(delays):.2f} s over {len(delays)}",
            "<= 0.5 s",
            seconds <= 0.5,
        )
    )
