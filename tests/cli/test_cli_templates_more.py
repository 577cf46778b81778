"""`template apply --force|--dry-run` past blocking freeze windows, `region add --template` and
`shift --with-promos` alike, batch lines; `template edit|import` refusing promotions that could
never run and options that do not fit the key; wording (issue 21, second round)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import stored

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)

SPRING = ("template", "edit", "standard", "spring", "--promo", "--title", "Spring sale", "--start=-10wd", "--end=-5wd")
TEXAS = ("region", "add", "US-TX", "--name", "Texas", "--tz", "America/Chicago", "--currency", "USD")
WINDOW = ("freeze", "add", "US-TX", "--from", "2027-05-01", "--to", "2027-05-31", "--reason", "Busy", "--blocks")
# -10wd from Tuesday 1 June 2027 (Memorial Day 31 May): Monday 17 May, inside the window.
REFUSAL = "is inside freeze f1 2027-05-01..2027-05-31 (blocks): Busy"


def _ok(result):  # noqa: ANN001, ANN202
    assert result.exit_code == 0, result.stderr
    return result


def _error(rollout, db_path, *args: str, code: int = 1) -> str:  # noqa: ANN001
    """Run a command that must be refused: one `Error:` line, exit `code`, the database as it was."""
    before = stored(db_path)
    result = rollout(*args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ")
    assert stored(db_path) == before
    return line


@pytest.fixture
def frozen(rollout):  # noqa: ANN001, ANN201
    """standard with promotion spring (-10wd..-5wd), US-TX launching 2027-06-01, a blocking window in May."""
    _ok(rollout(*SPRING))
    _ok(rollout(*TEXAS, "--launch", "2027-06-01"))
    _ok(rollout(*WINDOW))
    return rollout


def test_template_apply_into_a_blocking_window_is_refused_shown_by_a_dry_run_and_forced(frozen, db_path: Path):
    line = _error(frozen, db_path, "template", "apply", "standard", "US-TX")
    assert line == (
        f"Error: start of promotion p88 (US-TX, template standard spring) on 2027-05-17 {REFUSAL}; "
        "use --force to set it anyway"
    )
    _error(frozen, db_path, "template", "apply", "standard", "all")  # one region blocks them all
    before = stored(db_path)
    dry = _ok(frozen("template", "apply", "standard", "US-TX", "--dry-run"))
    assert stored(db_path) == before
    lines = dry.stdout.splitlines()
    assert lines[-3] == f"x US-TX p88    promotion spring: refused: would start 2027-05-17, inside {REFUSAL[10:]}"
    assert lines[-2].endswith("0 unchanged, 1 refused by a blocking freeze window.")
    assert lines[-1].startswith("Dry run: nothing was written; applying is refused while 1 promotion")
    assert len(lines) == 18 + 3 and dry.stderr == ""
    data = json.loads(_ok(frozen("template", "apply", "standard", "US-TX", "--dry-run", "--json")).stdout)
    assert data["dry_run"] is True and data["history"] is None
    (step,) = [s for s in data["steps"] if s["kind"] == "promotion"]
    assert step["action"] == "frozen" and data["changed"]["promotions"] == []
    assert data["warnings"] == [f"promotion spring (US-TX) would start 2027-05-17, inside {REFUSAL[10:]}; "
                                "use --force to apply it anyway"]  # fmt: skip
    forced_dry = _ok(frozen("template", "apply", "standard", "US-TX", "--dry-run", "--force"))
    assert "+ US-TX p88    promotion spring: add" in forced_dry.stdout and stored(db_path) == before
    assert forced_dry.stderr.startswith("Warning: forced: start of promotion p88")
    forced = _ok(frozen("template", "apply", "standard", "US-TX", "--force", "--json"))
    data = json.loads(forced.stdout)
    assert data["history"] is not None and len(data["changed"]["promotions"]) == 1
    assert data["warnings"] == [
        f"forced: start of promotion p88 (US-TX, template standard spring) on 2027-05-17 {REFUSAL}"
    ]
    history = json.loads(_ok(frozen("history", "--json", "--limit", "1")).stdout)
    assert "forced: start of promotion p88" in json.dumps(history)


def test_a_reapply_moving_a_promotion_into_a_window_is_refused_and_forced(rollout, db_path: Path):
    _ok(rollout(*SPRING[:-2], "--start=-2wd", "--end=0d"))
    _ok(rollout(*TEXAS, "--launch", "2027-06-01", "--template", "standard"))
    _ok(rollout(*WINDOW))
    _ok(rollout("template", "edit", "standard", "spring", "--start=-10wd"))
    line = _error(rollout, db_path, "template", "apply", "standard", "US-TX")
    assert f"on 2027-05-17 {REFUSAL}" in line
    dry = _ok(rollout("template", "apply", "standard", "US-TX", "--dry-run"))
    assert "x US-TX p88    promotion spring: refused: would start 2027-05-17" in dry.stdout
    assert "0 added, 0 updated, 0 conflicts, 0 removed from the template, 18 unchanged, 1 refused" in dry.stdout
    _ok(rollout("template", "apply", "standard", "US-TX", "--force"))
    again = _ok(rollout("template", "apply", "standard", "US-TX", "--dry-run"))
    assert "19 unchanged." in again.stdout and "refused" not in again.stdout


def test_region_add_with_a_template_into_a_window_is_refused_then_forced(frozen, db_path: Path):
    # A window keeps the codes it was added over: US-TX removed and planned again is still in it.
    _ok(frozen("region", "remove", "US-TX", "--yes"))
    plan = (*TEXAS, "--launch", "2027-06-01", "--template", "standard")
    line = _error(frozen, db_path, *plan)
    assert line == (
        f"Error: start of promotion p88 (US-TX, template standard spring) on 2027-05-17 {REFUSAL}; "
        "use --force to set it anyway"
    )
    added = _ok(frozen(*plan, "--force"))
    assert (
        added.stderr
        == f"Warning: forced: start of promotion p88 (US-TX, template standard spring) on 2027-05-17 {REFUSAL}\n"
    )
    promos = json.loads(_ok(frozen("promo", "list", "US-TX", "--json")).stdout)
    assert [p["start"][:10] for p in promos] == ["2027-05-17"]


def test_shift_with_promos_into_a_window_is_refused_and_forced(frozen, db_path: Path):
    _ok(frozen("region", "set", "US-TX", "--launch", "2027-07-15"))
    _ok(frozen("template", "apply", "standard", "US-TX"))  # -10wd: 30 June, outside the window
    line = _error(frozen, db_path, "shift", "US-TX", "--by=-6w", "--with-promos")
    assert "start of promotion p88 (US-TX, template standard spring)" in line and REFUSAL in line
    assert "--force" in line
    moved = _ok(frozen("shift", "US-TX", "--by=-6w", "--with-promos", "--force"))
    assert "forced: start of promotion p88" in moved.stderr


def test_shift_with_promos_keeps_a_template_promotions_offsets_and_the_next_apply_finds_it_unchanged(rollout):
    _ok(rollout(*SPRING[:-2], "--start=-5wd", "--end=-1wd"))
    sa = ("region", "add", "SA", "--name", "Saudi Arabia", "--tz", "Asia/Riyadh", "--currency", "SAR")
    _ok(rollout(*sa, "--launch", "2027-03-16", "--template", "standard"))
    _ok(rollout("shift", "SA", "--by", "1w", "--with-promos", "--with-items"))
    (promo,) = json.loads(_ok(rollout("promo", "list", "SA", "--json")).stdout)
    # Five working days before Tuesday 23 March 2027: 16 March, not 10 March (Eid al-Fitr).
    assert (promo["start"][:10], promo["end"][:10]) == ("2027-03-16", "2027-03-22")
    again = _ok(rollout("template", "apply", "standard", "SA", "--dry-run"))
    assert "0 added, 0 updated, 0 conflicts, 0 removed from the template, 19 unchanged." in again.stdout


def test_batch_lines_force_alike_and_refuse_a_dry_run_of_their_own(frozen, db_path: Path, tmp_path: Path):
    refused = tmp_path / "refused.txt"
    refused.write_text("template apply standard US-TX\n")
    assert REFUSAL in _error(frozen, db_path, "batch", str(refused))
    dry = tmp_path / "dry.txt"
    dry.write_text("template apply standard US-TX --dry-run\n")
    line = _error(frozen, db_path, "batch", str(dry))
    assert line == f"Error: {dry} line 1: --dry-run is for the whole batch: `rollout batch FILE --dry-run`"
    forced = tmp_path / "forced.txt"
    forced.write_text("template apply standard US-TX --force\n")
    result = _ok(frozen("batch", str(forced)))
    assert "forced: start of promotion p88" in result.stderr
    assert len(json.loads(_ok(frozen("promo", "list", "US-TX", "--json")).stdout)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("spring", "--start", "5wd", "--end", "1wd"), "promotion spring would start at or after its end: start 5wd"),
        (("spring", "--start", "1wd", "--end", "1wd"), "start 1wd is never before end 1wd"),
        (("spring", "--start", "3wd", "--end", "3d"), "start 3wd is never before end 3d on any calendar"),
        (("spring", "--start=-4wd"), "start -4wd is never before end -5wd"),
        (("cx-coverage", "--promo", "--start", "1d"), "--promo is for promotions, and cx-coverage is a checklist item"),
        (("cx-coverage", "--start", "1d"), "--start is for promotions, and cx-coverage is a checklist item"),
        (("spring", "--due=-1d"), "--due is for checklist items, and spring is a promotion of template standard"),
        (("spring", "--critical"), "--critical is for checklist items, and spring is a promotion"),
        (("spring", "--remove", "--title", "X"), "--remove takes no other option (--title given)"),
        (
            ("new-promo", "--title", "X", "--start", "0d", "--end", "1d"),
            "--start is for promotions: new-promo is not in",
        ),
    ],
)
def test_template_edit_refuses_a_promotion_that_could_never_run_and_options_that_do_not_fit(
    rollout, db_path: Path, args, message
):
    _ok(rollout(*SPRING))
    line = _error(rollout, db_path, "template", "edit", "standard", *args)
    assert message in line


def test_template_import_refuses_a_promotion_that_could_never_run(rollout, db_path: Path, tmp_path: Path):
    _ok(rollout(*SPRING))
    target = tmp_path / "standard.json"
    _ok(rollout("template", "export", "standard", "-o", str(target)))
    data = json.loads(target.read_text())
    data["promotions"][0].update(start="5wd", end="1wd")
    target.write_text(json.dumps(data))
    line = _error(rollout, db_path, "template", "import", str(target))
    assert line.startswith(f"Error: {target}: template standard: promotion spring would start at or after its end")


def test_apply_names_the_region_where_mixed_units_end_before_they_start(rollout, db_path: Path):
    _ok(rollout(*SPRING[:-2], "--start", "3wd", "--end", "4d"))  # fine on a Monday launch
    _ok(rollout(*TEXAS, "--launch", "2027-06-03"))  # a Thursday: 3wd is Tuesday 8 June, after day 4
    line = _error(rollout, db_path, "template", "apply", "standard", "US-TX", "--dry-run")
    assert line == (
        "Error: template standard cannot be applied to US-TX: its promotion spring would start 2027-06-08 (3wd) "
        "and end 2027-06-07 (4d) on US-TX's calendar; a promotion must end after it starts (edit its --start or --end)"
    )


def test_region_add_with_a_template_but_no_launch_says_to_give_launch(rollout, db_path: Path):
    line = _error(
        rollout, db_path, "region", "add", "KR", "--name", "K", "--tz", "Asia/Seoul", "--currency", "KRW",
        "--template", "standard",
    )  # fmt: skip
    assert (
        line
        == "Error: region KR needs a launch date to be planned from template standard: give --launch DAY with --template"
    )


def test_a_conflict_names_the_fields_that_differ_from_the_template(rollout):
    _ok(rollout(*TEXAS, "--launch", "2027-06-01", "--template", "standard"))
    items = {i["origin"]["key"]: i["id"] for i in json.loads(_ok(rollout("check", "list", "US-TX", "--json")).stdout)}
    _ok(rollout("check", "edit", items["cx-coverage"], "--title", "Support (Austin)"))
    dry = _ok(rollout("template", "apply", "standard", "US-TX", "--dry-run"))
    assert (
        f"! US-TX {items['cx-coverage']}   item      cx-coverage: conflict: edited by hand, kept (title differs from the template)"
        in dry.stdout
    )


def test_shift_help_says_what_force_does():
    from click.testing import CliRunner

    from rollout.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["shift", "--help"]).stdout.split())
    assert "into inside" not in text
    assert "--force Move launches or promotion starts into a blocking freeze window all the same" in text
