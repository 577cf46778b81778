"""The manual's reference pages, generated from the program itself at build time (an MkDocs hook).

- reference/commands.md: every Click command and group under `rollout`, from the command objects
  (usage, help, every argument and option with its help, as `--help` prints them), so an option
  added to a command is in the reference the next time the manual is built.
- reference/schemas.md: the JSON Schema of every command's `--json` output (`rollout schema`).
- reference/keys.md: every key binding the TUI declares (BINDINGS of the app, its screens and
  widgets, as `rollout.tui.app.binding_ids` finds them), with the id config.toml's [keys] remaps.

mkdocs.yml names this file under `hooks:`; `on_files` adds the pages as generated files (MkDocs 1.6's
`File.generated`), so nothing generated is committed. `python scripts/docs_reference.py DIR` writes
them into DIR, to read them without building the site.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

PAGES = ("reference/commands.md", "reference/schemas.md", "reference/keys.md")
GENERATED = "<!-- Generated at build time by scripts/docs_reference.py: edit the code, not this page. -->"


# -- commands --------------------------------------------------------------------------------------
def walk(group: click.Group, parent: click.Context) -> Iterator[tuple[str, click.Command, click.Context]]:
    """Every command and group under `group`, depth first in registration order, with its context
    (a child of `parent`, so settings such as `-h` for help are inherited as on the command line)."""
    for name, command in group.commands.items():
        ctx = click.Context(command, info_name=name, parent=parent, **command.context_settings)
        yield ctx.command_path.removeprefix("rollout "), command, ctx
        if isinstance(command, click.Group):
            yield from walk(command, ctx)


def anchor(path: str) -> str:
    """The anchor of a command's section: 'check add' -> 'check-add' ('rollout' for the root)."""
    return path.replace(" ", "-") or "rollout"


def escape(text: str) -> str:
    """Help text as Markdown: inline code kept, the characters Markdown would act on escaped."""
    parts = re.split(r"(`[^`]*`)", text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"([\\*_<>\[\]|])", r"\\\1", parts[i])
    return "".join(parts)


def help_paragraphs(command: click.Command) -> list[str]:
    """The command's help as paragraphs (Click's `\\b` no-rewrap marks dropped)."""
    text = inspect.cleandoc(command.help or command.short_help or "")
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip() != "\b"]
        if lines:
            paragraphs.append(escape(" ".join(line.strip() for line in lines)))
    return paragraphs


def param_rows(command: click.Command, ctx: click.Context) -> list[tuple[str, str, str]]:
    """(kind, synopsis, help) per argument and option, as `--help` shows them (hidden ones too)."""
    rows = []
    for param in command.get_params(ctx):
        if isinstance(param, click.Argument):
            rows.append(("argument", param.make_metavar(ctx), "required" if param.required else "optional"))
            continue
        assert isinstance(param, click.Option)
        hidden = param.hidden
        param.hidden = False
        try:
            record = param.get_help_record(ctx)
        finally:
            param.hidden = hidden
        synopsis, text = record if record else (" / ".join(param.opts + param.secondary_opts), "")
        rows.append(("option", synopsis, text + (" (hidden from --help)" if hidden else "")))
    return rows


def command_section(path: str, command: click.Command, ctx: click.Context) -> list[str]:
    title = f"rollout {path}".strip()
    out = [f"## `{title}` {{#{anchor(path)}}}", ""]
    pieces = " ".join(command.collect_usage_pieces(ctx))
    out += ["```text", f"Usage: {ctx.command_path} {pieces}".rstrip(), "```", ""]
    for paragraph in help_paragraphs(command):
        out += [paragraph, ""]
    if isinstance(command, click.Group):
        subs = ", ".join(f"[`{name}`](#{anchor(f'{path} {name}'.strip())})" for name in command.commands)
        out += [f"Commands: {subs}.", ""]
    rows = param_rows(command, ctx)
    if rows:
        out += ["| | Argument or option | What |", "| --- | --- | --- |"]
        for kind, synopsis, text in rows:
            out.append(f"| {kind} | `{synopsis}` | {escape(text)} |")  # tables keep a | inside code
        out.append("")
    output = getattr(command.callback, "rollout_output", None)
    if output is not None:
        if output.schema is not None:
            out += [f"`--json` output: {output.kind}, [its JSON Schema](schemas.md#{anchor(path)}).", ""]
        elif getattr(output, "reason", None):
            out += [f"No `--json`: {escape(output.reason)}.", ""]
    return out


def commands_page() -> str:
    from rollout.cli import cli

    root = click.Context(cli, info_name="rollout", **cli.context_settings)
    out = [
        "# Command reference",
        "",
        GENERATED,
        "",
        "Every command, argument and option of `rollout`, generated from the commands themselves when the",
        "manual is built: what `rollout COMMAND --help` prints, on one page. The [guides](../index.md) show",
        "them at work; [JSON Schemas](schemas.md) has the shape of each command's `--json` output.",
        "",
        "| Command | What it does |",
        "| --- | --- |",
    ]
    for path, command, _ctx in walk(cli, root):
        if not isinstance(command, click.Group):
            out.append(f"| [`{path}`](#{anchor(path)}) | {escape(command.get_short_help_str(limit=200))} |")
    out.append("")
    out += command_section("", cli, root)
    for path, command, ctx in walk(cli, root):
        out += command_section(path, command, ctx)
    return "\n".join(out)


# -- schemas ---------------------------------------------------------------------------------------
def schemas_page() -> str:
    from rollout.cli import cli
    from rollout.cli.contract import output_of, schema_of
    from rollout.cli.contract import walk as runnable

    out = [
        "# JSON Schemas",
        "",
        GENERATED,
        "",
        "The JSON Schema (draft 2020-12) of what each command prints with `--json`, as",
        "`rollout schema COMMAND` prints it. The [scripting guide](../guide/scripting.md) explains the",
        "contract they follow; `rollout schema` lists the commands with the kind of their output.",
        "",
    ]
    for path, command in runnable(cli):
        output = output_of(command)
        if output is None or output.schema is None:
            continue
        schema = schema_of(path, command)
        out += [f"## `rollout {path}` {{#{anchor(path)}}}", "", f"Kind: {output.kind}. "]
        out += [f"[Options](commands.md#{anchor(path)}).", "", "```json", json.dumps(schema, indent=2), "```", ""]
    return "\n".join(out)


# -- keys ------------------------------------------------------------------------------------------
def key_bindings() -> list[tuple[str, str, Any]]:
    """(where, class name, Binding) for every binding with an id that the TUI declares."""
    from textual.binding import Binding

    from rollout.tui.app import binding_classes

    found = []
    for cls in binding_classes():
        where = getattr(cls, "HELP_TITLE", None) or cls.__name__
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.append((where, cls.__name__, binding))
    return found


def keys_page() -> str:
    from rollout.tui.screens.help import key_label

    out = [
        "# Key bindings",
        "",
        GENERATED,
        "",
        "Every key the TUI declares, where it acts, and its id: the name `[keys]` in config.toml",
        "remaps (see [Settings](../guide/tui.md#settings)). `?` in the TUI shows the same for the screen",
        "you are on, with your remapped keys.",
        "",
        "| Where | Keys | What | Id |",
        "| --- | --- | --- | --- |",
    ]
    for where, _name, binding in key_bindings():
        keys = " ".join(f"`{key}`" for key in key_label(binding.key).split(" / "))
        out.append(f"| {escape(where)} | {keys} | {escape(binding.description)} | `{binding.id}` |")
    out.append("")
    return "\n".join(out)


def pages() -> dict[str, str]:
    return {
        "reference/commands.md": commands_page(),
        "reference/schemas.md": schemas_page(),
        "reference/keys.md": keys_page(),
    }


# -- the MkDocs hook -------------------------------------------------------------------------------
def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for uri, content in pages().items():
        files.append(File.generated(config, uri, content=content))
    return files


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "site-reference")
    for uri, content in pages().items():
        (target / uri).parent.mkdir(parents=True, exist_ok=True)
        (target / uri).write_text(content + "\n", encoding="utf-8")
        print(target / uri)
