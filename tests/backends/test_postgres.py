"""PostgreSQL as a team's database: the same commands with the same output as on the file, copies
both ways, many writers, and credentials that never show, on a real server (tests/pg_server.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.db import Database

pytestmark = pytest.mark.xdist_group("postgres")  # one server per worker: keep these on one


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def with_secret(url: str, how: str) -> tuple[str, list[str]]:
    """`url` carrying a password the way `how` says, and the texts that must never be shown."""
    head, rest = url.split("://", 1)
    user, at_host = rest.split("@", 1)
    if how == "userinfo":
        return f"{head}://{user}:S3cret-in-URL@{at_host}", ["S3cret-in-URL"]
    if how == "query":
        return f"{url}?password=S3cret-in-query&application_name=x", ["S3cret-in-query"]
    secret = "p@ss:w/rd"  # a percent-encoded @ (and friends) in the password
    return f"{head}://{user}:{quote(secret, safe='')}@{at_host}", [secret, quote(secret, safe=""), "p%40ss", "p@ss"]


# -- the same commands, the same output -----------------------------------------------------------
SCRIPT = [
    ("status",),
    ("region", "list", "--json"),
    ("check", "add", "PL", "Carrier SLA signed", "--critical"),
    ("check", "done", "c324"),
    ("check", "edit", "c324", "--owner", "anna"),
    ("undo",),
    ("redo",),
    ("promo", "move", "p61", "--by", "1d", "--json"),
    ("region", "remove", "AQ", "--yes"),  # refused: exit 1, nothing written
    ("config", "set", "health.at_risk_days", "14"),
    ("history", "--json"),
    ("history", "--limit", "3"),
    ("health", "--json"),
    ("agenda", "--json"),
    ("digest",),
    ("check", "list", "PL", "--json"),
    ("status", "--json"),
]
BATCH = "check add wave=5 'War room' --critical\npromo add NL 'Launch Week' --start 2027-01-26T10:00 --end 2027-02-01\n"


def transcript(location: str) -> list[tuple[int, str, str]]:
    shown = Database(location).location
    out = []
    for args in SCRIPT:
        out.append(run("--db", location, "--user", "amara", *args))
    out.append(run("--db", location, "--user", "amara", "batch", "-", input=BATCH))
    out.append(run("--db", location, "--user", "amara", "export"))
    return [(code, stdout.replace(shown, "<db>"), stderr.replace(shown, "<db>")) for code, stdout, stderr in out]


def test_the_same_commands_print_the_same_on_postgresql_as_on_the_file(pg_url, tmp_path):
    file = str(tmp_path / "rollout.json")
    assert run("--db", file, "init")[0] == 0
    assert run("--db", pg_url, "init")[0] == 0
    on_file, on_server = transcript(file), transcript(pg_url)
    for args, mine, theirs in zip([*SCRIPT, ("batch",), ("export",)], on_file, on_server, strict=True):
        assert theirs == mine, args


def test_a_missing_postgresql_database_is_an_error_until_init(pg_url):
    code, stdout, stderr = run("--db", pg_url, "status")
    assert code == 1 and stdout == "" and stderr.startswith("Error: no database at postgresql://")
    assert "rollout init" in stderr
    assert run("--db", pg_url, "init", "--empty")[0] == 0
    assert run("--db", pg_url, "region", "list", "--json")[1].strip() == "[]"


def test_restore_on_postgresql_says_backups_belong_to_the_server(pg_url):
    run("--db", pg_url, "init")
    code, _, stderr = run("--db", pg_url, "restore")
    assert code == 1 and "backups belong to the server" in stderr and len(stderr.strip().splitlines()) == 1


def test_doctor_checks_a_postgresql_database(pg_url):
    run("--db", pg_url, "init")
    run("--db", pg_url, "check", "add", "DE", "Press kit")
    code, stdout, _ = run("--db", pg_url, "doctor")
    assert code == 0 and "No problems found." in stdout and "kept by the database server" in stdout


# -- db copy ---------------------------------------------------------------------------------------
def test_db_copy_file_to_postgresql_and_back_exports_byte_for_byte(pg_url, tmp_path):
    file = str(tmp_path / "team.json")
    run("--db", file, "init")
    for args in SCRIPT[2:8]:
        run("--db", file, *args)
    code, stdout, _ = run("db", "copy", file, pg_url)
    assert code == 0 and "Checked: the copy reads back the same" in stdout
    back = str(tmp_path / "back.json")
    assert run("db", "copy", pg_url, back)[0] == 0
    exported = [run("--db", where, "export")[1] for where in (file, pg_url, back)]
    assert exported[0] == exported[1] == exported[2] and exported[0]
    histories = [run("--db", where, "history", "--json")[1] for where in (file, pg_url, back)]
    assert histories[0] == histories[1] == histories[2]
    # Ids and revisions go on counting on the copy: the next change is the one after the last.
    run("--db", pg_url, "check", "add", "DE", "After the move")
    assert run("--db", pg_url, "history", "--limit", "1", "--json")[1] != histories[0]


def _large_batches() -> list[str]:
    """Changes of many records at once, of every way a change reaches the server: inserts and
    updates of more records than one round trip sends (PIPELINED), in the tables of their own
    columns and in the generic one, and a few records undone."""
    from rollout.backends.postgres import PIPELINED

    count = PIPELINED + 10
    periods = [f"{2027 + n // 12}-{n % 12 + 1:02d}" for n in range(count)]
    first = [f"check edit c{n} --owner 'bulk {n}'" for n in range(1, count + 1)]
    first += [f"kpi target NL --period {p} --gmv {n}.5" for n, p in enumerate(periods)]
    first += [f"promo add DE 'Bulk {n}' --start 2027-0{n % 9 + 1}-01 --end 2027-0{n % 9 + 1}-02" for n in range(count)]
    second = [f"kpi actual NL --period {p} --gmv {n}" for n, p in enumerate(periods)]
    second += [f"check done c{n}" for n in range(1, count + 1)]
    second += [f"region set {code} --owner everyone" for code in ("DE", "NL", "FR", "ES", "IT")]
    return ["\n".join(first) + "\n", "\n".join(second) + "\n"]


def test_large_changes_store_the_same_on_postgresql_as_on_the_file(pg_url, tmp_path):
    file = str(tmp_path / "rollout.json")
    results = {}
    for where in (file, pg_url):
        assert run("--db", where, "init")[0] == 0
        assert run("--db", where, "config", "set", "health.at_risk_days", "21")[0] == 0  # a setting's row updated
        for lines in _large_batches():
            code, _, stderr = run("--db", where, "--user", "amara", "batch", "-", input=lines)
            assert code == 0, stderr
        assert run("--db", where, "undo")[0] == 0  # the second batch's records written back as they were
        results[where] = [
            run("--db", where, *args)[1] for args in (("export",), ("history", "--json"), ("kpi", "--json"))
        ]
    assert results[file] == results[pg_url]
    assert run("--db", pg_url, "doctor")[0] == 0


def test_db_copy_refuses_a_database_already_there_unless_forced(pg_url, tmp_path):
    file = str(tmp_path / "a.json")
    run("--db", file, "init")
    run("--db", pg_url, "init", "--empty")
    before = run("--db", pg_url, "export")[1]
    code, _, stderr = run("db", "copy", file, pg_url)
    assert code == 1 and "already holds a database" in stderr and "--force" in stderr
    assert run("--db", pg_url, "export")[1] == before
    assert run("db", "copy", file, pg_url, "--force")[0] == 0
    assert run("--db", pg_url, "export")[1] == run("--db", file, "export")[1]
    other = str(tmp_path / "b.json")
    run("--db", other, "init", "--empty")
    code, stdout, _ = run("db", "copy", pg_url, other, "--force")
    assert code == 0 and "kept as" in stdout


# -- many writers ---------------------------------------------------------------------------------
WRITER = """
import sys
from rollout.db import Database
from rollout import ops
db = Database(sys.argv[1])
for step in range(int(sys.argv[3])):
    with db.transaction(f"writer{sys.argv[2]}", f"add {sys.argv[2]}.{step}") as state:
        ops.add_items(state, ["DE"], f"w{sys.argv[2]} s{step}")
"""


@pytest.mark.slow
def test_eight_writer_processes_of_a_hundred_edits_lose_nothing(pg_url):
    Database(pg_url).create(empty=False, force=False)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, pg_url, str(n), "100"], stderr=subprocess.PIPE, text=True)
        for n in range(8)
    ]
    for writer in writers:
        assert writer.wait(300) == 0, writer.stderr.read()
    state = Database(pg_url).load()
    titles = {item["title"] for item in state.items.values()}
    assert {f"w{n} s{s}" for n in range(8) for s in range(100)} <= titles
    assert state.revision == 800
    revisions = [e["revision"] for e in state.history]
    assert revisions == list(range(1, 801)) and [e["id"] for e in state.history] == revisions


# -- credentials, unreachable servers ---------------------------------------------------------------
@pytest.mark.parametrize("how", ["userinfo", "query", "encoded"])
def test_a_password_in_the_location_is_never_printed(pg_url, how, tmp_path):
    url, secrets = with_secret(pg_url, how)
    outputs = [
        run("--db", url, "status"),  # no database yet: the error names it
        run("--db", url, "init"),
        run("--db", url, "check", "add", "DE", "Press kit", "--json"),
        run("--db", url, "history", "--json"),
        run("--db", url, "doctor", "--json"),
        run("--db", url, "restore"),
        run("db", "copy", url, str(tmp_path / "copy.json")),
        run("db", "copy", str(tmp_path / "copy.json"), url),  # refused: already there
    ]
    dead = url.replace(quote(str(Path(pg_url.split("@", 1)[1]).parent), safe=""), quote(str(tmp_path), safe=""))
    outputs.append(run("--db", dead, "status"))
    text = "\n".join(out + err for _, out, err in outputs)
    assert "postgresql://rollout@" in text
    for secret in secrets:
        assert secret not in text
    history = Database(url).load().history
    assert all(secret not in str(entry) for entry in history for secret in secrets)


def test_an_unreachable_server_is_one_line_naming_user_host_port_and_database(tmp_path, monkeypatch):
    monkeypatch.setenv("ROLLOUT_CONNECT_TIMEOUT", "2")
    socket_dir = quote(str(tmp_path), safe="")
    code, stdout, stderr = run("--db", f"postgresql://launch:Secret@{socket_dir}:5999/rollout", "status")
    assert code == 1 and stdout == ""
    (line,) = stderr.splitlines()
    assert line.startswith("Error: cannot connect to PostgreSQL database rollout on ")
    assert str(tmp_path) in line and "port 5999" in line and "as user launch" in line and "Secret" not in line


def test_a_server_that_never_answers_is_given_up_on_after_the_overall_deadline(monkeypatch):
    """libpq's connect_timeout counts per host: three silent hosts still give up after ROLLOUT_CONNECT_TIMEOUT."""
    import socket
    import threading

    listeners = []
    for _ in range(3):  # accept TCP connections, never speak: a server hung at start-up
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listeners.append(listener)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept(listener: socket.socket) -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    threads = [threading.Thread(target=accept, args=(s,), daemon=True) for s in listeners]
    for thread in threads:
        thread.start()
    try:
        monkeypatch.setenv("ROLLOUT_CONNECT_TIMEOUT", "2")
        hosts = ",".join(f"127.0.0.1:{s.getsockname()[1]}" for s in listeners)
        start = time.monotonic()
        code, _, stderr = run("--db", f"postgresql://launch:pw@{hosts}/rollout", "status")
        took = time.monotonic() - start
    finally:
        stop.set()
        for sock in [*held, *listeners]:
            sock.close()
    assert code == 1 and "no answer within 2 s" in stderr and "pw@" not in stderr
    assert took < 3.5


def test_a_newer_storage_layout_is_refused_in_one_line(pg_url):
    import psycopg

    run("--db", pg_url, "init")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE rollout_meta SET store_version = 99")
    code, _, stderr = run("--db", pg_url, "status")
    assert code == 1 and re.fullmatch(r"Error: .*storage layout 99, newer than this rollout reads \(1\).*\n", stderr)


def test_file_commands_never_import_psycopg(db_path, tmp_path):
    probe = "import sys; from rollout.cli import main; sys.argv=['rollout', *sys.argv[1:]]\ntry: main()\nexcept SystemExit: pass\nprint('psycopg' in sys.modules)"
    for args in (("status", "--json"), ("check", "add", "DE", "x"), ("history",), ("doctor",)):
        result = subprocess.run(
            [sys.executable, "-c", probe, "--db", str(db_path), *args], capture_output=True, text=True, timeout=60
        )
        assert result.stdout.strip().splitlines()[-1] == "False", args
    assert os.environ.get("ROLLOUT_DB") is None


def test_records_read_back_in_the_shape_they_were_written(pg_url, tmp_path):
    """A field a record never had stays absent, a field this layout has no column for is kept."""
    import json

    file = tmp_path / "old.json"
    Database(file).create(empty=False, force=False)
    raw = json.loads(file.read_text())
    items = list(raw["items"].values())
    del items[0]["after"]  # stored before items could wait for others
    items[1]["legacy_note"] = {"kept": [1, 2]}  # a field added by a later version
    file.write_text(json.dumps(raw))
    code, _, stderr = run("db", "copy", str(file), pg_url)
    assert code == 0, stderr
    stored = Database(pg_url).backend.read()
    back = list(stored.document["items"].values())
    assert "after" not in back[0] and back[1]["legacy_note"] == {"kept": [1, 2]}
    assert back == list(Database(file).backend.read().document["items"].values())
