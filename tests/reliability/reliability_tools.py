"""Running the CLI from reliability tests: in-process through Click, or the installed console script."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from needs import console_script

HERE = Path(__file__).resolve().parent
WORKLOAD = HERE / "reliability_workload.py"


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Outcome:
    """The real Click command in-process; an exception escaping it fails the test (no traceback allowed)."""
    from rollout.cli import cli

    result = CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_script(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Outcome:
    """The installed `rollout` console script in a subprocess."""
    done = subprocess.run(
        [str(console_script()), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)
