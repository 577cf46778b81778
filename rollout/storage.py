"""The database file: a TinyDB JSON document written atomically under a cross-process lock.

TinyDB promises neither atomic writes nor multi-process safety, so this storage adds both:
every write goes to a temporary file in the same directory, is fsynced, and replaces the
database with os.replace (readers see the old or the new file, never half of one); every
read-modify-write holds `<db>.lock` (filelock) so two writers never lose an update. The
previous version is kept as a hard link in `<db>.backups/` (the last BACKUPS_KEPT), and a
file written by an older schema is upgraded in memory on read (rollout.migrations), its
original kept in the same folder the first time the upgraded document is written.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import re
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from rollout.errors import DatabaseError, InvalidValue
from rollout.schema import KINDS

SCHEMA_VERSION = 1
BACKUPS_KEPT = 10
DEFAULT_LOCK_TIMEOUT = 10.0
LOCK_POLL_INTERVAL = 0.005  # waiting writers retry often: the lock is held for milliseconds
TMP_MARK = ".tmp-"
BACKUP_NAME = re.compile(r"\.r(\d+)\.json")

# The fields every record must have for the application to read it (from the record schema);
# `rollout doctor` checks their values.
REQUIRED_FIELDS = {kind.table: kind.in_file for kind in KINDS.values()}
HISTORY_FIELDS = frozenset(("id", "at", "user", "command", "changes"))

Signature = tuple[int, int, int]  # inode, mtime in ns, size: changes whenever the file is replaced


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """Owner (and group, where the umask allows) read-write; never anything for others."""
    return 0o660 & ~_umask() & ~0o007


def file_signature(path: Path) -> Signature | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


class AtomicJSONStorage(Storage):
    """A TinyDB storage: orjson parsing, atomic replace, backups, schema upgrades, clear errors.

    The file stays a plain TinyDB JSON document ({table: {doc_id: document}}), so
    `TinyDB(path, storage=AtomicJSONStorage)` opens and queries it like any TinyDB file.
    """

    def __init__(self, path: str | os.PathLike[str], backups: int = BACKUPS_KEPT) -> None:
        self.path = Path(path)
        self.backups = backups
        self.disk_schema: int | None = None  # schema of the file as last read, before any upgrade
        self.signature: Signature | None = None  # of the file as last read

    def read(self) -> dict[str, Any] | None:
        try:
            # O_NONBLOCK: a FIFO at the path must not block the open; only regular files are read.
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            self.signature = None
            return None
        except IsADirectoryError:
            raise DatabaseError(f"database {self.path} is a directory, not a file") from None
        except PermissionError:
            raise DatabaseError(f"cannot read database {self.path}: permission denied") from None
        except OSError as exc:
            raise DatabaseError(f"cannot read database {self.path}: {exc.strerror or exc}") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            kind = "a directory, not a file" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise DatabaseError(f"database {self.path} is {kind}")
        with os.fdopen(fd, "rb") as handle:
            try:
                raw = handle.read()
            except OSError as exc:
                raise DatabaseError(f"cannot read database {self.path}: {exc.strerror or exc}") from None
        data, version = decode_document(raw, self.path)
        self.disk_schema = version
        self.signature = (info.st_ino, info.st_mtime_ns, info.st_size)
        if version < SCHEMA_VERSION:
            from rollout.migrations import upgrade

            data = upgrade(data, version, self.path)
        check_shape(data, self.path)
        return data

    def write(self, data: dict[str, Any], *, keep_backup: bool = True) -> None:
        payload = orjson.dumps(data, option=orjson.OPT_INDENT_2 if len(data.get("regions", ())) < 200 else 0)
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder of database {self.path}: {exc.strerror or exc}") from None
        if self._read_only():
            raise DatabaseError(f"database {self.path} is read-only; nothing was written")
        mode = self._mode()
        tmp = directory / f".{self.path.name}{TMP_MARK}{os.getpid()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            try:
                os.fchmod(fd, mode)
                _write_all(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            if keep_backup:
                self._keep_backups(int(data["_meta"]["1"]["revision"]) - 1)
            os.replace(tmp, self.path)
            _fsync_dir(directory)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DatabaseError(f"cannot write database {self.path}: {exc.strerror or exc}") from None
        self.disk_schema = SCHEMA_VERSION
        self.signature = file_signature(self.path)

    def close(self) -> None:
        pass

    def _read_only(self) -> bool:
        """A file without write permission is read-only, even for root (who could replace it)."""
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return False
        return not (mode & stat.S_IWUSR) or not os.access(self.path, os.W_OK)

    def _mode(self) -> int:
        try:
            return stat.S_IMODE(self.path.stat().st_mode) & 0o770
        except FileNotFoundError:
            return new_file_mode()

    def backup_dir(self) -> Path:
        return backup_dir(self.path)

    def _backup_folder(self) -> Path:
        folder = self.backup_dir()
        folder.mkdir(mode=0o770, exist_ok=True)
        return folder

    def _keep_backups(self, revision: int) -> None:
        """Keep the current file (about to be replaced) before it goes: the rotation, and the
        pre-upgrade original when the file on disk is in an older schema."""
        if not self.path.exists():
            return
        if self.disk_schema is not None and self.disk_schema < SCHEMA_VERSION:
            original = self._backup_folder() / f"{self.path.stem}.schema{self.disk_schema}.json"
            if not original.exists():
                _link_or_copy(self.path, original)
        if self.backups <= 0:
            return
        target = self._backup_folder() / f"{self.path.stem}.r{max(revision, 0):08d}.json"
        target.unlink(missing_ok=True)
        _link_or_copy(self.path, target)
        for old in list_backups(self.path)[self.backups :]:
            old.unlink(missing_ok=True)

    def keep_aside(self, label: str) -> Path | None:
        """Keep the current file (e.g. an unreadable one about to be replaced) under a dated name."""
        if not self.path.exists() or self.path.is_dir():
            return None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = self._backup_folder() / f"{self.path.stem}.{label}-{stamp}.json"
        _link_or_copy(self.path, target)
        return target

    def leftovers(self) -> list[Path]:
        """Temp files of writers that died mid-write (readers never look at them)."""
        return sorted(self.path.parent.glob(f".{self.path.name}{TMP_MARK}*"))

    def remove_leftovers(self) -> None:
        """Only called while holding the lock, so no live writer's temp file is removed."""
        for leftover in self.leftovers():
            leftover.unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs nothing and the database is always replaced, never written in place.

    A kept version never stays open to other users, even if the file it was had been.
    """
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
            raise
        import shutil  # rarely needed, and it costs every command a millisecond or two at start-up

        shutil.copy2(source, target)
    mode = stat.S_IMODE(target.stat().st_mode)
    if mode & 0o007:
        with contextlib.suppress(PermissionError):
            os.chmod(target, mode & 0o770)


def backup_dir(path: Path) -> Path:
    return path.with_name(path.name + ".backups")


def backup_revision(backup: Path) -> int:
    match = BACKUP_NAME.search(backup.name)
    return int(match.group(1)) if match else -1


def list_backups(path: Path) -> list[Path]:
    """Rotation backups of the database at `path`, newest (highest revision) first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{path.stem}.r*.json") if BACKUP_NAME.fullmatch(p.name[len(path.stem) :])]
    return sorted(found, key=backup_revision, reverse=True)


def decode_document(raw: bytes, path: Path) -> tuple[dict[str, Any], int]:
    """Parse a database file and read its schema version; never guesses or repairs."""
    if not raw.strip():
        raise DatabaseError(f"database {path} is empty (not a rollout database); it was left untouched")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DatabaseError(f"database {path} is corrupt ({exc}); it was left untouched") from None
    meta = data.get("_meta") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("1"), dict):
        raise DatabaseError(f"{path} is not a rollout database (no _meta table); it was left untouched")
    version = meta["1"].get("schema")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise DatabaseError(f"{path} has no valid schema version; it was left untouched")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer rollout (schema {version}, this one reads {SCHEMA_VERSION}); upgrade rollout"
        )
    return data, version


def parse_document(raw: bytes, path: Path) -> dict[str, Any]:
    """A database document ready to use: parsed, upgraded to the current schema, shape checked."""
    data, version = decode_document(raw, path)
    if version < SCHEMA_VERSION:
        from rollout.migrations import upgrade

        data = upgrade(data, version, path)
    check_shape(data, path)
    return data


def check_shape(data: dict[str, Any], path: Path) -> None:
    """Refuse a document the application could not read (a table that is not a table, a record
    missing a field) with one clear line, instead of failing somewhere deep inside a command."""
    meta = data["_meta"]["1"]
    for counter in ("revision", "next_items", "next_promotions"):
        value = meta.get(counter)
        if not isinstance(value, int) or isinstance(value, bool):
            raise DatabaseError(
                f"{path} is not a valid rollout database (_meta {counter} is {value!r}); run rollout doctor"
            )
    for table, required in REQUIRED_FIELDS.items():
        _check_table(data, table, required, path)
    _check_table(data, "history", HISTORY_FIELDS, path)


def _check_table(data: dict[str, Any], table: str, required: frozenset[str], path: Path) -> None:
    records = data.get(table, {})
    if not isinstance(records, dict):
        raise DatabaseError(f"{path} is not a valid rollout database ({table} is not a table); run rollout doctor")
    for doc_id, record in records.items():
        if not isinstance(record, dict):
            raise DatabaseError(f"{path} is not a valid rollout database ({table} #{doc_id} is not a record)")
        if required <= record.keys():  # the common case, without building a set per record
            continue
        missing = required - record.keys()
        if missing:
            raise DatabaseError(
                f"{path} is not a valid rollout database ({table} #{doc_id} has no {', '.join(sorted(missing))}); "
                "run rollout doctor"
            )


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lock_timeout() -> float:
    """ROLLOUT_LOCK_TIMEOUT seconds (default 10): always a finite wait, so a writer never hangs forever."""
    raw = os.environ.get("ROLLOUT_LOCK_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InvalidValue(f"invalid ROLLOUT_LOCK_TIMEOUT {raw!r}: expected a number of seconds >= 0")
    return value


@contextmanager
def write_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the cross-process lock of the database at `path` (bounded wait, then a clear error)."""
    from filelock import FileLock, Timeout

    wait = lock_timeout() if timeout is None else timeout
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create the folder of database {path}: {exc.strerror or exc}") from None
    lock = FileLock(str(path) + ".lock", timeout=wait, mode=new_file_mode() | 0o600)
    try:
        lock.acquire(poll_interval=LOCK_POLL_INTERVAL)
    except Timeout:
        raise DatabaseError(
            f"database {path} is locked by another writer (waited {wait:g} s); nothing was written"
        ) from None
    except PermissionError:
        raise DatabaseError(f"cannot lock database {path}: permission denied") from None
    except OSError as exc:
        raise DatabaseError(f"cannot lock database {path}: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        lock.release()
