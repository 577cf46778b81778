"""`rollout serve`: the command each browser tab runs, and what counts as local-only."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from rollout.cli.app import App
from rollout.cli.serve import is_loopback, tui_command


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.org", ""])
def test_hosts_beyond_loopback(host):
    assert not is_loopback(host)


def test_each_tab_runs_this_rollout_on_the_resolved_database_as_the_same_user(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    odd = Path("dir with spaces") / "it's.json"
    app = App(db_path=odd, user="ana maría; rm -rf /")
    args = shlex.split(tui_command(app, read_only=False))
    assert args == [
        sys.executable,
        "-m",
        "rollout",
        "--db",
        str(tmp_path / odd),
        "--user",
        "ana maría; rm -rf /",
        "tui",
    ]
    assert shlex.split(tui_command(app, read_only=True))[-2:] == ["tui", "--read-only"]


def test_serve_help_explains_the_lack_of_authentication(rollout):
    result = rollout("serve", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "There is no authentication" in text and "ssh -L 8000:127.0.0.1:8000" in text
    assert "[default: 127.0.0.1]" in text and "[default: 8000" in text
