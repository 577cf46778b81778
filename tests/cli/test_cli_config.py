"""`config list|get|set|reset`: shared settings stored in the database, their envelope (settings
in `changed`), their effect on health, undo, and the completion of the new arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete
from databases import stored

from rollout import settings
from rollout.cli import cli
from rollout.db import Database

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


def as_json(result):  # noqa: ANN001, ANN201
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def default_row(name: str) -> dict:
    entry = settings.setting(name)
    return {
        "name": name,
        "value": entry.default,
        "default": entry.default,
        "type": "int",
        "minimum": entry.minimum,
        "maximum": entry.maximum,
        "unit": entry.unit,
        "doc": entry.doc,
        "stored": False,
    }


def test_list_and_get_show_every_setting_with_its_default(run):
    rows = as_json(run("config", "list", "--json"))
    assert rows == [default_row(s.name) for s in settings.REGISTRY]
    assert as_json(run("config", "get", "--json")) == rows
    assert as_json(run("config", "get", " Health.Slack_Days ", "--json")) == default_row("health.slack_days")
    assert run("config", "get", "health.slack_days").stdout == "7\n"
    table = run("config", "list").stdout.splitlines()
    assert table[0].split() == ["NAME", "VALUE", "DEFAULT", "RANGE"]
    assert table[1].split() == ["health.at_risk_days", "21", "(default)", "21", "0-365", "days"]
    described = " ".join(line.strip() for line in table[2:] if line.startswith("  "))
    assert all(s.doc in described for s in settings.REGISTRY)  # each on wrapped lines of its own
    assert [line.split()[0] for line in table[1:] if not line.startswith(" ")] == [s.name for s in settings.REGISTRY]
    assert run("config", "get").stdout == run("config", "list").stdout


def test_set_prints_the_envelope_with_the_setting_and_changes_health(run, crafted):
    assert as_json(run("health", "NL", "--json"))[0]["health"] == "at risk"
    envelope = as_json(run("config", "set", "health.at_risk_days", "5", "--json"))
    assert envelope["changed"]["settings"] == [{**default_row("health.at_risk_days"), "value": 5, "stored": True}]
    assert envelope["changed"]["regions"] == envelope["changed"]["checklist"] == []
    assert envelope["summary"] == "1 setting added" and envelope["history"] == 2
    human = run("config", "set", "health.slack_days", "2")
    assert (human.exit_code, human.stdout) == (0, "health.slack_days = 2 (was 7)\n")
    assert as_json(run("health", "NL", "--json"))[0]["health"] == "on track"
    assert run("config", "get", "health.at_risk_days").stdout == "5\n"
    (entry,) = as_json(run("history", "--limit", "1", "--json"))
    assert entry["command"] == "config set health.slack_days 2"


def test_undo_and_reset_show_the_setting_back_at_its_default(run):
    run("config", "set", "health.at_risk_days", "5")
    undone = as_json(run("undo", "--json"))
    assert undone["changed"]["settings"] == [default_row("health.at_risk_days")]
    run("config", "set", "health.at_risk_days", "30")
    reset = as_json(run("config", "reset", "health.at_risk_days", "--json"))
    assert reset["changed"]["settings"] == [default_row("health.at_risk_days")]
    assert reset["removed"] == {"regions": [], "checklist": [], "promotions": [], "templates": []}
    run("config", "set", "health.at_risk_days", "30")
    human = run("config", "reset", "health.at_risk_days")
    assert human.stdout == "health.at_risk_days = 21 (its default; was 30)\n"


def test_resetting_a_setting_at_its_default_changes_nothing(run, crafted):
    before = stored(crafted)
    result = run("config", "reset", "health.slack_days")
    assert result.exit_code == 0 and result.stdout == "Nothing changed: health.slack_days already has its default, 7.\n"
    assert result.stderr == ""
    envelope = as_json(run("config", "reset", "health.slack_days", "--json"))
    assert envelope["history"] is None and envelope["changed"]["settings"] == []
    assert stored(crafted) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "health.at_risk_days", "400"), "Error: health.at_risk_days must be from 0 to 365 days, not 400"),
        (("set", "health.at_risk_days", "soon"), "Error: invalid value 'soon' for health.at_risk_days"),
        (("set", "health.nope", "1"), "Error: no setting 'health.nope': the settings are health.at_risk_days"),
        (("reset", "nope"), "Error: no setting 'nope'"),
        (("get", "nope"), "Error: no setting 'nope'"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_written(run, crafted, args, message):
    before = stored(crafted)
    result = run("config", *args)
    assert result.exit_code == 1 and result.stdout == "" and result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1
    assert stored(crafted) == before


def test_a_read_only_session_cannot_change_a_setting(rollout, crafted):
    before = stored(crafted)
    result = rollout("--read-only", "config", "set", "health.slack_days", "3", db=crafted)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert stored(crafted) == before
    assert Database(crafted).load().tables["settings"] == {}


# -- completion of the new arguments -------------------------------------------------------
def completions(crafted: Path, words: list[str], incomplete: str) -> list[str]:
    shell = ShellComplete(cli, {}, "rollout", "_ROLLOUT_COMPLETE")
    return [item.value for item in shell.get_completions(["--db", str(crafted), *words], incomplete)]


def test_completion_of_setting_names_owners_selectors_and_after_ids(crafted):
    assert completions(crafted, ["config", "set"], "health.s") == ["health.slack_days"]
    assert completions(crafted, ["config", "get"], "") == [s.name for s in settings.REGISTRY]
    assert completions(crafted, ["agenda", "--owner"], "pa") == ["payments"]
    assert completions(crafted, ["agenda", "--owner"], "") == [
        "anna",
        "jamie",
        "jonas",
        "legal",
        "ola",
        "payments",
        "tax",
    ]
    assert "wave=0" in completions(crafted, ["health"], "wave")
    assert completions(crafted, ["timeline"], "n") == ["NL"]
    assert completions(crafted, ["agenda", "--region"], "status=p") == [
        "status=planned",
        "status=preparing",
        "status=paused",
    ]
    assert completions(crafted, ["check", "add", "PL", "X", "--after"], "c1,c") == [
        "c1,c2",
        "c1,c3",
        "c1,c4",
        "c1,c5",
    ]
    assert completions(crafted, ["check", "edit", "c3", "--after"], "c5") == ["c5"]
