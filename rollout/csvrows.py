"""How rollout reads every CSV it imports (rollout.exchange's records, rollout.kpi's actuals): the
separator, then the data rows after the header, numbered as an editor numbers the file's lines.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator

from rollout.errors import RolloutError

# What spreadsheets save CSV with in different locales, with the words an error message uses.
SEPARATORS = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab"}


def separator(text: str, known: Collection[str]) -> str:
    """The separator of a CSV text: comma, semicolon or tab (SEPARATORS).

    The header decides when exactly one candidate splits it into more than one of the `known`
    column names (any case, spaces around ignored): a header of known columns is unambiguous, where
    csv.Sniffer guesses from the characters' frequencies (a decimal comma in the data can outvote a
    semicolon). Otherwise csv.Sniffer, restricted to those three, reads a sample; a single column,
    or a sample it cannot read, means comma."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    fits = [
        sep
        for sep in SEPARATORS
        if len(cells := next(csv.reader([first_line], delimiter=sep), [])) > 1
        and all(c.strip().lower() in known for c in cells)
    ]
    if len(fits) == 1:
        return fits[0]
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        return ","


def data_rows(
    reader: csv.Reader, width: int, label: str, error: type[RolloutError], detail: str = ""
) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each row `reader` gives after the header, skipping blank ones. `line` is
    the row's first line in the file (a quoted cell may span lines). A row without `width` cells
    raises `error` naming `label`, the line and the counts, then `detail` (" (read with ...)").
    csv.Error passes through: the caller names the line it stopped at."""
    previous_end = reader.line_num
    for cells in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            raise error(f"{label} line {line}: expected {width} fields, found {len(cells)}{detail}")
        yield line, cells
