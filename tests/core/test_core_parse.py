"""Reading a state file's JSON: the fast path for large files (msgspec) reads every file exactly as
orjson does, values and errors alike (rollout.storage.parse_json)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import storage
from rollout.db import Database
from rollout.errors import DatabaseError


@pytest.fixture
def fast_path(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every parse takes the large-file path; the list counts the documents msgspec decoded."""
    decoded: list[int] = []
    decoder = storage._document_decoder()

    class Counting:
        def decode(self, raw: bytes) -> Any:
            value = decoder.decode(raw)
            decoded.append(1)
            return value

    monkeypatch.setattr(storage, "MSGSPEC_FROM_BYTES", 0)
    monkeypatch.setattr(storage, "_document_decoder", lambda: Counting())
    return decoded


def typed(value: Any) -> Any:
    """The value with the type of every part, so 1 and 1.0 (equal in Python) compare apart."""
    if isinstance(value, dict):
        return ("dict", [(key, typed(v)) for key, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def outcome(raw: bytes) -> Any:
    try:
        return ("value", typed(storage.parse_json(raw)))
    except orjson.JSONDecodeError as exc:
        return ("error", str(exc))


def orjson_outcome(raw: bytes) -> Any:
    try:
        return ("value", typed(orjson.loads(raw)))
    except orjson.JSONDecodeError as exc:
        return ("error", str(exc))


big_ints = st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**30, -(10**30)])
leaves = st.none() | st.booleans() | st.integers() | big_ints | st.floats(allow_nan=False) | st.text()
values = leaves | st.lists(leaves, max_size=3) | st.dictionaries(st.text(max_size=4), leaves, max_size=3)
deep = st.recursive(leaves, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(), inner, max_size=2))
records = st.dictionaries(st.text(max_size=6), values | deep, max_size=5)
documents = st.dictionaries(
    st.sampled_from(["_meta", "regions", "items", "promotions", "settings", "history"]),
    st.dictionaries(st.text(max_size=3), records, max_size=3),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_large_file_path_reads_documents_as_orjson_does(document: dict[str, Any]) -> None:
    raw = json.dumps(document).encode()  # the standard library writes big integers exactly
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage, "MSGSPEC_FROM_BYTES", 0)
        assert outcome(raw) == orjson_outcome(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
def test_large_file_path_reads_any_bytes_as_orjson_does(raw: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage, "MSGSPEC_FROM_BYTES", 0)
        assert outcome(raw) == orjson_outcome(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"_meta": {"1": {"revision": 18446744073709551615}}}',  # unsigned 64-bit: orjson's int
        b'{"_meta": {"1": {"revision": 18446744073709551616}}}',  # past it: orjson's float
        b'{"regions": {"1": {"wave": -9223372036854775809}}}',
        b'{"regions": {"1": {"wave": 1e400}}}',  # orjson refuses infinity
        b'{"items": {"1": {"title": "\\ud800"}}}',  # a lone surrogate
        b'{"history": {"1": {"changes": [{"before": {"a": 1}}]}}}',  # a schema-1 history entry
        b'{"items": {"1": {"after": ["c1", "c2"], "critical": true, "due": null}}}',
        b'{"items": {"1": {"title": "caf\\u00e9 \xe2\x82\xac", "title": "twice"}}}',  # a repeated key
        b'{"regions": {"1": {"code": "DE"}},}',
        b"[]",
    ],
)
def test_large_file_path_edges(raw: bytes, fast_path: list[int]) -> None:
    assert outcome(raw) == orjson_outcome(raw)


def test_large_database_is_read_by_the_fast_path(tmp_path: Any, fast_path: list[int]) -> None:
    path = tmp_path / "rollout.json"
    Database(path).create(empty=False, force=False, user="t")
    fast_path.clear()
    state = Database(path, read_only=True).load()
    assert fast_path == [1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage, "MSGSPEC_FROM_BYTES", 10**12)
        assert Database(path, read_only=True).load().data() == state.data()


def test_corrupt_large_file_reports_orjson_error(tmp_path: Any, fast_path: list[int]) -> None:
    path = tmp_path / "rollout.json"
    path.write_bytes(b'{"_meta": {"1": {"schema": 3}}, "regions": {"1": {"code": "DE",}}}')
    with pytest.raises(DatabaseError) as found:
        Database(path, read_only=True).load()
    try:
        orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        expected = str(exc)
    assert f"is corrupt ({expected})" in str(found.value)
