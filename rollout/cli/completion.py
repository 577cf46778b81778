"""Shell completion (bash, zsh, fish) through Click: region codes, item and promotion ids from the database.

Completion runs on every Tab press, so it reads through the database's backend like any read, but
without a lock or seeding: a missing, unreadable or unreachable database simply completes nothing,
and nothing is ever printed to stderr.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import click
from click.shell_completion import BashComplete, CompletionItem, add_completion_class, split_arg_string

from rollout.cli import contract
from rollout.db import default_location
from rollout.model import STATUSES
from rollout.state import State

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_ROLLOUT_COMPLETE"


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
        CompletionItem(code, help=region["name"])
        for code, region in sorted(state.regions.items())
        if _matches(code, incomplete)
    ]


def complete_selectors(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Region codes, plus the selectors wave=N, status=S, owner=NAME and all."""
    state = completion_state(ctx)
    if state is None:
        return []
    options = [CompletionItem(code, help=r["name"]) for code, r in sorted(state.regions.items())]
    waves = sorted({r["wave"] for r in state.regions.values()})
    owners = sorted({r["owner"] for r in state.regions.values() if r["owner"] and " " not in r["owner"]})
    options += [CompletionItem(f"wave={w}", help=f"regions of wave {w}") for w in waves]
    options += [CompletionItem(f"status={s}", help=f"regions {s}") for s in STATUSES]
    options += [CompletionItem(f"owner={o}", help=f"regions {o} owns") for o in owners]
    options.append(CompletionItem("all", help="every region"))
    return [o for o in options if _matches(o.value, incomplete)]


def complete_owners(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Owners of regions and of checklist items (names without spaces, which a shell would split)."""
    state = completion_state(ctx)
    if state is None:
        return []
    names = {r["owner"] for r in state.regions.values()} | {i["owner"] for i in state.items.values()}
    return [
        CompletionItem(n) for n in sorted(names, key=str.casefold) if n and " " not in n and _matches(n, incomplete)
    ]


def complete_settings(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The names of the shared settings (rollout.settings), with what each does."""
    from rollout.settings import REGISTRY

    return [CompletionItem(s.name, help=s.doc) for s in REGISTRY if _matches(s.name, incomplete)]


def complete_item_list(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Item ids for `--after c10,c11`: the last id after the commas typed so far."""
    state = completion_state(ctx)
    if state is None:
        return []
    head, _comma, last = incomplete.rpartition(",")
    typed = {part.strip().lower() for part in head.split(",")}
    prefix = f"{head}," if _comma else ""
    return [
        CompletionItem(prefix + item["id"], help=f"{item['region']} {item['title']}")
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
        options += [CompletionItem(c, help=r["name"]) for c, r in sorted(state.regions.items())]
    options += [
        CompletionItem(record["id"], help=describe(record))
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
    return [CompletionItem(incomplete, type="file")]


# Bash splits the command line into words at every character of COMP_WORDBREAKS, which holds `=`:
# `rollout shift status=pre` reaches a completion function as "status" "=" "pre", so Click's own
# bash support completes "pre" as a word of its own (nothing) and offers every selector after
# `wave=`. This script also passes the line itself up to the cursor; completion then reads the
# words from it as the user typed them, and gives bash back only the part of each value after
# the last word break, which is the part bash replaces.
BASH_SOURCE = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \\
COMP_LINE="$COMP_LINE" COMP_POINT=$COMP_POINT COMP_WORDBREAKS="$COMP_WORDBREAKS" \\
%(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=($value)
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


class KeyValueBashComplete(BashComplete):
    """Click's bash completion, reading the words from the typed line so `key=value` stays one word."""

    source_template = BASH_SOURCE

    def get_completion_args(self) -> tuple[list[str], str]:
        line = os.environ.get("COMP_LINE")
        point = os.environ.get("COMP_POINT", "")
        if line is None or not point.isdigit():  # an older script without the line: Click's reading
            return super().get_completion_args()
        typed = line[: int(point)]
        words = split_arg_string(typed)
        if not typed or typed[-1].isspace():
            return words[1:], ""
        return words[1:-1], words[-1] if words else ""

    def format_completion(self, item: CompletionItem) -> str:
        _args, incomplete = self.get_completion_args()
        breaks = os.environ.get("COMP_WORDBREAKS", "")
        cut = max((incomplete.rfind(ch) for ch in breaks if ch not in "\"'"), default=-1) + 1
        value = item.value
        if cut and item.type == "plain" and value.startswith(incomplete[:cut]):
            value = value[cut:]
        return f"{item.type},{value}"


add_completion_class(KeyValueBashComplete, "bash")


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

    from rollout.cli import cli

    shell_class = get_completion_class(shell)
    assert shell_class is not None  # every name in SHELLS is one Click ships
    script = shell_class(cli, {}, "rollout", COMPLETE_VAR).source()
    if as_json:
        from rollout.cli import output

        output.emit_json({"shell": shell, "script": script})
        return
    click.echo(script)


COMMANDS = [completion]
