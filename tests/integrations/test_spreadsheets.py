"""CSV as spreadsheets and scripts meet it: no live formulas, European separators, plain UTF-8;
and the Markdown report read by a real Markdown parser."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from integration_helpers import data_of, load
from markdown_it import MarkdownIt

from rollout import exchange
from rollout.db import Database

FORMULAS = ['=HYPERLINK("http://x","y")', "+44 Deals", "@SUM(1+1)", "-10% Spring", '=1+2 ;," quoted']
APOSTROPHES = ["'quoted", "'=already", "''two", "it's fine"]
# Text never starts with a tab or CR once stored (names are single-spaced), so those two
# neutralisations are checked on cells directly.
CONTROL = ["\tTabbed", "\rReturn"]


def put_names(path: Path, names: list[str]) -> None:
    """Promotions named by `names`, the region's owner named after the first."""
    from rollout import ops

    with Database(path).transaction("tester", "setup") as state:
        for name in names:
            ops.add_promotions(state, ["DE"], "x", start="2027-05-01", end="2027-05-02")
            promo = state.promotions[max(state.promotions, key=lambda k: int(k[1:]))]
            state.put("promotions", {**promo, "name": name, "kind": name.lower()})  # stored forms
        state.put("regions", {**state.regions["DE"], "owner": "@ops"})


def test_csv_cells_that_would_be_formulas_are_neutralised_and_restored_exactly(rollout, db_path, tmp_path):
    put_names(db_path, FORMULAS + APOSTROPHES)
    out = tmp_path / "promos.csv"
    assert rollout("export", "--what", "promos", "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    cells = [value for row in rows for value in row.values()]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    by_name = {r["id"]: r["name"] for r in rows}
    assert '\'=HYPERLINK("http://x","y")' in by_name.values()
    assert "'-10% Spring" in by_name.values()
    regions = tmp_path / "regions.csv"
    assert rollout("export", "--what", "regions", "-o", str(regions)).exit_code == 0
    assert "'@ops" in regions.read_text(encoding="utf-8")
    before = data_of(db_path)
    fresh = tmp_path / "fresh.json"
    Database(fresh).create(empty=True, force=False)
    assert rollout("import", str(regions), str(out), db=fresh).exit_code == 0
    assert load(fresh).regions["DE"]["owner"] == "@ops"
    assert {k: v for k, v in data_of(fresh)["promotions"].items()} == before["promotions"]
    assert {p["name"] for p in load(fresh).promotions.values()} >= set(FORMULAS + APOSTROPHES)


def test_a_cell_a_spreadsheet_saved_without_the_apostrophe_is_kept_as_is(rollout, db_path, tmp_path):
    """Excel drops the apostrophe on save: the text is the original, and stays so."""
    put_names(db_path, ['=HYPERLINK("http://x","y")'])
    promo = max(load(db_path).promotions.values(), key=lambda p: int(p["id"][1:]))
    sheet = tmp_path / "saved.csv"
    sheet.write_text(f'id,name\n{promo["id"]},"=HYPERLINK(""http://x"",""z"")"\n', encoding="utf-8")
    assert rollout("import", str(sheet)).exit_code == 0
    assert load(db_path).promotions[promo["id"]]["name"] == '=HYPERLINK("http://x","z")'


@pytest.mark.parametrize("value", [*FORMULAS, *APOSTROPHES, *CONTROL, "", "'", "plain", "=", "''"])
def test_neutralise_and_restore_are_exact_inverses(value):
    cell = exchange.neutralise(value)
    assert exchange.restore_cell(cell) == value
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("separator", "bom", "newline"),
    [(";", True, "\r\n"), (";", False, "\n"), ("\t", True, "\r\n"), (",", True, "\r\n"), (",", False, "\n")],
)
def test_a_csv_saved_by_a_european_spreadsheet_imports(rollout, db_path, tmp_path, separator, bom, newline):
    exported = rollout("export", "--what", "regions", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    rows[1][rows[0].index("owner")] = "ana; maría, et al."  # the separator inside a quoted cell
    text = io.StringIO()
    csv.writer(text, delimiter=separator, lineterminator=newline).writerows(rows)
    sheet = tmp_path / "regions.csv"
    sheet.write_bytes(("\ufeff" if bom else "").encode() + text.getvalue().encode("utf-8"))
    result = rollout("import", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert load(db_path).regions[rows[1][0]]["owner"] == "ana; maría, et al."


def test_a_header_that_does_not_match_names_the_separator_and_the_missing_columns(rollout, db_path, tmp_path):
    sheet = tmp_path / "odd.csv"
    sheet.write_bytes("\ufeffregion;titel;due\r\nDE;x;2027-01-01\r\n".encode())
    before = db_path.read_bytes()
    result = rollout("import", str(sheet))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "semicolon (;) as separator" in result.stderr
    assert "'region', 'titel', 'due'" in result.stderr
    assert "closest is checklist, missing id, title," in result.stderr
    assert db_path.read_bytes() == before


def test_an_unknown_column_error_says_which_separator_was_read(rollout, tmp_path):
    sheet = tmp_path / "promos.csv"
    sheet.write_text("id;name;start;colour\np1;x;2027-01-01;red\n", encoding="utf-8")
    result = rollout("import", str(sheet))
    assert result.exit_code == 1
    assert "unknown promotions field 'colour'" in result.stderr and "semicolon (;)" in result.stderr


def test_csv_is_plain_utf8_by_default_and_excel_gets_a_bom(rollout, tmp_path):
    plain = tmp_path / "plain.csv"
    assert rollout("export", "--what", "regions", "-o", str(plain)).exit_code == 0
    with plain.open(encoding="utf-8", newline="") as handle:
        assert next(csv.DictReader(handle)).keys() >= {"code", "name"}
    excel = tmp_path / "excel.csv"
    assert rollout("export", "--what", "regions", "--excel", "-o", str(excel)).exit_code == 0
    assert excel.read_bytes().startswith(b"\xef\xbb\xbf")
    assert excel.read_bytes()[3:] == plain.read_bytes()
    stdout = rollout("export", "--what", "regions", "--format", "csv", "--excel")
    assert stdout.stdout.startswith("\ufeff")
    misuse = rollout("export", "--format", "json", "--excel")
    assert misuse.exit_code == 2 and "--excel applies to CSV export only" in misuse.stderr


# -- Markdown ---------------------------------------------------------------------------------
NASTY = [
    "Great Britain \\| UK",
    "a|b",
    "back\\slash",
    "*star* _under_",
    "`code`",
    "[link](x)",
    "<b>html</b>",
    "#tag #",
    "a ~~b~~",
    "&amp;",
    "![img](y)",
]


def rendered_tables(markdown: str) -> list[list[list[str]]]:
    """Every table of the document as rows of cell texts, as markdown-it-py renders them."""
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(markdown)
    tables, rows, cells = [], [], None
    for token in tokens:
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            cells = []
        elif token.type == "inline" and cells is not None:
            cells.append("".join(child.content for child in token.children if child.type in ("text", "code_inline")))
        elif token.type == "tr_close":
            rows.append(cells)
            cells = None
        elif token.type == "table_close":
            tables.append(rows)
    return tables


def test_every_markdown_significant_character_is_escaped_in_the_report(rollout, db_path):
    codes = sorted(load(db_path).regions)[: len(NASTY)]
    with Database(db_path).transaction("tester", "names") as state:
        for code, name in zip(codes, NASTY, strict=True):
            state.put("regions", {**state.regions[code], "name": name})
    report = rollout("export", "--format", "markdown").stdout
    tables = rendered_tables(report)
    regions = tables[0]
    assert all(len(row) == len(regions[0]) == 9 for row in regions)
    names = {row[0]: row[1] for row in regions[1:]}
    for code, name in zip(codes, NASTY, strict=True):
        assert names[code] == name, code
    html = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(report)
    assert "<b>html</b>" not in html and "<em>" not in html and "<a href" not in html and "<img" not in html
    assert "<s>" not in html
    for table in tables:
        assert all(len(row) == len(table[0]) for row in table)
