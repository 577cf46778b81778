"""The TUI over a real SSH login: a private sshd on a loopback port, `ssh -tt` inside tmux, keys, database checked."""

from __future__ import annotations

import getpass
import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXED_NOW, Tmux, load, rollout_script
from needs import program, unavailable

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
    if not os.access(SSHD, os.X_OK):
        unavailable(f"sshd ({SSHD}, openssh-server)")
    program("ssh")
    program("ssh-keygen")
    privsep = Path("/run/sshd")
    if not privsep.is_dir():
        try:
            privsep.mkdir(parents=True, mode=0o755)
        except OSError:
            unavailable("/run/sshd (sshd's privilege-separation folder), which this user cannot create", "root")
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
    # sshd gives the remote shell the account's real home: pass the test's own home and XDG folders on.
    own_dirs = " ".join(
        f"{name}={shlex.quote(os.environ[name])}"
        for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
    )
    env = f"ROLLOUT_NOW={shlex.quote(FIXED_NOW)} ROLLOUT_USER=remote-manager TZ=UTC {own_dirs}"
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


def ssh_command(sshd: SshServer, remote: str, *options: str) -> list[str]:
    return [
        "ssh", *options, "-p", str(sshd.port), "-i", str(sshd.key),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
        f"{sshd.user}@127.0.0.1", remote,
    ]  # fmt: skip


def remote_tui(db_path: Path) -> str:
    env = f"ROLLOUT_NOW={shlex.quote(FIXED_NOW)} ROLLOUT_USER=remote-manager TZ=UTC XDG_CONFIG_HOME=/nonexistent"
    return (
        f"stty rows {ROWS} cols {COLUMNS}; env {env} timeout --foreground 120 "
        f"{shlex.quote(str(rollout_script()))} --db {shlex.quote(str(db_path))} tui"
    )


def test_a_burst_over_ssh_fills_the_form_as_typed(tmux: Tmux, sshd: SshServer, db_path: Path) -> None:
    """A paste over SSH: the keys reach the TUI in one read, a tab among them moving the focus."""
    tmux.start(f"timeout --foreground 180 {shlex.join(ssh_command(sshd, remote_tui(db_path), '-tt'))}")
    tmux.wait_for("21 regions")
    tmux._tmux("send-keys", "-t", "e2e", "-l", "/PL\r\r2aCarrier SLA signed\t\t2027-02-20\r")
    deadline = time.monotonic() + 30
    while not any(i["title"].startswith("Carrier") for i in load(db_path).items_of("PL")):
        assert time.monotonic() < deadline, tmux.screen()
        time.sleep(0.2)
    added = [i for i in load(db_path).items_of("PL") if i["title"].startswith("Carrier")]
    assert [i["title"] for i in added] == ["Carrier SLA signed"]
    assert added[0]["due"].startswith("2027-02-20T00:00:00+01:00")


def test_ssh_without_a_terminal_is_a_one_line_error(sshd: SshServer, db_path: Path) -> None:
    before = db_path.read_bytes()
    remote = f"{shlex.quote(str(rollout_script()))} --db {shlex.quote(str(db_path))} tui"
    result = subprocess.run(
        ssh_command(sshd, remote, "-T"), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: the TUI needs a terminal") and "ssh -t" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert db_path.read_bytes() == before


def test_a_dropped_connection_ends_the_remote_tui(tmux: Tmux, sshd: SshServer, db_path: Path) -> None:
    marker = str(db_path)  # in the remote process's command line, unique to this test
    remote = remote_tui(db_path)
    tmux.start(f"timeout --foreground 180 {shlex.join(ssh_command(sshd, remote, '-tt'))}")
    tmux.wait_for("21 regions")

    def remote_pids() -> list[str]:
        found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
        return [pid for pid in found if b"python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]]

    assert remote_pids()
    client = subprocess.run(["pgrep", "-f", "--", f"-p {sshd.port} "], capture_output=True, text=True).stdout.split()
    for pid in client:
        if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ssh\0"):
            os.kill(int(pid), signal.SIGKILL)  # the link drops: no goodbye from the client
    deadline = time.monotonic() + 30
    while remote_pids():
        tree = subprocess.run(["ps", "-eo", "pid,ppid,stat,pcpu,cmd"], capture_output=True, text=True).stdout
        assert time.monotonic() < deadline, f"the remote TUI kept running after the connection dropped:\n{tree}"
        time.sleep(0.2)
