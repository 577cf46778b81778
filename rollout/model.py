"""The domain vocabulary and field validation shared by every front end."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping
from functools import cache, partial
from typing import Any

from rollout import numbers
from rollout.errors import InvalidValue

STATUSES = ("planned", "preparing", "ready", "launched", "paused")
ITEM_STATUSES = ("open", "done")
CATEGORIES = (
    "legal",
    "payments",
    "logistics",
    "sellers",
    "creators",
    "localization",
    "support",
    "marketing",
    "tax",
    "other",
)
DEFAULT_KIND = "campaign"
# The fields of each record kind are defined once, in rollout.schema.


@cache
def _timezones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def region_code(text: str, known: Container[str] = ()) -> str:
    """An ISO 3166-1 alpha-2 country code (DE), or an ISO 3166-2 subdivision (US-CA) for a shop
    that launches part of a country on its own, as stored: upper-cased, surrounding spaces dropped
    (" de " gives "DE"). Codes are checked against pycountry's ISO 3166 tables.

    A code in `known` (a region already in the database, checked when it was added) is accepted
    without loading the ISO tables, which would cost a command about a tenth of a second.

    Raises InvalidValue for a malformed code (not two letters, optionally -SUBDIVISION) or one the
    standard does not define.
    """
    code = text.strip().upper()
    if code in known:
        return code
    country, dash, _sub = code.partition("-")
    if len(country) != 2 or not country.isalpha() or not code.isascii() or (dash and not _sub):
        raise InvalidValue(f"invalid region code {text!r}: expected an ISO 3166-1 alpha-2 code such as DE")
    import pycountry

    known = pycountry.subdivisions.get(code=code) if dash else pycountry.countries.get(alpha_2=code)
    if known is None:
        standard = "ISO 3166-2 subdivision" if dash else "ISO 3166-1 alpha-2 country"
        raise InvalidValue(f"unknown region code {text!r}: not an {standard} code")
    return code


def country_name(code: str) -> str:
    """The country's common name from ISO 3166-1 (pycountry): "Germany" for DE; the code itself
    when the standard has no such country (a subdivision code, say).
    """
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


def timezone(text: str) -> str:
    """An IANA time zone name as stored (Europe/Berlin), surrounding spaces dropped; the name is
    case-sensitive, as in the tz database. Raises InvalidValue for a name zoneinfo does not know.
    """
    name = text.strip()
    if name not in _timezones():
        raise InvalidValue(f"unknown timezone {text!r}: expected an IANA name such as Europe/Berlin")
    return name


def currency(text: str) -> str:
    """An ISO 4217 alphabetic currency code as stored: upper-cased (eur gives EUR). Raises
    InvalidValue for anything that is not three letters naming a currency in pycountry's tables.
    """
    code = text.strip().upper()
    import pycountry

    if len(code) != 3 or not code.isalpha() or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidValue(f"unknown currency {text!r}: expected an ISO 4217 code such as EUR")
    return code


def status(text: str) -> str:
    """A region status as stored: lower-cased, one of STATUSES (planned, preparing, ready, launched,
    paused). Raises InvalidValue for anything else.
    """
    value = text.strip().lower()
    if value not in STATUSES:
        raise InvalidValue(f"invalid status {text!r}: expected one of {', '.join(STATUSES)}")
    return value


def wave(value: str | int) -> int:
    """A rollout wave as stored: a whole number >= 0, from an int or its text (" 3 "). Raises
    InvalidValue for a negative number or anything that is not a whole number.
    """
    try:
        number = numbers.stored_whole(value)  # ASCII digits only (rollout.numbers)
    except InvalidValue:
        number = -1
    if number < 0:
        raise InvalidValue(f"invalid wave {value!r}: expected a whole number >= 0")
    return number


def category(text: str) -> str:
    """A checklist category as stored: lower-cased, one of CATEGORIES. Raises InvalidValue for
    anything else.
    """
    value = text.strip().lower()
    if value not in CATEGORIES:
        raise InvalidValue(f"invalid category {text!r}: expected one of {', '.join(CATEGORIES)}")
    return value


def required_text(label: str, text: str) -> str:
    """Text as stored: runs of whitespace (line breaks too) become one space, ends trimmed.
    Raises InvalidValue naming `label` ("title cannot be empty") when nothing is left.
    """
    value = " ".join(text.split())
    if not value:
        raise InvalidValue(f"{label} cannot be empty")
    return value


def optional_text(text: str | None) -> str:
    """Text as stored, whitespace collapsed like required_text; None or blank gives "". Never
    raises.
    """
    return " ".join((text or "").split())


def kind(text: str | None) -> str:
    """A promotion kind as stored: free text, whitespace collapsed, lower-cased; blank or None gives
    DEFAULT_KIND (campaign). Never raises.
    """
    value = optional_text(text).lower()
    return value or DEFAULT_KIND


_ITEM_ID = re.compile(r"c[1-9][0-9]*")
_ID_SEPARATORS = re.compile(r"[\s,;]+")


def item_ids(value: str | Iterable[str]) -> list[str]:
    """Checklist item ids typed by a person: `c10,c11` (commas, semicolons or spaces between them),
    or a list of such texts; lower-cased, in the order given, each once. Empty text: no ids.

    Raises InvalidValue naming the first text that is not an item id (c12)."""
    parts = (
        _ID_SEPARATORS.split(value) if isinstance(value, str) else [p for v in value for p in _ID_SEPARATORS.split(v)]
    )
    found: dict[str, None] = {}
    for part in parts:
        if not part:
            continue
        item_id = part.lower()
        if not _ITEM_ID.fullmatch(item_id):
            raise InvalidValue(f"invalid item id {part!r}: expected an id like c12")
        found[item_id] = None
    return list(found)


# -- launch templates and notes (issue 21) ------------------------------------------------
_TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)
_URL_SCHEMES = ("http", "https")


def template_name(text: str) -> str:
    """A launch template's name as stored: lower-cased, surrounding spaces dropped; ASCII letters,
    digits, dot, dash and underscore, starting with a letter or digit, at most 64 characters
    (`standard`, `eu-2027`). Raises InvalidValue for anything else."""
    value = text.strip().lower()
    if not _TEMPLATE_NAME.fullmatch(value):
        raise InvalidValue(
            f"invalid template name {text!r}: expected letters, digits, '.', '-' or '_' such as standard"
        )
    return value


def template_key(text: str) -> str:
    """A stable key of a template's item or promotion (`payment-provider`), as stored: the same
    alphabet as a template name (template_name). Raises InvalidValue for anything else."""
    value = text.strip().lower()
    if not _TEMPLATE_NAME.fullmatch(value):
        raise InvalidValue(f"invalid key {text!r}: expected letters, digits, '.', '-' or '_' such as legal-entity")
    return value


def slug(text: str) -> str:
    """A key made from a title ("Payment provider live" gives payment-provider-live): ASCII letters
    and digits, other runs as one dash, at most 64 characters; "item" when nothing is left."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:64].strip("-")
    return value or "item"


def link(text: str) -> str:
    """A note's link as stored: an absolute http or https URL with a host, surrounding spaces
    dropped (urllib.parse reads it; it is never fetched). Raises InvalidValue for any other scheme
    (javascript:, file:, ftp:), a URL without a host, or one holding spaces or control characters."""
    from urllib.parse import urlsplit

    value = text.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    bad_chars = any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value)
    if parts is None or parts.scheme.lower() not in _URL_SCHEMES or not host or bad_chars:
        raise InvalidValue(f"invalid link {text!r}: expected an http(s) URL such as https://example.com/doc")
    return value


# -- edits: the fields given, each stored as its check says --------------------------------------
def given(values: Mapping[str, Any], checks: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The fields of `values` that were given (not None), each as its check in `checks` stores it:
    how every edit reads "change these fields, leave the others". Raises what a check raises
    (InvalidValue), for the fields in the order given."""
    return {name: checks[name](value) for name, value in values.items() if value is not None}


# The checks of the fields a person edits the same way wherever they are edited (ops, templates).
REGION_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": partial(required_text, "name"),
    "timezone": timezone,
    "currency": currency,
    "wave": wave,
    "owner": optional_text,
    "status": status,
}
ITEM_CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": partial(required_text, "title"),
    "category": category,
    "owner": optional_text,
    "critical": bool,
}
PROMOTION_CHECKS: dict[str, Callable[[Any], Any]] = {"name": partial(required_text, "name"), "kind": kind}
