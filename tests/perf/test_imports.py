"""Read commands start fast because they import only what they need: never the TUI, the file lock,
the ISO code tables, the holiday library or the calendar library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("textual", "filelock", "pycountry", "holidays", "icalendar")
# Runs the console script's entry point, then reports which heavy packages got imported.
PROBE = """
import json, sys
sys.argv = ["rollout", *sys.argv[1:]]
from rollout.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
sys.stderr.write("\\nIMPORTED " + json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


def imported(db: Path, tmp_path: Path, *args: str) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = f"HEAVY = {HEAVY!r}\n{PROBE}"
    result = subprocess.run(
        [sys.executable, "-c", code, "--db", str(db), *args], capture_output=True, text=True, env=env, timeout=60
    )
    report = json.loads(result.stderr.rsplit("IMPORTED ", 1)[1])
    assert report["code"] in (0, None), result.stderr
    if "--json" in args:
        json.loads(result.stdout)  # only JSON on stdout
    return report["heavy"]


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--json"),
        ("status",),
        ("region", "list", "--json"),
        ("region", "show", "DE", "--json"),
        ("check", "list", "DE", "--json"),
        ("promo", "list", "--json"),
        ("history", "--json"),
        ("health", "--json"),
        ("health",),
        ("agenda", "--json"),
        ("owners", "--json"),
        ("digest",),
        ("config", "list", "--json"),
        ("timeline",),  # the public holidays it draws come from the cache once looked up
    ],
)
def test_read_commands_import_nothing_heavy(db_path, tmp_path, args):
    imported(db_path, tmp_path, *args)  # the first run may fill the public-holiday cache
    assert imported(db_path, tmp_path, *args) == []


def test_status_never_imports_the_tui_even_on_its_first_run(db_path, tmp_path):
    heavy = imported(db_path, tmp_path, "status", "--json")
    assert not {"textual", "filelock", "pycountry", "icalendar"} & set(heavy)


def test_editing_an_existing_region_does_not_load_the_iso_tables(db_path, tmp_path):
    """Its code was checked when the region was added; scripts tick items in loops."""
    from rollout.db import Database

    item = Database(db_path).load().items_of("DE")[0]["id"]
    for args in (
        ("check", "done", "de", item),
        ("check", "reopen", "DE", item),
        ("check", "edit", "DE", item, "--title", "x"),
    ):
        heavy = imported(db_path, tmp_path, *args)
        assert not {"textual", "pycountry", "icalendar"} & set(heavy), args


@pytest.mark.parametrize(
    ("code", "message"),
    [("XX", "unknown region code 'XX'"), ("ZZZ", "invalid region code 'ZZZ'"), ("US-ZZ", "unknown region code")],
)
def test_codes_not_in_the_database_are_still_checked_against_the_iso_tables(rollout, code, message):
    result = rollout("check", "done", code, "c1")
    assert result.exit_code == 1 and message in result.stderr
