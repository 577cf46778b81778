"""Shell completion (bash, zsh, fish) through Click: region codes, item and promotion ids from the database.

Completion runs on every Tab press, so it reads the file directly (no lock, no seeding): a missing,
unreadable or corrupt database simply completes nothing, and nothing is ever printed to stderr.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import BashComplete, CompletionItem, add_completion_class, split_arg_string

from rollout.db import default_path
from rollout.model import STATUSES
from rollout.state import State

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_ROLLOUT_COMPLETE"


def completion_state(ctx: click.Context) -> State | None:
    """The database named by --db (or ROLLOUT_DB / the default), read without creating or locking it."""
    try:
        from rollout.storage import AtomicJSONStorage

        raw = ctx.find_root().params.get("db_path")
        path = Path(raw) if raw else default_path()
        document = AtomicJSONStorage(path).read()
        return State(document) if document is not None else None
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
    """Region codes, plus the selectors wave=N, status=S and all."""
    state = completion_state(ctx)
    if state is None:
        return []
    options = [CompletionItem(code, help=r["name"]) for code, r in sorted(state.regions.items())]
    waves = sorted({r["wave"] for r in state.regions.values()})
    options += [CompletionItem(f"wave={w}", help=f"regions of wave {w}") for w in waves]
    options += [CompletionItem(f"status={s}", help=f"regions {s}") for s in STATUSES]
    options.append(CompletionItem("all", help="every region"))
    return [o for o in options if _matches(o.value, incomplete)]


def complete_item_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Checklist item ids of the region given before them; `done` offers open items, `reopen` done ones."""
    state = completion_state(ctx)
    code = str(ctx.params.get("code") or "").strip().upper()
    if state is None or code not in state.regions:
        return []
    wanted = {"done": "open", "reopen": "done"}.get(ctx.info_name or "")
    already = set(ctx.params.get("item_ids") or ())
    return [
        CompletionItem(item["id"], help=item["title"])
        for item in state.items_of(code)
        if (wanted is None or item["status"] == wanted)
        and item["id"] not in already
        and _matches(item["id"], incomplete)
    ]


def complete_promotion_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    state = completion_state(ctx)
    if state is None:
        return []
    return [
        CompletionItem(promo["id"], help=f"{promo['region']} {promo['name']} ({promo['start'][:10]})")
        for promo in state.promotions.values()
        if _matches(promo["id"], incomplete)
    ]


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


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
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
    click.echo(shell_class(cli, {}, "rollout", COMPLETE_VAR).source())


COMMANDS = [completion]
