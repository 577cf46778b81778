"""The manual's reference pages are generated from the program (scripts/docs_reference.py, an MkDocs
hook): no command, option, argument, JSON Schema or TUI key exists that the manual does not show.

The tests walk the Click tree and the TUI's binding declarations themselves, apart from the
generator, and look for each thing in the generated page (in its own command's section) and, for
keys, in the hand-written TUI guide (docs/guide/tui.md) too.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from rollout.cli import cli

ROOT = Path(__file__).resolve().parents[2]
TUI_GUIDE = ROOT / "docs" / "guide" / "tui.md"


def load_generator():
    spec = importlib.util.spec_from_file_location("docs_reference", ROOT / "scripts" / "docs_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = load_generator()


def every_command(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from every_command(command, f"{prefix}{name} ")


COMMANDS = list(every_command(cli))


def sections(page: str) -> dict[str, str]:
    """Each `## `rollout PATH`` section's text, by PATH ('' for the root)."""
    found = {}
    parts = re.split(r"^## `rollout ?(.*?)`.*$", page, flags=re.M)
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        found[title] = body
    return found


@pytest.fixture(scope="module")
def commands_page() -> dict[str, str]:
    return sections(reference.commands_page())


def test_the_reference_has_a_section_for_every_command_and_group(commands_page):
    assert len(COMMANDS) > 30
    assert set(commands_page) == {path for path, _ in COMMANDS} | {""}


@pytest.mark.parametrize(("path", "command"), [("", cli), *COMMANDS], ids=["rollout", *(p for p, _ in COMMANDS)])
def test_every_option_and_argument_is_in_its_command_s_section(commands_page, path, command):
    section = commands_page[path]
    for param in command.params:
        if isinstance(param, click.Argument):
            assert param.make_metavar(click.Context(command)) in section, (path, param.name)
            continue
        for flag in [*param.opts, *param.secondary_opts]:
            assert re.search(rf"`[^`]*{re.escape(flag)}\b", section), f"rollout {path}: {flag} is not in the reference"
        if param.help:
            assert reference.escape(" ".join(param.help.split()))[:40] in " ".join(section.split()), (path, param.name)
    assert "--help" in section and "-h" in section
    if command.help or command.short_help:
        first = reference.help_paragraphs(command)[0]
        assert first in section


def test_a_new_option_shows_in_the_reference_without_editing_the_manual():
    """The reference is built from the command objects: an option added to a command is there."""
    command = cli.commands["status"]
    option = click.Option(["--brand-new-option"], help="Something nobody documented by hand.")
    command.params.append(option)
    try:
        page = sections(reference.commands_page())["status"]
    finally:
        command.params.remove(option)
    assert "`--brand-new-option TEXT`" in page and "Something nobody documented by hand." in page


def test_every_json_schema_is_in_the_schema_page():
    from rollout.cli.contract import output_of, schema_of
    from rollout.cli.contract import walk as runnable

    page = reference.schemas_page()
    with_json = [(p, c) for p, c in runnable(cli) if (o := output_of(c)) is not None and o.schema is not None]
    assert len(with_json) > 30
    for path, command in with_json:
        assert f"## `rollout {path}`" in page
        assert f'"$id": "{schema_of(path, command)["$id"]}"' in page


def bindings():
    from textual.binding import Binding

    from rollout.tui.app import binding_classes

    return [
        (cls.__name__, b)
        for cls in binding_classes()
        for b in cls.__dict__.get("BINDINGS", [])
        if isinstance(b, Binding) and b.id
    ]


def test_every_key_binding_is_in_the_key_reference_and_the_tui_guide():
    from rollout.tui.screens.help import key_label

    found = bindings()
    assert len(found) > 80
    page = reference.keys_page()
    guide = TUI_GUIDE.read_text(encoding="utf-8")
    missing = []
    for owner, binding in found:
        assert f"`{binding.id}`" in page, binding.id
        for key in key_label(binding.key).split(" / "):
            assert f"`{key}`" in page
            if not re.search(rf"`{re.escape(key)}`", guide):
                missing.append(f"{owner}: `{key}` ({binding.id})")
    assert not missing, "docs/guide/tui.md does not mention:\n" + "\n".join(sorted(set(missing)))


def test_the_manual_lists_every_page_in_its_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages, "docs/ has no page"
    for page in sorted(pages):
        assert re.search(rf":\s+{re.escape(page)}$", nav, re.M), f"mkdocs.yml's nav lacks {page}"
    for generated in reference.PAGES:
        assert re.search(rf":\s+{re.escape(generated)}$", nav, re.M)
