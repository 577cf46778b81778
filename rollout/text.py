"""Text measured in terminal cells, for every table, legend and Gantt line the CLI and TUI print.

One definition of a text's width: wcwidth (Unicode's East Asian Width and zero-width rules, kept
up to date with each Unicode version): CJK and full-width characters take two cells, combining
marks and zero-width characters none. wcwidth costs about 30 ms to import, so it is imported only
for text that is not plain ASCII: most output never pays for it.
"""

from __future__ import annotations

import re

# The escape sequences click.style writes (colours, bold): they take no cell. Click's own pattern.
_STYLE = re.compile(r"\x1b\[[;?0-9]*[a-zA-Z]")


def plain(text: str) -> str:
    """`text` without colour and style escape sequences."""
    return _STYLE.sub("", text) if "\x1b" in text else text


def display_width(text: str) -> int:
    """The terminal cells `text` takes, styles left out: 2 for a wide character, 0 for a combining
    mark or a zero-width character, else 1 (wcwidth.wcswidth). A control character, which has no
    width of its own, counts as one cell."""
    text = plain(text)
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    width = wcswidth(text)
    if width >= 0:
        return width
    return sum(cells if (cells := wcswidth(ch)) >= 0 else 1 for ch in text)


def clip(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` as it is when it fits in `width` cells; else cut, styles removed, to `width` cells
    ending in `ellipsis` (one cell); "" for a width under 1."""
    if display_width(text) <= width:
        return text
    if width < 1:
        return ""
    kept, used = [], 0
    for ch in plain(text):
        cells = display_width(ch)
        if used + cells > width - 1:
            break
        kept.append(ch)
        used += cells
    return "".join(kept) + ellipsis


def fit(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` cut (ending in `ellipsis` when cut, see clip) and padded to exactly `width` cells."""
    clipped = clip(text, width, ellipsis)
    return clipped + " " * max(width - display_width(clipped), 0)
