"""The launch manager's rules at their boundaries, through the CLI that scripts and people use.

Each test starts from an empty database with one region, NL (Europe/Amsterdam, launch target
2027-03-01 10:00), so each rule is put at its edge on its own: one open critical item, promotions
that touch, an empty checklist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import stored

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


@pytest.fixture
def cli(empty_db_path: Path, rollout):
    def run(*args: str, code: int = 0):
        result = rollout(*args, db=empty_db_path)
        assert result.exit_code == code, result.stderr
        return result

    run("region", "add", "NL", "--name", "Netherlands", "--tz", "Europe/Amsterdam", "--currency", "EUR")
    run("region", "set", "NL", "--launch", "2027-03-01T10:00")
    return run


def region(cli) -> dict:
    (row,) = json.loads(cli("status", "--json").stdout)
    return row


# -- the launch gate ------------------------------------------------------------------------------
def test_one_open_critical_item_blocks_a_launch_with_one_line_and_no_write(cli, empty_db_path):
    cli("check", "add", "NL", "Payment provider live", "--critical")
    before = stored(empty_db_path)
    result = cli("region", "set", "NL", "--status", "launched", code=1)
    assert result.stdout == ""
    assert result.stderr == (
        "Error: cannot launch NL: 1 critical item(s) open (c1 'Payment provider live'); use --force to launch anyway\n"
    )
    assert stored(empty_db_path) == before
    assert region(cli)["status"] == "planned"


def test_one_open_critical_item_launches_with_force_noted_in_history(cli):
    cli("check", "add", "NL", "Payment provider live", "--critical")
    cli("region", "set", "NL", "--status", "launched", "--force")
    row = region(cli)
    assert (row["status"], row["launched_at"], row["critical_open"]) == ("launched", "2026-11-24T10:00:00+01:00", 1)
    (entry,) = json.loads(cli("history", "--limit", "1", "--json").stdout)
    assert entry["notes"] == ["forced launch of NL with 1 critical item(s) open"]


def test_a_done_critical_item_and_open_ordinary_items_do_not_block(cli):
    cli("check", "add", "NL", "Payment provider live", "--critical")
    cli("check", "add", "NL", "Banner copy")
    cli("check", "done", "NL", "c1")
    cli("region", "set", "NL", "--status", "launched")
    row = region(cli)
    assert (row["status"], row["critical_open"]) == ("launched", 0)
    (entry,) = json.loads(cli("history", "--limit", "1", "--json").stdout)
    assert "notes" not in entry


# -- promotions that touch --------------------------------------------------------------------------
def test_back_to_back_promotions_are_not_reported_as_overlapping(cli):
    cli("promo", "add", "NL", "Spring", "--start", "2027-04-01T10:00", "--end", "2027-04-08T10:00")
    result = cli("promo", "add", "NL", "Easter", "--start", "2027-04-08T10:00", "--end", "2027-04-15T10:00", "--json")
    assert result.stderr == ""
    envelope = json.loads(result.stdout)
    assert envelope["warnings"] == [] and [p["warnings"] for p in envelope["changed"]["promotions"]] == [[]]
    listed = json.loads(cli("promo", "list", "--json").stdout)
    assert [(p["id"], p["warnings"]) for p in listed] == [("p1", []), ("p2", [])]


def test_promotions_sharing_a_minute_are_reported_on_stderr_and_in_json(cli):
    cli("promo", "add", "NL", "Spring", "--start", "2027-04-01T10:00", "--end", "2027-04-08T10:01")
    result = cli("promo", "add", "NL", "Easter", "--start", "2027-04-08T10:00", "--end", "2027-04-15T10:00", "--json")
    assert result.stderr == "Warning: p2 'Easter' in NL overlaps p1 'Spring'\n"
    assert json.loads(result.stdout)["warnings"] == ["p2 'Easter' in NL overlaps p1 'Spring'"]
    listed = json.loads(cli("promo", "list", "--json").stdout)
    assert [(p["id"], p["warnings"]) for p in listed] == [
        ("p1", ["overlaps p2 'Easter'"]),
        ("p2", ["overlaps p1 'Spring'"]),
    ]


# -- readiness ----------------------------------------------------------------------------------------
def test_a_region_with_an_empty_checklist_is_zero_percent_ready(cli):
    row = region(cli)
    assert (row["readiness"], row["items_done"], row["items_total"]) == (0, 0, 0)
    table = cli("status").stdout.splitlines()
    assert "0%" in table[1].split()


def test_readiness_is_floored_until_every_item_is_done(cli):
    for title in ("Tax letter", "Returns policy", "Courier contract"):
        cli("check", "add", "NL", title)
    cli("check", "done", "NL", "c1", "c2")
    assert region(cli)["readiness"] == 66
    cli("check", "done", "NL", "c3")
    assert region(cli)["readiness"] == 100
