"""`python -m benchmarks.cockpit_probe WHAT DB [ROWS]`: one read of the launch cockpit, as a command does it.

WHAT is `health` (every region's health row, worst first), `agenda` (the next 7 days across
regions), `owners`, `timeline-text` (the text Gantt of every region, 100 columns) or
`timeline-screen` (the timeline model of the first ROWS regions, default 40, then of the next
ROWS, as a screen showing them would ask for). The process loads what the CLI loads for a read
(rollout.cli: Click and the command modules), pauses the cyclic garbage collector as read commands
do, reads the database, computes, and prints the result to stdout (JSON, or the Gantt). On stderr,
one JSON line of in-process figures in seconds: load, compute, and for timeline-screen `first`
(the first screen) and `next` (the following one).
"""

from __future__ import annotations

import gc
import json
import sys
import time


def main(argv: list[str]) -> int:
    what, db = argv[0], argv[1]
    rows = int(argv[2]) if len(argv) > 2 else 40
    import orjson

    import rollout.cli  # noqa: F401  (what a command pays for before it reads: Click and the commands)
    from rollout.db import Database

    gc.disable()
    started = time.perf_counter()
    state = Database(db, read_only=True).load()
    loaded = time.perf_counter()
    figures: dict[str, float] = {}
    if what == "health":
        from rollout import health

        output = orjson.dumps(health.health_rows(state), option=orjson.OPT_INDENT_2)
    elif what == "agenda":
        from rollout import agenda

        output = orjson.dumps([agenda.agenda_json(e) for e in agenda.agenda(state)], option=orjson.OPT_INDENT_2)
    elif what == "owners":
        from rollout import agenda

        output = orjson.dumps([agenda.owner_json(w) for w in agenda.owners(state)], option=orjson.OPT_INDENT_2)
    elif what == "timeline-text":
        from rollout import timeline

        model = timeline.Timeline(state)
        first, last = model.default_window()
        output = timeline.render_timeline(model, first, last, width=100).encode()
    elif what == "timeline-screen":
        from rollout import timeline

        begin = time.perf_counter()
        model = timeline.Timeline(state)
        first, last = model.default_window()
        cols = timeline.columns(first, last, width=120)
        screen = [timeline.row_cells(r, cols) for r in model.rows(first, last, 0, rows)]
        figures["first"] = time.perf_counter() - begin
        begin = time.perf_counter()
        screen += [timeline.row_cells(r, cols) for r in model.rows(first, last, rows, 2 * rows)]
        figures["next"] = time.perf_counter() - begin
        output = orjson.dumps(screen)
    else:
        print(f"unknown WHAT {what!r}", file=sys.stderr)
        return 2
    done = time.perf_counter()
    sys.stdout.buffer.write(output + b"\n")
    sys.stdout.flush()
    print(json.dumps({"load": loaded - started, "compute": done - loaded, **figures}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
