"""Numbers are numbers: every number a person or a file gives rollout takes ASCII digits 0-9 only.

A table over every numeric input and path (settings, options, selectors, DURATION, WHEN, import
cells in CSV and JSON, batch lines, environment): each bad spelling gets exit 1, one `Error:` line
naming the problem, and a database byte-identical afterwards. The rule is rollout.numbers'.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rollout import numbers
from rollout.errors import InvalidValue

# Siblings of the reported `1_0`, `٧` and `７`: other scripts' digits, signs, exponents, prefixes, empty.
BAD_WHOLE = ["1_0", "٧", "７", "७", "+7", "1e3", "0x10", "3.0", "1,000", "", " ", "7 7", "²", "Ⅶ"]


def snapshot(db: Path) -> dict[str, bytes]:
    """Every byte of the database: its file and the history stored beside it."""
    files = {db.name: db.read_bytes()}
    history = db.with_name(db.name + ".history")
    if history.is_dir():
        files |= {str(p.relative_to(history)): p.read_bytes() for p in sorted(history.rglob("*")) if p.is_file()}
    return files


@pytest.mark.parametrize("text", BAD_WHOLE)
def test_core_whole_refuses_what_int_would_read(text: str) -> None:
    with pytest.raises(InvalidValue, match="digits 0-9"):
        numbers.whole(text, "wave")


@pytest.mark.parametrize(("text", "number"), [("7", 7), (" 7 ", 7), ("\t10", 10), ("-3", -3), ("007", 7), ("0", 0)])
def test_core_whole_reads_ascii_digits_with_padding_and_a_minus(text: str, number: int) -> None:
    assert numbers.whole(text) == number


@pytest.mark.parametrize("text", ["1_0", "٧", "1e3", "inf", "nan", "-1", "+1", "1.", ".5", ""])
def test_core_decimal_refuses_what_float_would_read(text: str) -> None:
    with pytest.raises(InvalidValue):
        numbers.decimal(text)


def test_is_digits_is_ascii_only() -> None:
    assert numbers.is_digits("0123456789")
    assert not any(numbers.is_digits(t) for t in ("٧", "７", "²", "", "-1", "1_0"))


# (what, command words with {} for the value, the message the Error line must hold)
OPTION_PATHS = [
    ("setting", "config set health.slack_days {}", "expected a whole number of days (digits 0-9)"),
    ("--wave on add", "region add AT --name Austria --tz Europe/Vienna --currency EUR --wave {}", "--wave"),
    ("--wave on set", "region set DE --wave {}", "--wave"),
    ("--wave on list", "region list --wave {}", "--wave"),
    ("--days on agenda", "agenda --days {}", "--days"),
    ("--days on digest", "digest --days {}", "--days"),
    ("--soon on owners", "owners --soon {}", "--soon"),
    ("--limit on history", "history --limit {}", "--limit"),
    ("--entry on undo", "undo --entry {}", "--entry"),
    ("--entry on redo", "redo --entry {}", "--entry"),
    ("--width on timeline", "timeline --width {}", "--width"),
    ("N of restore", "restore {}", "N"),
    ("--year of holidays", "holidays DE --year {}", "--year"),
    ("wave= selector", "status wave={}", "wave=N needs a whole number"),
    ("DURATION amount", "shift DE --by {}d", "invalid duration"),
    ("WHEN year", "check add DE Title --due {}-01-01", "invalid date"),
]


@pytest.mark.parametrize("bad", ["1_0", "٧", "７", "+7", "1e3", "0x10", ""])
@pytest.mark.parametrize(("what", "words", "message"), OPTION_PATHS, ids=[p[0] for p in OPTION_PATHS])
def test_every_numeric_option_refuses_non_ascii_numbers(rollout, db_path, what, words, message, bad) -> None:
    if what == "WHEN year":  # a year is four digits: the same kind, spelled as a year
        bad = {"1_0": "2_027", "٧": "٢٠٢٧", "７": "２０２７", "+7": "+2027", "1e3": "2e03", "0x10": "0x7E"}.get(
            bad, bad
        )
    if what == "DURATION amount" and bad == "+7":  # DURATION is the one signed syntax: +7d is valid
        bad = "+-7"
    args = words.format(bad).split(" ") if bad else words.format("").split()
    if not bad and words.endswith("{}"):
        args = [*words.format("").split(), ""]  # the option given an empty value
    before = snapshot(db_path)
    result = rollout(*args)
    assert result.exit_code == 1, (args, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0], lines[0]
    assert snapshot(db_path) == before


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("agenda --days -1", "-1 is not in the range 0<=x<=366"),
        ("owners --soon -3", "-3 is not in the range 0<=x<=366"),
        ("history --limit -1", "-1 is not in the range x>=1"),
        ("undo --entry -2", "-2 is not in the range x>=1"),
        ("region set DE --wave -1", "-1 is not in the range x>=0"),
        ("config set health.slack_days -- -1", "must be from 0 to"),
        ("digest --since -1d", "takes no sign"),
        ("digest --since +1d", "takes no sign"),
        ("status wave=-1", "wave=N needs a whole number"),
    ],
)
def test_a_sign_where_negative_makes_no_sense_is_refused(rollout, db_path, words, message) -> None:
    before = snapshot(db_path)
    result = rollout(*words.split())
    assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1
    assert snapshot(db_path) == before


def test_padded_and_plain_numbers_still_read(rollout, db_path) -> None:
    assert rollout("config", "set", "health.slack_days", " 9 ").exit_code == 0
    assert json.loads(rollout("config", "get", "health.slack_days", "--json").stdout)["value"] == 9
    assert rollout("agenda", "--days", "07").exit_code == 0
    assert "invalid duration" not in rollout("shift", "DE", "--by", "+1d").stderr  # DURATION keeps its sign


@pytest.mark.parametrize("bad", ["1_0", "٣", "７", "+3", "3.0", "1e1"])
def test_import_cells_refuse_non_ascii_numbers(rollout, db_path, tmp_path, bad) -> None:
    csv_file = tmp_path / "regions.csv"
    csv_file.write_text(f"code,wave\nDE,{bad}\n", encoding="utf-8")
    json_file = tmp_path / "regions.json"
    json_file.write_text(json.dumps({"rollout_export": 1, "regions": [{"code": "DE", "wave": bad}]}), encoding="utf-8")
    before = snapshot(db_path)
    for file in (csv_file, json_file):
        result = rollout("import", str(file))
        assert result.exit_code == 1 and "invalid wave" in result.stderr, result.stderr
        assert snapshot(db_path) == before


def test_json_import_refuses_a_float_or_bool_wave(rollout, db_path, tmp_path) -> None:
    before = snapshot(db_path)
    for value in (3.0, True):
        file = tmp_path / "regions.json"
        file.write_text(json.dumps({"rollout_export": 1, "regions": [{"code": "DE", "wave": value}]}), encoding="utf-8")
        result = rollout("import", str(file))
        assert result.exit_code == 1 and "invalid wave" in result.stderr, result.stderr
    assert snapshot(db_path) == before


@pytest.mark.parametrize("line", ["region set DE --wave ٣", "agenda --days ７", "config set health.slack_days 1_0"])
def test_batch_lines_read_numbers_as_the_command_line_does(rollout, db_path, tmp_path, line) -> None:
    before = snapshot(db_path)
    result = rollout("batch", "-", input=line + "\n")
    assert result.exit_code == 1 and "line 1" in result.stderr, result.stderr
    assert snapshot(db_path) == before


@pytest.mark.parametrize("bad", ["1_0", "٣", "1e3", "inf", "nan", "-1"])
def test_lock_timeout_from_the_environment(rollout, db_path, monkeypatch, bad) -> None:
    monkeypatch.setenv("ROLLOUT_LOCK_TIMEOUT", bad)
    before = snapshot(db_path)
    result = rollout("region", "set", "DE", "--owner", "someone")
    assert result.exit_code == 1 and "ROLLOUT_LOCK_TIMEOUT" in result.stderr, result.stderr
    assert snapshot(db_path) == before
