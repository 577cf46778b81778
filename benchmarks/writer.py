"""One concurrent writer: `python -m benchmarks.writer DB WRITER EDITS GO_FILE`.

Makes EDITS edits, each through the CLI's own commands (`rollout --db DB --user wN check add ...`)
run in this process, so each is its own locked read-modify-write of the database, exactly as a
separate `rollout` invocation does it, without paying interpreter start-up per edit (as a TUI
session or a long-running script does). Prints `ready` once imported, starts when GO_FILE
exists (so all writers start together), and finally prints how many edits failed.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path

REGIONS = ("DE", "FR", "JP", "BR", "IT", "ES", "GB", "US")
TITLE = "bench w{writer} e{edit}"


def edit_args(db: str, writer: int, edit: int) -> list[str]:
    region = REGIONS[(writer + edit) % len(REGIONS)]
    return ["--db", db, "--user", f"w{writer}", "check", "add", region, TITLE.format(writer=writer, edit=edit)]


def main(argv: list[str]) -> int:
    from rollout.cli import cli

    db, writer, edits, go = argv[0], int(argv[1]), int(argv[2]), Path(argv[3])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    failed = 0
    for edit in range(edits):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                cli.main(edit_args(db, writer, edit), prog_name="rollout", standalone_mode=False)
            except Exception:
                failed += 1
    print(failed, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
