"""The state file: a TinyDB JSON document of the current records, written atomically under a lock.

TinyDB promises neither atomic writes nor multi-process safety, so rollout adds both: every write
replaces the file atomically (rollout.files.atomic_write: readers see the old or the new file,
never half of one), and every read-modify-write holds `<db>.lock` (filelock), so two writers never
lose an update. The version a write replaces is kept as a hard link in `<db>.backups/` (the last
BACKUPS_KEPT), and the first write to a file of an older schema keeps its original there too.

Each read returns what it saw (the document, its schema, the file's signature) and keeps nothing:
one object may serve any number of threads. The history lives beside the file, not in it
(rollout.backends.tinydb). Scripts change the database through rollout.api, never by writing
the file: a write that bypasses the lock is refused by the next writer (rollout.backends.journal).
"""

from __future__ import annotations

import operator
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from rollout import numbers
from rollout.errors import DatabaseError, InvalidValue
from rollout.files import (
    FileSignature,
    atomic_write,
    file_signature,
    leftovers,
    link_or_copy,
    new_file_mode,
    signature_of,
    unique_name,
)
from rollout.migrations import SCHEMA_VERSION, upgrade
from rollout.schema import KINDS

__all__ = ["SCHEMA_VERSION", "file_signature", "new_file_mode"]  # re-exported for callers that had them here

BACKUPS_KEPT = 10
DEFAULT_LOCK_TIMEOUT = 10.0
LOCK_POLL_INTERVAL = 0.005  # waiting writers retry often: the lock is held for milliseconds
BACKUP_NAME = re.compile(r"\.r([0-9]+)\.json")
PEEK_BYTES = 4096

# The fields every record must have for the application to read it (from the record schema);
# `rollout doctor` checks their values.
REQUIRED_FIELDS = {kind.table: kind.in_file for kind in KINDS.values()}
HISTORY_FIELDS = frozenset(("id", "at", "user", "command", "changes"))


class StateFile(NamedTuple):
    """One read of the state file: the document as stored (no upgrade), its schema version, and
    the signature of the very file that was read (taken from the open file, so a replace during
    the read cannot be mistaken for it)."""

    document: dict[str, Any]
    schema: int
    signature: FileSignature
    raw: bytes = b""  # the bytes read, when asked for (keep_raw): a writer checks them against its last commit


class Written(NamedTuple):
    """What write_state_file stored: the new file's signature, and the SHA-256 (hex) of its bytes."""

    signature: FileSignature
    sha256: str


def content_digest(raw: bytes) -> str:
    """The fingerprint of a state file's bytes that a commit records (SHA-256, hex): about 0.7 ms
    per MB, so 0.1 ms for a typical database and 18 ms for a 27 MB one."""
    import hashlib

    return hashlib.sha256(raw).hexdigest()


def read_state_file(path: Path, *, keep_raw: bool = False) -> StateFile | None:
    """Read and parse the state file at `path` (None when there is none); never writes.
    With `keep_raw`, StateFile.raw holds the bytes read.

    Raises DatabaseError, naming the file, when it is a directory or not a regular file, cannot be
    read, is empty, corrupt, not a rollout database, or written by a newer rollout.
    """
    try:
        # O_NONBLOCK: a FIFO at the path must not block the open; only regular files are read.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise DatabaseError(f"database {path} is a directory, not a file") from None
    except PermissionError:
        raise DatabaseError(f"cannot read database {path}: permission denied") from None
    except OSError as exc:
        raise DatabaseError(f"cannot read database {path}: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a directory, not a file" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise DatabaseError(f"database {path} is {kind}")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read()
        except OSError as exc:
            raise DatabaseError(f"cannot read database {path}: {exc.strerror or exc}") from None
    document, version = decode_document(raw, path)
    return StateFile(document, version, signature_of(info), raw if keep_raw else b"")


def write_state_file(
    path: Path,
    document: dict[str, Any],
    *,
    previous_schema: int | None,
    backups: int = BACKUPS_KEPT,
    checkpoint: Callable[[str], None] | None = None,
) -> Written:
    """Replace the state file with `document` atomically; return the new file's signature and digest.

    Before the replace, the file being replaced (if any) is kept in the backups folder: as
    `<stem>.r<revision-1>.json` in a rotation of the last `backups`, and, when `previous_schema`
    is older than SCHEMA_VERSION, as `<stem>.schema<N>.json` once (never rotated). Refuses a
    read-only file. Raises DatabaseError when anything cannot be written; the old file is then
    untouched. `checkpoint` is rollout.files.atomic_write's, plus "backup-kept".
    """
    indent = len(document.get("regions", ())) < 200
    payload = orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create the folder of database {path}: {exc.strerror or exc}") from None
    if read_only(path):
        raise DatabaseError(f"database {path} is read-only; nothing was written")
    revision = int(document["_meta"]["1"].get("revision", 0))

    def keep() -> None:
        _keep_backups(path, revision - 1, previous_schema, backups)
        if checkpoint is not None:
            checkpoint("backup-kept")

    digest = _digest_alongside(payload)
    try:
        signature = atomic_write(path, payload, mode=file_mode(path), before_replace=keep, checkpoint=checkpoint)
    except OSError as exc:
        raise DatabaseError(f"cannot write database {path}: {exc.strerror or exc}") from None
    return Written(signature, digest())


HASH_ALONGSIDE_FROM = 1_000_000


def _digest_alongside(payload: bytes) -> Callable[[], str]:
    """The payload's content_digest, computed while the file is written: hashlib releases the GIL
    on large data and so does the write's fsync, so a large file's hash (18 ms for 27 MB) costs
    the commit no time. A small one is hashed at once (0.1 ms: a thread would cost more)."""
    if len(payload) < HASH_ALONGSIDE_FROM:
        digest = content_digest(payload)
        return lambda: digest
    import threading

    found: list[str] = []
    worker = threading.Thread(target=lambda: found.append(content_digest(payload)), daemon=True)
    worker.start()

    def result() -> str:
        worker.join()
        return found[0]

    return result


def read_only(path: Path) -> bool:
    """A file without write permission is read-only, even for root (who could replace it)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return not (mode & stat.S_IWUSR) or not os.access(path, os.W_OK)


def file_mode(path: Path) -> int:
    """The mode for files of the database at `path`: its own (owner and group bits), else a new file's."""
    try:
        return stat.S_IMODE(path.stat().st_mode) & 0o770
    except FileNotFoundError:
        return new_file_mode()


# -- reading the metadata alone ------------------------------------------------------------------
_META_START = re.compile(rb'\A\s*\{\s*"_meta"\s*:\s*\{\s*"1"\s*:\s*')


def peek_meta(path: Path) -> dict[str, Any] | None:
    """`_meta` of the state file read from its first few KB, without parsing the records.

    rollout writes `_meta` first; for a file where it is not first (written by another TinyDB
    program) or too long, or that is missing or unreadable, returns None: the caller reads it whole.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(PEEK_BYTES)
    except OSError:
        return None
    match = _META_START.match(head)
    if match is None:
        return None
    end = _object_end(head, match.end())
    if end is None:
        return None
    try:
        meta = orjson.loads(head[match.end() : end])
    except orjson.JSONDecodeError:
        return None
    return meta if isinstance(meta, dict) else None


def _object_end(data: bytes, start: int) -> int | None:
    """The index after the JSON object starting at data[start] (a `{`), or None if it is cut off."""
    if data[start : start + 1] != b"{":
        return None
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, len(data)):
        char = data[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == 0x5C:  # backslash
                escaped = True
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char == 0x7B:
            depth += 1
        elif char == 0x7D:
            depth -= 1
            if depth == 0:
                return index + 1
    return None


# -- backups and files kept aside ----------------------------------------------------------------
def backup_dir(path: Path) -> Path:
    """Where the backups of the database at `path` live: `NAME.backups` beside it (not created here)."""
    return path.with_name(path.name + ".backups")


def backup_folder(path: Path) -> Path:
    """The backups folder of the database at `path`, created (owner and group only) if needed."""
    folder = backup_dir(path)
    folder.mkdir(mode=0o770, exist_ok=True)
    return folder


def backup_revision(backup: Path) -> int:
    """The revision a rotation backup's name carries (rollout.r00000012.json gives 12); -1 for any other name."""
    match = BACKUP_NAME.search(backup.name)
    return int(match.group(1)) if match else -1


def list_backups(path: Path) -> list[Path]:
    """Rotation backups of the database at `path`, newest (highest revision) first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{path.stem}.r*.json") if BACKUP_NAME.fullmatch(p.name[len(path.stem) :])]
    return sorted(found, key=backup_revision, reverse=True)


def _keep_backups(path: Path, revision: int, previous_schema: int | None, backups: int) -> None:
    """Keep the current file (about to be replaced): the rotation, and the pre-upgrade original."""
    if not path.exists():
        return
    if previous_schema is not None and previous_schema < SCHEMA_VERSION:
        original = backup_folder(path) / f"{path.stem}.schema{previous_schema}.json"
        if not original.exists():
            link_or_copy(path, original)
    if backups <= 0:
        return
    target = backup_folder(path) / f"{path.stem}.r{max(revision, 0):08d}.json"
    if target.exists():
        # A backup is never overwritten: the name is taken only when a revision was stored twice
        # (a program that bypassed the lock wrote one without bumping it). Both versions are kept.
        if not _same_file(target, path):
            keep_aside(path, path, f"r{max(revision, 0):08d}-again")
        return
    link_or_copy(path, target)
    for old in list_backups(path)[backups:]:
        old.unlink(missing_ok=True)


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second) or first.read_bytes() == second.read_bytes()
    except OSError:
        return False


def keep_aside(source: Path, database: Path, label: str) -> Path | None:
    """Keep the file or folder `source` (an unreadable state file about to be replaced, a history
    that no longer belongs to its state file) in the backups folder of `database`, as
    `<name>.<label>-<UTC stamp>[-N]`; return where, or None when there is nothing at `source`.

    A file is hard-linked (it stays where it is too), a folder is moved. Names carry microseconds
    and a counter, so two kept in the same instant never clash.
    """
    folder = backup_folder(database)
    if source.is_dir():
        while True:
            target = unique_name(folder, source.name, label, "")
            try:
                os.rename(source, target)  # never replaces a non-empty folder
                return target
            except OSError:
                if not target.exists():
                    raise
    if not source.exists():
        return None
    while True:
        target = unique_name(folder, source.stem, label, ".json")
        try:
            link_or_copy(source, target)
            return target
        except FileExistsError:
            continue


def remove_leftovers(path: Path) -> None:
    """Temp files of writers that died mid-write; only called under the lock, so none is live."""
    for leftover in leftovers(path):
        leftover.unlink(missing_ok=True)


# -- parsing ---------------------------------------------------------------------------------------
def decode_document(raw: bytes, path: Path) -> tuple[dict[str, Any], int]:
    """Parse a database file and read its schema version; never guesses or repairs."""
    if not raw.strip():
        raise DatabaseError(f"database {path} is empty (not a rollout database); it was left untouched")
    try:
        data = parse_json(raw)
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


# A large state file is parsed with msgspec, whose dicts are smaller than orjson's (a 2,000-region
# file takes 128 MB instead of 205) and come faster: about 45 ms less for the whole read of 27 MB,
# checks and indexes included. Its import (~5 ms) pays only for a large file, so a small one keeps
# orjson. Both must read a file the same: msgspec decodes to the shape a document of plain records
# has, with integers within int64; anything else (deeper values of a file from before schema 2,
# integers orjson reads as floats or as unsigned 64-bit, malformed JSON) goes to orjson, so the
# values, and the errors, are orjson's (tests/core/test_core_parse.py compares the two).
MSGSPEC_FROM_BYTES = 4_000_000


def parse_json(raw: bytes) -> Any:
    """A state file's JSON as orjson.loads reads it (raising its JSONDecodeError), faster for a
    large file (see MSGSPEC_FROM_BYTES)."""
    if len(raw) >= MSGSPEC_FROM_BYTES:
        try:
            return _document_decoder().decode(raw)
        except (ImportError, ValueError, RecursionError):  # msgspec's DecodeError is a ValueError
            pass
    return orjson.loads(raw)


@cache
def _document_decoder() -> Any:
    """msgspec's decoder of {table: {doc_id: record}} with plain values (see MSGSPEC_FROM_BYTES)."""
    from typing import Annotated, Union

    import msgspec

    whole = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
    leaf = Union[None, bool, whole, float, str]  # noqa: UP007 (a runtime type for msgspec)
    # A list may hold records one level deep: a template's items (with their `after` lists) and
    # the notes of a region, item or promotion (issue 21). msgspec allows one list type per union.
    entry = Union[leaf, dict[str, Union[leaf, list[leaf]]]]  # noqa: UP007
    value = Union[leaf, list[entry], dict[str, leaf]]  # noqa: UP007
    return msgspec.json.Decoder(dict[str, dict[str, dict[str, value]]])


def parse_document(raw: bytes, path: Path) -> dict[str, Any]:
    """A database document ready to use: parsed, upgraded to the current schema, shape checked.

    A document from before schema 2 keeps its `history` table (the caller decides what to do with it).
    """
    data, version = decode_document(raw, path)
    if version < SCHEMA_VERSION:
        data = upgrade(data, version, path)
    check_shape(data, path)
    return data


def check_shape(data: dict[str, Any], path: Path) -> None:
    """Refuse a document the application could not read (a table that is not a table, a record
    missing a field) with one clear line, instead of failing somewhere deep inside a command."""
    meta = data["_meta"]["1"]
    for counter in ("revision", *(kind.counter for kind in KINDS.values() if kind.id_prefix)):
        value = meta.get(counter)
        if not isinstance(value, int) or isinstance(value, bool):
            raise DatabaseError(
                f"{path} is not a valid rollout database (_meta {counter} is {value!r}); run rollout doctor"
            )
    for table, required in REQUIRED_FIELDS.items():
        _check_table(data, table, required, path)
    if "history" in data:  # a document from before schema 2
        _check_table(data, "history", HISTORY_FIELDS, path)


def _check_table(data: dict[str, Any], table: str, required: frozenset[str], path: Path) -> None:
    records = data.get(table, {})
    if not isinstance(records, dict):
        raise DatabaseError(f"{path} is not a valid rollout database ({table} is not a table); run rollout doctor")
    # The common case, every record a dict holding every required field, in one pass run by C (map
    # over `keys >= required`): a third faster than a Python loop over 120,000 records. Anything
    # else (a TypeError: a record that is not a dict) is looked at again below, to name it.
    try:
        if all(map(operator.ge, map(dict.keys, records.values()), repeat(required))):
            return
    except TypeError:
        pass
    for doc_id, record in records.items():
        if not isinstance(record, dict):
            raise DatabaseError(f"{path} is not a valid rollout database ({table} #{doc_id} is not a record)")
        missing = required - record.keys()
        if missing:
            raise DatabaseError(
                f"{path} is not a valid rollout database ({table} #{doc_id} has no {', '.join(sorted(missing))}); "
                "run rollout doctor"
            )


# -- the writers' lock -----------------------------------------------------------------------------
def lock_timeout() -> float:
    """ROLLOUT_LOCK_TIMEOUT seconds (default 10): always a finite wait, so a writer never hangs forever."""
    raw = os.environ.get("ROLLOUT_LOCK_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        return float(numbers.decimal(raw))  # not float(): it reads 1_0, ٧, 1e3, inf and nan
    except InvalidValue:
        raise InvalidValue(f"invalid ROLLOUT_LOCK_TIMEOUT {raw!r}: expected a number of seconds >= 0") from None


def _existing_folder(path: Path) -> Path:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def unwritable_folder(path: Path) -> DatabaseError:
    """The error for a database whose folder this user cannot write: naming the folder, and what to do."""
    folder = _existing_folder(path)
    doing = "change" if path.exists() else "create"
    return DatabaseError(
        f"cannot {doing} database {path}: the folder {folder} is not writable by this user (rollout keeps the "
        "lock file and backups beside the database); use --db PATH or ROLLOUT_DB for a database in a folder you "
        "can write, or get write access to that folder"
    )


@contextmanager
def write_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the cross-process lock of the database at `path` (bounded wait, then a clear error)."""
    from filelock import FileLock, Timeout

    wait = lock_timeout() if timeout is None else timeout
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise unwritable_folder(path) from None
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
        if not os.access(_existing_folder(path), os.W_OK):
            raise unwritable_folder(path) from None
        raise DatabaseError(f"cannot lock database {path}: permission denied on {path}.lock") from None
    except OSError as exc:
        raise DatabaseError(f"cannot lock database {path}: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        lock.release()
