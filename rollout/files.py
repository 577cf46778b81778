"""Writing files so that no reader and no crash ever sees half of one: the project's one atomic write.

Every file rollout writes whole (the database, its exports, the holiday cache) goes through
`atomic_write`: the bytes go to a temporary file in the same directory, are fsynced, and replace
the target with os.replace, whose rename is atomic on POSIX file systems (readers see the old file
or the new one); the directory is then fsynced so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

TMP_MARK = ".tmp-"

# What an os.stat says about a file that changes whenever it is replaced or rewritten:
# (st_ino, st_mtime_ns, st_size). A replace makes a new inode; mtime and size catch in-place rewrites.
FileSignature = tuple[int, int, int]


def file_signature(path: Path) -> FileSignature | None:
    """(inode, mtime in ns, size) of the file at `path`, or None when there is none (one stat, no read)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def signature_of(info: os.stat_result) -> FileSignature:
    """The same triple from a stat result already at hand (e.g. the fstat of a file being read)."""
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def umask() -> int:
    """This process's umask (file mode bits taken away from new files), read without changing it."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """Owner (and group, where the umask allows) read-write; never anything for others."""
    return 0o660 & ~umask() & ~0o007


def tmp_path(path: Path) -> Path:
    """A temporary name beside `path`, unique to this write (process id plus random bytes, so two
    threads of one process never share one): `.NAME.tmp-PID-XXXXXXXX`."""
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{os.urandom(4).hex()}")


def leftovers(path: Path) -> list[Path]:
    """Temporary files of writes to `path` that died before replacing it, oldest name first."""
    return sorted(path.parent.glob(f".{path.name}{TMP_MARK}*"))


def atomic_write(
    path: Path,
    data: bytes,
    *,
    mode: int | None = None,
    before_replace: Callable[[], None] | None = None,
    checkpoint: Callable[[str], None] | None = None,
) -> FileSignature:
    """Replace the file at `path` with `data` atomically and durably; return the new file's signature.

    `mode` (default: new_file_mode()) is set on the temporary file before any byte is written.
    `before_replace` runs once the new content is safely on disk, just before the rename (the
    database keeps its backup there). `checkpoint(name)` is called at the named points
    "tmp-partial" (half the bytes written), "tmp-written" and "replaced" (crash tests stop there).
    Raises OSError (the temporary file removed) when any step fails; the old file is then untouched.
    """
    target_mode = new_file_mode() if mode is None else mode
    tmp = tmp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, target_mode)
        try:
            os.fchmod(fd, target_mode)  # the umask may have taken bits away from what was asked
            if checkpoint is None:
                write_all(fd, data)
            else:
                half = len(data) // 2
                write_all(fd, data[:half])
                checkpoint("tmp-partial")
                write_all(fd, data[half:])
            os.fsync(fd)
        finally:
            os.close(fd)
        if checkpoint is not None:
            checkpoint("tmp-written")
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    if checkpoint is not None:
        checkpoint("replaced")
    fsync_dir(path.parent)
    info = os.stat(path)
    return signature_of(info)


def write_all(fd: int, payload: bytes) -> None:
    """os.write until every byte is written (a write may take fewer bytes than given)."""
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable (POSIX: fsync the directory itself)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def link_or_copy(source: Path, target: Path) -> None:
    """Keep `source` under the name `target`: a hard link (free, and the database is always
    replaced, never written in place), else a copy. The kept file never stays open to others.

    Raises FileExistsError when `target` exists, other OSError when neither works.
    """
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
            raise
        import shutil  # rarely needed, and it costs every command a millisecond or two at start-up

        if target.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(target)) from None
        shutil.copy2(source, target)
    restrict(target)


def restrict(path: Path) -> None:
    """Take away whatever access others have to `path` (owner and group keep theirs)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o007:
        with contextlib.suppress(PermissionError):
            os.chmod(path, mode & 0o770)


def stamp() -> str:
    """A UTC time stamp with microseconds for names of kept files: 20261124T090000.123456Z."""
    now = time.time_ns()
    seconds, nanos = divmod(now, 1_000_000_000)
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds)) + f".{nanos // 1000:06d}Z"


def unique_name(folder: Path, stem: str, label: str, suffix: str) -> Path:
    """`folder/STEM.LABEL-STAMP[-N]SUFFIX` that does not exist yet (two in the same microsecond get -2, -3...)."""
    base = f"{stem}.{label}-{stamp()}"
    candidate = folder / f"{base}{suffix}"
    number = 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{base}-{number}{suffix}"
    return candidate
