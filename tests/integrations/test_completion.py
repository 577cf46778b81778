"""Shell completion through Click's environment-variable protocol, as bash, zsh and fish call it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from integration_helpers import console_script, run_script
from needs import program

from rollout.db import Database


def complete(shell: str, words: str, db=None, env: dict[str, str] | None = None):  # noqa: ANN001 - a Path or None
    """Ask the real console script for completions the way the shell's hook does."""
    line = f"rollout --db {db} {words}" if db else f"rollout {words}"
    parts = line.split(" ")
    variables = {"_ROLLOUT_COMPLETE": f"{shell}_complete", "COMP_WORDS": line}
    if shell == "fish":
        variables["COMP_CWORD"] = parts[-1]
    else:
        variables["COMP_CWORD"] = str(len(parts) - 1)
    return run_script(env={**variables, **(env or {})})


def bash_values(result) -> list[str]:  # noqa: ANN001
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


def test_subcommands(db_path):
    assert bash_values(complete("bash", "ex", db_path)) == ["export"]
    assert {"import", "holidays", "serve", "completion"} <= set(bash_values(complete("bash", "", db_path)))


def test_region_codes_from_the_database(db_path):
    assert bash_values(complete("bash", "region show N", db_path)) == ["NL"]
    assert bash_values(complete("bash", "holidays j", db_path)) == ["JP"]  # any case
    assert bash_values(complete("bash", "promo list --region C", db_path)) == ["CA", "CO"]


def test_selectors_offer_codes_waves_statuses_and_all(db_path):
    values = bash_values(complete("bash", "shift ", db_path))
    assert {"NL", "wave=5", "status=planned", "all"} <= set(values)
    assert bash_values(complete("bash", "check add wave=", db_path)) == [f"wave={w}" for w in range(7)]


def test_item_ids_of_the_region_named_before_them(db_path):
    state = Database(db_path).load()
    open_nl = [i["id"] for i in state.items_of("NL") if i["status"] == "open"]
    done_nl = [i["id"] for i in state.items_of("NL") if i["status"] == "done"]
    assert bash_values(complete("bash", "check done NL ", db_path)) == open_nl
    assert bash_values(complete("bash", "check reopen NL ", db_path)) == done_nl
    already = open_nl[0]
    assert already not in bash_values(complete("bash", f"check done NL {already} ", db_path))
    assert bash_values(complete("bash", "check edit ZZ ", db_path)) == []


def test_promotion_ids_with_descriptions_for_zsh_and_fish(db_path):
    promos = Database(db_path).load().promotions
    p6, p61 = promos["p6"], promos["p61"]
    zsh = complete("zsh", "promo move p6", db_path).stdout.splitlines()
    assert zsh[:3] == ["plain", "p6", f"{p6['region']} {p6['name']} ({p6['start'][:10]})"]
    assert zsh[1::3] == ["p6", *(f"p{n}" for n in range(60, 70))]
    fish = complete("fish", "promo edit p61", db_path).stdout.splitlines()
    assert fish == [f"plain,p61\t{p61['region']} {p61['name']} ({p61['start'][:10]})"]


def test_database_from_the_environment(db_path):
    result = complete("bash", "region show A", env={"ROLLOUT_DB": str(db_path)})
    assert bash_values(result) == ["AU"]


def test_a_missing_database_completes_nothing_and_is_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "rollout.json"
    result = complete("bash", "region show ", missing)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr == ""
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("content", [b"{broken", b"", b'{"_meta": {"1": {"schema": 999}}}'])
def test_an_unreadable_database_completes_nothing_quietly(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = complete("bash", "region show ", bad)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr == ""
    assert bad.read_bytes() == content


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("bash", "complete -o nosort -F _rollout_completion rollout"),
        ("zsh", "#compdef rollout"),
        ("fish", "complete --no-files --command rollout"),
    ],
)
def test_completion_command_prints_the_script_to_source(shell, expected):
    result = run_script("completion", shell)
    assert result.returncode == 0
    assert expected in result.stdout
    assert "_ROLLOUT_COMPLETE" in result.stdout


def test_the_documented_bash_hook_gives_the_same_script():
    documented = run_script(env={"_ROLLOUT_COMPLETE": "bash_source"})
    assert documented.stdout.strip() == run_script("completion", "bash").stdout.strip()


def test_a_real_bash_completes_through_the_documented_hook(db_path):
    bash = program("bash")
    script = (
        'eval "$(_ROLLOUT_COMPLETE=bash_source rollout)"\n'
        'COMP_WORDS=(rollout region show "") COMP_CWORD=3\n'
        "_rollout_completion rollout\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "ROLLOUT_DB": str(db_path), "PATH": f"{Path(console_script()).parent}:{os.environ['PATH']}"}
    result = subprocess.run([bash, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == sorted(Database(db_path).load().regions)
