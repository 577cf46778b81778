"""The installed `rollout tui` in a real terminal (tmux): bursts of keys, settings, no terminal, signals.

Keys over SSH and pastes arrive in bursts: every scenario is typed twice on copies of one database,
once a key at a time and once in a single write to the terminal, and must end the same way.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXED_NOW, Tmux, load, rollout_script
from needs import program

pytestmark = pytest.mark.e2e

DOWN, RIGHT, ESC = "\x1b[B", "\x1b[C", "\x1b"
QUIET_SECONDS = 1.5
NOTICE_SECONDS = 5.5  # longer than any notice stays up


def tui_command(db: Path, config_home: Path, *args: str) -> str:
    env = {
        "ROLLOUT_NOW": FIXED_NOW,
        "ROLLOUT_USER": "e2e",
        "TZ": "UTC",
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": str(config_home),
        "XDG_STATE_HOME": str(config_home / "state"),
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    script = shlex.quote(str(rollout_script()))
    return f"env {assignments} timeout --foreground 120 {script} --db {shlex.quote(str(db))} tui {shlex.join(args)}"


def settled_screen(tmux: Tmux, timeout: float = 30.0, quiet: float = QUIET_SECONDS) -> str:
    """The screen once it has stopped changing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = tmux.screen(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = tmux.screen()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"the screen never settled:\n{last}")


def write(tmux: Tmux, text: str) -> None:
    """Everything in one write to the terminal: what a paste or a laggy link delivers."""
    tmux._tmux("send-keys", "-t", "e2e", "-l", text)


def keys_of(text: str) -> list[str]:
    """Split into what one key press sends (escape sequences stay whole)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("\x1b[", i):
            out.append(text[i : i + 3])
            i += 3
        else:
            out.append(text[i])
            i += 1
    return out


def run(tmp_path: Path, source: Path, name: str, keys: str, burst: bool, size=(100, 30)) -> tuple[dict, str]:
    """Type `keys` into a TUI on a copy of `source`; the database and the screen at the end."""
    folder = tmp_path / name
    folder.mkdir()
    db = folder / "rollout.json"
    shutil.copy(source, db)
    history = source.with_name(source.name + ".history")
    if history.exists():  # the database is the file and its history
        shutil.copytree(history, db.with_name(db.name + ".history"))
    tmux = Tmux(folder, *size)
    try:
        tmux.start(tui_command(db, folder / "config"))
        tmux.wait_for("regions")
        settled_screen(tmux)
        if burst:
            write(tmux, keys)
        else:
            for key in keys_of(keys):
                write(tmux, key)
                settled_screen(tmux) if key in "\r\t" or key.startswith(ESC) else time.sleep(0.3)
        screen = settled_screen(tmux, quiet=NOTICE_SECONDS)  # notices gone: they time out on their own clock
        return load(db).data(), screen
    finally:
        tmux.kill()


SCENARIOS = {
    "regions filter, open, checklist, tick, j, tick": "/PL\r\r2 j ",
    "add form with tabs": "/PL\r\r2aCarrier SLA signed\t\t2027-02-20\r",
    "calendar moves and a day's dialog": "c" + RIGHT * 5 + DOWN * 3 + "\r",
    "promotion move form": "/NL\r\r3m1w\r",
    "delete confirmation": "/NL\r\r2dy",
    "bulk owner on a filter": "/wave=5\rVb4sam\ry",
    "help then jk": "?jjk",
    "move launch with promotions": "/PL\r\rm2w\r",
    # Escape and a letter together are the bytes of alt+letter: nothing is bound to it, so both act.
    "help, Escape s": "?" + ESC + "s",
    "help, Escape j": "?" + ESC + "jj",
    "owner's items, Escape L j j Enter": "O\r" + ESC + "Ljj\r",
    "filter, Escape j": "/p" + ESC + "j",
}


@pytest.mark.parametrize("keys", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_a_burst_ends_exactly_like_the_same_keys_one_at_a_time(tmp_path: Path, db_path: Path, keys: str) -> None:
    program("tmux")
    slow_data, slow_screen = run(tmp_path, db_path, "one-at-a-time", keys, burst=False)
    fast_data, fast_screen = run(tmp_path, db_path, "burst", keys, burst=True)
    assert fast_data == slow_data
    if "Carrier" in keys:
        added = [i for i in fast_data["items"].values() if i["title"] == "Carrier SLA signed"]
        assert len(added) == 1 and added[0]["due"].startswith("2027-02-20")
    assert fast_screen == slow_screen


def test_a_key_remapped_in_the_settings_file_works(tmux: Tmux, tmp_path: Path, db_path: Path) -> None:
    config = tmp_path / "config"
    (config / "rollout").mkdir(parents=True)
    (config / "rollout" / "config.toml").write_text('[keys]\n"check.toggle" = "x"\n')
    item = next(i for i in load(db_path).items_of("NL") if i["status"] == "open")
    tmux.start(tui_command(db_path, config))
    tmux.wait_for("21 regions")
    write(tmux, "/NL\r\r2")
    tmux.wait_for("x Tick")
    write(tmux, " ")  # space no longer ticks
    time.sleep(1)
    assert load(db_path).items[item["id"]]["status"] == "open"
    write(tmux, "x")
    tmux.wait_for(f"{item['id']} done")
    assert load(db_path).items[item["id"]]["status"] == "done"


@pytest.mark.parametrize("redirect", ["</dev/null", "| cat", "</dev/null | cat"])
def test_without_a_terminal_it_says_so_in_one_line_and_exits_1(tmp_path: Path, redirect: str) -> None:
    db = tmp_path / "never-created.json"
    command = f"{shlex.quote(str(rollout_script()))} --db {shlex.quote(str(db))} tui {redirect}"
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the TUI needs a terminal") and "ssh -t" in lines[0]
    assert "\x1b[" not in result.stdout  # nothing drawn
    assert not db.exists()
    assert time.monotonic() - started < 20  # it ends by itself (the old behaviour spun until killed)


def pane_flags(tmux: Tmux) -> dict[str, str]:
    names = ("alternate_on", "mouse_any_flag", "cursor_flag")
    values = tmux._tmux("display-message", "-p", "-t", "e2e", " ".join(f"#{{{n}}}" for n in names)).split()
    return dict(zip(names, values, strict=True))


def program_pid(tmux: Tmux) -> int:
    """The rollout process: the Python interpreter running the script, somewhere under the pane's shell."""
    pending = [int(tmux._tmux("display-message", "-p", "-t", "e2e", "#{pane_pid}").strip())]
    while pending:
        pid = pending.pop()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"python" in Path(argv[0].decode()).name.encode() and any(a.endswith(b"/rollout") for a in argv):
            return pid
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pending.extend(map(int, children))
    raise AssertionError("no rollout process found")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_ends_the_tui_and_restores_the_terminal(tmux: Tmux, tmp_path: Path, db_path: Path, signum) -> None:
    # The shell stays after the program, so the terminal's state can be read as the user would find it.
    tmux.start(f"sh -c {shlex.quote(tui_command(db_path, tmp_path / 'config') + '; echo exited $?; sleep 60')}")
    tmux.wait_for("21 regions")
    settled_screen(tmux)
    assert pane_flags(tmux) == {"alternate_on": "1", "mouse_any_flag": "1", "cursor_flag": "0"}
    os.kill(program_pid(tmux), signum)
    tmux.wait_for(f"exited {128 + signum}")
    assert pane_flags(tmux) == {"alternate_on": "0", "mouse_any_flag": "0", "cursor_flag": "1"}


def test_marking_by_filter_and_one_form_adds_a_promotion_to_every_wave_5_region(
    tmux: Tmux, tmp_path: Path, db_path: Path
) -> None:
    """The day's task as keys: count them (printed), check the one change."""
    before = load(db_path)
    wave5 = sorted(r["code"] for r in before.regions.values() if r["wave"] == 5)
    keys = "/wave=5\rVb2Spring Sale\t\t2027-04-01\t2027-04-08\ry"
    tmux.start(tui_command(db_path, tmp_path / "config"))
    tmux.wait_for("21 regions")
    write(tmux, keys)
    deadline = time.monotonic() + 30
    while len(load(db_path).history) == len(before.history) and time.monotonic() < deadline:
        time.sleep(0.2)
    after = load(db_path)
    assert sorted(p["region"] for p in after.promotions.values() if p["name"] == "Spring Sale") == wave5
    assert len(after.history) == len(before.history) + 1
    print(f"\nadd a promotion to every wave-5 region: {len(keys_of(keys))} keys, 1 change", file=sys.stderr)


def test_a_corrupt_database_is_a_one_line_error_in_a_terminal_too(tmux: Tmux, tmp_path: Path, db_path: Path) -> None:
    db_path.write_bytes(db_path.read_bytes()[:200])
    before = db_path.read_bytes()
    tmux.start(f"sh -c {shlex.quote(tui_command(db_path, tmp_path / 'config') + '; echo exited $?; sleep 60')}")
    screen = tmux.wait_for("exited 1")
    assert "is corrupt" in screen.replace("\n", "") and "Traceback" not in screen  # wrapped at 100 columns
    assert db_path.read_bytes() == before
