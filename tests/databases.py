"""What a test database holds, on whichever backend it is (tests/conftest.py's `db_path`)."""

from __future__ import annotations

from pathlib import Path


def stored(location: Path | str) -> bytes:
    """What a database holds, to show a refused change left it exactly as it was: every byte of the
    file and of the history beside it, or of a PostgreSQL database every record, the metadata and
    every history entry with its changes, as canonical JSON."""
    import orjson

    from rollout.backends import open_backend
    from rollout.backends.base import HistoryQuery

    if isinstance(location, Path):
        history = location.with_name(location.name + ".history")
        files = sorted(history.rglob("*")) if history.is_dir() else []
        return b"\0".join([location.read_bytes(), *(p.read_bytes() for p in files if p.is_file())])
    backend = open_backend(location)
    try:
        state = backend.read()
        assert state is not None, f"no database at {location}"
        entries = list(state.history.walk(HistoryQuery(with_changes=True)))
        return orjson.dumps({"document": state.document, "history": entries}, option=orjson.OPT_SORT_KEYS)
    finally:
        backend.close()
