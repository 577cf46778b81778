"""Click parameter types built on the core's readers, so an option reads a value as every other path does."""

from __future__ import annotations

from typing import Any

import click

from rollout import numbers
from rollout.errors import InvalidValue


class WholeNumber(click.IntRange):
    """A whole number by rollout.numbers' rule (ASCII digits 0-9; a leading '-' is a sign, then
    range-checked; no '+', '_' or other digits), within inclusive bounds. Use instead of click.INT and
    click.IntRange, which read through int() and so take `1_0`, `٧` and `７`. Help and range messages
    stay Click's ("0<=x<=366"); a bad value is Click's BadParameter (exit 1, one line)."""

    def __init__(self, min: int | None = None, max: int | None = None) -> None:  # noqa: A002 (Click's names)
        super().__init__(min=min, max=max)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            try:
                value = numbers.whole(value)
            except InvalidValue:
                self.fail(f"{value!r} is not {numbers.WHOLE_HELP}.", param, ctx)
        elif isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{value!r} is not {numbers.WHOLE_HELP}.", param, ctx)
        return super().convert(value, param, ctx)
