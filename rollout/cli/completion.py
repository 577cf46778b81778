"""Shell completion (bash, zsh, fish) through Click: region codes, item and promotion ids from the database.

Completion runs on every Tab press, so it reads the file directly (no lock, no seeding): a missing,
unreadable or corrupt database simply completes nothing, and nothing is ever printed to stderr.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.shell_completion import CompletionItem

from rollout.db import default_path
from rollout.model import STATUSES
from rollout.state import State

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_ROLLOUT_COMPLETE"


def completion_state(ctx: click.Context) -> State | None:
    """The database named by --db (or ROLLOUT_DB / the default), read without creating or locking it."""
    try:
        from rollout.backends.tinydb import TinyDBBackend

        raw = ctx.find_root().params.get("db_path")
        path = Path(raw) if raw else default_path()
        stored = TinyDBBackend(path).read()
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
