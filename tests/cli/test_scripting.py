"""What scripts rely on beyond the contract table: one selector grammar, ids alone, the envelope's
content, no-change edits, output folders, warnings in JSON, and clear errors before anything runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rollout import ops, queries
from rollout.db import Database

READ_COMMANDS = {  # command -> how to get the region codes of what it printed
    ("status",): lambda data: {row["code"] for row in data},
    ("region", "list"): lambda data: {row["code"] for row in data},
    ("check", "list"): lambda data: {item["region"] for item in data},
    ("promo", "list"): lambda data: {promo["region"] for promo in data},
    ("holidays", "--year", "2027"): lambda data: {entry["region"] for entry in data},
    ("history",): lambda data: {
        c["after"]["region"] if c["table"] != "regions" else c["key"] for e in data for c in e["changes"]
    },
}


def as_json(result):  # noqa: ANN001, ANN201
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def regions_of(db_path: Path, **fields: object) -> set[str]:
    state = Database(db_path).load()
    return {code for code, r in state.regions.items() if all(r[k] == v for k, v in fields.items())}


@pytest.fixture
def edited(rollout, db_path):  # noqa: ANN001, ANN201
    """One change per region, so `history` has an entry touching each region alone."""
    db = Database(db_path)
    for code in list(db.load().regions):
        with db.transaction("tester", f"check add {code} x") as state:
            ops.add_items(state, [code], "Everywhere")
    return rollout


@pytest.mark.parametrize("command", list(READ_COMMANDS), ids=" ".join)
@pytest.mark.parametrize(
    "selectors",
    [("wave=5",), ("status=planned", "JP"), ("owner=JONAS",), ("de", "fr", "DE"), ("all",)],
    ids=["wave", "status+code", "owner", "codes", "all"],
)
def test_every_read_command_takes_the_same_selectors(edited, db_path, command, selectors):
    state = Database(db_path).load()
    expected = set(queries.select(state, selectors, reading=True))
    shown = READ_COMMANDS[command](as_json(edited(*command, *selectors, "--json")))
    if command[0] == "promo":  # a region without promotions shows none
        assert shown and shown <= expected
    else:
        assert shown == expected


@pytest.mark.parametrize("command", list(READ_COMMANDS), ids=" ".join)
def test_a_selector_that_matches_nothing_is_an_empty_answer_on_reads(rollout, command):
    assert as_json(rollout(*command, "wave=99", "owner=nobody", "--json")) == []


@pytest.mark.parametrize("command", list(READ_COMMANDS), ids=" ".join)
def test_an_explicit_code_not_in_the_rollout_is_an_error_on_reads(rollout, command):
    result = rollout(*command, "AQ", "--json")
    if command[0] == "holidays":  # any ISO code has a calendar, in the rollout or not
        assert as_json(result)[0]["region"] == "AQ"
        return
    assert result.exit_code == 1 and result.stderr.strip() == "Error: no region AQ"


@pytest.mark.parametrize(
    "args",
    [
        ("region", "set", "wave=99", "--owner", "x"),
        ("check", "add", "owner=nobody", "x"),
        ("promo", "add", "status=paused", "x", "--start", "2027-01-01", "--end", "2027-01-02"),
        ("shift", "owner=nobody", "--by", "1d"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_selector_that_matches_nothing_is_an_error_on_edits(rollout, db_path, args):
    before = db_path.read_bytes()
    result = rollout(*args)
    assert result.exit_code == 1 and "no region matches" in result.stderr
    assert db_path.read_bytes() == before


def test_owner_selects_by_owner_in_any_case_on_edits_too(rollout, db_path):
    owned = regions_of(db_path, owner="jonas")
    assert owned
    envelope = as_json(rollout("check", "add", "owner=Jonas", "Owner's item", "--json"))
    assert {i["region"] for i in envelope["changed"]["checklist"]} == owned


def test_promo_list_region_option_is_a_repeatable_alias(rollout):
    by_option = as_json(rollout("promo", "list", "--region", "GB", "--region", "wave=5", "--json"))
    by_argument = as_json(rollout("promo", "list", "GB", "wave=5", "--json"))
    assert by_option == by_argument and {p["region"] for p in by_option} >= {"GB", "NL"}


# -- ids alone, a leading code still accepted -------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "table", "key"),
    [
        (("check", "done", "c370"), "items", "c370"),
        (("check", "reopen", "c1"), "items", "c1"),
        (("check", "edit", "c370", "--owner", "ana"), "items", "c370"),
        (("check", "remove", "C370"), "items", "c370"),
        (("promo", "move", "p61", "--by", "1d"), "promotions", "p61"),
        (("promo", "edit", "P61", "--kind", "local"), "promotions", "p61"),
        (("promo", "remove", "p61"), "promotions", "p61"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, tuple) else str(a),
)
def test_every_id_command_takes_ids_alone_or_after_their_region(rollout, db_path, args, table, key):
    state = Database(db_path).load()
    region = state.tables[table][key]["region"]
    other = "JP" if region != "JP" else "DE"
    verb, sub, first, *rest = args
    wrong = rollout(verb, sub, other, first, *rest)
    assert wrong.exit_code == 1 and f"in {other} (it is in {region})" in wrong.stderr
    alone = as_json(rollout(*args, "--json"))
    with_code = rollout(verb, sub, region.lower(), first, *rest, "--json")
    touched = {*alone["removed"][_kind(table)], *(r["id"] for r in alone["changed"][_kind(table)])}
    assert touched == {key}
    assert with_code.exit_code in (0, 1)  # done twice is a no-op; a second remove finds nothing


def _kind(table: str) -> str:
    return {"items": "checklist", "promotions": "promotions"}[table]


def test_every_operation_accepts_codes_in_any_case(db_path):
    db = Database(db_path)
    with db.transaction("tester", "test") as state:
        (de,) = ops.set_regions(state, [" de "], owner="lower")
        assert de["code"] == "DE"
        item = ops.add_items(state, ["fr"], "x")[0]
        assert ops.set_items_done(state, "Fr", [item["id"].upper()], True, "t")[0]["status"] == "done"
        assert ops.edit_item(state, "fr", item["id"], title="y")["title"] == "y"
        promo = ops.add_promotions(state, ["it"], "Sale", start="2027-01-01", end="2027-01-02")[0]
        assert ops.move_promotion(state, promo["id"], "1d", "iT")["region"] == "IT"
        assert ops.remove_items(state, "FR", [item["id"]])[0]["id"] == item["id"]
        assert ops.remove_region(state, "it")["code"] == "IT"
    assert Database(db_path).load().regions["DE"]["owner"] == "lower"


# -- the envelope says what changed -----------------------------------------------------------------
def test_the_envelope_lists_records_as_the_read_commands_show_them(rollout):
    envelope = as_json(rollout("region", "remove", "NL", "--yes", "--json"))
    state_items = envelope["removed"]["checklist"]
    assert envelope["removed"]["regions"] == ["NL"] and state_items and envelope["removed"]["promotions"]
    assert envelope["changed"] == {"regions": [], "checklist": [], "promotions": [], "settings": [], "templates": []}
    assert envelope["summary"] == (
        f"{len(state_items)} checklist items removed, {len(envelope['removed']['promotions'])} promotions removed, "
        "1 region removed"
    )
    assert envelope["history"] == 1 and envelope["revision"] >= 1 and envelope["command"] == "region remove"
    undone = as_json(rollout("undo", "--json"))
    assert undone["undid"] == 1 and undone["history"] == 2
    assert [r["code"] for r in undone["changed"]["regions"]] == ["NL"]
    listed = {r["code"]: r for r in as_json(rollout("region", "list", "NL", "--json"))}
    assert undone["changed"]["regions"][0] == listed["NL"]


def test_a_no_op_edit_is_success_with_no_history_entry(rollout):
    rollout("check", "done", "c370")
    result = rollout("check", "done", "c370", "--json")
    envelope = as_json(result)
    assert envelope["history"] is None and envelope["summary"] == "no change"
    assert "Nothing changed." in result.stderr


def test_a_dry_run_envelope_writes_nothing_and_keeps_the_revision(rollout, db_path, tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text("promo add NL 'Launch Week' --start 2027-01-26T10:00 --end 2027-02-01\n")
    before = db_path.read_bytes()
    envelope = as_json(rollout("batch", str(plan), "--dry-run", "--json"))
    assert envelope["dry_run"] is True and envelope["history"] is None and envelope["revision"] == 0
    assert envelope["lines"] == 1 and envelope["file"] == str(plan)
    (promo,) = envelope["changed"]["promotions"]
    assert [f"line 1: {promo['id']} 'Launch Week' in NL {w}" for w in promo["warnings"]] == envelope["warnings"]
    assert db_path.read_bytes() == before


def test_forced_launch_note_is_a_warning_in_the_envelope(rollout):
    result = rollout("region", "set", "AU", "--status", "launched", "--force", "--json")
    envelope = as_json(result)
    assert envelope["warnings"] == ["forced launch of AU with 4 critical item(s) open"]
    assert "Warning: forced launch of AU" in result.stderr


def test_region_show_json_carries_every_warning_the_text_shows(rollout):
    assert rollout("region", "set", "NL", "--launch", "2027-04-27").exit_code == 0
    text = rollout("region", "show", "NL").stdout
    shown = [line.split("warning", 1)[1].strip() for line in text.splitlines() if line.startswith("  warning")]
    data = as_json(rollout("region", "show", "NL", "--json"))
    assert shown and data["region"]["warnings"] == shown
    assert "launch on 2027-04-27 falls on a public holiday in NL: King's Day" in shown
    for promo in data["promotions"]:
        for warning in promo["warnings"]:
            assert warning in text


# -- no change asked: an error naming what can be set ------------------------------------------------
@pytest.mark.parametrize(
    ("args", "options"),
    [
        (("region", "set", "BE"), "--name, --tz, --currency, --launch, --wave, --owner, --status"),
        (
            ("check", "edit", "c370"),
            "--title, --category, --due, --owner, --critical/--not-critical, --after, --no-after",
        ),
        (("promo", "edit", "p61"), "--name, --kind, --start, --end"),
    ],
)
def test_an_edit_with_nothing_to_change_is_a_usage_error_naming_the_options(rollout, db_path, args, options):
    before = db_path.read_bytes()
    result = rollout(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: nothing to change: give at least one of {options} (see ")
    assert db_path.read_bytes() == before


# -- output folders ---------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["missing/x.json", "missing/deeper/x.csv", "missing/dir/"])
def test_export_never_creates_missing_folders(rollout, tmp_path, target):
    name = str(tmp_path / target)
    result = rollout("export", "--format", "csv" if target.endswith(("/", ".csv")) else "json", "-o", name)
    assert result.exit_code == 1 and result.stdout == ""
    assert "does not exist (create it first)" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "missing").exists()


def test_export_into_a_named_folder_creates_only_that_folder(rollout, tmp_path):
    report = as_json(rollout("export", "--format", "csv", "-o", f"{tmp_path}/sheets/", "--json"))
    assert [Path(f["path"]).name for f in report["files"]] == ["regions.csv", "checklist.csv", "promotions.csv"]
    assert all(Path(f["path"]).read_text() for f in report["files"])


# -- errors before anything runs --------------------------------------------------------------------
def console(*args: str, **options) -> subprocess.CompletedProcess[str]:  # noqa: ANN003
    script = str(Path(sys.executable).with_name("rollout"))
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=60, **options)


def test_serve_on_a_busy_port_prints_only_the_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = console("--db", str(tmp_path / "db.json"), "serve", "--port", str(port))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"Error: cannot serve on 127.0.0.1:{port}: the port is in use (pick another with --port)\n"
    assert not (tmp_path / "db.json").exists()  # refused before anything was created


@pytest.fixture
def unwritable(tmp_path: Path):  # noqa: ANN201
    """A folder this process cannot create files in: chmod for a user, the immutable flag for root."""
    folder = tmp_path / "shared"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    with pytest.raises(OSError):
        (folder / "probe").write_text("x")
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_a_first_command_in_an_unwritable_folder_names_it_and_what_to_do(unwritable):
    result = console("--db", str(unwritable / "rollout.json"), "init")
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot create database {unwritable}/rollout.json: the folder {unwritable} ")
    assert "not writable" in line and "--db PATH or ROLLOUT_DB" in line


# -- WHEN with seconds, as documented --------------------------------------------------------------
def test_a_wall_time_with_seconds_and_no_offset_is_accepted_as_documented(rollout):
    envelope = as_json(rollout("check", "add", "NL", "Call", "--due", "2027-01-26T10:00:30", "--json"))
    assert envelope["changed"]["checklist"][0]["due"] == "2027-01-26T10:00:30+01:00"
    help_text = rollout("check", "add", "--help").stdout
    assert "YYYY-MM-DDTHH:MM[:SS]" in " ".join(help_text.split())
    readme = (Path(__file__).resolve().parents[2] / "docs" / "guide" / "cli.md").read_text(encoding="utf-8")
    assert "`YYYY-MM-DDTHH:MM:SS` (region-local wall time" in " ".join(readme.split())


def test_version_is_a_global_option(rollout):
    from rollout import __version__

    result = rollout("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"rollout, version {__version__}"
