"""Numbers as people and files give them to rollout: ASCII digits only, one sign rule.

Python's own readers are too generous for values a person typed or a spreadsheet wrote:
`int()` and `float()` take underscores (`1_0` is 10), any Unicode decimal digit (`٧` Arabic-Indic,
`７` fullwidth, `७` Devanagari are 7), `float()` takes `1e3`, `inf` and `nan`; `re`'s `\\d` and
`str.isdigit()` match every Unicode digit too. A value that reads as a number only by those rules is
a typo or a pasted character, so every number rollout reads from outside (settings, options such as
--wave, --days, --soon, --limit, --entry, --width, DURATION and WHEN amounts, import cells, batch
lines, environment variables) goes through this module.

The rule:
- digits are the ASCII digits 0-9 only, at least one, nothing else inside (no `_`, `,`, `.`, `e`,
  no `0x` prefix, no inner spaces);
- ASCII spaces and tabs around the number are trimmed (a padded spreadsheet cell still reads);
- a sign: a leading `-` is read as a minus sign, so a negative number where only zero or more makes
  sense gets the range message ("-1 is not in the range x>=0"); a leading `+` is never accepted
  (nothing in rollout needs it, and `+7` in a cell is more often a formula or a phone number).
  DURATION is the one signed syntax: `+3d` and `-3d` (rollout.times), and `--since` takes none.
"""

from __future__ import annotations

import re
from decimal import Decimal

from rollout.errors import InvalidValue

ASCII_DIGITS = "0123456789"
# [0-9] rather than \d: \d matches every Unicode decimal digit.
_WHOLE = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_PADDING = " \t"

WHOLE_HELP = "a whole number written with the digits 0-9"


def is_digits(text: str) -> bool:
    """True when `text` is one or more ASCII digits 0-9 and nothing else (no sign, no spaces).

    Use instead of str.isdigit()/isdecimal(), which are true for `٧` and `７` too."""
    return bool(text) and all(ch in ASCII_DIGITS for ch in text)


def whole(text: str, what: str = "value") -> int:
    """`text` as a whole number by the module's rule: ASCII digits, an optional leading `-`,
    spaces and tabs around trimmed. Raises InvalidValue("invalid {what} '...': expected a whole
    number written with the digits 0-9") for anything else (`1_0`, `٧`, `７`, `+7`, `1e3`, `0x10`,
    `3.0`, empty)."""
    trimmed = text.strip(_PADDING)
    if not _WHOLE.fullmatch(trimmed):
        raise InvalidValue(f"invalid {what} {text!r}: expected {WHOLE_HELP}")
    return int(trimmed)


def whole_in_range(text: str, what: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """`whole(text)` checked against inclusive bounds; InvalidValue names the range as Click does
    ("-1 is not in the range 0<=x<=366") so every front end words it the same."""
    number = whole(text, what)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise InvalidValue(f"invalid {what}: {number} is not in the range {describe_range(minimum, maximum)}")
    return number


def describe_range(minimum: int | None, maximum: int | None) -> str:
    """Bounds in Click's notation: 'x>=1', 'x<=9', '0<=x<=366'."""
    if minimum is not None and maximum is not None:
        return f"{minimum}<=x<={maximum}"
    if minimum is not None:
        return f"x>={minimum}"
    return f"x<={maximum}" if maximum is not None else "any whole number"


def stored_whole(value: object, what: str = "value") -> int:
    """A whole number from a file or a program: an int (not a bool), or its text by `whole`.

    Raises InvalidValue for a float (3.0 is not a whole number of the file's type), a bool or
    anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return whole(value, what)
    raise InvalidValue(f"invalid {what} {value!r}: expected {WHOLE_HELP}")


def decimal(text: str, what: str = "value") -> Decimal:
    """A non-negative decimal number (`10`, `2.5`) of ASCII digits with at most one `.`, spaces and
    tabs around trimmed; no sign, exponent, `inf` or `nan`. Raises InvalidValue otherwise."""
    trimmed = text.strip(_PADDING)
    if not _DECIMAL.fullmatch(trimmed):
        raise InvalidValue(f"invalid {what} {text!r}: expected a number written with the digits 0-9 and a '.'")
    return Decimal(trimmed)
