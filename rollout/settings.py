"""Settings a team shares, stored in the database: the typed registry and how to read them.

A setting lives in the database's `settings` table as ``{"name": "health.at_risk_days", "value":
14}``; one that has no record there has its default. Changing one is a change like any other
(rollout.ops.set_setting / reset_setting): locked, validated, recorded in history, undoable. Personal
preferences (theme, keys) are not here: they live in each person's config.toml (rollout.tui.settings).

Every setting is declared once, in REGISTRY, with its type, default, bounds, unit and a one-line
description: the record schema (rollout.schema.SETTINGS) validates stored values with it, the CLI's
`config get|set` and the manual's table (docs/guide/settings.md) list it.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from rollout import numbers
from rollout.errors import InvalidValue, NotFound


class State(Protocol):
    """What reading settings needs of a rollout.state.State: its tables (a Protocol rather than an
    import of rollout.state, which imports the schema, which imports this module: no import circle)."""

    tables: dict[str, dict[str, dict[str, Any]]]


class Setting(NamedTuple):
    """One shared setting: `name` (dotted, area first), `type` (int or bool), `default`, the
    inclusive bounds `minimum`/`maximum` (numbers only; None: unbounded), the `unit` of its value
    in words ("days"), and `doc`, one sentence saying what it changes."""

    name: str
    type: type
    default: Any
    minimum: int | None
    maximum: int | None
    unit: str
    doc: str

    def check(self, value: Any) -> None:
        """Refuse a stored value of the wrong type or out of bounds (InvalidValue with the reason)."""
        if self.type is int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidValue(f"{self.name} must be a whole number, found {value!r}")
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise InvalidValue(
                    f"{self.name} must be from {self.minimum} to {self.maximum} {self.unit}, not {value}"
                )
        elif self.type is bool and not isinstance(value, bool):
            raise InvalidValue(f"{self.name} must be true or false, found {value!r}")

    def parse(self, value: Any) -> Any:
        """A typed value (text from a command line, or already a number/flag) as the stored value.

        Raises InvalidValue naming the setting, the expected type and bounds."""
        if isinstance(value, str):
            text = value.strip().lower()
            if self.type is int:
                try:
                    value = numbers.whole(text)  # ASCII digits only: int() reads 1_0, ٧ and ７ too
                except InvalidValue:
                    raise InvalidValue(
                        f"invalid value {value!r} for {self.name}: expected a whole number of {self.unit} (digits 0-9)"
                    ) from None
            elif self.type is bool:
                if text not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
                    raise InvalidValue(f"invalid value {value!r} for {self.name}: expected true or false")
                value = text in ("true", "yes", "on", "1")
        self.check(value)
        return value


REGISTRY: tuple[Setting, ...] = (
    Setting(
        "health.at_risk_days",
        int,
        21,
        0,
        365,
        "days",
        "A region whose launch is this many local days away or fewer, with a critical item open, is at risk.",
    ),
    Setting(
        "health.slack_days",
        int,
        7,
        0,
        365,
        "days",
        "A forecast ready date that leaves fewer than this many local days before the launch puts the region at risk.",
    ),
)
SETTINGS: dict[str, Setting] = {s.name: s for s in REGISTRY}


def setting(name: str) -> Setting:
    """The registered setting `name` (surrounding spaces and case ignored).

    Raises NotFound naming the known settings."""
    found = SETTINGS.get(name.strip().lower())
    if found is None:
        raise NotFound(f"no setting {name.strip()!r}: the settings are {', '.join(SETTINGS)}")
    return found


def get(state: State, name: str) -> Any:
    """The value of setting `name` in the database `state` (its default when none is stored).

    Raises NotFound for an unknown name."""
    entry = setting(name)
    record = state.tables["settings"].get(entry.name)
    return entry.default if record is None else record["value"]


def values(state: State) -> dict[str, Any]:
    """Every setting's value, by name, in registry order."""
    return {entry.name: get(state, entry.name) for entry in REGISTRY}


def describe(state: State) -> list[dict[str, Any]]:
    """Every setting as `config get --json` shows it: name, value, default, type ("int"/"bool"),
    minimum, maximum, unit, doc, and `stored` (true when the database holds a value for it, even
    one equal to the default)."""
    rows = []
    for entry in REGISTRY:
        rows.append(
            {
                "name": entry.name,
                "value": get(state, entry.name),
                "default": entry.default,
                "type": entry.type.__name__,
                "minimum": entry.minimum,
                "maximum": entry.maximum,
                "unit": entry.unit,
                "doc": entry.doc,
                "stored": entry.name in state.tables["settings"],
            }
        )
    return rows


def check_record(record: dict[str, Any]) -> str | None:
    """What is wrong with a stored settings record (an unknown name, a value of the wrong type or
    out of bounds), or None: the schema's rule for the settings table."""
    entry = SETTINGS.get(record.get("name"))  # type: ignore[arg-type]
    if entry is None:
        return f"is not a known setting (known: {', '.join(SETTINGS)})"
    try:
        entry.check(record.get("value"))
    except InvalidValue as exc:
        return f"has an invalid value ({exc})"
    return None
