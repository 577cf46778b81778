"""The history store of a TinyDB database: an append-only JSON Lines journal beside the state file.

    rollout.json                  the current records; its `_meta.history` is the Mark below
    rollout.json.history/
        journal.jsonl             one entry per line, as recorded (the history itself; fsynced)
        index.jsonl               one header per line, with "pos": [offset, length] of its entry
        committed.json            what the last commit stored (Committed, below)

A commit appends its entry to the journal (fsynced) and its header to the index, then replaces
the state file, whose Mark says how many bytes of each file, entries and which last id it
covers. Readers never look past the Mark of the state they read, so a commit killed at any
point leaves nothing they would read: bytes past the Mark belong to no stored state, and the
next writer cuts them off (`Store.prepare`). Every committed line is immutable.

Once the state file is in place, the commit records what it stored in `committed.json`: the
revision, the history it covers, and the SHA-256 and signature of the file's bytes. That says
which entries landed when the state file itself is lost (a whole-state recovery then replays
only those: `Store.recovery`), and lets the next writer see a state file that a program wrote
without the lock, which it refuses instead of absorbing (`stored_by_rollout`). It is written
without fsync: after a power cut it may be one commit behind, which every check allows for.

The index is derived data (headers are rollout.backends.base.header_of of the entries): it lets
a page of history, a filter by region or user, or a lookup by id or revision read small headers
only, jumping by binary search (ids and revisions grow line by line). It is not fsynced; a reader
that finds it short or inconsistent (after a power cut) builds one in memory from the journal,
and the next writer rewrites the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from rollout.backends.base import Entry, HistoryLog, HistoryPage, HistoryQuery, header_of
from rollout.errors import DatabaseError, NotFound
from rollout.files import atomic_write, fsync_dir, unique_name, write_all
from rollout.storage import backup_folder, content_digest, file_mode

JOURNAL = "journal.jsonl"
INDEX = "index.jsonl"
COMMITTED = "committed.json"
COMMITTED_WIDTH = 512  # committed.json is rewritten in place with one write of this many bytes
HASH_ALWAYS_BELOW = 4_000_000  # bytes; SHA-256 of 4 MB takes about 3 ms (rollout.storage.content_digest)
CHUNK = 1 << 16  # the largest read; reads start at FIRST_READ and double, so small answers read little
FIRST_READ = 1 << 10
Checkpoint = Callable[[str], None]


class Mark(NamedTuple):
    """How much of the history a stored state covers: its entries, the newest id, and the bytes
    of the journal and of the index that hold them (each file's committed length)."""

    entries: int = 0
    last_id: int = 0
    journal: int = 0
    index: int = 0

    @classmethod
    def from_meta(cls, value: Any) -> Mark | None:
        """The Mark kept in `_meta.history` (absent: an empty history); None when it is malformed."""
        if value is None:
            return cls()
        if not isinstance(value, dict):
            return None
        fields = {}
        for name in ("entries", "last_id", "journal", "index"):
            number = value.get(name)
            if not isinstance(number, int) or isinstance(number, bool) or number < 0:
                return None
            fields[name] = number
        return cls(**fields)

    def to_meta(self) -> dict[str, int]:
        return {"entries": self.entries, "last_id": self.last_id, "journal": self.journal, "index": self.index}


class Committed(NamedTuple):
    """What the last completed commit stored (`committed.json`, module doc): the state file's
    revision, the newest history id and the journal length its mark covers, the SHA-256 (hex) of
    the file's bytes, and the file's signature right after it was put in place (same signature:
    same bytes, without hashing them again)."""

    revision: int
    last_id: int
    journal: int
    sha256: str
    signature: tuple[int, ...]
    spent_id: int = 0  # set by a recovery that cut skipped entries off: the highest id they had

    @classmethod
    def parse(cls, raw: bytes) -> Committed | None:
        """The record in `raw`; None when it is not one (an older rollout wrote none, a power cut)."""
        try:
            value = orjson.loads(raw.strip())
        except orjson.JSONDecodeError:
            return None
        if not isinstance(value, dict):
            return None
        numbers = [value.get(name) for name in ("revision", "last_id", "journal")]
        signature = value.get("signature")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
            return None
        if not isinstance(value.get("sha256"), str) or not isinstance(signature, list):
            return None
        spent = value.get("spent_id", 0)
        return cls(*numbers, value["sha256"], tuple(signature), spent if isinstance(spent, int) else 0)

    def to_bytes(self) -> bytes:
        return orjson.dumps(self._asdict()).ljust(COMMITTED_WIDTH - 1) + b"\n"


def stored_by_rollout(
    committed: Committed | None, revision: int, mark: Mark, signature: tuple[int, ...], raw: Callable[[], bytes]
) -> str | None:
    """Why a state file (`revision`, history `mark`, file `signature`, its bytes from `raw()`) is
    not what rollout's last commit stored, in words; None when it is (or when no commit recorded
    anything: a database last written by an older rollout).

    A state whose mark holds more history than `committed` is taken as later commits: one killed
    after putting its state file in place, before recording it, or an older rollout's, which
    records nothing.
    """
    if committed is None:
        return None
    if revision == committed.revision:
        if mark.last_id != committed.last_id or mark.journal != committed.journal:
            return f"its history mark is not the one rollout stored at revision {revision}"
        # The signature alone would miss a rewrite in place that keeps the size within the clock
        # tick of the commit (mtime is that coarse), so the bytes are hashed unless that costs more
        # than a few ms (a file of HASH_ALWAYS_BELOW bytes or more: its signature is trusted).
        trusted = tuple(signature) == committed.signature and signature[-1] >= HASH_ALWAYS_BELOW
        if trusted or content_digest(raw()) == committed.sha256:
            return None
        return f"its records differ from those rollout stored at revision {revision}"
    if revision < committed.revision:
        return (
            f"it holds revision {revision}, older than revision {committed.revision} that rollout stored last "
            "(an older copy put in its place, or a write that did not bump the revision)"
        )
    if mark.last_id > committed.last_id and mark.journal > committed.journal:
        return None  # later commits (Store.prepare checks that the newest entry made this revision)
    return (
        f"it holds revision {revision}, which rollout never stored (its last was {committed.revision}, "
        "and no history entry made the rest)"
    )


def bypass_error(database: Path, problem: str) -> DatabaseError:
    """The one-line refusal of a writer that found the state file changed behind rollout's back."""
    return DatabaseError(
        f"database {database} was changed without the rollout lock: {problem}; nothing was written. "
        "`rollout doctor` shows what is wrong; `rollout restore 1 --force` brings back the newest backup and "
        "replays the history after it (the changed file is kept in the backups folder)"
    )


class Recovery(NamedTuple):
    """What a whole-state recovery may build on (Store.recovery): an index of the journal's
    committed entries, the mark covering them, the entries left out because their commit never
    completed (oldest first), and the highest id ever written (never given again)."""

    index: bytes
    mark: Mark
    skipped: list[Entry]
    spent_id: int


class Damaged(Exception):
    """The index does not agree with the journal (a power cut, a hand edit): use one built from the journal."""


# -- reading lines of a file or of bytes ----------------------------------------------------------
class Lines:
    """Newline-terminated lines of a file (or of bytes in memory) up to `end`, read by offset."""

    def __init__(self, path: Path | None, data: bytes | None, end: int) -> None:
        self.path = path
        self.data = data
        self.end = end
        self._fd: int | None = None

    def __enter__(self) -> Lines:
        if self.data is None:
            assert self.path is not None
            self._fd = os.open(self.path, os.O_RDONLY)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def read(self, offset: int, size: int) -> bytes:
        size = max(0, min(size, self.end - offset))
        if self.data is not None:
            return self.data[offset : offset + size]
        assert self._fd is not None
        return os.pread(self._fd, size, offset)

    def line_at(self, start: int) -> bytes:
        """The line starting at `start`, without its newline."""
        parts = []
        position = start
        size = FIRST_READ
        while position < self.end:
            block = self.read(position, size)
            if not block:
                break
            cut = block.find(b"\n")
            if cut >= 0:
                parts.append(block[:cut])
                return b"".join(parts)
            parts.append(block)
            position += len(block)
            size = min(size * 2, CHUNK)
        raise Damaged(f"no line end after offset {start}")

    def start_of_line(self, position: int, floor: int) -> int:
        """The start of the line holding byte `position` (`floor` is known to be a line start)."""
        size = FIRST_READ
        while position > floor:
            begin = max(floor, position - size)
            cut = self.read(begin, position - begin).rfind(b"\n")
            if cut >= 0:
                return begin + cut + 1
            position = begin
            size = min(size * 2, CHUNK)
        return floor

    def blocks_backward(self, end: int) -> Iterator[tuple[int, bytes]]:
        """(offset, bytes) of whole lines, from `end` (a line end) towards the start of the file,
        in blocks growing from a few KB (a page of headers) to CHUNK (a long scan)."""
        position = end
        carry = b""
        size = FIRST_READ * 8
        while position > 0:
            start = max(0, position - size)
            size = min(size * 2, CHUNK)
            data = self.read(start, position - start) + carry
            position = start
            if start > 0:
                cut = data.find(b"\n")
                if cut < 0:  # a line longer than a chunk: keep reading backwards
                    carry = data
                    continue
                carry, data, start = data[: cut + 1], data[cut + 1 :], start + cut + 1
            else:
                carry = b""
            if data:
                yield start, data

    def lines_forward(self, start: int) -> Iterator[tuple[int, bytes]]:
        """(offset, line without its newline) from `start` (a line start) to the end."""
        position = start
        carry = b""
        while position < self.end:
            fresh = self.read(position, CHUNK * 16)
            if not fresh:
                raise Damaged("the file is shorter than its committed length")
            data = carry + fresh
            base = position - len(carry)
            position += len(fresh)
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            offset = 0
            for line in data[:cut].split(b"\n"):
                yield base + offset, line
                offset += len(line) + 1
        if carry:
            raise Damaged("the last line has no line end")


def lines_backward(block: bytes, base: int, token: bytes | None) -> Iterator[tuple[int, bytes]]:
    """Lines of a block of whole lines, newest (last) first; with `token`, only lines containing it
    (found with bytes.rfind, so a rare region or user skips most lines without parsing them)."""
    stop = len(block) - 1  # the last line's newline
    while stop >= 0:
        if token is None:
            begin = block.rfind(b"\n", 0, stop) + 1
            yield base + begin, block[begin:stop]
        else:
            hit = block.rfind(token, 0, stop)
            if hit < 0:
                return
            begin = block.rfind(b"\n", 0, hit) + 1
            yield base + begin, block[begin : block.index(b"\n", hit)]
        stop = begin - 1


def parse_header(line: bytes) -> dict[str, Any]:
    try:
        header = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise Damaged(str(exc)) from None
    if not isinstance(header, dict) or not isinstance(header.get("id"), int) or not isinstance(header.get("pos"), list):
        raise Damaged("not a history header")
    return header


def public(header: dict[str, Any]) -> Entry:
    """A header as callers see it: without the index's own `pos`."""
    return {key: value for key, value in header.items() if key != "pos"}


def _token(query: HistoryQuery) -> bytes | None:
    """Bytes every matching header line contains, for skipping the others without parsing them."""
    if query.region is not None:
        return orjson.dumps(query.region)
    # No token for a user: a person's entries may be written in any spelling (rollout.identity).
    if query.command:
        return orjson.dumps(query.command)[:-1]  # the opening quote and the text: a prefix of the value
    return None


# -- the store --------------------------------------------------------------------------------------
class Store:
    """The history folder of one database, `<db>.history/` (module doc)."""

    def __init__(self, database: Path, checkpoint: Checkpoint | None = None) -> None:
        self.database = database
        self.folder = database.with_name(database.name + ".history")
        self.journal = self.folder / JOURNAL
        self.index = self.folder / INDEX
        self.committed_file = self.folder / COMMITTED
        self.checkpoint = checkpoint

    def _stop(self, name: str) -> None:
        if self.checkpoint is not None:
            self.checkpoint(name)

    def damaged(self, what: str) -> DatabaseError:
        return DatabaseError(f"the history of {self.database} is damaged ({what}); run rollout doctor")

    def size(self, path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise DatabaseError(f"cannot read the history of {self.database}: {exc.strerror or exc}") from None

    def is_empty(self) -> bool:
        return self.size(self.journal) == 0

    def log(self, mark: Mark) -> JournalHistory:
        return JournalHistory(self, mark)

    # -- building an index from the journal ----------------------------------------------------
    def rebuild(self, journal_end: int | None = None) -> tuple[bytes, Mark]:
        """An index built from the journal's complete lines up to `journal_end` (None: all of them),
        with the Mark that covers them. Raises DatabaseError when a line cannot be read."""
        if journal_end is None:
            journal_end = self._complete_end()
        parts = []
        index_end = entries = last_id = 0
        try:
            with Lines(self.journal, None, journal_end) as lines:
                for number, (offset, line) in enumerate(lines.lines_forward(0), 1):
                    try:
                        entry = orjson.loads(line)
                    except orjson.JSONDecodeError:
                        raise self.damaged(f"line {number} of {self.journal} cannot be read") from None
                    if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
                        raise self.damaged(f"line {number} of {self.journal} is not a history entry")
                    header = header_of(entry)
                    header["pos"] = [offset, len(line)]
                    part = orjson.dumps(header) + b"\n"
                    parts.append(part)
                    index_end += len(part)
                    entries += 1
                    last_id = entry["id"]
        except FileNotFoundError:
            if journal_end:
                raise self.damaged(f"{self.journal} is missing") from None
        except Damaged as exc:
            raise self.damaged(str(exc)) from None
        return b"".join(parts), Mark(entries, last_id, journal_end, index_end)

    def _complete_end(self) -> int:
        """The journal's length up to the end of its last complete line."""
        size = self.size(self.journal)
        if size == 0:
            return 0
        with Lines(self.journal, None, size) as lines:
            position = size
            while position > 0:
                begin = max(0, position - CHUNK)
                cut = lines.read(begin, position - begin).rfind(b"\n")
                if cut >= 0:
                    return begin + cut + 1
                position = begin
        return 0

    def index_agrees(self, mark: Mark) -> bool:
        """Whether the index file holds `mark.index` bytes whose last header is the mark's last entry."""
        if self.size(self.index) < mark.index:
            return False
        if mark.entries == 0:
            return mark.index == 0
        try:
            with Lines(self.index, None, mark.index) as lines:
                if lines.read(mark.index - 1, 1) != b"\n":
                    return False
                start = lines.start_of_line(mark.index - 1, 0)
                header = parse_header(lines.line_at(start))
        except (Damaged, OSError):
            return False
        offset, length = header["pos"]
        return header["id"] == mark.last_id and offset + length + 1 == mark.journal

    # -- writing (under the writers' lock) --------------------------------------------------------
    def prepare(self, mark: Mark, revision: int, committed: Committed | None = None) -> Mark:
        """Make the files end where `mark` says before an append; return the mark to append after.

        Cuts off what a commit killed before its state was stored left: at most one entry (one
        writer at a time), and only when `committed` (Store.committed) does not say it landed.
        More complete entries past the mark, or one that landed, mean the state file was replaced
        by an older copy: DatabaseError, since writing would lose them. So does a newest entry
        whose revision is not the state's (a revision bumped without history). An index that
        disagrees with the journal is rebuilt from it.
        """
        journal_size = self.size(self.journal)
        if journal_size < mark.journal:
            raise self.damaged(f"{self.journal} is shorter than the {mark.entries} entries the database counts")
        if journal_size > mark.journal:
            with Lines(self.journal, None, journal_size) as lines:
                complete = lines.read(mark.journal, journal_size - mark.journal).count(b"\n")
            landed = committed is not None and committed.journal > mark.journal
            if complete > 1 or (complete and landed):
                raise DatabaseError(
                    f"database {self.database} is older than its history: {complete} change{'s' if complete > 1 else ''} "
                    f"in {self.folder.name} came after its revision {revision} (was it replaced by an older copy, or "
                    "written by a program that does not take the rollout lock?); "
                    "nothing was written. `rollout restore 1 --force` brings back the newest backup and replays "
                    f"{'them' if complete > 1 else 'it'}"
                )
            self._truncate(self.journal, mark.journal)
        if self.index_agrees(mark):
            if self.size(self.index) > mark.index:
                self._truncate(self.index, mark.index)
            self._check_revision(Lines(self.index, None, mark.index), mark, revision)
            return mark
        index, rebuilt = self.rebuild(mark.journal)
        self._check_revision(Lines(None, index, len(index)), rebuilt, revision)
        self._ensure_folder()
        atomic_write(self.index, index, mode=file_mode(self.database))
        return rebuilt

    def _check_revision(self, index: Lines, mark: Mark, revision: int) -> None:
        """The newest entry made the state's revision; else the revision moved without history
        (a program that bypassed rollout): DatabaseError."""
        if not mark.entries:
            return
        try:
            with index as lines:
                header = parse_header(lines.line_at(lines.start_of_line(mark.index - 1, 0)))
        except (Damaged, OSError):
            return  # the index is rebuilt (or the history reported damaged) by whoever reads it
        made = header.get("revision")
        if isinstance(made, int) and made != revision:
            raise bypass_error(
                self.database,
                f"it holds revision {revision}, but the newest history entry (#{header['id']}) made revision {made}",
            )

    # -- what the last commit stored -------------------------------------------------------------
    def committed(self) -> Committed | None:
        """The record of the last completed commit; None when there is none or it cannot be read."""
        try:
            with open(self.committed_file, "rb") as handle:
                return Committed.parse(handle.read(COMMITTED_WIDTH * 2))
        except OSError:
            return None

    def record_committed(self, committed: Committed) -> None:
        """Record what a commit just stored: one write over the old record (no fsync: module doc)."""
        data = committed.to_bytes()
        try:
            self._ensure_folder()
            fd = os.open(self.committed_file, os.O_WRONLY | os.O_CREAT, file_mode(self.database))
            try:
                os.pwrite(fd, data, 0)
                if len(data) != COMMITTED_WIDTH:
                    os.ftruncate(fd, len(data))
            finally:
                os.close(fd)
        except OSError as exc:
            raise DatabaseError(f"cannot write the history of {self.database}: {exc.strerror or exc}") from None

    def recovery(self, stored_last_id: int = 0) -> Recovery:
        """The history a whole-state recovery builds on: every complete entry of the journal but
        one whose commit never completed. Only the newest can be such an orphan (a writer cuts any
        orphan off before it appends); it landed when the record of the last commit, or the state
        file's own mark (`stored_last_id`, read from what is left of it), covers it. When the
        record cannot tell (none, or one older than the entry before: a database last written by
        an older rollout), every complete entry counts, as it always did."""
        index, mark = self.rebuild()
        committed = self.committed()
        spent = max(mark.last_id, committed.spent_id if committed else 0)
        if not mark.entries or committed is None or max(committed.last_id, stored_last_id) >= mark.last_id:
            return Recovery(index, mark, [], spent)
        with Lines(None, index, len(index)) as lines:
            start = lines.start_of_line(len(index) - 1, 0)
            header = parse_header(lines.line_at(start))
        offset, length = header["pos"]
        if committed.journal != offset:  # the record is older than the entry before: it cannot tell
            return Recovery(index, mark, [], spent)
        with Lines(self.journal, None, mark.journal) as journal:
            orphan = orjson.loads(journal.read(offset, length))
        previous = Mark(mark.entries - 1, 0, offset, start)
        if previous.entries:
            with Lines(None, index, start) as lines:
                previous = previous._replace(
                    last_id=parse_header(lines.line_at(lines.start_of_line(start - 1, 0)))["id"]
                )
        return Recovery(index[:start], previous, [orphan], spent)

    def cut_for_recovery(self, recovery: Recovery) -> Path | None:
        """Make the journal hold exactly the entries `recovery` builds on (cutting a half-written
        line, and the entries it skipped, which are kept in the backups folder first, as
        `<db stem>.skipped-<stamp>.jsonl`); return where they were kept, or None."""
        kept = None
        if recovery.skipped:
            kept = unique_name(backup_folder(self.database), self.database.stem, "skipped", ".jsonl")
            with Lines(self.journal, None, self.size(self.journal)) as journal:
                data = journal.read(recovery.mark.journal, self.size(self.journal) - recovery.mark.journal)
            atomic_write(kept, data[: data.rfind(b"\n") + 1], mode=file_mode(self.database))
            committed = self.committed()
            if committed is not None:  # their ids stay spent even if this recovery is killed before it stores
                self.record_committed(committed._replace(spent_id=recovery.spent_id))
        if self.size(self.journal) > recovery.mark.journal:
            self._truncate(self.journal, recovery.mark.journal)
        return kept

    def _truncate(self, path: Path, length: int) -> None:
        try:
            os.truncate(path, length)
        except OSError as exc:
            raise DatabaseError(f"cannot write the history of {self.database}: {exc.strerror or exc}") from None

    def _ensure_folder(self) -> None:
        if not self.folder.is_dir():
            self.folder.mkdir(mode=0o770)
            fsync_dir(self.folder.parent)

    def append(self, mark: Mark, entries: list[Entry]) -> Mark:
        """Write `entries` after `mark` (journal fsynced, then index) and return the mark covering them.

        The caller stores the returned mark with its state; until then nothing appended is read.
        Checkpoints: journal-partial, journal-written, index-partial, index-written.
        """
        journal_parts, index_parts = [], []
        offset = mark.journal
        for entry in entries:
            body = orjson.dumps(entry)
            header = header_of(entry)
            header["pos"] = [offset, len(body)]
            journal_parts.append(body + b"\n")
            index_parts.append(orjson.dumps(header) + b"\n")
            offset += len(body) + 1
        journal, index = b"".join(journal_parts), b"".join(index_parts)
        try:
            self._ensure_folder()
            self._write_at(self.journal, mark.journal, journal, "journal-partial", sync=True)
            self._stop("journal-written")
            self._write_at(self.index, mark.index, index, "index-partial", sync=False)
            self._stop("index-written")
        except OSError as exc:
            raise DatabaseError(f"cannot write the history of {self.database}: {exc.strerror or exc}") from None
        return Mark(
            mark.entries + len(entries), entries[-1]["id"], mark.journal + len(journal), mark.index + len(index)
        )

    def _write_at(self, path: Path, offset: int, data: bytes, partial: str, *, sync: bool) -> None:
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, file_mode(self.database))
        try:
            os.lseek(fd, offset, os.SEEK_SET)
            if self.checkpoint is None:
                write_all(fd, data)
            else:
                write_all(fd, data[: len(data) // 2])
                self.checkpoint(partial)
                write_all(fd, data[len(data) // 2 :])
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        if created and sync:
            fsync_dir(self.folder)


# -- reading ----------------------------------------------------------------------------------------
class JournalHistory(HistoryLog):
    """The history up to one Mark (module doc). Keeps nothing open between calls; safe to use from
    the thread that holds it while writers append (they never change a byte below the mark)."""

    def __init__(self, store: Store, mark: Mark, index: bytes | None = None, spent_id: int = 0) -> None:
        self.store = store
        self.mark = mark
        self._index = index  # an index built from the journal, when the file's could not be trusted
        self._spent_id = spent_id  # the highest id ever written, entries left out by a recovery included

    def count(self) -> int:
        return self.mark.entries

    def last_id(self) -> int:
        return self.mark.last_id

    def next_id(self) -> int:
        """After the newest entry, and after every id a recovery left out: an id is never given twice."""
        return max(self.mark.last_id, self._spent_id) + 1

    # -- the index: the file's when it agrees with the journal, else one built in memory -----------
    def _lines(self) -> Lines:
        if self._index is not None:
            return Lines(None, self._index, len(self._index))
        if self.mark.entries and not self.store.index_agrees(self.mark):
            return self._rebuilt()
        return Lines(self.store.index, None, self.mark.index)

    def _rebuilt(self) -> Lines:
        index, mark = self.store.rebuild(self.mark.journal)
        if mark.entries != self.mark.entries or mark.last_id != self.mark.last_id:
            raise self.store.damaged(
                f"{self.store.journal} holds {mark.entries} entries, the database counts {self.mark.entries}"
            )
        self._index = index
        return Lines(None, index, len(index))

    def _run(self, operation: Callable[[Lines], Any]) -> Any:
        """Run a read of the index; if the index turns out not to agree with the journal, once more on a rebuilt one."""
        if self.mark.entries == 0:
            return operation(Lines(None, b"", 0))
        try:
            with self._lines() as lines:
                return operation(lines)
        except FileNotFoundError:
            pass
        except Damaged:
            if self._index is not None:
                raise self.store.damaged("the index built from the journal is inconsistent") from None
        with self._rebuilt() as lines:
            try:
                return operation(lines)
            except Damaged as exc:
                raise self.store.damaged(str(exc)) from None

    def _body(self, header: dict[str, Any]) -> Entry:
        offset, length = header["pos"]
        try:
            with Lines(self.store.journal, None, self.mark.journal) as journal:
                raw = journal.read(offset, length)
        except OSError as exc:
            raise DatabaseError(f"cannot read the history of {self.store.database}: {exc.strerror or exc}") from None
        try:
            entry = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise self.store.damaged(f"entry #{header['id']} in {self.store.journal} cannot be read") from None
        if not isinstance(entry, dict) or entry.get("id") != header["id"]:
            raise Damaged(f"the index points entry #{header['id']} at another line of the journal")
        return entry

    def _bodies(self, headers: list[dict[str, Any]]) -> list[Entry]:
        """The entries of these headers; if the index file points at the wrong lines, found again
        through an index built from the journal."""
        try:
            return [self._body(h) for h in headers]
        except Damaged:
            if self._index is not None:
                raise self.store.damaged("the journal does not match the index built from it") from None
        ids = [h["id"] for h in headers]
        with self._rebuilt() as lines:
            try:
                found = {h["id"]: h for h in self._headers_between(lines, min(ids), max(ids))}
                return [self._body(found[i]) for i in ids]
            except (Damaged, KeyError) as exc:
                raise self.store.damaged(str(exc)) from None

    @staticmethod
    def _headers_between(lines: Lines, low: int, high: int) -> list[dict[str, Any]]:
        found = []
        for _offset, line in lines.lines_forward(_first(lines, lambda h: h["id"] >= low)):
            header = parse_header(line)
            if header["id"] > high:
                break
            found.append(header)
        return found

    # -- HistoryLog ---------------------------------------------------------------------------------
    def page(self, query: HistoryQuery) -> HistoryPage:
        headers, more = self._run(lambda lines: _scan(lines, query))
        entries = self._bodies(headers) if query.with_changes and headers else [public(h) for h in headers]
        return HistoryPage(entries, headers[-1]["id"] if more and headers else None)

    def entry(self, entry_id: int) -> Entry:
        header = self._run(lambda lines: _find(lines, "id", entry_id))
        if header is None:
            raise NotFound(f"no history entry #{entry_id}")
        return self._bodies([header])[0]

    def at_revision(self, revision: int) -> Entry | None:
        header = self._run(lambda lines: _find(lines, "revision", revision))
        return None if header is None else public(header)

    def after(self, revision: int) -> list[Entry]:
        def later(lines: Lines) -> list[dict[str, Any]]:
            start = _first(lines, lambda h: _revision(h) > revision)
            return [parse_header(line) for _offset, line in lines.lines_forward(start)]

        headers = self._run(later)
        return self._bodies(headers) if headers else []

    def __iter__(self) -> Iterator[Entry]:
        if self.mark.entries == 0:
            return
        with Lines(self.store.journal, None, self.mark.journal) as journal:
            for number, (_offset, line) in enumerate(journal.lines_forward(0), 1):
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise self.store.damaged(f"line {number} of {self.store.journal} cannot be read") from None


def _revision(header: dict[str, Any]) -> int:
    value = header.get("revision")
    if not isinstance(value, int):
        raise Damaged(f"history entry #{header['id']} has no revision")
    return value


def _first(lines: Lines, holds: Callable[[dict[str, Any]], bool]) -> int:
    """The offset of the first line whose header `holds` (False for every line before it, True
    after: ids and revisions grow line by line), or the end. A binary search over bytes."""
    low, high = 0, lines.end
    while low < high:
        start = lines.start_of_line((low + high) // 2, low)
        line = lines.line_at(start)
        if holds(parse_header(line)):
            high = start
        else:
            low = start + len(line) + 1
    return low


def _find(lines: Lines, key: str, value: int) -> dict[str, Any] | None:
    start = _first(lines, lambda h: (h["id"] if key == "id" else _revision(h)) >= value)
    if start >= lines.end:
        return None
    header = parse_header(lines.line_at(start))
    return header if header.get(key) == value else None


def _scan(lines: Lines, query: HistoryQuery) -> tuple[list[dict[str, Any]], bool]:
    """Headers matching `query`, newest first, and whether older ones may match too."""
    end = lines.end if query.before_id is None else _first(lines, lambda h: h["id"] >= query.before_id)
    token = _token(query)
    found: list[dict[str, Any]] = []
    previous_id: int | None = None
    for base, block in lines.blocks_backward(end):
        for _offset, line in lines_backward(block, base, token):
            header = parse_header(line)
            if previous_id is not None and header["id"] >= previous_id:
                raise Damaged(f"history ids out of order at #{header['id']}")
            previous_id = header["id"]
            if not query.matches(header):
                continue
            if query.limit is not None and len(found) >= query.limit:
                return found, True
            found.append(header)
    return found, False
