"""Plain-text tables, colour and JSON for the CLI (no rich: start-up time matters to scripts)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click
import orjson

from rollout import numbers
from rollout.text import clip, display_width

STATUS_COLOURS = {
    "planned": "blue",
    "preparing": "yellow",
    "ready": "cyan",
    "launched": "green",
    "paused": "red",
}


def colour_enabled() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def style(text: str, **kwargs: Any) -> str:
    return click.style(text, **kwargs) if colour_enabled() else text


def status_text(status: str) -> str:
    return style(status, fg=STATUS_COLOURS.get(status))


# Health colours (rollout.health.HEALTHS); the symbol before the word reads without colour.
HEALTH_COLOURS = {
    "off track": "red",
    "at risk": "yellow",
    "no date": "magenta",
    "no checklist": "magenta",
    "on track": "green",
    "paused": "blue",
    "launched": "cyan",
}


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def unicode_ok() -> bool:
    """Whether stdout takes the health and timeline symbols (a UTF encoding); else ASCII stand-ins."""
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").startswith("utf")


def health_text(health: str, ascii_only: bool | None = None) -> str:
    """'✖ off track': the health's symbol (rollout.health.SYMBOLS, ASCII_SYMBOLS when stdout cannot
    show them or `ascii_only`) then its word, coloured on a terminal (never with NO_COLOR)."""
    from rollout.health import ASCII_SYMBOLS, SYMBOLS

    ascii_only = not unicode_ok() if ascii_only is None else ascii_only
    symbol = (ASCII_SYMBOLS if ascii_only else SYMBOLS).get(health, "?")
    return style(f"{symbol} {health}", fg=HEALTH_COLOURS.get(health), bold=True if health == "off track" else None)


def terminal_width() -> int | None:
    """The width tables and the timeline fit: $COLUMNS when set to a number, else the terminal's
    when stdout is one; None when printing to a pipe or a file (scripts get every column)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if numbers.is_digits(columns) and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except OSError:
            return None
    return None


def emit_json(value: Any, one_line: bool = False) -> None:
    """JSON on stdout: indented, or on one line (what a script reading lines waits for)."""
    sys.stdout.buffer.write(orjson.dumps(value, option=0 if one_line else orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    width: int | None = None,
    drop: Sequence[str] = (),
) -> str:
    """Left-aligned columns separated by two spaces, aligned by display width (CJK names too);
    the last column is not padded. A last cell holding several lines (`\\n`) continues under the
    last column. With `width` (terminal cells), the columns named in `drop` are left out, in that
    order, until the table fits, and then each line of the last column is cut to fit (ending in
    `…`)."""
    cells = [[str(c) if c is not None else "-" for c in row] for row in rows]
    keep = list(range(len(headers)))
    widths = _widths(headers, cells)
    for name in drop if width is not None else ():
        if _total(widths, keep) <= width or name not in headers:
            continue
        keep.remove(headers.index(name))
    last = keep[-1] if keep else 0
    indent = sum(widths[i] + 2 for i in keep[:-1])
    room = None if width is None else max(width - indent, 8)

    def line(values: list[str], bold: bool = False) -> list[str]:
        head, *more = values[last].split("\n") if values else [""]
        padded = [
            values[i] + " " * (widths[i] - display_width(values[i])) if i != last else cut(head, room) for i in keep
        ]
        text = "  ".join(style(p, bold=True) if bold else p for p in padded).rstrip()
        return [text] + [(" " * indent + cut(m, room)).rstrip() for m in more]

    lines = line(list(headers), bold=True)
    for row in cells:
        lines += line(row)
    return "\n".join(lines)


def _widths(headers: Sequence[str], cells: list[list[str]]) -> list[int]:
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            longest = max(display_width(part) for part in cell.split("\n")) if "\n" in cell else display_width(cell)
            widths[i] = max(widths[i], longest)
    return widths


def _total(widths: list[int], keep: list[int]) -> int:
    return sum(widths[i] for i in keep) + 2 * (len(keep) - 1)


def cut(text: str, width: int | None) -> str:
    """`text` cut to `width` terminal cells, ending in `…` when cut (None: as it is)."""
    return text if width is None else clip(text, width)


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def echo_preview(changes: list[dict[str, Any]]) -> None:
    """What a dry run would change, one record a line (queries.preview_lines)."""
    from rollout.queries import preview_lines

    for line in preview_lines(changes):
        click.echo("  " + line)


def read_input(name: str, described: str) -> bytes:
    """The bytes of a file argument (`-` is stdin); `described` names it in errors ('batch file x')."""
    from pathlib import Path

    from rollout.errors import InvalidValue

    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise InvalidValue(f"{described} does not exist") from None
    except IsADirectoryError:
        raise InvalidValue(f"{described} is a directory") from None
    except OSError as exc:
        raise InvalidValue(f"cannot read {described}: {exc.strerror}") from None
