"""`config list|get|set|reset`: the shared settings stored in the database (rollout.settings)."""

from __future__ import annotations

from typing import Any

import click

from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_settings


@click.group("config", short_help="Shared settings stored in the database: get, set, reset.")
def config() -> None:
    """Settings the whole team shares, stored in the database (health.at_risk_days,
    health.slack_days). Changing one is a change like any other: recorded in history and undone
    by `undo`. Personal preferences live in the TUI's own config file instead."""


def _rows(app: App) -> list[dict[str, Any]]:
    from rollout.settings import describe

    return describe(app.state())


def _table(rows: list[dict[str, Any]]) -> str:
    """NAME, VALUE, DEFAULT, RANGE, then what each setting does on a wrapped line of its own."""
    import textwrap

    width = output.terminal_width() or 100
    lines = output.table(
        ["NAME", "VALUE", "DEFAULT", "RANGE"],
        [
            [
                r["name"],
                str(r["value"]) + ("" if r["stored"] else " (default)"),
                r["default"],
                f"{r['minimum']}-{r['maximum']} {r['unit']}" if r["minimum"] is not None else r["unit"] or "-",
            ]
            for r in rows
        ],
    ).split("\n")
    out = [lines[0]]
    for line, row in zip(lines[1:], rows, strict=True):
        out.append(line)
        out.append(textwrap.fill(row["doc"], width=max(width, 30), initial_indent="  ", subsequent_indent="  "))
    return "\n".join(out)


@config.command("list", short_help="Every shared setting with its value and default.")
@contract.reads(lambda: contract.array(contract.setting_schema()))
@pass_app
def config_list(app: App, as_json: bool) -> None:
    """Every shared setting: its value (a value not set is its default), default, range and what it does."""
    _print_all(app, as_json)


def _print_all(app: App, as_json: bool) -> None:
    rows = _rows(app)
    if as_json:
        output.emit_json(rows)
        return
    click.echo(_table(rows))


@config.command("get", short_help="A setting's value (no NAME: every setting).")
@click.argument("name", required=False, shell_complete=complete_settings)
@contract.reads(lambda: {"anyOf": [contract.setting_schema(), contract.array(contract.setting_schema())]}, shows=True)
@pass_app
def config_get(app: App, name: str | None, as_json: bool) -> None:
    """Print a setting's value alone (for scripts: `rollout config get health.slack_days`), or with
    --json the setting as an object. Without NAME, the same as `config list`."""
    if name is None:
        _print_all(app, as_json)
        return
    from rollout.settings import setting

    wanted = setting(name).name
    (row,) = [r for r in _rows(app) if r["name"] == wanted]
    if as_json:
        output.emit_json(row)
        return
    click.echo(row["value"])


@config.command("set", short_help="Change a shared setting (recorded, undoable).")
@click.argument("name", shell_complete=complete_settings)
@click.argument("value")
@contract.edits()
@pass_app
def config_set(app: App, name: str, value: str, as_json: bool) -> None:
    """Set a shared setting for everyone using this database, e.g. `config set health.at_risk_days 14`."""
    from rollout import ops, settings

    with app.change() as state:
        before = settings.get(state, name)
        record = ops.set_setting(state, name, value)
    app.report(
        as_json,
        lambda: f"{record['name']} = {record['value']} (was {before})",
        unchanged=f"Nothing changed: {record['name']} is already {record['value']}.",
    )


@config.command("reset", short_help="Bring a shared setting back to its default.")
@click.argument("name", shell_complete=complete_settings)
@contract.edits()
@pass_app
def config_reset(app: App, name: str, as_json: bool) -> None:
    """Bring a shared setting back to its default (nothing changes when it has no value set)."""
    from rollout import ops, settings

    with app.change() as state:
        entry = settings.setting(name)
        removed = ops.reset_setting(state, name)
    app.report(
        as_json,
        lambda: f"{entry.name} = {entry.default} (its default; was {removed['value']})",
        unchanged=f"Nothing changed: {entry.name} already has its default, {entry.default}.",
    )


COMMANDS = [config]
