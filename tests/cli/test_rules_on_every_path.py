"""Every rule on every path that writes (issue 19, section 2): a table, rule by path.

Each case starts from an empty database with region NL (launch target 2027-03-01 10:00) and two
items: c1 'Payment provider live' (critical) and c2 'Banner copy', which waits for c1. A case
brings the database to the edge of one rule, then crosses it through one path: the command line,
`batch`, `import` of a CSV row or a JSON record, `undo --entry`, `redo --entry`. Crossing is
refused with a one-line Error and the database byte-identical, unless forced, which history notes
(a cycle is refused even then). `restore` brings back a state that was: it notes, never refuses.
The rules themselves are rollout.rules'.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from databases import stored

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


@dataclass
class Crossing:
    """The command crossing a rule (run after `setup`); the error and the note it must give."""

    args: list[str]
    error: str  # a fragment of the one-line Error
    note: str | None  # the start of the history note of the forced crossing (None: force does not help)


class Cli:
    def __init__(self, rollout, path: Path | str, tmp_path: Path) -> None:
        self.rollout, self.path, self.tmp_path = rollout, path, tmp_path

    def __call__(self, *args: str, code: int = 0):
        result = self.rollout(*args, db=self.path)
        assert result.exit_code == code, result.stderr
        return result

    def last_entry(self) -> dict:
        (entry,) = json.loads(self("history", "--limit", "1", "--json").stdout)
        return entry

    def last_id(self) -> int:
        return self.last_entry()["id"]

    def file(self, name: str, text: str) -> str:
        path = self.tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture
def cli(empty_db_path: Path, rollout, tmp_path: Path) -> Cli:
    run = Cli(rollout, empty_db_path, tmp_path)
    run("region", "add", "NL", "--name", "Netherlands", "--tz", "Europe/Amsterdam", "--currency", "EUR")
    run("region", "set", "NL", "--launch", "2027-03-01T10:00")
    run("check", "add", "NL", "Payment provider live", "--critical")
    run("check", "add", "NL", "Banner copy", "--after", "c1")
    return run


def _json_export(kind: str, record: dict) -> str:
    return json.dumps({"rollout_export": 1, kind: [record]}, indent=2)


# -- the edge of each rule, and the crossing by each path -----------------------------------------
def _dependency(cli: Cli, path: str) -> Crossing:
    """c2 ticked while c1, which it waits for, is open."""
    note = "forced tick"
    if path in ("cli", "batch"):
        args = ["check", "done", "NL", "c2"]
        if path == "batch":
            args = ["batch", cli.file("ticks.txt", "check done NL c2\n")]
        return Crossing(args, "c2 waits for c1 'Payment provider live' (open); use --force", note)
    if path == "import-csv":
        return Crossing(
            ["import", cli.file("items.csv", "id,status\nc2,done\n")],
            "items.csv line 2: import would tick c2, which waits for c1 'Payment provider live' (open)",
            note,
        )
    if path == "import-json":
        return Crossing(
            ["import", cli.file("items.json", _json_export("checklist", {"id": "c2", "status": "done"}))],
            "items.json line 4: import would tick c2, which waits for c1",
            note,
        )
    if path == "undo":  # undoing the reopen of c2 after c1 was reopened too
        cli("check", "done", "NL", "c1")
        cli("check", "done", "NL", "c2")
        cli("check", "reopen", "NL", "c2")
        entry = cli.last_id()
        cli("check", "reopen", "NL", "c1")
        return Crossing(["undo", "--entry", str(entry)], f"undo #{entry} would tick c2, which waits for c1", note)
    # redo: the tick of c2, undone, redone after c1 was reopened
    cli("check", "done", "NL", "c1")
    cli("check", "done", "NL", "c2")
    entry = cli.last_id()
    cli("undo", "--entry", str(entry))
    cli("check", "reopen", "NL", "c1")
    return Crossing(["redo", "--entry", str(entry)], f"redo #{entry} would tick c2, which waits for c1", note)


def _launch(cli: Cli, path: str) -> Crossing:
    """NL launched while its critical item c1 is open."""
    note = "forced launch"
    fragment = "NL: 1 critical item(s) open (c1 'Payment provider live'); use --force to launch anyway"
    if path == "cli":
        return Crossing(["region", "set", "NL", "--status", "launched"], "cannot launch " + fragment, note)
    if path == "batch":
        return Crossing(
            ["batch", cli.file("launch.txt", "region set NL --status launched\n")], "cannot launch " + fragment, note
        )
    if path == "import-csv":
        return Crossing(
            ["import", cli.file("regions.csv", "code,status\nNL,launched\n")],
            "regions.csv line 2: import cannot launch " + fragment,
            note,
        )
    if path == "import-json":
        return Crossing(
            ["import", cli.file("regions.json", _json_export("regions", {"code": "NL", "status": "launched"}))],
            "regions.json line 4: import cannot launch " + fragment,
            note,
        )
    cli("check", "done", "NL", "c1")
    if path == "undo":  # undoing the step back from launched, after c1 was reopened
        cli("region", "set", "NL", "--status", "launched")
        cli("region", "set", "NL", "--status", "planned")
        entry = cli.last_id()
        cli("check", "reopen", "NL", "c1")
        return Crossing(["undo", "--entry", str(entry)], f"undo #{entry} cannot launch " + fragment, note)
    cli("region", "set", "NL", "--status", "launched")
    entry = cli.last_id()
    cli("undo", "--entry", str(entry))
    cli("check", "reopen", "NL", "c1")
    return Crossing(["redo", "--entry", str(entry)], f"redo #{entry} cannot launch " + fragment, note)


def _launch_move(cli: Cli, path: str) -> Crossing:
    """The launch target of NL, launched, moved."""
    note = "forced move"
    cli("check", "done", "NL", "c1", "c2")
    if path in ("undo", "redo"):
        cli("region", "set", "NL", "--launch", "2027-04-01T10:00")
        entry = cli.last_id()
        if path == "redo":
            cli("undo", "--entry", str(entry))
        cli("region", "set", "NL", "--status", "launched")
        return Crossing([path, "--entry", str(entry)], f"{path} #{entry} cannot move the launch of NL", note)
    cli("region", "set", "NL", "--status", "launched")
    message = "cannot move the launch of NL: it has already launched; use --force"
    if path == "cli":
        return Crossing(["region", "set", "NL", "--launch", "2027-04-01T10:00"], message, note)
    if path == "batch":
        return Crossing(["batch", cli.file("move.txt", "region set NL --launch 2027-04-01T10:00\n")], message, note)
    if path == "import-csv":
        return Crossing(
            ["import", cli.file("regions.csv", "code,launch\nNL,2027-04-01T10:00\n")],
            "regions.csv line 2: import " + message,
            note,
        )
    return Crossing(
        ["import", cli.file("regions.json", _json_export("regions", {"code": "NL", "launch": "2027-04-01T10:00"}))],
        "regions.json line 4: import " + message,
        note,
    )


def _cycle(cli: Cli, path: str) -> Crossing:
    """c1 made to wait for c2, which waits for c1."""
    if path in ("cli", "batch"):
        args = ["check", "edit", "NL", "c1", "--after", "c2"]
        if path == "batch":
            args = ["batch", cli.file("cycle.txt", "check edit NL c1 --after c2\n")]
        return Crossing(args, "c1 cannot wait for c2: that makes a cycle c1 -> c2 -> c1", None)
    if path == "import-csv":
        return Crossing(["import", cli.file("items.csv", "id,after\nc1,c2\n")], "waits for itself through", None)
    if path == "import-json":
        record = {"id": "c1", "after": ["c2"]}
        return Crossing(["import", cli.file("items.json", _json_export("checklist", record))], "through", None)
    cli("check", "edit", "NL", "c2", "--no-after")
    if path == "undo":
        entry = cli.last_id()
        cli("check", "edit", "NL", "c1", "--after", "c2")
        return Crossing(["undo", "--entry", str(entry)], "waits for itself through", None)
    cli("check", "edit", "NL", "c1", "--after", "c2")
    entry = cli.last_id()
    cli("undo", "--entry", str(entry))
    cli("check", "edit", "NL", "c2", "--after", "c1")
    return Crossing(["redo", "--entry", str(entry)], "waits for itself through", None)


RULES: dict[str, Callable[[Cli, str], Crossing]] = {
    "dependency gate": _dependency,
    "launch gate": _launch,
    "launched launch kept": _launch_move,
    "no cycle": _cycle,
}
PATHS = ("cli", "batch", "import-csv", "import-json", "undo", "redo")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("rule", RULES)
def test_a_rule_holds_on_a_path(cli, rule, path):
    crossing = RULES[rule](cli, path)
    before = stored(cli.path)
    refused = cli(*crossing.args, code=1)
    assert refused.stderr.startswith("Error: ") and refused.stderr.count("\n") == 1, refused.stderr
    assert crossing.error in refused.stderr
    assert stored(cli.path) == before
    if crossing.note is None:  # nothing forces a cycle through
        if path not in ("cli", "batch"):
            cli(*crossing.args, "--force", code=1)
            assert stored(cli.path) == before
        return
    cli(*_forced(cli, crossing.args))
    notes = cli.last_entry().get("notes", [])
    assert [n for n in notes if n.startswith(crossing.note)], notes
    region = _region(cli)
    assert (region["status"] == "launched") == bool(region["launched_at"])  # launched_at set on launch


def _forced(cli: Cli, args: list[str]) -> list[str]:
    """The crossing with --force: on the command line, or on the batch file's line."""
    if args[0] != "batch":
        return [*args, "--force"]
    line = Path(args[1]).read_text(encoding="utf-8").strip()
    return ["batch", cli.file("forced.txt", line + " --force\n")]


def _region(cli: Cli) -> dict:
    (row,) = json.loads(cli("status", "--json").stdout)
    return row


# -- restore: a state that was comes back, and says what it crosses --------------------------------
@pytest.mark.file_only  # backups and restore are the file's (on a server, the server's)
def test_restore_brings_back_a_tick_whose_blocker_is_open_now_and_notes_it(cli):
    cli("check", "done", "NL", "c1")
    cli("check", "done", "NL", "c2")
    cli("check", "reopen", "NL", "c1")  # reopening is never refused: c2 stays done
    cli("check", "reopen", "NL", "c2")
    cli("check", "done", "NL", "c1")
    cli("check", "reopen", "NL", "c1")  # backup 1 is the state before this: c1 done, c2 open
    cli("restore", "3")  # c1 open, c2 done: c2's tick comes back while c1 is open
    entry = cli.last_entry()
    assert "forced tick (restore) of c2 while it waits for c1 'Payment provider live' (open)" in entry["notes"]


def test_the_forced_tick_in_a_batch_is_kept_when_a_later_line_reopens_the_blocker(cli):
    # Each line is judged as it runs: the end of the batch does not judge c2's tick again.
    batch = cli.file("lines.txt", "check done NL c1 c2\ncheck reopen NL c1\n")
    cli("batch", batch)
    assert "notes" not in cli.last_entry()


@pytest.mark.file_only
def test_a_whole_restore_notes_what_its_replay_crosses(cli):
    cli("check", "done", "NL", "c1")
    cli("check", "done", "NL", "c2")
    cli("check", "reopen", "NL", "c1")  # c2 stays done while c1 is open again
    cli.path.write_text("{not json", encoding="utf-8")  # the state file is lost
    cli("restore", "3", "--force")  # before the first tick; the three changes are replayed on it
    assert [(i["id"], i["status"]) for i in json.loads(cli("check", "list", "NL", "--json").stdout)] == [
        ("c1", "open"),
        ("c2", "done"),
    ]
    notes = cli.last_entry()["notes"]
    assert "forced tick (restore) of c2 while it waits for c1 'Payment provider live' (open)" in notes
