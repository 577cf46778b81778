"""Shell completion (bash, zsh, fish) through Click: region codes, item and promotion ids from the database.

Completion runs on every Tab press, so it reads through the database's backend like any read, but
without a lock or seeding: a missing, unreadable or unreachable database simply completes nothing,
and nothing is ever printed to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from rollout.cli import contract
from rollout.db import default_location
from rollout.model import STATUSES
from rollout.state import State

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_ROLLOUT_COMPLETE"


def _item(value: str, **extra: Any) -> CompletionItem:
    # Click's completion module is imported on a Tab press only: every command names these
    # functions, and importing it for each command run would cost start-up (benchmarks/).
    from click.shell_completion import CompletionItem

    return CompletionItem(value, **extra)


def completion_state(ctx: click.Context) -> State | None:
    """The database named by --db (or ROLLOUT_DB / the default), read without creating or locking it."""
    try:
        from rollout.backends import open_backend

        raw = ctx.find_root().params.get("db_path")
        stored = open_backend(raw or default_location()[0]).read()
        return State(stored.document) if stored is not None else None
    except Exception:  # a Tab press must never show a traceback or an error
        return None


def _matches(value: str, incomplete: str) -> bool:
    return value.lower().startswith(incomplete.strip().lower())


def complete_region_codes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    state = completion_state(ctx)
    if state is None:
        return []
    return [
        _item(code, help=region["name"]) for code, region in sorted(state.regions.items()) if _matches(code, incomplete)
    ]


def complete_selectors(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Region codes, plus the selectors wave=N, status=S, owner=NAME and all."""
    state = completion_state(ctx)
    if state is None:
        return []
    options = [_item(code, help=r["name"]) for code, r in sorted(state.regions.items())]
    waves = sorted({r["wave"] for r in state.regions.values()})
    owners = sorted({r["owner"] for r in state.regions.values() if r["owner"] and " " not in r["owner"]})
    options += [_item(f"wave={w}", help=f"regions of wave {w}") for w in waves]
    options += [_item(f"status={s}", help=f"regions {s}") for s in STATUSES]
    options += [_item(f"owner={o}", help=f"regions {o} owns") for o in owners]
    options.append(_item("all", help="every region"))
    return [o for o in options if _matches(o.value, incomplete)]


def complete_owners(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Owners of regions and of checklist items, one per person in the spelling most used
    (rollout.identity), names without spaces (which a shell would split)."""
    from rollout.identity import display_name, person_key

    state = completion_state(ctx)
    if state is None:
        return []
    people: dict[str, list[str]] = {}
    for record in (*state.regions.values(), *state.items.values()):
        if person_key(record["owner"]):
            people.setdefault(person_key(record["owner"]), []).append(record["owner"])
    names = [display_name(spellings) for spellings in people.values()]
    return [_item(n) for n in sorted(names, key=str.casefold) if " " not in n and _matches(n, incomplete)]


def complete_settings(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The names of the shared settings (rollout.settings), with what each does."""
    from rollout.settings import REGISTRY

    return [_item(s.name, help=s.doc) for s in REGISTRY if _matches(s.name, incomplete)]


def complete_item_list(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Item ids for `--after c10,c11`: the last id after the commas typed so far."""
    state = completion_state(ctx)
    if state is None:
        return []
    head, _comma, last = incomplete.rpartition(",")
    typed = {part.strip().lower() for part in head.split(",")}
    prefix = f"{head}," if _comma else ""
    return [
        _item(prefix + item["id"], help=f"{item['region']} {item['title']}")
        for item in state.items.values()
        if item["id"] not in typed and _matches(item["id"], last)
    ]


def _ids(
    ctx: click.Context, incomplete: str, table: str, describe: Callable[[dict], str], wanted: str | None = None
) -> list[CompletionItem]:
    """Ids for `[CODE] ID...`: first a region code or an id, after a code that region's ids."""
    from rollout.queries import split_ids

    state = completion_state(ctx)
    if state is None:
        return []
    typed = list(ctx.params.get("words") or ())
    code, already = split_ids(typed)
    code = (code or "").strip().upper() or None
    records = state.tables[table].values() if code is None else getattr(state, f"{table}_of")(code)
    options = []
    if not typed:
        options += [_item(c, help=r["name"]) for c, r in sorted(state.regions.items())]
    options += [
        _item(record["id"], help=describe(record))
        for record in records
        if (wanted is None or record.get("status") == wanted) and record["id"] not in already
    ]
    return [o for o in options if _matches(o.value, incomplete)]


def complete_item_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Checklist item ids (of the region typed first, if any); `done` offers open items, `reopen` done ones."""
    wanted = {"done": "open", "reopen": "done"}.get(ctx.info_name or "")
    return _ids(ctx, incomplete, "items", lambda item: item["title"], wanted)


def complete_promotion_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Promotion ids (of the region typed first, if any)."""
    return _ids(ctx, incomplete, "promotions", lambda p: f"{p['region']} {p['name']} ({p['start'][:10]})")


def complete_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Let the shell complete file names."""
    return [_item(incomplete, type="file")]


# Bash splits the command line into words at every character of COMP_WORDBREAKS, which holds `=`:
# `rollout shift status=pre` reaches a completion function as "status" "=" "pre", so Click's own
# bash support completes "pre" as a word of its own (nothing) and offers every selector after
# `wave=`. This script also passes the line itself up to the cursor; completion then reads the
# words from it as the user typed them, and gives bash back only the part of each value after
# the last word break, which is the part bash replaces.


def _completion_schema() -> contract.Schema:
    return contract.obj({"shell": {"type": "string", "enum": list(SHELLS)}, "script": contract.STRING})


@click.command("completion", short_help="Print the shell completion script.")
@click.argument("shell", type=click.Choice(SHELLS))
@contract.reads(_completion_schema, shows=True)
def completion(shell: str, as_json: bool) -> None:
    """Print the completion script for bash, zsh or fish.

    \b
    bash:  eval "$(rollout completion bash)"   (in ~/.bashrc)
    zsh:   eval "$(rollout completion zsh)"    (in ~/.zshrc)
    fish:  rollout completion fish > ~/.config/fish/completions/rollout.fish
    """
    from click.shell_completion import get_completion_class

    import rollout.cli.bash_completion  # noqa: F401 (registers rollout's bash class)

    cli = click.get_current_context().find_root().command
    shell_class = get_completion_class(shell)
    assert shell_class is not None  # every name in SHELLS is one Click ships
    script = shell_class(cli, {}, "rollout", COMPLETE_VAR).source()
    if as_json:
        from rollout.cli import output

        output.emit_json({"shell": shell, "script": script})
        return
    click.echo(script)


COMMANDS = [completion]
