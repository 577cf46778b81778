"""The database file: a TinyDB JSON document written atomically under a cross-process lock.

TinyDB promises neither atomic writes nor multi-process safety, so this storage adds both:
every write goes to a temporary file in the same directory, is fsynced, and replaces the
database with os.replace (readers see the old or the new file, never half of one); every
read-modify-write holds `<db>.lock` (filelock) so two writers never lose an update. The
previous version is kept as a hard link in `<db>.backups/` (the last BACKUPS_KEPT).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from rollout.errors import DatabaseError

SCHEMA_VERSION = 1
BACKUPS_KEPT = 10
DEFAULT_LOCK_TIMEOUT = 10.0
TMP_MARK = ".tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """Owner (and group, where the umask allows) read-write; never anything for others."""
    return 0o660 & ~_umask() & ~0o007


class AtomicJSONStorage(Storage):
    """A TinyDB storage: orjson parsing, atomic replace, backups, clear errors.

    The file stays a plain TinyDB JSON document ({table: {doc_id: document}}), so
    `TinyDB(path, storage=AtomicJSONStorage)` opens and queries it like any TinyDB file.
    """

    def __init__(self, path: str | os.PathLike[str], backups: int = BACKUPS_KEPT) -> None:
        self.path = Path(path)
        self.backups = backups

    def read(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise DatabaseError(f"database {self.path} is a directory, not a file") from None
        except PermissionError:
            raise DatabaseError(f"cannot read database {self.path}: permission denied") from None
        except OSError as exc:
            raise DatabaseError(f"cannot read database {self.path}: {exc.strerror}") from None
        return parse_document(raw, self.path)

    def write(self, data: dict[str, Any]) -> None:
        payload = orjson.dumps(data, option=orjson.OPT_INDENT_2 if len(data.get("regions", ())) < 200 else 0)
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
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
            self._keep_backup(int(data["_meta"]["1"]["revision"]) - 1)
            os.replace(tmp, self.path)
            _fsync_dir(directory)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DatabaseError(f"cannot write database {self.path}: {exc.strerror or exc}") from None

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
        return self.path.with_name(self.path.name + ".backups")

    def _keep_backup(self, revision: int) -> None:
        """Keep the current file (revision `revision`, about to be replaced) as a hard link."""
        if self.backups <= 0 or not self.path.exists():
            return
        folder = self.backup_dir()
        folder.mkdir(mode=0o770, exist_ok=True)
        target = folder / f"{self.path.stem}.r{revision:08d}.json"
        target.unlink(missing_ok=True)
        try:
            os.link(self.path, target)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
                raise
            import shutil

            shutil.copy2(self.path, target)
        for old in list_backups(self.path)[self.backups :]:
            old.unlink(missing_ok=True)

    def remove_leftovers(self) -> None:
        """Temp files of writers that died mid-write; only called while holding the lock."""
        for leftover in self.path.parent.glob(f".{self.path.name}{TMP_MARK}*"):
            leftover.unlink(missing_ok=True)


def list_backups(path: Path) -> list[Path]:
    """Backups of the database at `path`, newest first."""
    folder = path.with_name(path.name + ".backups")
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.stem}.r*.json"), reverse=True)


def parse_document(raw: bytes, path: Path) -> dict[str, Any]:
    """Parse and check the outer shape of a database file; never guesses or repairs."""
    if not raw.strip():
        raise DatabaseError(f"database {path} is empty (not a rollout database); it was left untouched")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DatabaseError(f"database {path} is corrupt ({exc}); it was left untouched") from None
    if not isinstance(data, dict) or not isinstance(data.get("_meta"), dict) or "1" not in data["_meta"]:
        raise DatabaseError(f"{path} is not a rollout database (no _meta table); it was left untouched")
    version = data["_meta"]["1"].get("schema")
    if not isinstance(version, int):
        raise DatabaseError(f"{path} has no schema version; it was left untouched")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer rollout (schema {version}, this one reads {SCHEMA_VERSION}); upgrade rollout"
        )
    return data


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
    try:
        return float(os.environ.get("ROLLOUT_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@contextmanager
def write_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the cross-process lock of the database at `path` (bounded wait, then a clear error)."""
    from filelock import FileLock, Timeout

    wait = lock_timeout() if timeout is None else timeout
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path) + ".lock", timeout=wait, mode=new_file_mode() | 0o600)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseError(
            f"database {path} is locked by another writer (waited {wait:g} s); nothing was written"
        ) from None
    except PermissionError:
        raise DatabaseError(f"cannot lock database {path}: permission denied") from None
    try:
        yield
    finally:
        lock.release()
