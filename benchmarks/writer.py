"""One concurrent writer: `python -m benchmarks.writer DB WRITER EDITS START_AT`.

Makes EDITS edits, each through the CLI's own commands (`rollout --db DB --user wN check add ...`)
run in this process, so each is its own locked read-modify-write of the database, exactly as a
separate `rollout` invocation would do it, without paying interpreter start-up per edit (as a TUI
session or a long-running script does). Waits until the wall clock reaches START_AT so all writers
start together; prints the number of edits that failed.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time

REGIONS = ("DE", "FR", "JP", "BR", "IT", "ES", "GB", "US")


def edit_args(db: str, writer: int, edit: int) -> list[str]:
    region = REGIONS[(writer + edit) % len(REGIONS)]
    return ["--db", db, "--user", f"w{writer}", "check", "add", region, f"bench w{writer} e{edit}"]


def main(argv: list[str]) -> int:
    from rollout.cli import cli

    db, writer, edits, start_at = argv[0], int(argv[1]), int(argv[2]), float(argv[3])
    while time.time() < start_at:
        time.sleep(0.001)
    failed = 0
    for edit in range(edits):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                cli.main(edit_args(db, writer, edit), prog_name="rollout", standalone_mode=False)
            except Exception:
                failed += 1
    print(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
