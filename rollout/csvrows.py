"""The data rows of a CSV text after its header, numbered as an editor numbers the file's lines.

One reading for every CSV rollout imports (rollout.exchange's records, rollout.kpi's actuals).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from rollout.errors import RolloutError


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
