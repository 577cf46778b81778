"""Plain-text tables, colour and JSON for the CLI (no rich: start-up time matters to scripts)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click
import orjson

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


def emit_json(value: Any, one_line: bool = False) -> None:
    """JSON on stdout: indented, or on one line (what a script reading lines waits for)."""
    sys.stdout.buffer.write(orjson.dumps(value, option=0 if one_line else orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def display_width(text: str) -> int:
    """The columns `text` takes on a terminal, colours left out: wide characters (CJK) take two,
    combining marks none (wcwidth, Unicode's East Asian Width; imported only for non-ASCII text)."""
    plain = click.unstyle(text) if "\x1b" in text else text
    if plain.isascii():
        return len(plain)
    from wcwidth import wcswidth

    width = wcswidth(plain)
    return width if width >= 0 else len(plain)  # a control character: count characters


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned columns separated by two spaces, aligned by display width (CJK names too);
    the last column is not padded."""
    cells = [[str(c) if c is not None else "-" for c in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = [
        "  ".join(style(h + " " * (widths[i] - display_width(h)), bold=True) for i, h in enumerate(headers)).rstrip()
    ]
    for row in cells:
        padded = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


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
