"""`rollout import`: round trips, upserts, all-or-nothing with line numbers, one history entry."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from databases import stored
from integration_helpers import as_json, data_of, load

from rollout import exchange
from rollout.errors import RolloutError
from rollout.state import TABLES

BACKENDS = ("file", "postgres")  # every test taking a database runs on both (tests/conftest.py)


def export_csv_files(rollout, target: Path) -> list[Path]:
    result = rollout("export", "--format", "csv", "-o", f"{target}/")
    assert result.exit_code == 0, result.stderr
    return [target / "regions.csv", target / "checklist.csv", target / "promotions.csv"]


def test_json_round_trip_into_an_empty_database_gives_back_the_same_data(rollout, db_path, empty_db_path, tmp_path):
    rollout("check", "done", "NL", "c324")  # a record with done_at/done_by set by hand
    dump = tmp_path / "dump.json"
    assert rollout("export", "-o", str(dump)).exit_code == 0
    result = rollout("import", str(dump), db=empty_db_path)
    assert result.exit_code == 0, result.stderr
    assert data_of(empty_db_path) == data_of(db_path)
    restored, original = load(empty_db_path), load(db_path)
    for table in ("regions", "items", "promotions"):  # database order too
        assert list(restored.tables[table]) == list(original.tables[table])
    assert restored.meta["next_items"] == original.meta["next_items"]
    assert restored.meta["next_promotions"] == original.meta["next_promotions"]


def test_csv_round_trip_into_an_empty_database_gives_back_the_same_data(rollout, db_path, empty_db_path, tmp_path):
    rollout("promo", "edit", "p61", "--start", "2027-01-26T12:30")
    files = export_csv_files(rollout, tmp_path / "csv")
    # File order does not matter: regions are applied first.
    result = rollout("import", *map(str, reversed(files)), db=empty_db_path)
    assert result.exit_code == 0, result.stderr
    assert data_of(empty_db_path) == data_of(db_path)


def test_import_is_one_history_entry_that_undo_reverts(rollout, db_path, empty_db_path, tmp_path):
    files = export_csv_files(rollout, tmp_path / "csv")
    result = rollout("import", *map(str, files), db=empty_db_path)
    assert "history #1" in result.stdout
    state = load(empty_db_path)
    assert len(state.history) == 1
    assert state.history[0]["command"].startswith("import ")
    assert rollout("undo", db=empty_db_path).exit_code == 0
    # every table of the record schema, empty (templates travel in their own file: data_of leaves them out)
    assert data_of(empty_db_path) == dict.fromkeys((t for t in TABLES if t != "templates"), {})


def test_upsert_changes_matching_records_adds_new_ones_and_leaves_the_rest(rollout, db_path, tmp_path):
    before = load(db_path)
    sheet = tmp_path / "checklist.csv"
    sheet.write_text(
        "id,region,title,due,critical\n"
        "c324,NL,Creators confirmed (renamed),2027-01-20,true\n"
        ",NL,Press kit sent,2027-01-10 09:30,no\n",
        encoding="utf-8",
    )
    result = rollout("import", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert "1 checklist item changed, 1 checklist item added" in result.stdout
    after = load(db_path)
    renamed = after.items["c324"]
    assert renamed["title"] == "Creators confirmed (renamed)"
    assert renamed["critical"] is True
    assert renamed["due"] == "2027-01-20T00:00:00+01:00"
    assert renamed["category"] == before.items["c324"]["category"]  # a column not in the file is kept
    new_id = f"c{before.meta['next_items']}"
    added = after.items[new_id]
    assert added["title"] == "Press kit sent" and added["due"] == "2027-01-10T09:30:00+01:00"
    assert added["owner"] == after.regions["NL"]["owner"]  # the same default as `check add`
    assert len(after.items) == len(before.items) + 1
    untouched = {k: v for k, v in after.items.items() if k not in ("c324", new_id)}
    assert untouched == {k: v for k, v in before.items.items() if k != "c324"}


def test_imported_ids_move_the_counters_so_new_ids_are_never_reused(rollout, db_path, tmp_path):
    sheet = tmp_path / "promos.csv"
    sheet.write_text("id,region,name,start,end\np500,DE,Spring Days,2027-03-01,2027-03-05\n", encoding="utf-8")
    assert rollout("import", str(sheet)).exit_code == 0
    added = as_json(rollout("promo", "add", "DE", "Later", "--start", "2027-04-01", "--end", "2027-04-02", "--json"))
    assert added["changed"]["promotions"][0]["id"] == "p501"
    assert load(db_path).promotions["p500"]["name"] == "Spring Days"


def test_reimporting_the_same_export_changes_nothing(rollout, db_path, tmp_path):
    dump = tmp_path / "dump.json"
    rollout("export", "-o", str(dump))
    before = stored(db_path)
    result = rollout("import", str(dump))
    assert result.exit_code == 0
    assert result.stdout.strip() == f"Imported {dump}: nothing changed."
    assert stored(db_path) == before


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "checklist.csv",
            "id,region,title,due\nc1,ID,Fine,2021-01-01\nc2,ID,Bad date,2026-13-01\n",
            "checklist.csv line 3: due: invalid date '2026-13-01'",
        ),
        (
            "promos.csv",
            'id,region,name,start,end\np1,ID,"A name\nover two lines",2025-11-11,2025-11-12\np2,XX,Nowhere,2025-01-01,2025-01-02\n',
            "promos.csv line 4: region: unknown region code 'XX'",
        ),
        (
            "regions.csv",
            "code,name,timezone,currency\nPT,Portugal,Europe/Lisbon,EUR\nES,Spain,Mars/Olympus,EUR\n",
            "regions.csv line 3: timezone: unknown timezone 'Mars/Olympus'",
        ),
        ("regions.csv", "code,name,tz\nPT,Portugal,Europe/Lisbon\n", "regions.csv line 1: unknown regions field 'tz'"),
        ("items.csv", "id,region,title\nc1,ID,One\nc1,ID,Again\n", "items.csv line 3: c1 appears twice"),
        ("items.csv", "id,region,title\nx9,ID,One\n", "items.csv line 2: invalid id 'x9'"),
        ("items.csv", "id,region,title,critical\nc1,ID,One,maybe\n", "items.csv line 2: critical: invalid value"),
        ("items.csv", "id,region,title\n,ID\n", "items.csv line 2: expected 3 fields, found 2"),
        ("new.csv", "region,name,start,end\nDE,Short,2027-03-05,2027-03-01\n", "new.csv line 2: start"),
        (
            "new.csv",
            "region,name,start\nDE,Needs an end,2027-03-01\n",
            "new.csv line 2: new promotion (no id) needs end",
        ),
        ("mystery.csv", "foo,bar\n1,2\n", "mystery.csv line 1: cannot tell what this CSV holds"),
        (
            "dump.json",
            '{\n  "rollout_export": 1,\n  "regions": [\n    {"code": "DE", "wave": -3}\n  ]\n}\n',
            "dump.json line 4: wave: invalid wave -3",
        ),
        ("dump.json", '{\n  "rollout_export": 1,\n  "regions": [\n', "dump.json line 4: invalid JSON"),
        ("other.json", '{"regions": []}', "other.json line 1: not a rollout export"),
        ("cal.ics", "BEGIN:VCALENDAR\n", "cal.ics: only JSON and CSV files can be imported"),
    ],
)
def test_a_bad_row_names_its_file_and_line_and_nothing_is_written(rollout, db_path, tmp_path, name, text, message):
    before = stored(db_path)
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    ok = tmp_path / "ok.csv"
    ok.write_text("id,region,title\n,DE,Valid row that must not be written\n", encoding="utf-8")
    result = rollout("import", str(ok), str(source))
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {tmp_path}/{message}")
    assert result.stderr.count("\n") == 1
    assert stored(db_path) == before


def test_error_lines_name_the_file_as_given(rollout, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("checklist.csv").write_text("id,region,title,due\n\n\nc1,ID,x,2026-02-30\n", encoding="utf-8")
    result = rollout("import", "checklist.csv")
    assert result.stderr.startswith("Error: checklist.csv line 4: due: invalid date '2026-02-30'")


def test_dry_run_shows_the_changes_and_writes_nothing(rollout, db_path, tmp_path):
    before = stored(db_path)
    sheet = tmp_path / "regions.csv"
    sheet.write_text("code,owner,wave\nNL,priya,6\nPT,,\n", encoding="utf-8")
    result = rollout("import", "--dry-run", str(sheet))
    assert result.exit_code == 1  # PT is new and lacks name, timezone, currency
    assert "line 3: new region PT needs name, timezone, currency" in result.stderr
    sheet.write_text("code,owner,wave\nNL,priya,6\n", encoding="utf-8")
    result = rollout("import", "--dry-run", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert "1 region changed. Nothing was written." in result.stdout
    assert "  change region NL Netherlands (wave, owner)" in result.stdout
    assert stored(db_path) == before


def test_import_json_output_for_scripts(rollout, db_path, tmp_path):
    sheet = tmp_path / "promos.csv"
    sheet.write_text("id,name\np61,Launch Week Deals NL\n", encoding="utf-8")
    data = as_json(rollout("import", str(sheet), "--json"))
    assert data["summary"] == "1 promotion changed"
    assert [p["id"] for p in data["changed"]["promotions"]] == ["p61"]
    assert data["changed"]["promotions"][0]["name"] == "Launch Week Deals NL"
    assert data["removed"] == {"regions": [], "checklist": [], "promotions": [], "templates": []}
    assert data["dry_run"] is False and data["history"] == 1 and data["rows"] == 1


def test_import_from_stdin_detects_json(rollout, db_path, empty_db_path):
    dump = rollout("export", "--what", "regions").stdout
    result = rollout("import", "-", input=dump, db=empty_db_path)
    assert result.exit_code == 0, result.stderr
    assert list(load(empty_db_path).regions) == list(load(db_path).regions)


def test_spreadsheet_resaved_csv_with_bom_and_local_times_imports(rollout, db_path, tmp_path):
    sheet = tmp_path / "edited.csv"
    sheet.write_bytes(
        "\ufeffid,region,name,kind,start,end\r\n,JP,Golden Week,,2027-04-29 00:00,2027-05-06 00:00\r\n".encode()
    )
    result = rollout("import", str(sheet))
    assert result.exit_code == 0, result.stderr
    promo = next(p for p in load(db_path).promotions.values() if p["name"] == "Golden Week")
    assert promo["start"] == "2027-04-29T00:00:00+09:00" and promo["kind"] == "campaign"


def test_importing_a_launched_region_with_critical_items_open_is_refused_or_forced(rollout, db_path, tmp_path):
    # The launch gate of `region set --status launched` holds on import (rollout.rules): refused
    # with the row's line, the database untouched; with --force, launched and noted in history.
    sheet = tmp_path / "regions.csv"
    sheet.write_text("code,status\nAU,launched\n", encoding="utf-8")
    rollout("status")
    before = stored(db_path)
    refused = rollout("import", str(sheet))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: {sheet} line 2: import cannot launch AU: 4 critical item(s) open (")
    assert refused.stderr.endswith("; use --force to launch anyway\n") and refused.stderr.count("\n") == 1
    assert stored(db_path) == before
    result = rollout("import", str(sheet), "--force")
    assert result.exit_code == 0
    assert "Warning: forced launch (import) of AU with 4 critical item(s) open" in result.stderr
    entry = load(db_path).history[-1]
    assert entry["notes"] == ["forced launch (import) of AU with 4 critical item(s) open"]
    assert load(db_path).regions["AU"]["launched_at"] == load(db_path).regions["AU"]["launch"]


def test_json_line_numbers_point_at_the_record(tmp_path):
    text = json.dumps(
        {"rollout_export": 1, "regions": [{"code": "DE"}, {"code": "FR"}], "promotions": [{"id": "p1"}]}, indent=2
    )
    rows = exchange.parse_json("x.json", text)
    lines = text.splitlines()
    for row in rows:
        assert lines[row.line - 1].strip() == "{"
        assert json.dumps(row.values["code" if row.kind == "regions" else "id"]) in lines[row.line]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (  # a field twice in one entry: json.loads would keep the second value without a word
            '{"rollout_export": 1,\n "kpis": [\n  {"id": "NL/2027-01", "region": "NL", "period": "2027-01",\n'
            '   "actual": "1", "actual": "2"}]}',
            r"^x.json line 3: kpis entry names 'actual' twice",
        ),
        (  # a list twice: the first would be dropped
            '{"rollout_export": 1,\n "fx": [],\n "fx": []}',
            r"^x.json line 3: the key 'fx' appears twice in the export",
        ),
        (  # deeper down, in a value that is itself an object
            '{"rollout_export": 1, "regions": [{"code": "DE", "notes": [{"text": "a", "text": "b"}]}]}',
            r"^x.json line 1: regions entry names 'text' twice",
        ),
    ],
)
def test_a_json_key_given_twice_is_refused_with_its_line(text, message):
    with pytest.raises(RolloutError, match=message):
        exchange.parse_json("x.json", text)


def test_a_json_key_given_twice_leaves_the_database_as_it_was(rollout, db_path, tmp_path):
    dump = tmp_path / "dump.json"
    dump.write_text('{"rollout_export": 1, "regions": [{"code": "NL", "owner": "amara", "owner": "li"}]}')
    before = stored(db_path)
    result = rollout("import", str(dump))
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {dump} line 1: regions entry names 'owner'")
    assert stored(db_path) == before


def test_csv_kind_comes_from_the_header(tmp_path):
    assert exchange.parse_csv("a", "code,name\nDE,Germany\n")[0].kind == "regions"
    assert exchange.parse_csv("b", "Title,Region\nx,DE\n")[0].kind == "checklist"
    assert exchange.parse_csv("c", "id,start\np1,2027-01-01\n")[0].kind == "promotions"
    with pytest.raises(RolloutError, match="column 'code' appears twice"):
        exchange.parse_csv("d", "code,code\nDE,DE\n")


def test_exported_csv_parses_back_to_the_records(rollout, db_path):
    text = rollout("export", "--format", "csv", "--what", "regions").stdout
    rows = exchange.parse_csv("regions.csv", text)
    exported = list(csv.DictReader(io.StringIO(text)))
    assert [r.values for r in rows] == exported
    assert [r.line for r in rows] == list(range(2, len(rows) + 2))


def test_importing_into_a_database_that_does_not_exist_starts_it_empty(rollout, db_path, tmp_path):
    dump = tmp_path / "dump.json"
    rollout("export", "--what", "regions", "-o", str(dump))
    new = tmp_path / "new" / "rollout.json"
    dry = rollout("import", "--dry-run", str(dump), db=new)
    assert dry.exit_code == 0, dry.stderr
    assert "21 regions added" in dry.stdout
    assert not new.exists()
    result = rollout("import", str(dump), db=new)
    assert result.exit_code == 0, result.stderr
    assert f"created {new} (empty)" in result.stderr
    state = load(new)
    assert state.regions == load(db_path).regions
    assert not state.items and not state.promotions  # nothing from the bundled dataset
