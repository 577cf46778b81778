"""Database locations: what `--db` and ROLLOUT_DB give (a file path or a URL), told apart in one
place, and how messages name them (never with a credential)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

from rollout.errors import DatabaseError

POSTGRES_SCHEMES = ("postgresql", "postgres")
# A URL: a scheme of letters, digits, + . - (RFC 3986 section 3.1) followed by "://". Anything
# else is a path, even with a colon in it ("backup:2026.json").
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class Location(NamedTuple):
    """A parsed `--db` value.

    kind: "file" or "postgresql".
    target: what the backend opens: the expanded path, or the URL exactly as given (with any
      credential in it: never shown).
    shown: how every message names it: the path, or the URL with its password and query removed
      (`postgresql://launch@db.example/rollout`).
    """

    kind: str
    target: str
    shown: str

    @property
    def is_file(self) -> bool:
        return self.kind == "file"


def parse_location(text: str | os.PathLike[str]) -> Location:
    """The location `text` names (Location). A URL never becomes a path: a scheme rollout does not
    open is a DatabaseError naming it (credentials masked)."""
    raw = os.fspath(text)
    found = _URL.match(raw)
    if found is None:
        path = Path(raw).expanduser()
        return Location("file", str(path), str(path))
    scheme = found.group(1).lower()
    shown = mask_url(raw)
    if scheme in POSTGRES_SCHEMES:
        return Location("postgresql", raw, shown)
    raise DatabaseError(
        f"cannot open {shown}: rollout opens a file path or a postgresql:// URL, not a {scheme}:// location"
    )


def mask_url(url: str) -> str:
    """`url` as messages show it: scheme, user, hosts and path; no password, no query, no fragment
    (a `?password=` or `?sslpassword=` parameter is a credential too). The user is percent-decoded
    as libpq reads it."""
    found = _URL.match(url)
    if found is None:
        return url
    rest = url[found.end() :]
    rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    netloc, slash, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    user = unquote(userinfo.split(":", 1)[0]) if at else ""
    return f"{found.group(1)}://{user + '@' if user else ''}{hosts}{slash}{unquote(path)}"


def shown(text: str | os.PathLike[str]) -> str:
    """How a message names the location `text`, whatever it is (never raises, never a credential)."""
    raw = os.fspath(text)
    return mask_url(raw) if _URL.match(raw) else str(Path(raw).expanduser())
