"""Completion of `key=value` selectors in real interactive shells: bash, zsh and fish.

Each shell is started on a pseudo-terminal with no user configuration, loads the script that
`rollout completion SHELL` prints, and gets keystrokes: Tab completes, then the line is turned
into an `echo` (Ctrl-A, "echo ") and run, so what the shell put on the line is printed back.
Bash splits words at `=` (COMP_WORDBREAKS), which is what these tests are about. A missing shell
skips locally; in CI (CI=true) it fails, since scripts/test-deps installs all three (tests/needs.py).
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from integration_helpers import console_script
from needs import program

from rollout.db import Database

TIMEOUT = 60.0
WAVES = {f"wave={n}" for n in range(7)}


def shell_path(name: str) -> str:
    return program(name)


def shell_env(tmp_path: Path, db: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / ".inputrc").write_text(
        "set show-all-if-ambiguous on\nset completion-query-items 0\nset page-completions off\nset bell-style none\n"
        '"\\C-xi": insert-completions\n'
    )
    return {
        **os.environ,
        "HOME": str(home),
        "INPUTRC": str(home / ".inputrc"),
        "TERM": "dumb",
        "PATH": f"{Path(console_script()).parent}:{os.environ['PATH']}",
        "ROLLOUT_DB": str(db),
        "PS1": "$ ",
        "PROMPT": "$ ",
    }


class Terminal:
    """A program on a pseudo-terminal: type keys, wait until its output shows something."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        self.output = ""

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait_for(self, pattern: str, since: int = 0) -> re.Match[str]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            found = re.search(pattern, self.output[since:], re.M)
            if found:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{pattern!r} never appeared; the terminal shows:\n{self.output[since:]}")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536).decode(errors="replace").replace("\r", "")
                except OSError:  # the program ended
                    raise AssertionError(f"the shell ended; it showed:\n{self.output}") from None

    def run_line(self, keys: str, marker: str) -> str:
        """Type keys (completing with Tab), run what is on the line as `echo`, return what it printed."""
        start = len(self.output)
        self.type(keys + "\x01echo " + marker + " \n")
        return self.wait_for(rf"^{marker} (.*)$", start).group(1).strip()

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.fixture
def bash(tmp_path, db_path):
    terminal = Terminal([shell_path("bash"), "--norc", "--noprofile", "-i"], shell_env(tmp_path, db_path), tmp_path)
    terminal.type('eval "$(rollout completion bash)"; echo BASH-READY\n')
    terminal.wait_for(r"^BASH-READY$")
    yield terminal
    terminal.close()


@pytest.fixture
def zsh(tmp_path, db_path):
    terminal = Terminal([shell_path("zsh"), "-f", "-i"], shell_env(tmp_path, db_path), tmp_path)
    terminal.type(
        "bindkey -e; unsetopt beep; autoload -U compinit; compinit -D -u; "
        'eval "$(rollout completion zsh)"; echo ZSH-READY\n'
    )
    terminal.wait_for(r"^ZSH-READY$")
    yield terminal
    terminal.close()


def test_bash_completes_a_selector_value_after_the_equals_sign(bash):
    assert bash.run_line("rollout shift status=pre\t", "L1") == "rollout shift status=preparing"
    assert bash.run_line("rollout check add wave=5\t", "L2") == "rollout check add wave=5"


def test_bash_offers_only_the_values_of_that_key(bash, db_path):
    # insert-completions puts every candidate on the line: the values after `wave=`.
    printed = bash.run_line("rollout shift wave=\x18i", "L3")
    command, _, values = printed.partition("wave=")
    assert command == "rollout shift "
    assert {f"wave={v}" for v in values.split()} == WAVES
    printed = bash.run_line("rollout region set status=\x18i", "L4")
    statuses = printed.partition("status=")[2].split()
    assert statuses == ["planned", "preparing", "ready", "launched", "paused"]


def test_bash_still_completes_plain_region_codes(bash, db_path):
    assert bash.run_line("rollout region show N\t", "L5") == "rollout region show NL"
    codes = bash.run_line("rollout shift \x18i", "L6").split()[2:]
    assert set(Database(db_path).load().regions) | WAVES | {"all"} <= set(codes)


def test_zsh_completes_a_selector_value(zsh):
    assert zsh.run_line("rollout shift status=pre\t", "L7") == "rollout shift status=preparing"


def test_zsh_lists_only_the_values_of_that_key(zsh):
    start = len(zsh.output)
    zsh.type("rollout shift wave=\t")
    zsh.wait_for(r"wave=6", start)
    zsh.type("\x15echo LISTED\n")  # Ctrl-U clears the line
    listing = zsh.output[start : start + zsh.wait_for(r"^LISTED$", start).start()]
    assert set(re.findall(r"wave=\d+", listing)) == WAVES
    assert "status=" not in listing


def test_fish_completes_selectors(tmp_path, db_path):
    fish = shell_path("fish")
    env = shell_env(tmp_path, db_path)
    script = (
        "rollout completion fish | source; "
        'complete -C "rollout shift status=pre"; echo ---; complete -C "rollout shift wave="'
    )
    result = subprocess.run(
        [fish, "--no-config", "-c", script], capture_output=True, text=True, env=env, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    first, _, second = result.stdout.partition("---\n")
    assert [line.split("\t")[0] for line in first.splitlines()] == ["status=preparing"]
    assert {line.split("\t")[0] for line in second.splitlines()} == WAVES
