"""`template ...`, `region add --template`, `shift --with-items`, `check na|applies|note`, `promo
note`, `region note` (issue 21), plain and --json, on the bundled dataset with the clock pinned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import stored

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


def _ok(result):  # noqa: ANN001, ANN202
    assert result.exit_code == 0, result.stderr
    return result


def _kr(rollout, *extra: str):  # noqa: ANN001, ANN202
    return rollout(
        "region", "add", "KR", "--name", "South Korea", "--tz", "Asia/Seoul", "--currency", "KRW",
        "--launch", "2027-03-02", "--template", "standard", *extra,
    )  # fmt: skip


def test_a_region_is_planned_from_a_template_in_one_command(rollout):
    result = _ok(_kr(rollout))
    assert result.stdout == (
        "Added region KR (South Korea) from template standard: 18 added, 0 updated, 0 conflicts, "
        "0 removed from the template, 0 unchanged.\n"
    )
    items = json.loads(_ok(rollout("check", "list", "KR", "--json")).stdout)
    assert len(items) == 18 and {i["origin"]["template"] for i in items} == {"standard"}
    assert items[0]["due"] == "2026-11-02T00:00:00+09:00"  # -120d from 2 March 2027


def test_list_and_show(rollout):
    listed = _ok(rollout("template", "list")).stdout.splitlines()
    assert listed[0].split() == ["NAME", "VERSION", "ITEMS", "PROMOTIONS", "CHANGED", "BY"]
    assert listed[1].split() == ["standard", "1", "18", "0", "2026-01-05", "rollout"]
    (row,) = json.loads(_ok(rollout("template", "list", "--json")).stdout)
    assert row["name"] == "standard" and row["items"] == 18
    shown = _ok(rollout("template", "show", "STANDARD")).stdout
    assert shown.startswith("standard  version 1  (changed 2026-01-05 by rollout)\n")
    assert "payment-provider" in shown and "-30d" in shown
    data = json.loads(_ok(rollout("template", "show", "standard", "--json")).stdout)
    assert data["items"][0]["key"] == "legal-entity" and data["items"][0]["due"] == "-120d"


def test_edit_then_reapply_shows_the_diff_and_keeps_hand_edits(rollout, db_path: Path):
    _ok(_kr(rollout))
    items = {i["origin"]["key"]: i["id"] for i in json.loads(rollout("check", "list", "KR", "--json").stdout)}
    _ok(rollout("check", "edit", items["logistics-partner"], "--title", "Logistics partner (CJ)"))
    edited = _ok(rollout("template", "edit", "standard", "cx-coverage", "--due=-10wd"))
    assert edited.stdout == "Template standard version 2: changed cx-coverage.\n"
    _ok(rollout("template", "edit", "standard", "logistics-partner", "--owner", "ops-kr"))
    _ok(rollout("template", "edit", "standard", "kr-cert", "--title", "KC certification", "--critical", "--due=-20wd"))
    _ok(rollout("template", "edit", "standard", "app-store-listing", "--remove"))
    before = stored(db_path)
    dry = _ok(rollout("template", "apply", "standard", "KR", "--dry-run"))
    assert stored(db_path) == before
    new_id = f"c{int(max(items.values(), key=lambda i: int(i[1:]))[1:]) + 1}"
    assert dry.stdout == (
        f"! KR {items['logistics-partner']}   item      logistics-partner: conflict: edited by hand, kept "
        "(title, owner differ from the template)\n"
        f"~ KR {items['cx-coverage']}   item      cx-coverage: update (due)\n"
        f"+ KR {new_id}   item      kr-cert: add\n"
        f"- KR {items['app-store-listing']}   item      app-store-listing: no longer in the template, kept\n"
        "Template standard version 5 would apply: 1 added, 1 updated, 1 conflict, 1 removed from the template, "
        "15 unchanged.\nDry run: nothing was written.\n"
    )
    applied = json.loads(_ok(rollout("template", "apply", "standard", "KR", "--json")).stdout)
    actions = {s["key"]: s["action"] for s in applied["steps"]}
    assert actions["kr-cert"] == "add" and actions["cx-coverage"] == "update"
    assert actions["logistics-partner"] == "conflict" and actions["app-store-listing"] == "removed"
    assert applied["history"] is not None and len(applied["changed"]["checklist"]) == 2
    cx = next(i for i in applied["changed"]["checklist"] if i["id"] == items["cx-coverage"])
    # Ten working days before Tuesday 2 March: 1 March is a holiday in Korea, and two weekends.
    assert cx["due"] == "2027-02-15T00:00:00+09:00"
    again = _ok(rollout("template", "apply", "standard", "KR"))
    assert "0 added, 0 updated, 1 conflict" in again.stdout
    items_after = json.loads(rollout("check", "list", "KR", "--json").stdout)
    assert len(items_after) == 19  # never a duplicate


@pytest.mark.parametrize(
    "args",
    [
        ("template", "apply", "nope", "DE"),
        ("template", "show", "nope"),
        ("template", "edit", "standard", "cx-coverage", "--due", "3x"),
        ("template", "edit", "standard", "cx-coverage", "--due", "３wd"),
        ("template", "edit", "standard", "cx-coverage", "--due", "-٣wd"),
        ("template", "edit", "standard", "cx-coverage", "--after", "nope"),
        ("template", "edit", "standard", "new-key", "--due=-3d"),
        ("template", "edit", "standard", "nope", "--remove"),
        ("template", "add", "standard"),
        ("template", "add", "x y"),
        ("template", "add", "plan", "--from", "AQ"),
        ("template", "remove", "nope"),
        ("template", "import", "missing.json"),
        ("region", "add", "KR", "--name", "K", "--tz", "Asia/Seoul", "--currency", "KRW", "--template", "standard"),
        ("region", "add", "KR", "--name", "K", "--tz", "Asia/Seoul", "--currency", "KRW", "--template", "nope"),
        ("check", "na", "c1", "--reason", ""),
        ("check", "na", "c99999", "--reason", "x"),
        ("check", "note", "c1", " "),
        ("check", "note", "c1", "x", "--link", "javascript:alert(1)"),
        ("check", "note", "c1", "x", "--link", "https://exa mple.com"),
        ("promo", "note", "p99999", "x"),
        ("region", "note", "NL", "x", "--link", "mailto:a@b.c"),
        ("shift", "NL", "--by", "３d", "--with-items"),  # digits of other scripts: never a number
        ("check", "add", "NL", "x", "--due", "２０２７-01-01"),
        ("promo", "move", "p1", "--by", "١d"),
    ],
)
def test_a_bad_input_is_one_error_line_exit_1_and_the_database_unchanged(rollout, db_path: Path, args):
    before = stored(db_path)
    result = rollout(*args)
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == ""
    assert stored(db_path) == before


def test_a_bad_file_to_import_names_the_problem(rollout, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"rollout_template": 1, "name": "x", "items": [{"key": "a"}]}', encoding="utf-8")
    result = rollout("template", "import", str(bad))
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {bad}: template x: items")
    bad.write_text("{", encoding="utf-8")
    assert rollout("template", "import", str(bad)).stderr.startswith(f"Error: {bad} line 1: not JSON")
    exported = json.loads(rollout("template", "export", "standard", "-o", "-").stdout)
    first = json.dumps(exported["items"][0])
    twice = first[:-1] + ', "due": "-1wd"}'  # the item's due given twice: never one of two silently
    bad.write_text(json.dumps(exported).replace(first, twice), encoding="utf-8")
    result = rollout("template", "import", str(bad))
    assert result.exit_code == 1 and result.stderr == f"Error: {bad}: the key 'due' appears twice in one object\n"


def test_export_and_import_round_trip_through_a_file(rollout, tmp_path: Path, empty_db_path: Path):
    target = tmp_path / "standard.json"
    result = _ok(rollout("template", "export", "standard", "-o", str(target)))
    assert result.stdout == f"Wrote template standard version 1 to {target}.\n"
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["rollout_template"] == 1 and data["name"] == "standard"
    imported = _ok(rollout("template", "import", str(target), db=empty_db_path))
    assert imported.stdout == "Template standard added: version 1.\n"
    shown = json.loads(rollout("template", "show", "standard", "--json", db=empty_db_path).stdout)
    assert shown["items"] == data["items"] and shown["promotions"] == data["promotions"]
    assert _ok(rollout("template", "import", str(target), db=empty_db_path)).stdout.startswith("Nothing changed")
    stdout = _ok(rollout("template", "export", "standard", "-o", "-")).stdout
    assert json.loads(stdout) == data


def test_add_from_a_region_remove_and_undo(rollout):
    added = _ok(rollout("template", "add", "nl-plan", "--from", "NL"))
    assert added.stdout.startswith("Added template nl-plan (version 1): ")
    assert json.loads(rollout("template", "show", "nl-plan", "--json").stdout)["items"]
    _ok(rollout("template", "remove", "nl-plan"))
    assert rollout("template", "show", "nl-plan").exit_code == 1
    _ok(rollout("undo"))
    assert _ok(rollout("template", "show", "nl-plan")).stdout.startswith("nl-plan  version 1")
    envelope = json.loads(_ok(rollout("template", "remove", "nl-plan", "--json")).stdout)
    assert envelope["removed"]["templates"] == ["nl-plan"]


def test_not_applicable_shows_why_and_leaves_the_counts(rollout):
    items = json.loads(rollout("check", "list", "AU", "--open", "--json").stdout)
    critical = next(i for i in items if i["critical"])
    status = json.loads(rollout("status", "AU", "--json").stdout)[0]
    result = _ok(rollout("check", "na", critical["id"], "--reason", "No VAT in the pilot"))
    assert result.stdout == f"Not applicable: {critical['id']} {critical['title']} (No VAT in the pilot)\n"
    listed = rollout("check", "list", "AU").stdout
    line = next(row for row in listed.splitlines() if row.startswith(critical["id"]))
    assert " n/a " in line and "(n/a: No VAT in the pilot)" in line
    after = json.loads(rollout("status", "AU", "--json").stdout)[0]
    assert after["critical_open"] == status["critical_open"] - 1
    assert after["items_total"] == status["items_total"] - 1
    shown = json.loads(rollout("check", "list", "AU", "--json").stdout)
    assert next(i for i in shown if i["id"] == critical["id"])["not_applicable"] == "No VAT in the pilot"
    assert _ok(rollout("check", "applies", critical["id"])).stdout.startswith("Applies again:")
    assert json.loads(rollout("status", "AU", "--json").stdout)[0] == status
    assert _ok(rollout("check", "applies", critical["id"])).stdout.startswith("Nothing changed")


def test_notes_on_items_promotions_and_regions(rollout):
    item = json.loads(rollout("check", "list", "NL", "--json").stdout)[0]["id"]
    promo = json.loads(rollout("promo", "list", "NL", "--json").stdout)[0]["id"]
    noted = _ok(rollout("check", "note", item, "Filed with the court", "--link", "https://example.com/f/1"))
    assert noted.stdout == f"Noted on {item}: Filed with the court\n"
    envelope = json.loads(_ok(rollout("promo", "note", promo, "Budget approved", "--json")).stdout)
    assert envelope["changed"]["promotions"][0]["notes"] == [
        {"at": "2026-11-24T09:00:00+00:00", "user": "tester", "text": "Budget approved", "link": None}
    ]
    _ok(rollout("region", "note", "nl", "Kickoff done"))
    shown = rollout("region", "show", "NL").stdout
    notes = shown.split("\nNotes:\n", 1)[1].splitlines()
    assert notes == [
        "  2026-11-24 10:00  tester  Kickoff done",
        f"  {item}  2026-11-24 10:00  tester  Filed with the court  <https://example.com/f/1>",
        f"  {promo}  2026-11-24 10:00  tester  Budget approved",
    ]
    data = json.loads(rollout("region", "show", "NL", "--json").stdout)
    assert data["region"]["notes"][0]["text"] == "Kickoff done"
    _ok(rollout("undo"))
    assert json.loads(rollout("region", "show", "NL", "--json").stdout)["region"]["notes"] == []


def test_shift_with_items_moves_the_untouched_open_items(rollout):
    _ok(_kr(rollout))
    _ok(rollout("template", "edit", "standard", "cx-coverage", "--due=-10wd"))
    _ok(rollout("template", "apply", "standard", "KR"))
    before = {i["id"]: i for i in json.loads(rollout("check", "list", "KR", "--json").stdout)}
    cx = next(i for i in before.values() if i["origin"]["key"] == "cx-coverage")
    legal = next(i for i in before.values() if i["origin"]["key"] == "legal-entity")
    _ok(rollout("check", "edit", legal["id"], "--due", "2026-12-01"))
    result = _ok(rollout("shift", "KR", "--by", "1w", "--with-items"))
    assert result.stdout == "KR launch now 2027-03-09 00:00\n17 item(s) moved with the launch\n"
    after = {i["id"]: i for i in json.loads(rollout("check", "list", "KR", "--json").stdout)}
    assert after[cx["id"]]["due"] == "2027-02-22T00:00:00+09:00"  # ten working days before 9 March, 1 March off
    assert after[legal["id"]]["due"] == "2026-12-01T00:00:00+09:00"
    plain = _ok(rollout("shift", "KR", "--by", "1d"))
    assert "moved with the launch" not in plain.stdout


def test_notes_origin_and_not_applicable_round_trip_through_the_json_export(rollout, tmp_path: Path, db_path: Path):
    item = json.loads(rollout("check", "list", "AU", "--json").stdout)[0]["id"]
    _ok(rollout("check", "note", item, "Filed", "--link", "https://example.com/f"))
    _ok(rollout("check", "na", item, "--reason", "Not in AU"))
    _ok(rollout("region", "note", "AU", "Kickoff"))
    before = {i["id"]: i for i in json.loads(rollout("check", "list", "AU", "--json").stdout)}
    dump = tmp_path / "all.json"
    _ok(rollout("export", "-o", str(dump)))
    other = tmp_path / "other.json"
    _ok(rollout("init", "--empty", db=other))
    _ok(rollout("import", str(dump), db=other))
    after = {i["id"]: i for i in json.loads(rollout("check", "list", "AU", "--json", db=other).stdout)}
    assert after == before
    region = json.loads(rollout("region", "show", "AU", "--json", db=other).stdout)["region"]
    assert [n["text"] for n in region["notes"]] == ["Kickoff"]
    csv = _ok(rollout("export", "--format", "csv", "--what", "checklist")).stdout
    assert csv.splitlines()[0].endswith(",after,origin,not_applicable,notes")  # objects as JSON text
