"""The PostgreSQL backend: one rollout database in a PostgreSQL database, through psycopg 3.

What `--db postgresql://user@host/dbname` (or ROLLOUT_DB) opens, for teams working from several
hosts. psycopg is the optional extra `rollout[postgres]`, imported only by this module, which only
a postgresql:// location loads. libpq's own sources of connection settings apply (PG* variables,
~/.pgpass, service files).

Tables (created by `rollout init` on an empty database, STORE_VERSION in rollout_meta):

    rollout_meta        one row: the storage layout version, the record schema, the revision,
                        the id counters (real columns), other `_meta` keys (JSON)
    rollout_regions     one row per region, a column per field, CHECKs for what the model checks
    rollout_items       checklist items (region: a foreign key to the regions, checked at commit)
    rollout_promotions  promotions (the same)
    rollout_settings    shared settings: name, value (JSON: a setting's value is free)
    rollout_records     any other record table of rollout.state.TABLES (added later): JSON rows
    rollout_history     one row per change: id, revision, client and server time, user,
                        command, the regions touched, the header (JSON) and the entry (JSON)

Every record row keeps `pos` (the record's place in its table: records read back in the order
they were stored), `missing` (fields the record did not have, so a record reads back exactly as
written) and `extra` (fields this layout has no column for: a field added later works unedited).

One change is one transaction under READ COMMITTED: writers are serialised by an advisory
transaction lock (waited for at most ROLLOUT_LOCK_TIMEOUT seconds); the rows the change touched,
the metadata row and one history row are written, the revision goes up by one, and the commit
sends NOTIFY rollout with the new revision (live refresh: `watch`). A serialization failure or a
deadlock (SQLSTATE 40001, 40P01) is retried MAX_RETRIES times. A server that cannot be reached
is a DatabaseError naming user, host, port and database, after at most ROLLOUT_CONNECT_TIMEOUT
seconds (default 10) whatever the number of hosts; a statement that hangs ends after
ROLLOUT_STATEMENT_TIMEOUT seconds (default 60). No message ever holds a password: they are built
from the parsed connection settings (user, host, port, dbname only) and from a classification of
the driver's error, never from its text.

Backups are the server's business (pg_dump, continuous archiving): this backend keeps none.

Thread safety: a PostgresBackend may be shared by the threads of one process (the TUI's workers):
its work connection is used by one thread at a time (a lock held for a whole read or a whole
writer's turn); the watcher has a connection of its own.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import orjson

from rollout.backends.base import (
    Backend,
    ChangeHook,
    Document,
    Entry,
    HistoryLog,
    HistoryPage,
    HistoryQuery,
    Replaced,
    StoredState,
    Transaction,
    header_of,
)
from rollout.errors import DatabaseError, NotFound
from rollout.migrations import SCHEMA_VERSION
from rollout.storage import lock_timeout

try:
    import psycopg
    from psycopg import errors as pg_errors
except ImportError:  # the optional extra is not installed: said when such a location is opened
    psycopg = None  # type: ignore[assignment]

STORE_VERSION = 1  # the table layout this rollout writes; a database with a higher one is refused
CHANNEL = "rollout"  # LISTEN/NOTIFY channel; the payload is the new revision, nothing else
LOCK_KEY = 0x726F6C6C  # the writers' advisory lock ("roll")
MAX_RETRIES = 3
PIPELINED = 50  # a change of at most this many records is sent in one round trip (larger ones use COPY)
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_STATEMENT_TIMEOUT = 60.0
NOTIFY_WAIT = 1.0  # how long the watcher waits for a notification before checking it should stop

# Record tables with columns of their own: (column, SQL type and constraints); the first is the key.
# Instants stay text (ISO 8601 with the offset written), so a record reads back exactly as written.
COLUMNS: dict[str, list[tuple[str, str]]] = {}


def _columns() -> dict[str, list[tuple[str, str]]]:
    from rollout import model

    def one_of(values: tuple[str, ...]) -> str:
        return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"

    return {
        "regions": [
            ("code", r"text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$')"),
            ("name", r"text NOT NULL CHECK (name ~ '\S')"),
            ("timezone", "text NOT NULL CHECK (timezone <> '')"),
            ("currency", "text NOT NULL CHECK (currency ~ '^[A-Z]{3}$')"),
            ("status", f"text NOT NULL CHECK (status IN {one_of(model.STATUSES)})"),
            ("wave", "integer NOT NULL CHECK (wave >= 0)"),
            ("owner", "text NOT NULL"),
            ("launch", "text"),
            ("launched_at", "text"),
        ],
        "items": [
            ("id", "text PRIMARY KEY CHECK (id ~ '^c[1-9][0-9]*$')"),
            ("region", "text NOT NULL REFERENCES rollout_regions (code) DEFERRABLE INITIALLY DEFERRED"),
            ("title", r"text NOT NULL CHECK (title ~ '\S')"),
            ("category", f"text NOT NULL CHECK (category IN {one_of(model.CATEGORIES)})"),
            ("owner", "text NOT NULL"),
            ("due", "text"),
            ("due_all_day", "boolean"),
            ("status", f"text NOT NULL CHECK (status IN {one_of(model.ITEM_STATUSES)})"),
            ("critical", "boolean NOT NULL"),
            ("done_at", "text"),
            ("done_by", "text"),
            ("after", "text[]"),
        ],
        "promotions": [
            ("id", "text PRIMARY KEY CHECK (id ~ '^p[1-9][0-9]*$')"),
            ("region", "text NOT NULL REFERENCES rollout_regions (code) DEFERRABLE INITIALLY DEFERRED"),
            ("name", r"text NOT NULL CHECK (name ~ '\S')"),
            ("kind", r"text NOT NULL CHECK (kind ~ '\S')"),
            ("start", "text NOT NULL"),
            ("end", "text NOT NULL"),
        ],
        "settings": [("name", "text PRIMARY KEY"), ("value", "jsonb NOT NULL")],
    }


def _q(name: str) -> str:
    """A column name quoted for SQL (`end`, `user` are reserved words)."""
    return '"' + name.replace('"', '""') + '"'


def _ddl() -> list[str]:
    statements = [
        """CREATE TABLE rollout_meta (
            id integer PRIMARY KEY CHECK (id = 1),
            store_version integer NOT NULL,
            schema integer NOT NULL,
            revision bigint NOT NULL CHECK (revision >= 0),
            next_items bigint NOT NULL CHECK (next_items >= 1),
            next_promotions bigint NOT NULL CHECK (next_promotions >= 1),
            extra jsonb NOT NULL DEFAULT '{}'
        )""",
    ]
    for table, columns in COLUMNS.items():
        body = ", ".join(f"{_q(name)} {kind}" for name, kind in columns)
        statements.append(f"CREATE TABLE rollout_{table} ({body}, pos bigint NOT NULL, missing text[], extra json)")
        statements.append(f"CREATE INDEX rollout_{table}_pos ON rollout_{table} (pos)")
    statements += [
        """CREATE TABLE rollout_records (
            tbl text NOT NULL, key text NOT NULL, pos bigint NOT NULL, record json NOT NULL,
            PRIMARY KEY (tbl, key))""",
        """CREATE TABLE rollout_history (
            id bigint PRIMARY KEY CHECK (id >= 1),
            revision bigint NOT NULL UNIQUE CHECK (revision >= 1),
            at timestamptz NOT NULL,
            committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            "user" text NOT NULL,
            command text NOT NULL,
            regions text[] NOT NULL,
            header json NOT NULL,
            body json NOT NULL)""",
        "CREATE INDEX rollout_history_regions ON rollout_history USING gin (regions)",
    ]
    return statements


# Steps from one storage layout version to the next, each run in a transaction of its own under
# the writers' lock: {old version: [statements]}. Version 1 is the first.
UPGRADES: dict[int, list[str]] = {}


# -- locations and messages ------------------------------------------------------------------------
def connect_timeout() -> float:
    """ROLLOUT_CONNECT_TIMEOUT seconds (default 10): the whole time a connection may take, every host tried."""
    return _seconds("ROLLOUT_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)


def statement_timeout() -> float:
    """ROLLOUT_STATEMENT_TIMEOUT seconds (default 60): the longest one statement may run."""
    return _seconds("ROLLOUT_STATEMENT_TIMEOUT", DEFAULT_STATEMENT_TIMEOUT)


def _seconds(variable: str, default: float) -> float:
    from rollout.errors import InvalidValue

    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise InvalidValue(f"invalid {variable} {raw!r}: expected a number of seconds > 0")
    return value


def settings_of(conninfo: str) -> dict[str, str]:
    """The connection settings messages may name (user, host, port, dbname: an allow-list), as
    libpq reads them: the URL, else PGUSER/PGHOST/PGPORT/PGDATABASE or a service file, else
    libpq's defaults. Never the password, whatever the URL holds."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(conninfo)
    except psycopg.Error:
        raise DatabaseError(f"cannot open {_mask(conninfo)}: the URL is malformed") from None
    user = given.get("user") or os.environ.get("PGUSER") or _login()
    host = given.get("host") or given.get("hostaddr") or os.environ.get("PGHOST") or "the local socket"
    port = given.get("port") or os.environ.get("PGPORT") or "5432"
    dbname = given.get("dbname") or os.environ.get("PGDATABASE") or user
    if given.get("service") and not given.get("host"):
        host = f"service {given['service']}"
    return {"user": str(user), "host": str(host), "port": str(port), "dbname": str(dbname)}


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _mask(conninfo: str) -> str:
    from rollout.backends.location import mask_url

    return mask_url(conninfo)


def describe(settings: dict[str, str]) -> str:
    """'PostgreSQL database rollout on db.example port 5432 as user launch' (settings_of)."""
    return (
        f"PostgreSQL database {settings['dbname']} on {settings['host']} port {settings['port']} "
        f"as user {settings['user']}"
    )


# Why a connection failed, from the driver's error classified, never its text (it may quote the
# connection string). The first pattern found names the reason.
_REASONS = (
    (
        re.compile(r"password authentication failed|no password supplied|authentication failed", re.I),
        "authentication failed",
    ),
    (re.compile(r"database \".*\" does not exist", re.I), "the database does not exist"),
    (re.compile(r"role \".*\" does not exist", re.I), "the user does not exist on the server"),
    (re.compile(r"Connection refused", re.I), "connection refused (is the server running?)"),
    (re.compile(r"No such file or directory", re.I), "no server listening on that socket"),
    (
        re.compile(r"could not translate host name|Name or service not known|nodename nor servname", re.I),
        "unknown host",
    ),
    (re.compile(r"timeout expired|timed out", re.I), "no answer in time"),
    (re.compile(r"too many connections|remaining connection slots", re.I), "the server has no free connection"),
    (
        re.compile(r"the database system is (starting up|shutting down|in recovery mode)", re.I),
        "the server is starting or stopping",
    ),
    (re.compile(r"SSL", re.I), "the SSL handshake failed"),
    (
        re.compile(r"server closed the connection|terminating connection|connection.*(lost|closed)", re.I),
        "the connection was lost",
    ),
)


def reason_of(error: BaseException) -> str:
    """A short reason for a driver error, from an allow-list (never the driver's own text)."""
    text = str(error)
    for pattern, reason in _REASONS:
        if pattern.search(text):
            return reason
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return f"the server refused it (SQLSTATE {sqlstate})"
    return "could not connect"


def _lost(error: BaseException) -> bool:
    """Whether a driver error means the connection is gone (not a refused statement)."""
    return (
        psycopg is not None
        and isinstance(error, psycopg.OperationalError)
        and not isinstance(
            error,
            (
                pg_errors.LockNotAvailable,
                pg_errors.QueryCanceled,
                pg_errors.SerializationFailure,
                pg_errors.DeadlockDetected,
            ),
        )
    )


# -- records <-> rows ---------------------------------------------------------------------------------
@functools.cache
def _rows_sql(table: str) -> str:
    """Every row of a record table in stored order: its columns, then `missing` and `extra`."""
    names = ", ".join(_q(name) for name, _ in COLUMNS[table])
    return f"SELECT {names}, missing, extra FROM rollout_{table} ORDER BY pos"


def _records(table: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Records from `_rows_sql` rows, in the shape they were written (`missing`, `extra`)."""
    names = [name for name, _ in COLUMNS[table]]
    width = len(names)
    records = []
    for row in rows:
        record = dict(zip(names, row, strict=False))  # the columns only: zip stops at the names
        missing, extra = row[width], row[width + 1]
        if missing:
            for name in missing:
                record.pop(name, None)
        if extra:
            record.update(extra)
        records.append(record)
    return records


class _Layout(NamedTuple):
    """Where a record table's rows are and how a record becomes one: `name` the SQL table, `keys`
    the columns that find a record's row, `columns` what a row holds besides its position, `row`
    the values of those columns (for psycopg), `scope` what narrows the table to the records of one
    kind (the generic table's `tbl`)."""

    name: str
    keys: tuple[str, ...]
    columns: tuple[str, ...]
    row: Callable[[dict[str, Any]], list[Any]]
    scope: tuple[str, ...]

    def sql(self, names: tuple[str, ...] | list[str], prefix: str = "") -> str:
        """Column names quoted for SQL, comma separated, each after `prefix` ("s.")."""
        return ", ".join(prefix + _q(name) for name in names)

    @property
    def where(self) -> str:
        """' WHERE tbl = %s' (its parameter: `scope`) for the generic table, ' WHERE true' otherwise:
        ready for more conditions after AND."""
        return " WHERE tbl = %s" if self.scope else " WHERE true"


@functools.cache
def _layout(table: str) -> _Layout:
    """Rows of their own columns for the tables the model checks (COLUMNS); one generic table of
    JSON records (`rollout_records`, keyed by table and key) for the others."""
    if not COLUMNS:
        COLUMNS.update(_columns())
    if table in COLUMNS:
        columns = tuple(name for name, _ in COLUMNS[table])
        row = functools.partial(_row, table)
        return _Layout(f"rollout_{table}", columns[:1], (*columns, "missing", "extra"), row, ())
    from rollout.state import KEY

    def generic(record: dict[str, Any]) -> list[Any]:
        from psycopg.types.json import Json

        return [table, str(record[KEY[table]]), Json(record, _dumps)]

    return _Layout("rollout_records", ("tbl", "key"), ("tbl", "key", "record"), generic, (table,))


def _row_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row's values as JSON gives them to json_populate_recordset (psycopg's JSON wrappers unwrapped)."""
    from psycopg.types.json import Json, Jsonb

    return {name: value.obj if isinstance(value, (Json, Jsonb)) else value for name, value in row.items()}


# JSON for the server by orjson: psycopg's default (the json module) takes a tenth of a second over
# the history entry of a 10,000-line batch, orjson a hundredth. Keys that are not text become
# text, as with the json module.
_dumps = functools.partial(orjson.dumps, option=orjson.OPT_NON_STR_KEYS)


def _row(table: str, record: dict[str, Any]) -> list[Any]:
    """The column values of `record`, then missing and extra (None when there is nothing)."""
    from psycopg.types.json import Json, Jsonb

    names = [name for name, _ in COLUMNS[table]]
    values: list[Any] = []
    missing = []
    for name in names:
        if name not in record:
            missing.append(name)
            values.append(None)
            continue
        value = record[name]
        values.append(Jsonb(value, _dumps) if table == "settings" and name == "value" else value)
    extra = {k: v for k, v in record.items() if k not in names}
    return [*values, missing or None, Json(extra, _dumps) if extra else None]


def _checkpoint(name: str) -> None:
    """For crash tests: ROLLOUT_TEST_STOP_AT=rows-written stops the writer (SIGSTOP) with every row
    of its change written and not committed, so a test can look at readers, then kill it."""
    if os.environ.get("ROLLOUT_TEST_STOP_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGSTOP)


class ConnectionLost(DatabaseError):
    """The work connection broke (the server restarted or went away); the next call reconnects."""


class PostgresBackend(Backend):
    """A rollout database in the PostgreSQL database `conninfo` names (a postgresql:// URL)."""

    supports_backups = False
    backups_note = (
        "on PostgreSQL, backups belong to the server (pg_dump, or the server's own backups and "
        "point-in-time recovery); `rollout undo` reverts a change, `rollout db copy` copies the database to a file"
    )

    def __init__(self, conninfo: str) -> None:
        if psycopg is None:
            raise DatabaseError(
                f"cannot open {_mask(conninfo)}: PostgreSQL needs psycopg 3 (pip install 'rollout[postgres]')"
            )
        if not COLUMNS:
            COLUMNS.update(_columns())
        self._conninfo = conninfo
        self.location = _mask(conninfo)
        self.settings = settings_of(conninfo)
        self.described = describe(self.settings)
        self._conn: Any = None
        self._lock = threading.RLock()
        self._known = False  # the rollout tables exist (seen once)
        self._upgraded = False  # the storage layout was checked by this object's first writer

    # -- connections ------------------------------------------------------------------------
    def connect(self) -> Any:
        """A new autocommit connection with rollout's time limits, within the overall deadline.

        libpq's connect_timeout counts per host (and psycopg tries every host of the URL in turn),
        so the attempt runs in a thread given connect_timeout() in all: past it, DatabaseError."""
        deadline = connect_timeout()
        found: dict[str, Any] = {}

        def attempt() -> None:
            try:
                conn = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=max(2, int(deadline)),
                    application_name="rollout",
                )
                ms = int(statement_timeout() * 1000)
                conn.execute(f"SET statement_timeout = {ms}")
                conn.execute("SET idle_in_transaction_session_timeout = 0")
                found["conn"] = conn
            except BaseException as exc:  # handed to the caller's thread
                found["error"] = exc

        worker = threading.Thread(target=attempt, name="rollout-connect", daemon=True)
        worker.start()
        worker.join(deadline)
        if worker.is_alive():
            raise DatabaseError(f"cannot connect to {self.described}: no answer within {deadline:g} s")
        if "error" in found:
            raise DatabaseError(f"cannot connect to {self.described}: {reason_of(found['error'])}") from None
        return found["conn"]

    def _work(self) -> Any:
        """The work connection, opened (again, after a loss) when needed."""
        if self._conn is None or self._conn.closed:
            self._conn = self.connect()
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def _session(self) -> Iterator[Any]:
        """The work connection for one operation; a driver error becomes one DatabaseError line
        (a lost connection is dropped, so the next operation connects again)."""
        with self._lock:
            conn = self._work()
            try:
                yield conn
            except DatabaseError:
                raise
            except psycopg.Error as exc:
                if _lost(exc) or conn.closed:
                    self._drop()
                    raise ConnectionLost(f"lost the connection to {self.described}: {reason_of(exc)}") from None
                raise DatabaseError(self._refused(exc)) from None

    def _again(self, read: Callable[[], Any]) -> Any:
        """A read, tried once more on a new connection when the old one was lost (a server
        restarted since the last command: reading again is safe, writing is not)."""
        try:
            return read()
        except ConnectionLost:
            return read()

    def _drop(self) -> None:
        try:
            if self._conn is not None:
                self._conn.close()
        except Exception:  # already broken: nothing more to do
            pass
        self._conn = None

    def _refused(self, exc: BaseException) -> str:
        if isinstance(exc, pg_errors.QueryCanceled):
            return f"{self.described}: a statement took longer than {statement_timeout():g} s and was cancelled"
        if isinstance(exc, pg_errors.InsufficientPrivilege):
            return f"{self.described}: permission denied (the user needs rights on the rollout_* tables)"
        if isinstance(exc, (pg_errors.IntegrityError,)):
            return f"{self.described} refused the change: a record breaks a constraint ({type(exc).__name__})"
        return f"{self.described}: {reason_of(exc)}"

    # -- reading ----------------------------------------------------------------------------
    def _has_schema(self, conn: Any) -> bool:
        """Whether the rollout tables exist (asked once per backend: tables only go with `erase`)."""
        if not self._known:
            self._known = bool(conn.execute("SELECT to_regclass('rollout_meta') IS NOT NULL").fetchone()[0])
        return self._known

    def _meta_row(self, conn: Any, query: str = "") -> tuple[Any, ...] | None:
        """(store_version, schema, revision, next_items, next_promotions, extra, ...what `query` adds)
        or None (no database); one round trip once the tables are known."""
        if not self._has_schema(conn):
            return None
        row = conn.execute(
            "SELECT store_version, schema, revision, next_items, next_promotions, extra" + query + " FROM rollout_meta"
        ).fetchone()
        if row is None:
            return None
        if row[0] > STORE_VERSION:
            raise DatabaseError(
                f"{self.location} has storage layout {row[0]}, newer than this rollout reads ({STORE_VERSION}): "
                "upgrade rollout"
            )
        if row[1] > SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.location} has record schema {row[1]}, newer than this rollout reads ({SCHEMA_VERSION}): "
                "upgrade rollout"
            )
        return row

    def exists(self) -> bool:
        return self._again(self._exists)

    def _exists(self) -> bool:
        with self._session() as conn:
            return self._meta_row(conn) is not None

    def read(self) -> StoredState | None:
        """The current state in one REPEATABLE READ, READ ONLY transaction: every table as of one moment."""
        return self._again(self._read)

    def _read(self) -> StoredState | None:
        with self._session() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                return self._read_in(conn)
            finally:
                if not conn.closed:
                    conn.execute("ROLLBACK")

    def _read_in(self, conn: Any) -> StoredState | None:
        from rollout.state import TABLES

        meta_row = self._meta_row(conn)
        if meta_row is None:
            return None
        store_version, schema, revision, next_items, next_promotions, extra = meta_row
        meta = {"schema": schema, "revision": revision, "next_items": next_items, "next_promotions": next_promotions}
        meta.update(extra or {})
        document: Document = {"_meta": {"1": meta}}
        # Every table's rows in one round trip (a pipeline), as binary tuples: building the records
        # here costs a third of what the server takes to build them as JSON (measured at 2,000 regions).
        with conn.pipeline():
            cursors = {table: conn.cursor(binary=True).execute(_rows_sql(table)) for table in COLUMNS}
            generic = conn.cursor(binary=True).execute("SELECT tbl, record FROM rollout_records ORDER BY tbl, pos")
        others: dict[str, list[dict[str, Any]]] = {}
        for table, record in generic.fetchall():
            others.setdefault(table, []).append(record)
        for table in TABLES:
            records = _records(table, cursors[table].fetchall()) if table in COLUMNS else others.get(table, [])
            document[table] = {str(i): record for i, record in enumerate(records, 1)}
        return StoredState(document, revision, ("postgresql", revision), PostgresHistory(self, revision), schema)

    def token(self) -> Any:
        revision = self.revision()
        return None if revision is None else ("postgresql", revision)

    def revision(self) -> int | None:
        return self._again(self._revision)

    def _revision(self) -> int | None:
        with self._session() as conn:
            row = self._meta_row(conn)
            return None if row is None else int(row[2])

    def history(self) -> HistoryLog:
        revision = self.revision()
        if revision is None:
            raise DatabaseError(f"no database at {self.location} (`rollout init` creates one there)")
        return PostgresHistory(self, revision)

    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[Transaction]:
        """The writers' turn: a transaction holding the advisory lock, waited for at most `timeout`."""
        wait = lock_timeout() if timeout is None else timeout
        with self._session() as conn:
            self._upgrade(conn, wait)
            tx = PostgresTransaction(self, conn, wait)
            try:
                tx.begin()
                yield tx
            finally:
                tx.end()

    def _lock_writers(self, conn: Any, wait: float) -> None:
        """BEGIN and take the writers' lock, in one round trip."""
        try:
            conn.execute(
                f"BEGIN; SET LOCAL lock_timeout = {max(1, int(wait * 1000))}; SELECT pg_advisory_xact_lock({LOCK_KEY})"
            )
        except pg_errors.LockNotAvailable:
            conn.execute("ROLLBACK")
            raise DatabaseError(
                f"database {self.location} is locked by another writer (waited {wait:g} s); nothing was written"
            ) from None

    def _upgrade(self, conn: Any, wait: float) -> None:
        """Bring an older storage layout up to STORE_VERSION, one step per transaction under the lock."""
        if self._upgraded:
            return
        row = self._meta_row(conn)
        if row is None or row[0] >= STORE_VERSION:
            self._upgraded = row is not None
            return
        while True:
            self._lock_writers(conn, wait)
            version = conn.execute("SELECT store_version FROM rollout_meta").fetchone()[0]
            if version >= STORE_VERSION:
                conn.execute("COMMIT")
                return
            for statement in UPGRADES[version]:
                conn.execute(statement)
            conn.execute("UPDATE rollout_meta SET store_version = %s", (version + 1,))
            conn.execute("COMMIT")

    # -- live refresh -----------------------------------------------------------------------
    def watch(self, on_change: Callable[[], None] | None = None) -> ChangeHook:
        return PostgresWatch(self, on_change)

    # -- storage checks (rollout doctor) -------------------------------------------------------
    def storage_checks(self) -> list[str]:
        """Problems of the storage itself: history rows agreeing with the revision, ids and revisions
        strictly increasing, the counters above every id used."""
        problems = []
        with self._session() as conn:
            row = self._meta_row(conn)
            if row is None:
                return [f"no database at {self.location}"]
            revision = int(row[2])
            top = conn.execute("SELECT max(revision), max(id), count(*) FROM rollout_history").fetchone()
            if top[0] is not None and top[0] > revision:
                problems.append(f"history holds revision {top[0]}, newer than the stored revision {revision}")
            bad = conn.execute(
                "SELECT count(*) FROM (SELECT id, revision, lag(revision) OVER (ORDER BY id) AS previous"
                " FROM rollout_history) h WHERE previous IS NOT NULL AND revision <= previous"
            ).fetchone()[0]
            if bad:
                problems.append(f"{bad} history entries have a revision not above the one before them")
        return problems

    def describe_storage(self) -> dict[str, Any]:
        """What doctor reports about the storage: the layout version and the server's settings (no password)."""
        return {"kind": "postgresql", "store_version": STORE_VERSION, **self.settings}


class PostgresTransaction(Transaction):
    """One writer's turn on the work connection (PostgresBackend.writing)."""

    def __init__(self, backend: PostgresBackend, conn: Any, wait: float) -> None:
        self.backend = backend
        self.conn = conn
        self.wait = wait
        self._open = False
        self._seen: StoredState | None = None
        self._seen_revision: int | None = None

    def begin(self) -> None:
        # READ COMMITTED: each statement sees what committed before it.
        self.backend._lock_writers(self.conn, self.wait)
        self._open = True

    def end(self) -> None:
        if self._open and not self.conn.closed:
            self.conn.execute("ROLLBACK")
        self._open = False

    def read(self) -> StoredState | None:
        if not self._open:
            self.begin()
        stored = self.backend._read_in(self.conn)
        self._seen = stored
        self._seen_revision = None if stored is None else stored.revision
        return stored

    def commit(self, document: Document, entry: Entry | None) -> StoredState:
        """Write what changed (the entry's changes, the metadata, one history row) and COMMIT.

        A serialization failure or deadlock is retried up to MAX_RETRIES times, when the stored
        revision is still the one read. A lost connection: the change is looked up after
        reconnecting and the error says whether it was written."""
        revision = int(document["_meta"]["1"]["revision"])
        for attempt in range(MAX_RETRIES + 1):
            try:
                if not self._open:
                    self.begin()
                self._check_unchanged()
                if entry is None:
                    self._create(document)
                    self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(revision)))
                elif len(entry.get("changes") or ()) <= PIPELINED:
                    with self.conn.pipeline():  # every statement of a small change in one round trip
                        self._write_changes(document, entry)
                        self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(revision)))
                else:
                    self._write_changes(document, entry)
                    self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(revision)))
                _checkpoint("rows-written")
                self.conn.execute("COMMIT")
                self._open = False
                break
            except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
                self._open = False
                if self.conn.closed:
                    raise
                self.conn.execute("ROLLBACK")
                if attempt == MAX_RETRIES:
                    raise DatabaseError(
                        f"{self.backend.described}: the change met {MAX_RETRIES + 1} conflicts in a row; nothing was written"
                    ) from None
            except psycopg.Error as exc:
                self._open = False
                if _lost(exc) or self.conn.closed:
                    raise DatabaseError(self._after_loss(entry, exc)) from None
                raise
        stored = StoredState(
            document, revision, ("postgresql", revision), PostgresHistory(self.backend, revision), SCHEMA_VERSION
        )
        self._seen, self._seen_revision = stored, revision
        return stored

    def _after_loss(self, entry: Entry | None, exc: BaseException) -> str:
        """What a lost connection during a commit left: reconnect and look for the entry."""
        self.backend._drop()
        lost = f"lost the connection to {self.backend.described} during the commit ({reason_of(exc)})"
        if entry is None:
            return f"{lost}; run the command again"
        try:
            conn = self.backend._work()
            row = conn.execute(
                "SELECT body->>'at', \"user\" FROM rollout_history WHERE id = %s", (entry["id"],)
            ).fetchone()
        except (DatabaseError, psycopg.Error):
            return f"{lost}; whether it was written is unknown: `rollout history` shows it once the server answers"
        if row is not None and row[0] == entry["at"] and row[1] == entry["user"]:
            return f"{lost}, after it was written (history #{entry['id']})"
        return f"{lost}; nothing was written"

    def _check_unchanged(self) -> None:
        row = self.backend._meta_row(self.conn)
        now = None if row is None else int(row[2])
        if now != self._seen_revision:
            raise DatabaseError(f"database {self.backend.location} changed while this change was being made")

    # -- writing rows -------------------------------------------------------------------------
    def _create(self, document: Document) -> None:
        """A new database: the tables (when missing), the metadata row, every record."""
        conn = self.conn
        if not conn.execute("SELECT to_regclass('rollout_meta') IS NOT NULL").fetchone()[0]:
            for statement in _ddl():
                conn.execute(statement)
        self._write_all(document)

    def _write_all(self, document: Document) -> None:
        from rollout.state import TABLES

        conn = self.conn
        conn.execute("DELETE FROM rollout_meta")
        self._write_meta(document, insert=True)
        for table in TABLES:
            self._truncate(table)
            records = list((document.get(table) or {}).values())
            self._copy_rows(table, records, start=1)

    def _truncate(self, table: str) -> None:
        layout = _layout(table)
        self.conn.execute(f"DELETE FROM {layout.name}{layout.where}", layout.scope)

    def _copy_rows(self, table: str, records: list[dict[str, Any]], start: int) -> None:
        """Insert records at positions start, start+1, ... with COPY (fast for whole tables)."""
        if not records:
            return
        layout = _layout(table)
        with self.conn.cursor().copy(f"COPY {layout.name} ({layout.sql([*layout.columns, 'pos'])}) FROM STDIN") as copy:
            for position, record in enumerate(records, start):
                copy.write_row([*layout.row(record), position])

    def _write_meta(self, document: Document, insert: bool = False) -> None:
        meta = dict(document["_meta"]["1"])
        fixed = {key: meta.pop(key, None) for key in ("schema", "revision", "next_items", "next_promotions")}
        meta.pop("history", None)  # the file backend's own mark
        from psycopg.types.json import Jsonb

        values = (
            STORE_VERSION,
            int(fixed["schema"] or SCHEMA_VERSION),
            int(fixed["revision"] or 0),
            int(fixed["next_items"] or 1),
            int(fixed["next_promotions"] or 1),
            Jsonb(meta, _dumps),
        )
        if insert:
            self.conn.execute(
                "INSERT INTO rollout_meta (id, store_version, schema, revision, next_items, next_promotions, extra)"
                " VALUES (1, %s, %s, %s, %s, %s, %s)",
                values,
            )
        else:
            self.conn.execute(
                "UPDATE rollout_meta SET store_version = %s, schema = %s, revision = %s, next_items = %s,"
                " next_promotions = %s, extra = %s WHERE id = 1",
                values,
            )

    def _write_changes(self, document: Document, entry: Entry) -> None:
        """The rows the entry's changes touched, the records' order when it moved, meta, history."""
        from rollout.state import KEY

        assert self._seen is not None, "commit follows read"
        touched: dict[str, dict[str, dict[str, Any] | None]] = {}
        for change in entry.get("changes") or ():
            touched.setdefault(change["table"], {})[str(change["key"])] = change["after"]
        for table, changes in touched.items():
            removed = [key for key, after in changes.items() if after is None]
            kept = {key: after for key, after in changes.items() if after is not None}
            self._delete_rows(table, removed)
            before_order = [str(r[KEY[table]]) for r in (self._seen.document.get(table) or {}).values()]
            after_order = [str(r[KEY[table]]) for r in (document.get(table) or {}).values()]
            old = set(before_order)
            expected = [k for k in before_order if k not in set(removed)] + [k for k in after_order if k not in old]
            self._upsert_rows(table, kept, old)
            if expected != after_order:
                self._renumber(table, after_order)
        self._write_meta(document)
        self._write_entry(entry)

    def _delete_rows(self, table: str, keys: list[str]) -> None:
        if not keys:
            return
        layout = _layout(table)
        key = _q(layout.keys[-1])
        self.conn.execute(f"DELETE FROM {layout.name}{layout.where} AND {key} = ANY(%s)", (*layout.scope, keys))

    def _upsert_rows(self, table: str, records: dict[str, dict[str, Any]], existing: set[str]) -> None:
        """Update the records that were stored, insert the new ones after every other."""
        changed = [record for key, record in records.items() if key in existing]
        new = [record for key, record in records.items() if key not in existing]
        if changed:
            self._update_rows(table, changed)
        if new:
            self._insert_rows(table, new)

    def _update_rows(self, table: str, records: list[dict[str, Any]]) -> None:
        """Rewrite stored records' rows in one statement, however many: the rows go as one JSON
        array that the server reads as rows of the table itself (json_populate_recordset), so
        every column keeps its type (arrays, booleans, JSON) without a staging table."""
        layout = _layout(table)
        values = [name for name in layout.columns if name not in layout.keys]
        rows = [_row_json(dict(zip(layout.columns, layout.row(record), strict=True))) for record in records]
        sets = ", ".join(f"{_q(name)} = s.{_q(name)}" for name in values)
        matches = " AND ".join(f"t.{_q(name)} = s.{_q(name)}" for name in layout.keys)
        self.conn.execute(
            f"UPDATE {layout.name} t SET {sets} FROM json_populate_recordset(null::{layout.name}, %s) s WHERE {matches}",
            (orjson.dumps(rows).decode(),),
        )

    def _insert_rows(self, table: str, records: list[dict[str, Any]]) -> None:
        """Insert records after every other of their table: a few in one round trip, more by COPY."""
        layout = _layout(table)
        top = f"(SELECT coalesce(max(pos), 0) FROM {layout.name}{layout.where})"
        if len(records) <= PIPELINED:  # each insert sees the ones before it: the next place is one past the last
            marks = ", ".join(["%s"] * len(layout.columns))
            self.conn.cursor().executemany(
                f"INSERT INTO {layout.name} ({layout.sql([*layout.columns, 'pos'])}) VALUES ({marks}, {top} + 1)",
                [[*layout.row(record), *layout.scope] for record in records],
            )
            return
        start = self.conn.execute(top, layout.scope).fetchone()[0] + 1
        self._copy_rows(table, records, start=start)

    def _renumber(self, table: str, order: list[str]) -> None:
        """Store the records' order as the document has it (a change that reordered a whole table)."""
        positions = list(range(1, len(order) + 1))
        if table in COLUMNS:
            key = _q(COLUMNS[table][0][0])
            self.conn.execute(
                f"UPDATE rollout_{table} t SET pos = o.pos FROM unnest(%s::text[], %s::bigint[]) AS o(key, pos)"
                f" WHERE t.{key} = o.key",
                (order, positions),
            )
        else:
            self.conn.execute(
                "UPDATE rollout_records t SET pos = o.pos FROM unnest(%s::text[], %s::bigint[]) AS o(key, pos)"
                " WHERE t.tbl = %s AND t.key = o.key",
                (order, positions, table),
            )

    def _write_entry(self, entry: Entry) -> None:
        from psycopg.types.json import Json

        header = header_of(entry)
        self.conn.execute(
            'INSERT INTO rollout_history (id, revision, at, "user", command, regions, header, body)'
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                entry["id"],
                entry["revision"],
                entry["at"],
                str(entry.get("user", "")),
                str(entry.get("command", "")),
                header["regions"],
                Json(header, _dumps),
                Json(entry, _dumps),
            ),
        )

    def recovery_history(self) -> HistoryLog:
        return PostgresHistory(self.backend, None)

    def replace(self, document: Document, entries: list[Entry]) -> Replaced:
        """The whole state replaced by `document`, `entries` appended (ids and revisions checked)."""
        if not self._open:
            self.begin()
        top_id, top_revision = (
            self.conn.execute("SELECT coalesce(max(id), 0), coalesce(max(revision), 0) FROM rollout_history").fetchone()
            if self._has_tables()
            else (0, 0)
        )
        for entry in entries:
            if entry["id"] <= top_id or entry["revision"] <= top_revision:
                raise ValueError(f"entry #{entry['id']} cannot follow the stored history")
            top_id, top_revision = entry["id"], entry["revision"]
        if not self._has_tables():
            for statement in _ddl():
                self.conn.execute(statement)
        self._write_all(document)
        for entry in entries:
            self._write_entry(entry)
        revision = int(document["_meta"]["1"]["revision"])
        self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(revision)))
        self.conn.execute("COMMIT")
        self._open = False
        stored = StoredState(
            document, revision, ("postgresql", revision), PostgresHistory(self.backend, revision), SCHEMA_VERSION
        )
        self._seen, self._seen_revision = stored, revision
        return Replaced(None, stored)

    def erase(self) -> str | None:
        """Drop every rollout table (in this transaction: nothing is lost unless it commits)."""
        if not self._open:
            self.begin()
        tables = ["rollout_history", "rollout_records", *(f"rollout_{t}" for t in reversed(COLUMNS)), "rollout_meta"]
        for table in tables:
            self.conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        self.backend._known = False
        return None

    def _has_tables(self) -> bool:
        return bool(self.conn.execute("SELECT to_regclass('rollout_history') IS NOT NULL").fetchone()[0])


class PostgresHistory(HistoryLog):
    """The history rows as of revision `upto` (None: every row), read on demand."""

    def __init__(self, backend: PostgresBackend, upto: int | None) -> None:
        self.backend = backend
        self.upto = upto

    def _where(self) -> tuple[str, list[Any]]:
        if self.upto is None:
            return "TRUE", []
        return "revision <= %s", [self.upto]

    def _all(self, sql: str, params: list[Any]) -> list[Any]:
        with self.backend._session() as conn:
            if not conn.execute("SELECT to_regclass('rollout_history') IS NOT NULL").fetchone()[0]:
                return []
            return conn.execute(sql, params).fetchall()

    def count(self) -> int:
        where, params = self._where()
        rows = self._all(f"SELECT count(*) FROM rollout_history WHERE {where}", params)
        return int(rows[0][0]) if rows else 0

    def last_id(self) -> int:
        where, params = self._where()
        rows = self._all(f"SELECT coalesce(max(id), 0) FROM rollout_history WHERE {where}", params)
        return int(rows[0][0]) if rows else 0

    def page(self, query: HistoryQuery) -> HistoryPage:
        """Filters on region, time, command and the cursor run in SQL; every filter is then checked
        again with HistoryQuery.matches, the one definition of what matches."""
        where, params = self._where()
        clauses = [where]
        filters = (
            ("id < %s", query.before_id),
            ("regions @> ARRAY[%s]::text[]", query.region),
            ("starts_with(command, %s)", query.command),
            ("at >= %s", query.since),
            ("at < %s", query.until),
        )
        for clause, value in filters:
            if value is not None:
                clauses.append(clause)
                params.append(value)
        column = "body" if query.with_changes else "header"
        found: list[Entry] = []
        chunk = max(64, (query.limit or 0) + 1)
        cursor: int | None = None
        while True:
            extra = " AND id < %s" if cursor is not None else ""
            rows = self._all(
                f"SELECT id, header::text, {column}::text FROM rollout_history WHERE {' AND '.join(clauses)}{extra}"
                f" ORDER BY id DESC LIMIT {chunk}",
                [*params, *([cursor] if cursor is not None else [])],
            )
            for _id, header_text, text in rows:
                if not query.matches(orjson.loads(header_text)):
                    continue
                if query.limit is not None and len(found) >= query.limit:
                    return HistoryPage(found, found[-1]["id"])
                found.append(orjson.loads(text))
            if len(rows) < chunk:
                return HistoryPage(found, None)
            cursor = rows[-1][0]

    def entry(self, entry_id: int) -> Entry:
        where, params = self._where()
        rows = self._all(f"SELECT body::text FROM rollout_history WHERE id = %s AND {where}", [entry_id, *params])
        if not rows:
            raise NotFound(f"no history entry #{entry_id}")
        return orjson.loads(rows[0][0])

    def after(self, revision: int) -> list[Entry]:
        where, params = self._where()
        rows = self._all(
            f"SELECT body::text FROM rollout_history WHERE revision > %s AND {where} ORDER BY id", [revision, *params]
        )
        return [orjson.loads(r[0]) for r in rows]

    def at_revision(self, revision: int) -> Entry | None:
        where, params = self._where()
        rows = self._all(
            f"SELECT header::text FROM rollout_history WHERE revision = %s AND {where}", [revision, *params]
        )
        return orjson.loads(rows[0][0]) if rows else None

    def __iter__(self) -> Iterator[Entry]:
        where, params = self._where()
        rows = self._all(f"SELECT body::text FROM rollout_history WHERE {where} ORDER BY id", params)
        return iter([orjson.loads(r[0]) for r in rows])


class PostgresWatch(ChangeHook):
    """Live refresh by LISTEN/NOTIFY on a connection of its own, in a daemon thread.

    `current()` costs no I/O: it returns the newest revision the thread knows, or raises
    DatabaseError while the server cannot be reached. Notifications sent while disconnected are
    lost, so after every (re)connection the thread listens again, then reads the revision."""

    def __init__(self, backend: PostgresBackend, on_change: Callable[[], None] | None) -> None:
        self.backend = backend
        self.on_change = on_change
        self._token: Any = None
        self._error: str | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rollout-listen", daemon=True)
        self._thread.start()
        self._ready.wait(connect_timeout() + 1)

    def current(self) -> Any:
        if self._error is not None:
            raise DatabaseError(self._error)
        return self._token

    def close(self) -> None:
        self._stop.set()

    def _set(self, token: Any, error: str | None) -> None:
        changed = token != self._token or error != self._error
        self._token, self._error = token, error
        self._ready.set()
        if changed and self.on_change is not None:
            self.on_change()

    def _run(self) -> None:
        while not self._stop.is_set():
            conn = None
            try:
                conn = self.backend.connect()
                conn.execute(f"LISTEN {CHANNEL}")
                self._set(self._revision(conn), None)
                while not self._stop.is_set():
                    # The generator holds the connection until it ends: stop at the first
                    # notification (its payload is only a hint), then read the revision itself.
                    for _note in conn.notifies(timeout=NOTIFY_WAIT, stop_after=1):
                        pass
                    if conn.closed:
                        raise DatabaseError(f"lost the connection to {self.backend.described}")
                    # A quiet server and a dead one look alike: ask it something now and then.
                    self._set(self._revision(conn), None)
            except (DatabaseError, Exception) as exc:  # the thread reports, it never dies
                message = (
                    str(exc)
                    if isinstance(exc, DatabaseError)
                    else (f"lost the connection to {self.backend.described}: {reason_of(exc)}")
                )
                self._set(self._token, message)
                self._stop.wait(1.0)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):  # already broken
                        conn.close()

    def _revision(self, conn: Any) -> Any:
        if not conn.execute("SELECT to_regclass('rollout_meta') IS NOT NULL").fetchone()[0]:
            return None
        row = conn.execute("SELECT revision FROM rollout_meta").fetchone()
        return None if row is None else ("postgresql", int(row[0]))
