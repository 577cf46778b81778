"""A real PostgreSQL server for the tests: Debian's `postgresql` package (scripts/test-deps installs it),
`initdb` into a temporary directory, listening only on a Unix socket there, stopped at the end.

One server per test process (each pytest-xdist worker starts its own: about a second), one
database per test (`PostgresServer.new_database`). initdb refuses to run as root, so under root
the server runs as the unprivileged test user (tests/needs.py). Without PostgreSQL or psycopg the
tests that need them skip locally, saying why, and fail under CI=true.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

from needs import as_user, unavailable, unprivileged_user

SUPERUSER = "rollout"


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


class PostgresServer:
    """A running cluster: `url(dbname)` for the location of a database in it."""

    def __init__(self) -> None:
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if initdb is None or pg_ctl is None:
            unavailable("PostgreSQL (initdb, pg_ctl from the postgresql package)")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            unavailable("psycopg 3", "pip install -e '.[test]'")
        self.pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="rollout-pg-"))
        self.data = self.root / "data"
        self.socket = self.root
        self.log = self.root / "server.log"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = unprivileged_user()
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = as_user(user, [])[:-1]  # setpriv ... --
            self.prefix.append("--")
        self.root.chmod(0o755)
        self._run([initdb, "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"])
        self.start()
        self._numbers = itertools.count(1)

    def _run(self, command: list[str]) -> None:
        result = subprocess.run([*self.prefix, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stderr or result.stdout}")

    def start(self) -> None:
        options = f"-k {self.socket} -c listen_addresses='' -F -c full_page_writes=off -c max_connections=60"
        self._run([self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start"])

    def stop(self, mode: str = "fast") -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"])

    def url(self, dbname: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@{quote(str(self.socket), safe='')}/{dbname}"

    def new_database(self) -> str:
        """A new, empty database (no rollout tables): its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop("immediate")
        except (RuntimeError, subprocess.TimeoutExpired):
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
