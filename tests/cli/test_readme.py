"""The console examples of README.md and the manual (docs/**/*.md) are executable documentation.

Every ```console block runs here: each `$ command` in bash, in a folder of the block's own where
`rollout.json` is a fresh database made from the bundled data (ROLLOUT_DB), with the clock pinned
(ROLLOUT_NOW) and the user `amara`; its output (stdout and stderr, in the order written) must be
the lines shown under it. A line `...` stands for any number of lines. Instants that depend on when
the test runs (a file's modification time, a name stamped with it) are normalised on both sides.

Markers on the line before a block:
- `<!-- example: continues -->`: run in the previous block's folder (of the same file), on its database.
- `<!-- example: not run (REASON) -->`: shown only, with the reason (a server, the TUI, SSH...).
A `$ cat FILE` of a file the folder does not have yet writes the lines shown into it: that is how
an example shows the input it works on.

After a deliberate change of output, `pytest tests/cli/test_readme.py --update-examples -p no:xdist`
(or `make examples`) rewrites the lines shown under each command from what it prints now, keeping
the `...` lines that still fit; `--update-examples docs/guide/cli.md` (a file or a folder) only
those examples. Review the diff before committing it.
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
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
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
    number: int  # the line of `$ ...` in its file, from 1
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    file: Path
    line: int  # where the block's first command is in its file
    marker: str
    commands: list[Command]

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(ROOT)} line {self.line}"

    @property
    def id(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}:{self.commands[0].line[:40] if self.commands else ''}"


def parse(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        found = MARKER.search(before)
        marker = found.group(1) if found else ""
        first = before.count("\n") + 2
        commands: list[Command] = []
        for offset, raw in enumerate(match.group(1).splitlines()):
            if raw.startswith("$ "):
                commands.append(Command(raw[2:], first + offset))
            elif commands:
                commands[-1].expected.append(raw)
            else:
                raise AssertionError(f"{path.relative_to(ROOT)} line {first + offset}: output before any command")
        blocks.append(Block(path, first, marker, commands))
    return blocks


BLOCKS = [block for path in FILES for block in parse(path)]
RUN = [b for b in BLOCKS if not b.marker.startswith("not run")]


def chains(blocks: list[Block]) -> list[list[Block]]:
    """Blocks that run one after another in one folder: a block, then those that continue it."""
    found: list[list[Block]] = []
    for block in blocks:
        if block.marker == "continues":
            assert found and found[-1][0].file == block.file, f"{block.where}: nothing to continue in this file"
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


def run_chain(chain: list[Block], folder: Path) -> list[tuple[Block, Command, list[str] | None]]:
    """Run a chain's commands in `folder`: (block, command, what it printed), None for a `$ cat` that
    wrote the file it shows."""
    Database(folder / "rollout.json").create(empty=False, force=False)
    env = environment(folder)
    printed = []
    for block in chain:
        for command in block.commands:
            printed.append((block, command, run_command(command, folder, env)))
    return printed


def run_command(command: Command, folder: Path, env: dict[str, str]) -> list[str] | None:
    cat = re.fullmatch(r"cat (\S+)", command.line)
    wrote = bool(cat and not (folder / cat.group(1)).exists())
    if cat and wrote:
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
    return None if wrote else done.stdout.splitlines()


def test_the_examples_are_runnable_and_say_why_others_do_not_run():
    assert len(RUN) >= 10 and len(CHAINS) >= 5
    assert {b.file.name for b in RUN} >= {"README.md"} and any(b.file.parent.name == "guide" for b in RUN)
    for block in BLOCKS:
        assert block.commands, f"{block.where}: a console block without a `$ ` command"


@pytest.mark.parametrize("chain", CHAINS, ids=[c[0].id for c in CHAINS])
def test_the_examples_run_as_shown(chain: list[Block], tmp_path: Path, request: pytest.FixtureRequest):
    if request.config.getoption("--update-examples") is not None:
        pytest.skip("--update-examples rewrites the examples instead (test_update_examples)")
    for block, command, printed in run_chain(chain, tmp_path):
        if printed is None:
            continue
        got, expected = normalise(printed), normalise(command.expected)
        assert matches(expected, got), (
            f"{block.file.relative_to(ROOT)} line {command.number}: `$ {command.line}` printed:\n"
            + "\n".join(got)
            + "\n\nbut the example shows:\n"
            + "\n".join(expected)
            + "\n\n(after a deliberate change of output: pytest tests/cli/test_readme.py --update-examples -p no:xdist)"
        )


# -- update mode -----------------------------------------------------------------------------------
def updated(expected: list[str], printed: list[str]) -> list[str]:
    """The lines to show under a command that printed `printed` instead of `expected`: unchanged when
    they still match; else what it printed, keeping `...` with as many lines before the first and
    after the last as the example showed (and what it shows between them while that still fits);
    lines that differ only in a normalised instant keep the example's."""
    trailing = len(expected) - len(normalise(expected))
    shown, blank = expected[: len(expected) - trailing], expected[len(expected) - trailing :]
    got = [line.rstrip() for line in printed]
    while got and not got[-1]:
        got.pop()
    if matches(normalise(shown), normalise(got)):
        return expected
    new = got
    if "..." in shown:
        first = shown.index("...")
        last = len(shown) - 1 - shown[::-1].index("...")
        head, tail = first, len(shown) - 1 - last
        if head + tail <= len(got):
            end = got[len(got) - tail :] if tail else []
            for middle in (shown[first : last + 1], ["..."]):
                candidate = got[:head] + middle + end
                if matches(normalise(candidate), normalise(got)):
                    new = candidate
                    break
    same = [
        old if i < len(shown) and normalise([old]) == normalise([line]) else line
        for i, (old, line) in enumerate(zip(shown + [""] * len(new), new, strict=False))
    ]
    return same + blank


def rewrite(path: Path, changes: dict[int, tuple[int, list[str]]]) -> None:
    """Replace, per command line number, the `count` lines after it with `lines` (bottom up)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for number in sorted(changes, reverse=True):
        count, new = changes[number]
        lines[number : number + count] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def test_update_examples(request: pytest.FixtureRequest, tmp_path: Path):
    only = request.config.getoption("--update-examples")
    if only is None:
        pytest.skip("only with --update-examples")
    under = (ROOT / only).resolve() if only else ROOT
    changes: dict[Path, dict[int, tuple[int, list[str]]]] = {}
    for index, chain in enumerate(CHAINS):
        if not chain[0].file.is_relative_to(under):
            continue
        folder = tmp_path / str(index)
        folder.mkdir()
        for block, command, printed in run_chain(chain, folder):
            if printed is None:
                continue
            new = updated(command.expected, printed)
            if new != command.expected:
                changes.setdefault(block.file, {})[command.number] = (len(command.expected), new)
    for path, edits in changes.items():
        rewrite(path, edits)
    report = [f"{path.relative_to(ROOT)} line {n}" for path, edits in changes.items() for n in sorted(edits)]
    print(f"updated {len(report)} example(s):", *report, sep="\n  ")


# -- the update mode's rewriting, on its own ------------------------------------------------------
@pytest.mark.parametrize(
    ("expected", "printed", "new"),
    [
        pytest.param(["a", "b", ""], ["a", "b"], ["a", "b", ""], id="still-matching-unchanged"),
        pytest.param(["a", "b", ""], ["a", "c", "d"], ["a", "c", "d", ""], id="replaced-blank-kept"),
        pytest.param(["h", "...", "t"], ["h2", "x", "y", "t2"], ["h2", "...", "t2"], id="dots-head-tail"),
        pytest.param(["h", "...", "m", "...", "t"], ["h2", "m", "x", "t"], ["h2", "...", "m", "...", "t"], id="middle"),
        pytest.param(["h", "...", "m", "...", "t"], ["h", "z", "t2"], ["h", "...", "t2"], id="middle-gone"),
        pytest.param(["h", "...", "t"], ["only"], ["only"], id="too-short-for-dots"),
        pytest.param(
            ["saved 2026-11-24 22:44:41", "old"],
            ["saved 2026-12-06 10:00:00", "new"],
            ["saved 2026-11-24 22:44:41", "new"],
            id="normalised-instant-kept",
        ),
        pytest.param(["x"], ["x  ", "", ""], ["x"], id="trailing-space-and-lines"),
    ],
)
def test_update_rewrites_what_an_example_shows_from_what_it_printed(expected, printed, new):
    assert updated(expected, printed) == new
    assert matches(normalise(new), normalise(printed))


def test_update_rewrites_the_lines_under_each_command_in_place(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text("# T\n\n```console\n$ one\nold 1\n$ two\nold 2a\nold 2b\n\n```\n", encoding="utf-8")
    (block,) = parse(page)
    one, two = block.commands
    rewrite(page, {one.number: (1, ["new 1", "new 1b"]), two.number: (3, ["new 2", ""])})
    assert page.read_text(encoding="utf-8") == "# T\n\n```console\n$ one\nnew 1\nnew 1b\n$ two\nnew 2\n\n```\n"
