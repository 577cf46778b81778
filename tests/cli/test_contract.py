"""The scripting contract as a table: every registered command x every rule.

The commands come from the CLI itself (contract.walk), so a command added later is in every row
at once: it fails here until it has --json (or says why it is interactive), a schema, an example
whose --json output validates against it, an exit code 1 for a bad value and 2 for a missing
argument (or the reason neither applies), and a short help that fits the command list.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from contract_tools import validate
from jsonschema import Draft202012Validator

from rollout.cli import cli, contract

COMMANDS = dict(contract.walk(cli))


@dataclass(frozen=True)
class Example:
    """How to exercise one command: `ok` prints its --json output (after the `setup` commands, on
    the seeded database or a new one), `bad` gives it an invalid value (exit 1), `missing` leaves
    out something required (exit 2). A string instead of arguments says why a case does not apply."""

    ok: tuple[str, ...] | str
    bad: tuple[str, ...] | str
    missing: tuple[str, ...] | str
    setup: tuple[tuple[str, ...], ...] = ()
    stdin: str | None = None
    new_db: bool = False
    files: dict[str, str] = field(default_factory=dict)


NO_VALUE = "takes no value that could be invalid"
NOTHING_REQUIRED = "every argument and option is optional"
TICKED = (("check", "done", "c324"),)
CHANGED = (("check", "add", "DE", "Carrier SLA signed"),)
PLAN = "check add wave=5 'War room' --critical\npromo add NL 'Launch Week' --start 2027-01-26T10:00 --end 2027-02-01\n"

EXAMPLES: dict[str, Example] = {
    "status": Example(("status", "wave=5", "--json"), ("status", "wave=x"), NOTHING_REQUIRED),
    "region list": Example(("region", "list", "--json"), ("region", "list", "--status", "bogus"), NOTHING_REQUIRED),
    "region show": Example(("region", "show", "nl", "--json"), ("region", "show", "AQ"), ("region", "show")),
    "region add": Example(
        ("region", "add", "PT", "--name", "Portugal", "--tz", "Europe/Lisbon", "--currency", "EUR", "--json"),
        ("region", "add", "PT", "--name", "Portugal", "--tz", "Europe/Atlantis", "--currency", "EUR"),
        ("region", "add", "PT", "--tz", "Europe/Lisbon", "--currency", "EUR"),
    ),
    "region set": Example(
        ("region", "set", "NL", "--launch", "2027-04-27", "--json"),
        ("region", "set", "NL", "--wave", "-1"),
        ("region", "set", "NL"),
    ),
    "region remove": Example(
        ("region", "remove", "NL", "--yes", "--json"), ("region", "remove", "AQ", "--yes"), ("region", "remove")
    ),
    "shift": Example(("shift", "wave=5", "--by", "1w", "--json"), ("shift", "NL", "--by", "soon"), ("shift", "NL")),
    "check list": Example(("check", "list", "wave=5", "--open", "--json"), ("check", "list", "zz"), NOTHING_REQUIRED),
    "check add": Example(
        ("check", "add", "owner=jonas", "Press kit", "--due", "2027-01-12", "--json"),
        ("check", "add", "DE", "x", "--category", "fun"),
        ("check", "add"),
    ),
    "check done": Example(("check", "done", "NL", "c324", "--json"), ("check", "done", "c999999"), ("check", "done")),
    "check reopen": Example(
        ("check", "reopen", "c324", "--json"), ("check", "reopen", "GB", "c324"), ("check", "reopen"), setup=TICKED
    ),
    "check edit": Example(
        ("check", "edit", "c324", "--owner", "anna", "--json"),
        ("check", "edit", "c324", "--due", "soon"),
        ("check", "edit", "c324"),
    ),
    "check remove": Example(("check", "remove", "c324", "--json"), ("check", "remove", "p1"), ("check", "remove")),
    "promo list": Example(
        ("promo", "list", "GB", "--from", "2026-11-01", "--json"),
        ("promo", "list", "--from", "someday"),
        NOTHING_REQUIRED,
    ),
    "promo add": Example(
        ("promo", "add", "DE", "Xmas Deals", "--start", "2026-12-24", "--end", "2026-12-27", "--json"),
        ("promo", "add", "DE", "X", "--start", "10.05.2027", "--end", "2027-05-12"),
        ("promo", "add", "DE", "X", "--start", "2027-05-10"),
    ),
    "promo move": Example(
        ("promo", "move", "p61", "--by", "1d", "--json"),
        ("promo", "move", "p61", "--by", "1 fortnight"),
        ("promo", "move"),
    ),
    "promo edit": Example(
        ("promo", "edit", "NL", "p61", "--name", "Launch Days", "--json"),
        ("promo", "edit", "p61", "--start", "2028-01-01"),
        ("promo", "edit", "p61"),
    ),
    "promo remove": Example(("promo", "remove", "p61", "--json"), ("promo", "remove", "p99999"), ("promo", "remove")),
    "init": Example(("init", "--json"), ("init",), NOTHING_REQUIRED, new_db=True),
    "history": Example(("history", "DE", "--json"), ("history", "--limit", "0"), NOTHING_REQUIRED, setup=CHANGED),
    "undo": Example(("undo", "--json"), ("undo", "--entry", "0"), NOTHING_REQUIRED, setup=CHANGED),
    "redo": Example(("redo", "--json"), ("redo", "--entry", "x"), NOTHING_REQUIRED, setup=(*CHANGED, ("undo",))),
    "batch": Example(("batch", "-", "--json"), ("batch", "plan.txt"), ("batch",), stdin=PLAN, files={"plan.txt": "x"}),
    "tui": Example("interactive", NO_VALUE, NOTHING_REQUIRED),
    "doctor": Example(("doctor", "--json"), NO_VALUE, NOTHING_REQUIRED),
    "restore": Example(("restore", "1", "--json"), ("restore", "0"), NOTHING_REQUIRED, setup=CHANGED),
    "export": Example(
        ("export", "wave=5", "-o", "sheets.csv", "--json"), ("export", "--format", "xls"), NOTHING_REQUIRED
    ),
    "import": Example(
        ("import", "nl.csv", "--json"),
        ("import", "bad.csv"),
        ("import",),
        files={"nl.csv": "id,region,title,due\nc324,NL,Creators confirmed,2027-01-15\n", "bad.csv": "id,due\nc324,x\n"},
    ),
    "holidays": Example(
        ("holidays", "NL", "AT", "--year", "2027", "--json"), ("holidays", "--year", "1900"), NOTHING_REQUIRED
    ),
    "serve": Example("serve", ("serve", "--port", "0"), NOTHING_REQUIRED),
    "completion": Example(("completion", "bash", "--json"), ("completion", "tcsh"), ("completion",)),
    "schema": Example(("schema", "check", "add", "--json"), ("schema", "frobnicate"), NOTHING_REQUIRED),
    "health": Example(("health", "wave=5", "--json"), ("health", "AQ"), NOTHING_REQUIRED),
    "agenda": Example(("agenda", "--days", "30", "--json"), ("agenda", "--days", "-1"), NOTHING_REQUIRED),
    "owners": Example(("owners", "status=preparing", "--json"), ("owners", "--soon", "x"), NOTHING_REQUIRED),
    "timeline": Example(
        ("timeline", "NL", "--from", "2027-01-01", "--to", "2027-02-15", "--json"),
        ("timeline", "--from", "someday"),
        NOTHING_REQUIRED,
    ),
    "digest": Example(("digest", "--json"), ("digest", "--since", "lately"), NOTHING_REQUIRED, setup=CHANGED),
    "config list": Example(("config", "list", "--json"), NO_VALUE, NOTHING_REQUIRED),
    "config get": Example(
        ("config", "get", "health.slack_days", "--json"), ("config", "get", "health.nope"), NOTHING_REQUIRED
    ),
    "config set": Example(
        ("config", "set", "health.at_risk_days", "14", "--json"),
        ("config", "set", "health.at_risk_days", "lots"),
        ("config", "set", "health.at_risk_days"),
    ),
    "config reset": Example(
        ("config", "reset", "health.at_risk_days", "--json"),
        ("config", "reset", "health.nope"),
        ("config", "reset"),
        setup=(("config", "set", "health.at_risk_days", "30"),),
    ),
    # -- hand-over (issue 19, clijobs) --
    "handover": Example(
        ("handover", "payments", "nadia", "PL", "--json"),
        ("handover", "payments", "PAYMENTS"),
        ("handover", "payments"),
    ),
    # -- outcomes: go/no-go sign-off, GMV targets and actuals, exchange rates, freeze windows ----
    "signoff request": Example(
        ("signoff", "request", "NL", "--approvers", "tester,li.wei", "--json"),
        ("signoff", "request", "NL", "--approvers", " , "),
        ("signoff", "request", "NL"),
    ),
    "signoff approve": Example(
        ("signoff", "approve", "NL", "--note", "go", "--json"),
        ("signoff", "approve", "PL"),
        ("signoff", "approve"),
        setup=(
            ("signoff", "request", "NL", "--approvers", "tester"),
            ("signoff", "request", "PL", "--approvers", "li"),
        ),
    ),
    "signoff reject": Example(
        ("signoff", "reject", "NL", "--note", "wait for the carrier", "--json"),
        ("signoff", "reject", "NL", "--note", " "),
        ("signoff", "reject", "NL"),
        setup=(("signoff", "request", "NL", "--approvers", "Tester"),),
    ),
    "signoff show": Example(
        ("signoff", "show", "NL", "--json"),
        ("signoff", "show", "AQ"),
        ("signoff", "show"),
        setup=(("signoff", "request", "NL", "--approvers", "tester"), ("signoff", "approve", "NL")),
    ),
    "kpi report": Example(
        ("kpi", "report", "wave=5", "--period", "2027-01", "--json"),
        ("kpi", "report", "--period", "2027-13"),
        NOTHING_REQUIRED,
        setup=(("kpi", "target", "NL", "--period", "2027-01", "--gmv", "1000"),),
    ),
    "kpi target": Example(
        ("kpi", "target", "NL", "--period", "2027-Q1", "--gmv", "1000000.50", "--json"),
        ("kpi", "target", "NL", "--period", "2027-01", "--gmv", "1e3"),
        ("kpi", "target", "NL", "--period", "2027-01"),
    ),
    "kpi actual": Example(
        ("kpi", "actual", "--promo", "p61", "--gmv", "61000", "--json"),
        ("kpi", "actual", "--promo", "p61", "--gmv", "1.234"),
        ("kpi", "actual", "--promo", "p61"),
    ),
    "kpi remove": Example(
        ("kpi", "remove", "NL", "--period", "2027-01", "--json"),
        ("kpi", "remove", "NL", "--period", "2027-02"),
        ("kpi", "remove", "NL"),
        setup=(("kpi", "target", "NL", "--period", "2027-01", "--gmv", "1000"),),
    ),
    "kpi import": Example(
        ("kpi", "import", "gmv.csv", "--json"),
        ("kpi", "import", "bad.csv"),
        ("kpi", "import"),
        files={"gmv.csv": "region,period,gmv\nNL,2027-01,870000.50\n", "bad.csv": "promo,gmv\np61,NaN\n"},
    ),
    "fx set": Example(
        ("fx", "set", "JPY", "USD", "0.0067", "--period", "2027-01", "--json"),
        ("fx", "set", "JPY", "USD", "NaN", "--period", "2027-01"),
        ("fx", "set", "JPY", "USD", "0.0067"),
    ),
    "fx remove": Example(
        ("fx", "remove", "JPY", "USD", "--period", "2027-01", "--json"),
        ("fx", "remove", "JPY", "USD", "--period", "2027-02"),
        ("fx", "remove", "JPY"),
        setup=(("fx", "set", "JPY", "USD", "0.0067", "--period", "2027-01"),),
    ),
    "fx list": Example(
        ("fx", "list", "--json"),
        NO_VALUE,
        NOTHING_REQUIRED,
        setup=(("fx", "set", "EUR", "USD", "1.08", "--period", "2027-01"),),
    ),
    "freeze add": Example(
        ("freeze", "add", "wave=5", "--from", "2027-01-20", "--to", "2027-01-31", "--reason", "Peak", "--json"),
        ("freeze", "add", "NL", "--from", "2027-01-10", "--to", "2027-01-01", "--reason", "Peak"),
        ("freeze", "add", "NL", "--from", "2027-01-01", "--to", "2027-01-02"),
    ),
    "freeze remove": Example(
        ("freeze", "remove", "f1", "--json"),
        ("freeze", "remove", "f99"),
        ("freeze", "remove"),
        setup=(("freeze", "add", "all", "--from", "2026-11-20", "--to", "2026-11-30", "--reason", "Black Friday"),),
    ),
    "freeze list": Example(
        ("freeze", "list", "--json"),
        NO_VALUE,
        NOTHING_REQUIRED,
        setup=(("freeze", "add", "NL", "--from", "2027-01-20", "--to", "2027-01-31", "--reason", "Peak", "--blocks"),),
    ),
    # Teams and PostgreSQL (issue 20): a whole database copied to another location.
    "db copy": Example(
        ("db", "copy", "rollout.json", "copy.json", "--json"),
        ("db", "copy", "rollout.json", "mysql://launch@db.example/rollout"),
        ("db", "copy", "rollout.json"),
    ),
    # -- launch templates, not-applicable items and notes (issue 21) --
    "template list": Example(("template", "list", "--json"), NO_VALUE, NOTHING_REQUIRED),
    "template show": Example(
        ("template", "show", "standard", "--json"),
        ("template", "show", "nope"),
        (
            "template",
            "show",
        ),
    ),
    "template add": Example(
        ("template", "add", "nl-plan", "--from", "NL", "--json"),
        ("template", "add", "nl plan"),
        (
            "template",
            "add",
        ),
    ),
    "template edit": Example(
        ("template", "edit", "standard", "cx-coverage", "--due=-10wd", "--json"),
        ("template", "edit", "standard", "cx-coverage", "--due", "3x"),
        ("template", "edit", "standard"),
    ),
    "template remove": Example(
        ("template", "remove", "standard", "--json"),
        ("template", "remove", "nope"),
        (
            "template",
            "remove",
        ),
    ),
    "template apply": Example(
        ("template", "apply", "standard", "NL", "--dry-run", "--json"),
        ("template", "apply", "nope", "NL"),
        ("template", "apply", "standard"),
    ),
    "template export": Example(
        ("template", "export", "standard", "-o", "standard.json", "--json"),
        ("template", "export", "nope", "-o", "x.json"),
        ("template", "export", "standard"),
    ),
    "template import": Example(
        ("template", "import", "plan.json", "--json"),
        ("template", "import", "bad.json"),
        (
            "template",
            "import",
        ),
        files={
            "plan.json": '{"rollout_template": 1, "name": "plan", "version": 1, "items": [], "promotions": []}',
            "bad.json": '{"rollout_template": 1, "name": "plan", "items": [{"key": "x"}], "promotions": []}',
        },
    ),
    "check na": Example(
        ("check", "na", "c324", "--reason", "No VAT in the pilot", "--json"),
        ("check", "na", "c324", "--reason", " "),
        ("check", "na", "c324"),
    ),
    "check applies": Example(
        ("check", "applies", "c324", "--json"),
        ("check", "applies", "c99999"),
        ("check", "applies"),
        setup=(("check", "na", "c324", "--reason", "pilot"),),
    ),
    "check note": Example(
        ("check", "note", "c324", "Filed", "--link", "https://example.com/a", "--json"),
        ("check", "note", "c324", "Filed", "--link", "file:///etc/passwd"),
        ("check", "note", "c324"),
    ),
    "promo note": Example(
        ("promo", "note", "p1", "Budget approved", "--json"),
        ("promo", "note", "p1", "Budget", "--link", "ftp://x"),
        ("promo", "note", "p1"),
    ),
    "region note": Example(
        ("region", "note", "NL", "Kickoff done", "--json"), ("region", "note", "AQ", "x"), ("region", "note", "NL")
    ),
}


@pytest.fixture
def run(rollout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001
    """Run an example's arguments in a folder of its own, after writing its files and running its
    setup (on the seeded database, or for `ok` of a `new_db` example on a database not made yet)."""
    monkeypatch.chdir(tmp_path)

    def prepare(example: Example) -> None:
        for name, text in example.files.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        for step in example.setup:
            assert rollout(*step).exit_code == 0

    def go(example: Example, args: tuple[str, ...]):  # noqa: ANN202
        db = tmp_path / "new.json" if example.new_db and args == example.ok else None
        return rollout(*args, input=example.stdin, db=db)

    go.prepare = prepare  # type: ignore[attr-defined]
    return go


def test_every_command_has_an_example_row():
    assert sorted(COMMANDS) == sorted(EXAMPLES), (
        "add the new command to EXAMPLES (the manual's command reference is generated)"
    )


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_command_is_registered_with_json_or_says_why_not(path):
    command = COMMANDS[path]
    output = contract.output_of(command)
    assert output is not None, f"{path}: decorate it with contract.reads, contract.edits or contract.interactive"
    options = {opt for param in command.params for opt in getattr(param, "opts", ())}
    if output.kind == contract.INTERACTIVE:
        assert output.reason and "--json" not in options
        return
    assert "--json" in options
    schema = contract.schema_of(path, command)
    Draft202012Validator.check_schema(schema)
    if output.kind == contract.EDIT:  # every editing command prints the one envelope
        envelopes = schema.get("anyOf", [schema])
        assert any(set(contract.envelope_schema({})["required"]) <= set(e.get("required", ())) for e in envelopes)


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_the_json_output_validates_against_the_published_schema(path, run, rollout):
    example = EXAMPLES[path]
    if isinstance(example.ok, str):
        assert contract.output_of(COMMANDS[path]).kind == contract.INTERACTIVE or path == "serve"
        return
    run.prepare(example)
    result = run(example, example.ok)
    assert result.exit_code == 0, result.stderr
    validate(example.ok, result.stdout)  # also done by the runner; kept explicit here
    printed = rollout("schema", *path.split()).stdout
    assert json.loads(printed) == contract.schema_of(path, COMMANDS[path])


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_a_bad_value_exits_1_with_one_error_line_and_writes_nothing(path, run, db_path):
    example = EXAMPLES[path]
    if isinstance(example.bad, str):
        return
    run.prepare(example)
    before = db_path.read_bytes()
    result = run(example, example.bad)
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_a_missing_argument_exits_2_naming_the_help(path, run, db_path):
    example = EXAMPLES[path]
    if isinstance(example.missing, str):
        required = [p for p in COMMANDS[path].params if p.required]
        assert not required, f"{path} requires {required[0].name}: give a `missing` example"
        return
    run.prepare(example)
    before = db_path.read_bytes()
    result = run(example, example.missing)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and line.endswith(f" {path} --help')")  # the prog name is the runner's
    assert db_path.read_bytes() == before


def _listed(group: click.Group, prefix: tuple[str, ...]) -> dict[str, str]:
    """The command list of a group's --help at 80 columns: name -> the short help as shown."""
    result = CliRunner().invoke(cli, [*prefix, "--help"], terminal_width=80)
    assert result.exit_code == 0
    lines = result.output.split("Commands:\n", 1)[1].splitlines()
    return {line.split()[0]: line.split(None, 1)[1] for line in lines if line.startswith("  ") and line.strip()}


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_the_short_help_fits_the_command_list_uncut(path):
    *groups, name = path.split()
    parent = cli
    for group in groups:
        parent = parent.commands[group]
    shown = _listed(parent, tuple(groups))
    command = COMMANDS[path]
    assert command.short_help, f"{path}: give it a short_help"
    assert shown[name] == command.short_help, "the short help was cut or wrapped"
    assert not shown[name].endswith("...")
    for group in groups:  # a group's own line too
        top = _listed(cli, ())
        assert top[group] == cli.commands[group].short_help
    help_text = CliRunner().invoke(cli, [*path.split(), "--help"], terminal_width=80)
    assert help_text.exit_code == 0 and max(len(line) for line in help_text.output.splitlines()) <= 80


# -- the cases an in-process runner cannot show --------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_json_prints_one_object_that_validates(tmp_path):
    port = free_port()
    subprocess.run(
        [str(Path(sys.executable).with_name("rollout")), "--db", str(tmp_path / "s.json"), "init"], check=True
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("rollout")), "--db", str(tmp_path / "s.json"), "serve"]
        + ["--port", str(port), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], 60)  # printed once the server starts
        assert ready, "serve --json printed nothing within a minute"
        line = server.stdout.readline()
    finally:
        server.terminate()
        server.wait(timeout=30)
    validate(("serve", "--json"), line)
    started = json.loads(line)
    assert started["url"] == f"http://127.0.0.1:{port}" and started["port"] == port
    assert started["command"].endswith(" tui") and started["read_only"] is False


# Every way a command line can be malformed or incomplete (exit 2), whether Click or a command
# raises it, with the command whose help the hint must name ('' is the top level).
USAGE_ERRORS: list[tuple[tuple[str, ...], str]] = [
    (("frobnicate",), ""),
    (("--db",), ""),
    (("--bogus",), ""),
    (("check", "frobnicate"), "check"),
    (("region",), "region"),
    (("config",), "config"),
    (("status", "--bogus"), "status"),
    (("status", "--json=yes"), "status"),
    (("agenda", "--owner"), "agenda"),
    (("agenda", "--owner", "ops", "--mine"), "agenda"),
    (("agenda", "--days"), "agenda"),
    (("history", "--limit"), "history"),
    (("check", "edit", "c324", "--title"), "check edit"),
    (("check", "edit", "c324", "--after", "c325", "--no-after"), "check edit"),
    (("check", "edit", "c324"), "check edit"),
    (("check", "edit", "c324", "c325", "--title", "x"), "check edit"),
    (("check", "done", "NL"), "check done"),
    (("check", "add", "NL"), "check add"),
    (("region", "show"), "region show"),
    (("region", "set", "NL"), "region set"),
    (("region", "remove", "NL"), "region remove"),
    (("promo", "move", "p61"), "promo move"),
    (("promo", "edit", "p61"), "promo edit"),
    (("config", "get", "health.slack_days", "extra"), "config get"),
    (("digest", "--json", "--format", "text"), "digest"),
    (("restore", "1", "--list"), "restore"),
    (("export", "--format", "ics", "--what", "checklist"), "export"),
    (("export", "--format", "json", "--excel"), "export"),
    (("export", "--json"), "export"),
    (("export", "--format", "csv"), "export"),
    (("export", "-o", "out/", "--format", "json"), "export"),
    (("timeline", "--width"), "timeline"),
    (("--user", "ops", "shift", "NL", "--by"), "shift"),
]


@pytest.mark.parametrize(("args", "path"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_a_malformed_command_line_exits_2_naming_the_help_to_read(args, path, rollout, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = db_path.read_bytes()
    result = rollout(*args)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and line.endswith(f"(see '{' '.join(['cli', *path.split()])} --help')"), line
    assert result.stdout == "" and db_path.read_bytes() == before


# -- lazy command loading ----------------------------------------------------------------------------
_COMMAND_TREE = """
import json, sys
from rollout.cli import COMMAND_MODULES, cli

def tree(command):
    return {name: tree(sub) for name, sub in sorted(getattr(command, "commands", {}).items())}

names = sys.argv[1:] or sorted(COMMAND_MODULES)
if not sys.argv[1:]:  # every command module loaded first, in the order they are listed
    for name in names:
        cli.commands[name]
print(json.dumps({name: tree(cli.commands[name]) for name in names}))
"""


def test_every_subcommand_is_there_when_only_its_command_was_looked_up():
    """A command's module is imported when its name is looked up (rollout.cli.COMMAND_MODULES): a
    subcommand that another module adds to a group would be missing whenever that other module is
    not loaded. Each module, alone in a fresh process, must give the same command tree as all."""
    from rollout.cli import COMMAND_MODULES

    def command_tree(*names: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", _COMMAND_TREE, *names], capture_output=True, text=True, timeout=60, check=True
        )
        return json.loads(done.stdout)

    whole = command_tree()
    by_module: dict[str, list[str]] = {}
    for name, module in COMMAND_MODULES.items():
        by_module.setdefault(module, []).append(name)
    alone = {}
    for names in by_module.values():
        alone |= command_tree(*names)
    assert alone == whole
    assert set(whole) == set(COMMAND_MODULES) and whole["check"] and whole["template"]
