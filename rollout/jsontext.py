"""Reading JSON that people hand to rollout (an export to import, a template file).

The JSON standard leaves an object naming one key twice to the reader (RFC 8259 §4: names
"SHOULD be unique"), and Python's json, like orjson, keeps the last value without a word: a hand
edit that adds `"actual": "2"` below `"actual": "1"` would import one of two numbers silently. Such
a key is refused here instead.
"""

from __future__ import annotations

from typing import Any


class RepeatedKey(ValueError):
    """A JSON object names the key `args[0]` twice."""


def distinct_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object_pairs_hook: the object as a dict, or RepeatedKey for a key given twice."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise RepeatedKey(key)
        seen[key] = value
    return seen
