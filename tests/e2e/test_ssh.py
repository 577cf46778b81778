"""The TUI over a real SSH login: a private sshd on a loopback port, `ssh -tt` inside tmux, keys, database checked."""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXED_NOW, Tmux, load, rollout_script

pytestmark = pytest.mark.e2e

SSHD = "/usr/sbin/sshd"
COLUMNS, ROWS = 100, 30


@dataclass
class SshServer:
    port: int
    user: str
    key: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def wait_for_port(port: int, server: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"sshd exited: {server.stderr.read().decode() if server.stderr else ''}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("sshd did not start listening")


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    """sshd with a throwaway host key, accepting one throwaway user key, key-only, on 127.0.0.1."""
    if not os.access(SSHD, os.X_OK) or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("openssh-server and openssh-client are needed (scripts/test-deps installs them)")
    privsep = Path("/run/sshd")
    if not privsep.is_dir():
        try:
            privsep.mkdir(parents=True, mode=0o755)
        except OSError:
            pytest.skip("sshd needs /run/sshd, which this user cannot create")
    folder = tmp_path / "ssh"
    folder.mkdir()
    host_key, user_key = folder / "host_key", folder / "user_key"
    keygen(host_key)
    keygen(user_key)
    authorized = folder / "authorized_keys"
    authorized.write_text(user_key.with_suffix(".pub").read_text())
    authorized.chmod(0o600)
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "UsePAM no",
                "StrictModes no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    try:
        wait_for_port(port, server)
        yield SshServer(port, getpass.getuser(), user_key)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_tick_an_item_over_ssh(tmux: Tmux, sshd: SshServer, db_path: Path) -> None:
    item = next(i for i in load(db_path).items_of("NL") if i["status"] == "open")
    env = f"ROLLOUT_NOW={shlex.quote(FIXED_NOW)} ROLLOUT_USER=remote-manager TZ=UTC"
    # Without a local terminal the remote size is 0x0; `timeout --foreground` so a stuck TUI still ends.
    remote = (
        f"stty rows {ROWS} cols {COLUMNS}; env {env} timeout --foreground 120 "
        f"{shlex.quote(str(rollout_script()))} --db {shlex.quote(str(db_path))}"
    )
    ssh = [
        "ssh", "-tt", "-p", str(sshd.port), "-i", str(sshd.key),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
        f"{sshd.user}@127.0.0.1", remote,
    ]  # fmt: skip
    tmux.start(f"timeout --foreground 180 {shlex.join(ssh)}")
    tmux.wait_for("21 regions")
    tmux.press("/")
    tmux.type("NL")
    tmux.wait_for("filter 'NL': 1 shown")
    tmux.press("Enter", "Enter")
    tmux.wait_for("Overview 1")
    tmux.press("2")
    tmux.wait_for("space Tick")  # the checklist has the focus: its keys are live
    tmux.press("Space")
    tmux.wait_for(f"{item['id']} done")
    tmux.press("q")
    assert tmux.exit_status() == 0

    after = load(db_path)
    assert after.items[item["id"]]["status"] == "done"
    assert after.items[item["id"]]["done_by"] == "remote-manager"
    assert after.history[-1]["command"] == f"tui: check done NL {item['id']}"
    assert after.history[-1]["user"] == "remote-manager"
