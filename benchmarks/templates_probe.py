"""`python -m benchmarks.templates_probe DB`: a launch template applied to every region of DB, in process.

The template is the bundled `standard` checklist (18 items) with its offsets turned into working
days (-120d becomes -86wd: five working days a week), plus two promotions, so every item is counted
on the region's own calendar (its weekend and public holidays, rollout.holidays). The process loads
the database as a command does, then times, with the cyclic garbage collector paused as commands
do: `apply` (every item and promotion added), `reapply` (the same template again: all unchanged),
and `changed` (one item's offset changed: one update per region). Prints one JSON line of figures
in CPU seconds (time.process_time: the machine is shared, so CPU time is what compares) (load, apply, reapply, changed) and counts (regions, added) on stderr; nothing is written.
"""

from __future__ import annotations

import gc
import json
import sys
import time


def main(argv: list[str]) -> int:
    import rollout.cli  # noqa: F401  (what a command pays for before it reads: Click and the commands)
    from rollout import templates
    from rollout.dataset import bundled_document
    from rollout.db import Database
    from rollout.state import State

    gc.disable()
    started = time.process_time()
    state = Database(argv[0], read_only=True).load()
    loaded = time.process_time()
    standard = State(bundled_document()).tables["templates"]["standard"]
    items = [{**spec, "due": f"{int(spec['due'][:-1]) * 5 // 7}wd"} for spec in standard["items"]]
    promos = [
        {"key": "launch-sale", "name": "Launch sale", "kind": "campaign", "start": "0d", "end": "7d"},
        {"key": "pre-launch", "name": "Pre-launch teaser", "kind": "teaser", "start": "-10wd", "end": "0d"},
    ]
    templates.import_template(
        state, {"rollout_template": 1, "name": "bench", "version": 1, "items": items, "promotions": promos}, "bench"
    )
    figures: dict[str, float | int] = {"load": loaded - started, "regions": len(state.regions)}
    begin = time.process_time()
    steps = templates.apply(state, "bench", ["all"])
    figures["apply"] = time.process_time() - begin
    figures["added"] = sum(1 for s in steps if s.action == "add")
    begin = time.process_time()
    again = templates.apply(state, "bench", ["all"])
    figures["reapply"] = time.process_time() - begin
    if any(s.action != "unchanged" for s in again):
        print("re-applying the same template changed something", file=sys.stderr)
        return 1
    templates.edit_template(state, "bench", "cx-coverage", "bench", due="-12wd")
    begin = time.process_time()
    changed = templates.apply(state, "bench", ["all"])
    figures["changed"] = time.process_time() - begin
    if sum(1 for s in changed if s.action == "update") != len(state.regions):
        print("a changed offset did not update every region", file=sys.stderr)
        return 1
    print(json.dumps(figures), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
