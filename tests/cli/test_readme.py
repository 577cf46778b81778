"""The README's console examples are executable documentation: each ```console block runs here.

Every `$ command` of a block runs in bash, in a folder of the block's own where `rollout.json` is
a fresh database made from the bundled data (ROLLOUT_DB), with the clock pinned (ROLLOUT_NOW) and
the user `amara`; its output (stdout and stderr, in the order written) must be the lines shown
under it. A line `...` stands for any number of lines. Instants that depend on when the test runs
(a file's modification time, a name stamped with it) are normalised on both sides.

Markers on the line before a block:
- `<!-- example: continues -->`: run in the previous block's folder, on its database.
- `<!-- example: not run (REASON) -->`: shown only, with the reason (a server, the TUI, SSH...).
A `$ cat FILE` of a file the folder does not have yet writes the lines shown into it: that is how
an example shows the input it works on.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rollout.db import Database

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
NOW = "2026-11-24T09:00:00+00:00"
FENCE = re.compile(r"^```console\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
MARKER = re.compile(r"<!-- example: (continues|not run \(.+\)) -->\n$")
# Instants taken from the machine's clock, not ROLLOUT_NOW: when a backup was saved (its modification
# time, shown with seconds), names stamped with the time.
VARYING = [
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), "<time>"),
    (re.compile(r"\d{8}T\d{6}(\.\d+)?Z?(?=\.json)"), "<stamp>"),
]


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    number: int
    line: int  # where the block starts in README.md
    marker: str
    commands: list[Command]

    @property
    def id(self) -> str:
        return f"line{self.line}:{self.commands[0].line[:40] if self.commands else ''}"


def parse(text: str) -> list[Block]:
    blocks = []
    for number, match in enumerate(FENCE.finditer(text)):
        before = text[: match.start()]
        found = MARKER.search(before)
        marker = found.group(1) if found else ""
        commands: list[Command] = []
        for raw in match.group(1).splitlines():
            if raw.startswith("$ "):
                commands.append(Command(raw[2:]))
            elif commands:
                commands[-1].expected.append(raw)
            else:
                raise AssertionError(f"README line {before.count(chr(10)) + 1}: output before any command")
        blocks.append(Block(number, before.count("\n") + 2, marker, commands))
    return blocks


BLOCKS = parse(README.read_text(encoding="utf-8"))
RUN = [b for b in BLOCKS if not b.marker.startswith("not run")]


def chains(blocks: list[Block]) -> list[list[Block]]:
    """Blocks that run one after another in one folder: a block, then those that continue it."""
    found: list[list[Block]] = []
    for block in blocks:
        if block.marker == "continues":
            assert found, f"README line {block.line}: nothing to continue"
            found[-1].append(block)
        else:
            found.append([block])
    return found


CHAINS = chains(RUN)


def normalise(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        line = line.rstrip()
        for pattern, replacement in VARYING:
            line = pattern.sub(replacement, line)
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def matches(expected: list[str], got: list[str]) -> bool:
    """Line by line, `...` matching any number of lines (the shortest run that lets the rest match)."""
    if not expected:
        return not got
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, got[skip:]) for skip in range(len(got) + 1))
    return bool(got) and got[0] == head and matches(rest, got[1:])


def environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLLOUT_")}
    bin_dir = str(Path(sys.executable).parent)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        ROLLOUT_DB="rollout.json",
        ROLLOUT_NOW=NOW,
        ROLLOUT_USER="amara",
        COLUMNS="80",
        NO_COLOR="1",
        TZ="UTC",
    )
    return env


def test_the_readme_has_runnable_examples_and_says_why_others_do_not_run():
    assert len(RUN) >= 10 and len(CHAINS) >= 5
    for block in BLOCKS:
        assert block.commands, f"README line {block.line}: a console block without a `$ ` command"


@pytest.mark.parametrize("chain", CHAINS, ids=[c[0].id for c in CHAINS])
def test_the_readme_examples_run_as_shown(chain: list[Block], tmp_path: Path):
    folder = tmp_path
    Database(folder / "rollout.json").create(empty=False, force=False)
    env = environment(folder)
    for block in chain:
        for command in block.commands:
            run_command(block, command, folder, env)


def run_command(block: Block, command: Command, folder: Path, env: dict[str, str]) -> None:
    cat = re.fullmatch(r"cat (\S+)", command.line)
    if cat and not (folder / cat.group(1)).exists():
        (folder / cat.group(1)).write_text("\n".join(command.expected).rstrip("\n") + "\n", encoding="utf-8")
    done = subprocess.run(
        ["bash", "-c", command.line],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    got, expected = normalise(done.stdout.splitlines()), normalise(command.expected)
    assert matches(expected, got), (
        f"README line {block.line}: `$ {command.line}` printed:\n"
        + "\n".join(got)
        + "\n\nbut the README shows:\n"
        + "\n".join(expected)
    )
