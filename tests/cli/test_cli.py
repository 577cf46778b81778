"""The CLI contract scripts rely on: names, --json shapes, exit codes, errors, batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from databases import stored

from rollout.db import Database

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)

REGION_KEYS = {
    "code",
    "name",
    "timezone",
    "currency",
    "status",
    "wave",
    "owner",
    "launch",
    "readiness",
    "critical_open",
}
ITEM_KEYS = {"id", "region", "title", "category", "owner", "due", "status", "critical"}
PROMO_KEYS = {"id", "region", "name", "kind", "start", "end", "warnings"}
HISTORY_KEYS = {"id", "at", "user", "command", "changes"}


def as_json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_status_json_has_one_row_per_region_with_the_contract_keys(rollout):
    rows = as_json(rollout("status", "--json"))
    assert len(rows) >= 20
    for row in rows:
        assert row.keys() >= REGION_KEYS
        assert {"days_to_launch", "next_promotion"} <= row.keys()
    jp = next(r for r in rows if r["code"] == "JP")
    assert jp["launch"].endswith("+09:00")


def test_status_table_is_human_readable(rollout):
    result = rollout("status")
    assert result.exit_code == 0
    header, *lines = result.stdout.splitlines()
    assert header.split()[:5] == ["CODE", "NAME", "HEALTH", "WAVE", "STATUS"]
    assert any(line.startswith("JP") and "✓ launched" in line for line in lines)


def test_region_list_filters(rollout):
    wave0 = as_json(rollout("region", "list", "--wave", "0", "--json"))
    assert {r["code"] for r in wave0} == {"ID", "TH", "VN", "MY", "PH", "SG"}
    planned = as_json(rollout("region", "list", "--status", "planned", "--json"))
    assert planned and all(r["status"] == "planned" for r in planned)


def test_region_show_json_shape(rollout):
    data = as_json(rollout("region", "show", "gb", "--json"))
    assert set(data) == {"region", "checklist", "promotions"}
    assert data["region"].keys() >= REGION_KEYS
    assert all(i.keys() >= ITEM_KEYS for i in data["checklist"])
    assert all(p.keys() >= PROMO_KEYS for p in data["promotions"])
    assert any(p["warnings"] for p in data["promotions"])  # the bundled GB overlap


def test_region_add_set_remove_and_undo(rollout, db_path):
    added = as_json(
        rollout(
            "region",
            "add",
            "pt",
            "--name",
            "Portugal",
            "--tz",
            "Europe/Lisbon",
            "--currency",
            "eur",
            "--launch",
            "2027-06-01T10:00",
            "--wave",
            "7",
            "--owner",
            "rita",
            "--json",
        )
    )
    (pt,) = added["changed"]["regions"]
    assert pt["code"] == "PT" and pt["launch"] == "2027-06-01T10:00:00+01:00" and pt["wave"] == 7
    updated = as_json(rollout("region", "set", "PT", "--owner", "joao", "--status", "preparing", "--json"))
    assert updated["changed"]["regions"][0]["owner"] == "joao"
    assert rollout("region", "remove", "PT").exit_code == 2
    assert rollout("region", "remove", "PT", "--yes").exit_code == 0
    assert rollout("region", "show", "PT").exit_code == 1
    result = rollout("undo")
    assert result.exit_code == 0 and "region remove PT --yes" in result.stdout
    assert as_json(rollout("region", "show", "PT", "--json"))["region"]["owner"] == "joao"


def test_region_set_launched_gate_and_force(rollout):
    result = rollout("region", "set", "AU", "--status", "launched")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot launch AU") and len(result.stderr.splitlines()) == 1
    result = rollout("region", "set", "AU", "--status", "launched", "--force")
    assert result.exit_code == 0
    entry = as_json(rollout("history", "--limit", "1", "--json"))[0]
    assert entry["command"] == "region set AU --status launched --force"
    assert entry["user"] == "tester"
    assert "forced launch" in entry["notes"][0]


def test_check_commands_round_trip(rollout):
    created = as_json(
        rollout(
            "check",
            "add",
            "wave=5",
            "Tax residency letter",
            "--category",
            "tax",
            "--due",
            "2027-01-10",
            "--critical",
            "--json",
        )
    )
    created = created["changed"]["checklist"]
    assert len(created) == 3 and all(i.keys() >= ITEM_KEYS and i["critical"] for i in created)
    nl = next(i for i in created if i["region"] == "NL")
    assert nl["due"] == "2027-01-10T00:00:00+01:00"
    listed = as_json(rollout("check", "list", "NL", "--open", "--json"))
    assert nl["id"] in {i["id"] for i in listed}
    assert rollout("check", "done", "nl", nl["id"]).exit_code == 0
    assert nl["id"] not in {i["id"] for i in as_json(rollout("check", "list", "NL", "--open", "--json"))}
    assert rollout("check", "reopen", nl["id"]).exit_code == 0
    edited = as_json(rollout("check", "edit", "NL", nl["id"], "--title", "Tax letter", "--not-critical", "--json"))
    (item,) = edited["changed"]["checklist"]
    assert item["title"] == "Tax letter" and item["critical"] is False
    assert rollout("check", "remove", "NL", nl["id"]).exit_code == 0
    assert rollout("check", "done", "NL", nl["id"]).exit_code == 1


def test_promo_commands_warn_on_stderr_and_in_json(rollout):
    result = rollout(
        "promo",
        "add",
        "GB",
        "Flash Sale",
        "--start",
        "2026-11-27T12:00",
        "--end",
        "2026-11-27T18:00",
        "--kind",
        "flash",
        "--json",
    )
    assert result.exit_code == 0
    envelope = json.loads(result.stdout)
    (promo,) = envelope["changed"]["promotions"]
    assert promo.keys() >= PROMO_KEYS
    assert [f"{promo['id']} 'Flash Sale' in GB {w}" for w in promo["warnings"]] == envelope["warnings"]
    assert promo["start"] == "2026-11-27T12:00:00+00:00"
    assert any("overlaps" in w for w in promo["warnings"])
    assert "Warning:" in result.stderr
    moved = as_json(rollout("promo", "move", promo["id"], "--by", "1w", "--json"))
    assert moved["changed"]["promotions"][0]["start"] == "2026-12-04T12:00:00+00:00"
    listed = as_json(rollout("promo", "list", "--region", "GB", "--from", "2026-12-01", "--to", "2026-12-31", "--json"))
    assert promo["id"] in {p["id"] for p in listed}
    assert all(p["region"] == "GB" for p in listed)
    assert rollout("promo", "remove", promo["id"]).exit_code == 0


def test_promo_before_launch_is_a_warning_not_an_error(rollout):
    result = rollout("promo", "add", "AU", "Teaser", "--start", "2027-01-01", "--end", "2027-01-02")
    assert result.exit_code == 0
    assert "starts before AU launches" in result.stderr


def test_shift_wave_with_promos(rollout):
    shifted = as_json(rollout("shift", "wave=5", "--by", "-1w", "--with-promos", "--json"))["changed"]["regions"]
    assert {r["code"] for r in shifted} == {"NL", "PL", "CA"}
    nl = next(r for r in shifted if r["code"] == "NL")
    assert nl["launch"] == "2027-01-19T10:00:00+01:00"


def test_history_json_newest_first(rollout):
    rollout("check", "add", "DE", "first")
    rollout("check", "add", "FR", "second")
    entries = as_json(rollout("history", "--json"))
    assert [e["command"] for e in entries[:2]] == ["check add FR second", "check add DE first"]
    assert all(e.keys() >= HISTORY_KEYS for e in entries)
    de_only = as_json(rollout("history", "DE", "--json"))
    assert [e["command"] for e in de_only] == ["check add DE first"]
    change = entries[0]["changes"][0]
    assert change["table"] == "items" and change["before"] is None and change["after"]["title"] == "second"


def test_batch_applies_as_one_change_and_undoes_as_one(rollout, db_path, tmp_path):
    before = stored(db_path)
    batch = tmp_path / "plan.txt"
    batch.write_text(
        "# Q1 plan\n"
        "check add wave=5 'Launch war-room staffed' --category support --critical\n"
        "\n"
        "region set NL --owner 'Anna de Vries'\n"
        "promo add NL 'Launch Week' --start 2027-01-26T10:00 --end 2027-02-01\n"
        "shift CA --by 2w\n"
    )
    dry = rollout("batch", str(batch), "--dry-run")
    assert dry.exit_code == 0 and "would apply" in dry.stdout
    assert stored(db_path) == before
    result = rollout("batch", str(batch))
    assert result.exit_code == 0, result.stderr
    state = Database(db_path).load()
    assert state.regions["NL"]["owner"] == "Anna de Vries"
    assert len(state.history) == 1 and state.history[0]["command"].startswith("batch ")
    assert "line 5" in result.stderr  # the NL launch-week promotion overlaps the bundled one
    assert rollout("undo").exit_code == 0
    state = Database(db_path).load()
    assert state.regions["NL"]["owner"] != "Anna de Vries"
    assert not [i for i in state.items.values() if i["title"] == "Launch war-room staffed"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("check add DE ok\ncheck done DE c999999\n", "line 2: no checklist item c999999 in DE"),
        ("check add DE 'unterminated\n", "line 1: No closing quotation"),
        ("status\n", "line 1: 'status' cannot be used in a batch"),
        ("undo\n", "line 1: 'undo' cannot be used in a batch"),
        ("region list\n", "line 1: 'region list' is not a batch command"),
        ("--db x.json check add DE y\n", "global options"),
        ("check add DE y --bogus\n", "line 1: No such option"),
        ("\n\npromo add DE X --start 2027-01-02 --end 2027-01-01\n", "line 3: start"),
        ("region set DE --launch 2027-02-30\n", "line 1: invalid date"),
    ],
)
def test_a_failing_batch_line_names_the_line_and_writes_nothing(rollout, db_path, tmp_path, text, message):
    batch = tmp_path / "bad.txt"
    batch.write_text(text)
    before = stored(db_path)
    result = rollout("batch", str(batch))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert stored(db_path) == before


def test_batch_from_stdin(rollout, db_path):
    result = rollout("batch", "-", input="check add DE 'from stdin'\n")
    assert result.exit_code == 0
    assert any(i["title"] == "from stdin" for i in Database(db_path).load().items.values())


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["region", "set", "DE", "--launch", "2026-13-01"], 1, "invalid date"),
        (["region", "set", "DE", "--tz", "Europe/Atlantis"], 1, "unknown timezone"),
        (["region", "set", "DE", "--currency", "DMK"], 1, "unknown currency"),
        (["region", "set", "DE", "--status", "live"], 1, "Invalid value for '--status'"),
        (["region", "set", "DE", "--wave", "-2"], 1, "Invalid value for '--wave'"),
        (["region", "add", "XX", "--name", "X", "--tz", "UTC", "--currency", "EUR"], 1, "unknown region code"),
        (["shift", "NL", "--by", "soon"], 1, "invalid duration"),
        (["check", "done", "DE", "c999999"], 1, "no checklist item"),
        (["promo", "move", "p999999", "--by", "1d"], 1, "no promotion p999999"),
        (["region", "show", "AQ"], 1, "no region AQ"),
        (["region", "set"], 2, "Missing argument"),
        (["region", "frobnicate"], 2, "No such command"),
        (["history", "--limit", "0"], 1, "--limit"),
        (["region", "set", "DE"], 2, "nothing to change: give at least one of --name, --tz"),
    ],
)
def test_errors_are_one_line_with_exit_code_and_no_write(rollout, db_path, args, code, message):
    before = stored(db_path)
    result = rollout(*args)
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert stored(db_path) == before


def test_undo_with_nothing_to_undo(rollout, db_path):
    before = stored(db_path)
    result = rollout("undo")
    assert result.exit_code == 1 and result.stderr.strip() == "Error: nothing to undo: no change by tester is in effect"
    assert stored(db_path) == before


def test_init_refuses_without_force_and_empty_creates_empty(rollout, db_path):
    result = rollout("init")
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert rollout("init", "--empty", "--force").exit_code == 0
    assert as_json(rollout("status", "--json")) == []


def test_read_only_refuses_writes(rollout, db_path):
    from click.testing import CliRunner

    from rollout.cli import cli

    before = stored(db_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "--read-only", "check", "add", "DE", "x"])
    assert result.exit_code == 1 and "read-only" in result.stderr
    result = CliRunner(env={"ROLLOUT_READ_ONLY": "1"}).invoke(cli, ["--db", str(db_path), "check", "add", "DE", "x"])
    assert result.exit_code == 1
    assert stored(db_path) == before


# -- the installed console script --------------------------------------------------------
def console_script() -> str:
    return str(Path(sys.executable).with_name("rollout"))


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([console_script(), *args], capture_output=True, text=True, env=full_env, timeout=60)


def test_database_location_precedence(tmp_path):
    xdg = tmp_path / "data"
    result = run_script("status", "--json", env={"XDG_DATA_HOME": str(xdg)})
    assert result.returncode == 0
    default = xdg / "rollout" / "rollout.json"
    assert default.exists() and f"created {default}" in result.stderr
    # Anywhere but the default location, only `init` creates a database (issue 19): ROLLOUT_DB is
    # used before the default, --db before ROLLOUT_DB.
    env_db = tmp_path / "env.json"
    run_script("init", "--empty", env={"ROLLOUT_DB": str(env_db)})
    assert env_db.exists()
    flag_db = tmp_path / "flag.json"
    run_script("--db", str(flag_db), "init", env={"ROLLOUT_DB": str(env_db)})
    assert flag_db.exists()
    regions = json.loads(run_script("region", "list", "--json", env={"ROLLOUT_DB": str(env_db)}).stdout)
    assert regions == []  # the empty one, not the default's bundled dataset


def test_user_precedence_is_recorded(tmp_path):
    db = tmp_path / "u.json"
    run_script("--db", str(db), "init")
    run_script("--db", str(db), "check", "add", "DE", "a", env={"ROLLOUT_USER": "from-env"})
    run_script("--db", str(db), "--user", "from-flag", "check", "add", "DE", "b", env={"ROLLOUT_USER": "from-env"})
    entries = json.loads(run_script("--db", str(db), "history", "--json").stdout)
    assert [e["user"] for e in entries] == ["from-flag", "from-env"]


def test_python_dash_m_and_errors_from_the_real_script(db_path):
    result = subprocess.run(
        [sys.executable, "-m", "rollout", "--db", str(db_path), "region", "show", "JP", "--json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and json.loads(result.stdout)["region"]["code"] == "JP"
    bad = run_script("--db", str(db_path), "region", "set", "JP", "--launch", "someday")
    assert bad.returncode == 1 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("Error: invalid date 'someday'")


def test_no_command_without_a_terminal_prints_help(db_path):
    result = run_script("--db", str(db_path))
    assert result.returncode == 0 and "Usage: rollout" in result.stdout


def test_read_commands_do_not_import_textual(db_path):
    code = (
        "import sys; from rollout.cli import cli; "
        f"cli.main(['--db', {str(db_path)!r}, 'status', '--json'], standalone_mode=False); "
        "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stderr.strip() == "[]"


def test_batch_dry_run_lists_each_change_with_the_fields_it_touches(rollout, db_path, tmp_path):
    batch = tmp_path / "plan.txt"
    batch.write_text("region set NL --owner anna\ncheck add NL 'Press kit'\n")
    before = stored(db_path)
    result = rollout("batch", str(batch), "--dry-run")
    assert result.exit_code == 0
    assert "  change region NL Netherlands (owner)" in result.stdout.splitlines()
    assert any(
        line.startswith("  add checklist item c") and line.endswith("Press kit") for line in result.stdout.splitlines()
    )
    assert stored(db_path) == before
