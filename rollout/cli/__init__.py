"""The `rollout` command line: a thin Click layer over the core (never imports textual)."""

from __future__ import annotations

import importlib
import os
import shlex
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any, NoReturn

import click

from rollout import __version__
from rollout.cli.app import App
from rollout.db import default_location, env_read_only
from rollout.errors import RolloutError

GLOBAL_WITH_VALUE = ("--db", "--user")
GLOBAL_FLAGS = ("--read-only",)


def subcommand_args(args: list[str]) -> list[str]:
    """The arguments after the global options (--db FILE, --user NAME, --read-only)."""
    rest = list(args)
    while rest and rest[0].startswith("-"):
        head = rest.pop(0)
        if head in GLOBAL_WITH_VALUE and rest:
            rest.pop(0)
    return rest


def command_text(args: list[str]) -> str:
    """The subcommand as typed, without global options: what history records."""
    return shlex.join(subcommand_args(args))


def command_path(root: click.Group, prog_name: str, args: list[str]) -> str:
    """The path of the command that `args` name, as far as they name one ('rollout check edit'):
    the help a usage error points to when Click raised it without a context (an option missing
    its value, a flag given one) or a command raised it without one."""
    path: list[str] = [prog_name]
    command: click.Command = root
    for word in subcommand_args(args):
        found = command.commands.get(word) if isinstance(command, click.Group) else None
        if found is None:
            break
        path.append(word)
        command = found
    return " ".join(path)


class RolloutGroup(click.Group):
    """The root group: one-line errors instead of tracebacks, and one exit-code rule for every command.

    0 success; 1 the command was understood but cannot be done (a domain error, and a value Click
    rejects for an option's type, choices or range: BadParameter); 2 the command line is malformed
    or incomplete (unknown command or option, an option without its value, missing argument or
    option, a group without its command, nothing to change), one line ending in the help to read
    (see usage_error); 130 interrupted.
    """

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        # Commands load lazily (COMMAND_MODULES): the completion module registers rollout's bash
        # reading of `key=value` words, which must be in place before Click picks a shell's class.
        name = complete_var or f"_{prog_name.replace('-', '_').replace('.', '_')}_COMPLETE".upper()  # Click's naming
        if os.environ.get(name):
            importlib.import_module("rollout.cli.bash_completion")
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["rollout.command"] = command_text(args)
        return super().parse_args(ctx, args)

    def main(self, args: Any = None, prog_name: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        prog_name = prog_name or "rollout"
        words = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # a group named without its subcommand
            usage_error(click.UsageError(missing_command(exc.ctx), exc.ctx), command_path(self, prog_name, words))
        except click.BadParameter as exc:
            if isinstance(exc, click.MissingParameter):
                usage_error(exc, command_path(self, prog_name, words))
            click.echo(f"Error: {one_line(exc.format_message())}", err=True)
            sys.exit(1)
        except click.UsageError as exc:
            usage_error(exc, command_path(self, prog_name, words))
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(1)
        except RolloutError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        sys.exit(result if isinstance(result, int) else 0)


def usage_error(exc: click.UsageError, path: str) -> NoReturn:
    """Exit 2 with `Error: ...` and the help to read, on one line: the help of the command the
    error came from, else of `path` (the command the arguments name)."""
    hint = f" (see '{exc.ctx.command_path if exc.ctx else path} --help')"
    click.echo(f"Error: {one_line(exc.format_message())}{hint}", err=True)
    sys.exit(2)


def missing_command(ctx: click.Context | None) -> str:
    """What a group named alone lacks: 'Missing command: give one of list, show, add...'."""
    group = ctx.command if ctx is not None else None
    if not isinstance(group, click.Group):
        return "Missing argument"
    return f"Missing command: give one of {', '.join(group.commands)}"


def one_line(message: str) -> str:
    """A message on one line: Click lists a choice's values on lines of their own."""
    return " ".join(message.split())


@click.group(cls=RolloutGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    metavar="LOCATION",
    help="Database: a file path or a postgresql:// URL.  [default: $ROLLOUT_DB, else $XDG_DATA_HOME/rollout/rollout.json]",
)
@click.option("--user", help="Who is acting, recorded in history.  [default: $ROLLOUT_USER, else the login name]")
@click.option("--read-only", is_flag=True, help="Refuse every write (also ROLLOUT_READ_ONLY=1).")
@click.version_option(__version__, "--version", prog_name="rollout")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, user: str | None, read_only: bool) -> None:
    """Run a shop's rollout across regions: launches, readiness checklists, promotions.

    With no command on a terminal, opens the TUI.
    """
    if ctx.obj is None:
        location, is_default = (db_path, False) if db_path else default_location()
        ctx.obj = App(
            db_path=location,
            default_location=is_default,
            user=user or None,
            read_only=read_only or env_read_only(),
            command=ctx.meta.get("rollout.command", ""),
        )
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            from rollout.cli.admin import open_tui

            open_tui(ctx.obj, read_only=ctx.obj.read_only)
        else:
            click.echo(ctx.get_help())


def main() -> None:
    cli.main(prog_name="rollout")


# The module that defines each top-level command (its COMMANDS list). A command's module is
# imported when the command is first looked up, so `rollout region list --json` loads the region
# commands only, not batch, import/export, serve or the cockpit (start-up target in benchmarks/).
COMMAND_MODULES: dict[str, str] = {
    "status": "regions",
    "region": "regions",
    "shift": "regions",
    "check": "checklist",
    "promo": "promos",
    "health": "cockpit",
    "agenda": "cockpit",
    "owners": "cockpit",
    "timeline": "cockpit",
    "digest": "cockpit",
    "config": "config",
    "init": "admin",
    "history": "admin",
    "undo": "admin",
    "redo": "admin",
    "batch": "admin",
    "tui": "admin",
    "doctor": "maint",
    "restore": "maint",
    "export": "exchange",
    "import": "exchange",
    "holidays": "exchange",
    "serve": "serve",
    "completion": "completion",
    "schema": "contract",
    "handover": "handover",
    # outcomes: sign-off, GMV and exchange rates, freeze windows
    "signoff": "signoff",
    "kpi": "kpi",
    "fx": "kpi",
    "freeze": "freeze",
    "db": "dbcopy",
    "template": "templates",  # launch templates (issue 21)
}


class LazyCommands(MutableMapping[str, click.Command]):
    """The root group's commands by name (what Click keeps in `Group.commands`): names are known
    from COMMAND_MODULES without importing anything; looking one up imports its module once."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module = importlib.import_module(f"rollout.cli.{self._modules[name]}")
            for command in module.COMMANDS:
                self._loaded.setdefault(command.name, command)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._modules.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self._modules[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


cli.commands = LazyCommands(COMMAND_MODULES)
