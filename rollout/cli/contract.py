"""The scripting contract every command follows, in one place.

- Every command has `--json`: a read command prints what it lists (a JSON array) or shows (an
  object); an editing command prints one envelope (`envelope`). Each output has a JSON Schema
  (draft 2020-12), registered with the command by the decorator that adds its `--json`:
  `@reads(schema)`, `@edits(extra)`; a command that draws on the terminal instead says why with
  `@interactive(reason)`. `rollout schema COMMAND` prints a command's schema; the tests walk
  every command and fail for one that is not registered here.
- Exit codes: 0 success, 1 the command was understood but cannot be done (a bad value included),
  2 a malformed or incomplete command line, 130 interrupted (see rollout.cli.RolloutGroup).

Nothing heavy is imported here: schemas are built only when asked for.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import click

if TYPE_CHECKING:
    from rollout.state import Record, State

READ_LIST, READ_SHOW, EDIT, INTERACTIVE = "list", "show", "edit", "interactive"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Record kinds as the envelope names them, with the state table each comes from.
ENVELOPE_KINDS = {"regions": "regions", "checklist": "items", "promotions": "promotions"}

Schema = dict[str, Any]


class Output(NamedTuple):  # a NamedTuple: a dataclass costs read commands half a millisecond to define
    """What a command prints with --json: its kind (list, show, edit or interactive), the JSON
    Schema of it (a function, so schemas are built only when needed), and for an interactive
    command the reason it has no --json."""

    kind: str
    schema: Callable[[], Schema] | None = None
    reason: str = ""


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON to stdout (see `rollout schema`).")(f)


def _register(output: Output, with_json: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = json_option(f) if with_json else f
        f.rollout_output = output  # type: ignore[attr-defined]
        return f

    return decorate


def reads(schema: Callable[[], Schema], *, shows: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A read command: adds `--json` and registers the schema of what it prints (an array, or an
    object with `shows`)."""
    return _register(Output(READ_SHOW if shows else READ_LIST, schema), True)


def edits(
    extra: Callable[[], dict[str, Schema]] | None = None, *, listing: Callable[[], Schema] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An editing command: adds `--json` and registers the envelope's schema, with the command's
    own keys (`extra`: property name -> schema) where it needs some. `listing` is the schema of what
    it prints instead when asked only to list (`restore --list`)."""

    def schema() -> Schema:
        edited = envelope_schema(extra() if extra else {})
        return {"anyOf": [edited, listing()]} if listing else edited

    return _register(Output(EDIT, schema), True)


def interactive(reason: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command that draws on the terminal or serves until stopped: no --json, and why."""
    return _register(Output(INTERACTIVE, reason=reason), False)


def output_of(command: click.Command) -> Output | None:
    return getattr(command.callback, "rollout_output", None)


def walk(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every runnable command under `group` with its path ('check add'), in registration order."""
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from walk(command, path + " ")
        else:
            yield path, command


def find(root: click.Group, words: list[str]) -> tuple[str, click.Command]:
    """The command named by `words` ('check add', or 'check' 'add'); BadParameter naming the known ones."""
    wanted = " ".join(" ".join(words).split())
    for path, command in walk(root):
        if path == wanted:
            return path, command
    known = ", ".join(path for path, _ in walk(root))
    raise click.BadParameter(f"no command {wanted!r}; the commands are {known}", param_hint="COMMAND")


def schema_of(path: str, command: click.Command) -> Schema:
    """The full JSON Schema document of a command's --json output; BadParameter for one without."""
    output = output_of(command)
    if output is None or output.schema is None:
        reason = f": {output.reason}" if output else ""
        raise click.BadParameter(f"{path!r} has no JSON output{reason}", param_hint="COMMAND")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"https://rollout.invalid/schemas/{path.replace(' ', '-')}.json",
        "title": f"rollout {path} --json",
        **output.schema(),
    }


# -- schema building blocks ----------------------------------------------------------------
def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """A closed object: every property required except `optional`, no others allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


STRING: Schema = {"type": "string"}
STRINGS: Schema = array(STRING)
INTEGER: Schema = {"type": "integer"}
COUNT: Schema = {"type": "integer", "minimum": 0}
PERCENT: Schema = {"type": "integer", "minimum": 0, "maximum": 100}
BOOLEAN: Schema = {"type": "boolean"}
INSTANT: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def region_schema(**more: Schema) -> Schema:
    """A region as `region list --json` prints it (queries.region_json), plus `more` properties."""
    from rollout import schema

    base = schema.json_schema(schema.REGIONS)
    base["properties"].update({"readiness": PERCENT, "critical_open": COUNT, **more})
    base["required"] = list(base["properties"])
    return base


def item_schema() -> Schema:
    """A checklist item (queries.item_json): the record schema's fields, then `blocked`."""
    from rollout import schema

    base = schema.json_schema(schema.ITEMS)
    base["properties"]["blocked"] = BOOLEAN
    base["required"] = list(base["properties"])
    return base


def promotion_schema() -> Schema:
    from rollout import schema

    base = schema.json_schema(schema.PROMOTIONS)
    base["properties"]["warnings"] = STRINGS
    base["required"] = list(base["properties"])
    return base


def setting_schema() -> Schema:
    """A shared setting as `config get --json` prints it (rollout.settings.describe)."""
    value = {"type": ["integer", "boolean"]}
    bound = nullable(INTEGER)
    return obj(
        {
            "name": STRING,
            "value": value,
            "default": value,
            "type": {"type": "string", "enum": ["int", "bool"]},
            "minimum": bound,
            "maximum": bound,
            "unit": STRING,
            "doc": STRING,
            "stored": BOOLEAN,
        }
    )


def template_schema() -> Schema:
    """A launch template as `template show --json` prints it (the stored record, rollout.schema.TEMPLATES)."""
    from rollout import schema

    return schema.json_schema(schema.TEMPLATES)


def template_step_schema() -> Schema:
    """A line of a template apply's diff (rollout.templates.Step.as_json)."""
    from rollout.templates import ACTIONS

    return obj(
        {
            "region": STRING,
            "kind": {"type": "string", "enum": ["item", "promotion"]},
            "key": STRING,
            "action": {"type": "string", "enum": list(ACTIONS)},
            "id": nullable(STRING),
            "title": STRING,
            "fields": STRINGS,
        }
    )


def status_row_schema() -> Schema:
    """A row of `status --json` (rollout.status.status_row)."""
    from rollout.health import HEALTHS

    next_promotion = obj({"id": STRING, "name": STRING, "start": INSTANT, "end": INSTANT})
    return region_schema(
        days_to_launch=nullable(INTEGER),
        items_done=COUNT,
        items_total=COUNT,
        warnings=STRINGS,
        next_promotion=nullable(next_promotion),
        health={"type": "string", "enum": list(HEALTHS)},
        reasons=STRINGS,
        forecast=nullable(DATE),
        signoff=nullable({"type": "string", "enum": ["pending", "approved", "rejected", "stale"]}),
    )


def history_entry_schema() -> Schema:
    """An entry of `history --json` (queries.history_json): each change's before/after is a stored
    record; a change also says whether it is undone and by which entry ({id, user}), or redone."""
    record = nullable({"type": "object"})
    actor = obj({"id": COUNT, "user": STRING})
    change = obj(
        {
            "table": {"type": "string", "enum": list(_all_tables())},
            "key": STRING,
            "before": record,
            "after": record,
        }
    )
    return obj(
        {
            "id": COUNT,
            "at": INSTANT,
            "user": STRING,
            "command": STRING,
            "changes": array(change),
            "notes": STRINGS,
            "undoes": COUNT,
            "redoes": COUNT,
            # a change's undo state (history_view.undo_state); absent on undo and redo entries
            "undone": BOOLEAN,
            "undone_by": nullable(actor),
            "redone_by": nullable(actor),
        },
        optional=("notes", "undoes", "redoes", "undone", "undone_by", "redone_by"),
    )


def _all_tables() -> tuple[str, ...]:
    from rollout.state import TABLES

    return TABLES


def _other_kinds() -> dict[str, str]:
    """Record kinds beyond regions, checklist, promotions and settings (sign-offs, KPIs, exchange
    rates, freeze windows): export name -> table. The envelope shows them only when a change holds one."""
    from rollout.schema import KINDS

    known = {*ENVELOPE_KINDS.values(), "settings", "templates"}
    return {kind.export_name: table for table, kind in KINDS.items() if table not in known}


def _stored_schema(table: str) -> Schema:
    from rollout import schema

    return schema.json_schema(schema.KINDS[table])


def envelope_schema(extra: dict[str, Schema]) -> Schema:
    """The envelope every editing command prints, plus its own keys. The other record kinds
    (_other_kinds) appear in `changed` and `removed` only when the change touched one."""
    others = _other_kinds()
    return obj(
        {
            "command": STRING,
            "dry_run": BOOLEAN,
            "history": nullable(COUNT),
            "revision": COUNT,
            "changed": obj(
                {
                    "regions": array(region_schema()),
                    "checklist": array(item_schema()),
                    "promotions": array(promotion_schema()),
                    "settings": array(setting_schema()),
                    "templates": array(template_schema()),
                    **{name: array(_stored_schema(table)) for name, table in others.items()},
                },
                optional=tuple(others),
            ),
            "removed": obj(
                {
                    "regions": STRINGS,
                    "checklist": STRINGS,
                    "promotions": STRINGS,
                    "templates": STRINGS,
                    **dict.fromkeys(others, STRINGS),
                },
                optional=tuple(others),
            ),
            "warnings": STRINGS,
            "summary": STRING,
            **extra,
        }
    )


def _stored_json(state: State, table: str, record: Record) -> dict[str, Any]:
    from rollout import schema

    region = state.regions.get(record.get("region") or "")
    return schema.to_json(schema.KINDS[table], record, region["timezone"] if region else "UTC")


# -- the envelope ----------------------------------------------------------------------------
def command_name() -> str:
    """The running command's name without `rollout` ('check add'): the envelope's `command`."""
    ctx = click.get_current_context()
    return " ".join(ctx.command_path.split()[1:])


def transaction_envelope(
    state: State, *, dry_run: bool = False, warnings: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    """The envelope of the running command from the state its transaction (Database.transaction)
    yielded: its changes, its history entry, the core's notes (a forced launch...) then `warnings`."""
    commit = getattr(state, "commit", None)
    entry = commit.entry if commit is not None else None
    return envelope(
        command_name(),
        state,
        state.changes(),
        history=entry["id"] if entry else None,
        dry_run=dry_run,
        warnings=[*state.notes, *(warnings or [])],
        **extra,
    )


def envelope(
    command: str,
    state: State,
    changes: list[Record],
    *,
    history: int | None,
    dry_run: bool = False,
    warnings: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """What an editing command prints with --json (schema: envelope_schema).

    `state` is the state after the change (it gives each record's region and the revision),
    `changes` its before/after pairs (State.changes), `history` the id of the entry written (None
    when nothing changed or on a dry run). `changed` holds the records added or updated, as the
    read commands print them; `removed` the codes and ids removed; `warnings` every warning the
    text output prints; `summary` the words of `batch --dry-run`. A shared setting changed (set,
    reset, or by undo) is in `changed.settings` as `config get --json` prints it: reset to its
    default, it has its default value and `stored` false."""
    from rollout import queries, times

    changed: dict[str, list[Any]] = {kind: [] for kind in [*ENVELOPE_KINDS, "settings", "templates"]}
    removed: dict[str, list[str]] = {kind: [] for kind in [*ENVELOPE_KINDS, "templates"]}
    kind_of = {table: kind for kind, table in ENVELOPE_KINDS.items()}
    promos = [c["after"] for c in changes if c["table"] == "promotions" and c["after"] is not None]
    promo_warnings = queries.warnings_for(state, promos, times.now()) if promos else {}
    others = {table: name for name, table in _other_kinds().items()}
    for change in changes:
        if change["table"] == "settings":  # a setting is never removed: a reset shows its default
            changed["settings"].append(_setting_json(state, change["key"]))
            continue
        if change["table"] == "templates":  # launch templates (issue 21)
            if change["after"] is None:
                removed["templates"].append(change["key"])
            else:
                changed["templates"].append(_template_json(change["after"]))
            continue
        if change["table"] in others:  # stored as they are (amounts as decimal text)
            name = others[change["table"]]
            if change["after"] is None:
                removed.setdefault(name, []).append(change["key"])
            else:
                changed.setdefault(name, []).append(_stored_json(state, change["table"], change["after"]))
            continue
        kind, after = kind_of[change["table"]], change["after"]
        if after is None:
            removed[kind].append(change["key"])
        elif kind == "regions":
            changed[kind].append(queries.region_json(state, after))
        elif kind == "checklist":
            changed[kind].append(queries.item_json(state, after))
        else:
            changed[kind].append(queries.promo_json(state, after, promo_warnings.get(after["id"], [])))
    return {
        "command": command,
        "dry_run": dry_run,
        "history": history,
        "revision": state.revision,
        "changed": changed,
        "removed": removed,
        "warnings": list(warnings or []),
        "summary": queries.summarize_changes(changes),
        **extra,
    }


def _template_json(record: Record) -> dict[str, Any]:
    from rollout.templates import template_json

    return template_json(record)


def _setting_json(state: State, name: str) -> dict[str, Any]:
    from rollout.settings import describe

    return next(row for row in describe(state) if row["name"] == name)


# -- `rollout schema` --------------------------------------------------------------------------
def _schema_list_schema() -> Schema:
    kinds = {"type": "string", "enum": [READ_LIST, READ_SHOW, EDIT, INTERACTIVE]}
    return array(obj({"command": STRING, "kind": kinds, "json": BOOLEAN}))


@click.command("schema", short_help="The JSON Schema of a command's --json output.")
@click.argument("words", metavar="[COMMAND]...", nargs=-1)
@reads(lambda: {"anyOf": [_schema_list_schema(), {"$ref": JSON_SCHEMA_DIALECT}]})
def schema_command(words: tuple[str, ...], as_json: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of what COMMAND prints with --json, e.g.
    `rollout schema check add`. Without COMMAND, list the commands and the kind of their output:
    list (a JSON array), show (an object), edit (the editing envelope) or interactive (no --json)."""
    import orjson

    cli = click.get_current_context().find_root().command
    if words:
        path, command = find(cli, list(words))
        sys.stdout.buffer.write(orjson.dumps(schema_of(path, command), option=orjson.OPT_INDENT_2) + b"\n")
        return
    listed = []
    for path, command in walk(cli):
        output = output_of(command)
        kind = output.kind if output else "unregistered"
        listed.append({"command": path, "kind": kind, "json": bool(output and output.schema)})
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(listed, option=orjson.OPT_INDENT_2) + b"\n")
        return
    width = max(len(entry["command"]) for entry in listed)
    for entry in listed:
        click.echo(f"{entry['command'].ljust(width)}  {entry['kind']}")


COMMANDS = [schema_command]
