"""`rollout export`: the JSON dump, CSV files for spreadsheets and the Markdown status report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from databases import stored
from integration_helpers import as_json, load

from rollout import exchange

BACKENDS = ("file", "postgres")  # every test taking a database runs on both (tests/conftest.py)


def test_json_export_is_every_stored_record_field_for_field(rollout, db_path):
    dump = as_json(rollout("export", "--format", "json"))
    state = load(db_path)
    assert dump["rollout_export"] == 1
    assert dump["regions"] == list(state.regions.values())
    assert dump["checklist"] == list(state.items.values())
    assert dump["promotions"] == list(state.promotions.values())


def test_json_export_of_one_kind(rollout, db_path):
    dump = as_json(rollout("export", "--what", "promos"))
    assert set(dump) == {"rollout_export", "exported_at", "promotions"}
    assert len(dump["promotions"]) == len(load(db_path).promotions)


def test_csv_of_one_kind_goes_to_stdout_with_a_header_and_plain_cells(rollout, db_path):
    result = rollout("export", "--format", "csv", "--what", "checklist")
    assert result.exit_code == 0, result.stderr
    assert not result.stdout.startswith("\ufeff")  # no BOM in a pipe
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    items = list(load(db_path).items.values())
    assert list(rows[0]) == list(exchange.FIELDS["checklist"])
    assert len(rows) == len(items)
    first = items[0]
    assert rows[0]["id"] == first["id"]
    assert rows[0]["critical"] == ("true" if first["critical"] else "false")
    assert rows[0]["due"] == (first["due"] or "")
    open_row = next(r for r in rows if r["status"] == "open")
    assert open_row["done_at"] == "" and open_row["done_by"] == ""


def test_csv_of_all_kinds_into_a_directory(rollout, db_path, tmp_path):
    target = tmp_path / "sheets"
    result = rollout("export", "--format", "csv", "-o", f"{target}/")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in target.iterdir()) == ["checklist.csv", "promotions.csv", "regions.csv"]
    raw = (target / "regions.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # plain UTF-8, as scripts expect
    regions = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert [r["code"] for r in regions] == list(load(db_path).regions)
    assert "Wrote" in result.stderr and "regions.csv (21 regions)" in result.stderr


def test_csv_of_all_kinds_beside_a_file_name(rollout, tmp_path):
    result = rollout("export", "-o", str(tmp_path / "launch.csv"))  # format from the extension
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in tmp_path.glob("launch-*.csv"))
    assert names == ["launch-checklist.csv", "launch-promotions.csv", "launch-regions.csv"]


def test_csv_of_all_kinds_needs_a_destination(rollout):
    result = rollout("export", "--format", "csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: CSV holds one kind per file")


def test_format_follows_the_output_extension(rollout, tmp_path):
    for name, check in [
        ("report.md", lambda text: text.startswith("# Rollout status")),
        ("dump.json", lambda text: json.loads(text)["rollout_export"] == 1),
        ("rollout.ics", lambda text: text.startswith("BEGIN:VCALENDAR")),
    ]:
        result = rollout("export", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.stderr
        assert check((tmp_path / name).read_text(encoding="utf-8")), name


def test_export_to_an_unwritable_place_is_one_error_line_and_leaves_nothing(rollout, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = rollout("export", "-o", str(blocker / "dump.json"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: cannot write") and result.stderr.count("\n") == 1
    assert blocker.read_text() == "not a directory"


def test_markdown_report_lists_every_region_open_items_and_warnings(rollout, db_path):
    rollout("region", "set", "NL", "--launch", "2027-04-27")  # King's Day
    result = rollout("export", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    report = result.stdout
    state = load(db_path)
    table = [line for line in report.splitlines() if line.startswith("| ") and line.count("|") == 10]
    codes = [line.split("|")[1].strip() for line in table[2:] if line.split("|")[1].strip() in state.regions]
    assert sorted(codes) == sorted(state.regions)
    assert "- **NL**: launch on 2027-04-27 falls on a public holiday in NL: King's Day" in report
    open_ids = {i["id"] for i in state.items.values() if i["status"] == "open"}
    done_ids = {i["id"] for i in state.items.values() if i["status"] == "done"}
    listed = {cell.strip() for line in report.splitlines() for cell in line.split("|")[1:2]}
    assert open_ids <= listed
    assert not (done_ids & listed)
    assert "## Promotions running or ahead" in report


def test_markdown_escapes_pipes_in_names(rollout):
    rollout("promo", "add", "DE", "Buy | Sell Days", "--start", "2027-03-01", "--end", "2027-03-03")
    report = rollout("export", "--format", "markdown", "--what", "promos").stdout
    row = next(line for line in report.splitlines() if "Sell Days" in line)
    assert "Buy \\| Sell Days" in row
    assert "## Regions" not in report


@pytest.mark.parametrize("fmt", ["json", "csv", "ics", "markdown"])
def test_export_never_writes_the_database(rollout, db_path, fmt):
    before = stored(db_path)
    what = ["--what", "regions"] if fmt == "csv" else []
    assert rollout("export", "--format", fmt, *what).exit_code == 0
    assert stored(db_path) == before


def test_export_json_is_stable_apart_from_its_timestamp(rollout, tmp_path: Path):
    first = as_json(rollout("export"))
    second = as_json(rollout("export"))
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second


def test_csv_of_one_kind_into_a_directory_or_a_named_file(rollout, tmp_path):
    assert rollout("export", "--format", "csv", "--what", "promos", "-o", f"{tmp_path}/dir/").exit_code == 0
    assert [p.name for p in (tmp_path / "dir").iterdir()] == ["promotions.csv"]
    assert rollout("export", "--what", "regions", "-o", str(tmp_path / "markets.csv")).exit_code == 0
    assert (tmp_path / "markets.csv").read_text(encoding="utf-8-sig").startswith("code,name,timezone")
    result = rollout("export", "--format", "json", "-o", f"{tmp_path}/dir/")
    assert result.exit_code == 2 and "only --format csv writes into a directory" in result.stderr
