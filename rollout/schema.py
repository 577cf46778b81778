"""The record schema: one definition per record kind (fields, types, validators, rules).

Everything that needs to know what a record holds derives from here: the validation every
change passes before it is written (`check_touched`), `rollout doctor`'s record checks, the
fields a database file must have for the application to read it, the export and import field
lists, and the JSON shapes scripts read. A validator checks a *stored* value (already
normalised: `DE`, not ` de `); turning typed input into such values is rollout.model's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import orjson  # loaded by every command already (rollout.storage)

from rollout import model, money, periods, settings, times
from rollout.errors import InvalidValue

Record = dict[str, Any]
Check = Callable[[Any], None]


# -- value checks (each raises InvalidValue with the reason) ------------------------------
def text(value: Any) -> None:
    """Text of any content; InvalidValue naming the type found otherwise."""
    if not isinstance(value, str):
        raise InvalidValue(f"expected text, found {type(value).__name__}")


def required_text(value: Any) -> None:
    """Text with something besides whitespace; InvalidValue otherwise."""
    text(value)
    if not value.strip():
        raise InvalidValue("it cannot be empty")


def optional_text(value: Any) -> None:
    """Text or None (a field with no value); InvalidValue otherwise."""
    if value is not None:
        text(value)


def flag(value: Any) -> None:
    """True or false (a JSON boolean, not 0/1 or a word); InvalidValue otherwise."""
    if not isinstance(value, bool):
        raise InvalidValue("expected true or false")


def whole_number(value: Any) -> None:
    """An int >= 0 (a boolean is not a number here); InvalidValue otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidValue("expected a whole number >= 0")


def instant(value: Any) -> None:
    """A stored instant: ISO 8601 text with a UTC offset (times.stored_instant); InvalidValue otherwise."""
    times.stored_instant(value)


def optional_instant(value: Any) -> None:
    """A stored instant (see instant) or None; InvalidValue otherwise."""
    if value is not None:
        times.stored_instant(value)


def one_of(choices: Iterable[str]) -> Check:
    """A check that the value is one of `choices` exactly (stored values are already normalised)."""
    allowed = tuple(choices)

    def check(value: Any) -> None:
        if value not in allowed:
            raise InvalidValue(f"expected one of {', '.join(allowed)}")

    return check


def normalised(normalise: Callable[[str], str]) -> Check:
    """A value that the model's input function leaves as it is (the stored form of a code)."""

    @lru_cache(maxsize=4096)  # a few hundred distinct codes, checked once per record
    def stored_form(value: str) -> str:
        return normalise(value)

    def check(value: Any) -> None:
        text(value)
        expected = stored_form(value)
        if expected != value:
            raise InvalidValue(f"expected {expected!r}")

    return check


# Generated ids: a prefix per kind and a number from 1 up, without leading zeros (c12, p7).
ID_PREFIX = {"items": "c", "promotions": "p", "freezes": "f"}
ID_PATTERN = {table: re.compile(re.escape(prefix) + r"([1-9][0-9]*)") for table, prefix in ID_PREFIX.items()}
# The kinds whose records belong to a region (their `region` field), indexed by it in the state.
CHILD_TABLES = ("items", "promotions", "signoffs", "kpis")


def record_id(table: str) -> Check:
    """An id of `table` as the kind's id_prefix defines it (c12, p7); see id_number."""

    def check(value: Any) -> None:
        text(value)
        if id_number(table, value) is None:
            raise InvalidValue(f"expected an id like {KINDS[table].id_prefix}12")

    return check


def item_ids(value: Any) -> None:
    """A list of checklist item ids (c12), each once: what an item's `after` holds."""
    if not isinstance(value, list):
        raise InvalidValue(f"expected a list of item ids, found {type(value).__name__}")
    check = record_id("items")
    for item_id in value:
        check(item_id)
    if len(set(value)) != len(value):
        raise InvalidValue("an item id appears twice")


def any_json(value: Any) -> None:
    """Any JSON value (a setting's value is checked by the settings table's rule, which knows its name)."""


# -- cross-field rules --------------------------------------------------------------------
def check_span(start: datetime, end: datetime) -> None:
    """A promotion runs from its start to its end: the start must be strictly before the end.

    Raises InvalidValue naming both instants."""
    if start >= end:
        raise InvalidValue(f"start {times.to_iso(start)} must be before end {times.to_iso(end)}")


def _promotion_span(record: Record) -> str | None:
    try:
        check_span(times.stored_instant(record["start"]), times.stored_instant(record["end"]))
    except InvalidValue:
        return "starts at or after its end"
    return None


def _all_day_due(record: Record) -> str | None:
    if record.get("due_all_day") and record.get("due") is None:
        return "is due all day but has no due date"
    return None


def _not_after_itself(record: Record) -> str | None:
    if record.get("id") in (record.get("after") or ()):
        return "waits for itself"
    return None


def _known_setting(record: Record) -> str | None:
    return settings.check_record(record)


# -- the schema ---------------------------------------------------------------------------
# Field and Problem are NamedTuples, not frozen dataclasses: building a dataclass costs about a
# millisecond at import, which every command pays (start-up target in benchmarks/).
class Field(NamedTuple):
    """One field of a record kind.

    `check` validates a stored value; `json` is the JSON Schema (draft 2020-12) of the value as
    scripts see it; `instant` marks ISO 8601 instants (JSON shows them in the region's offset);
    `in_file` says every stored record has it (fields added later have a `default` instead);
    `needed_for_new` says an import row creating the record must give it."""

    name: str
    check: Check
    json: dict[str, Any]
    instant: bool = False
    in_file: bool = True
    default: Any = None
    needed_for_new: bool = False


class Kind:
    """A record kind: its database table, export name, the noun used in messages, its key field,
    its fields in export order, rules over several fields (each returns a problem or None), and
    for kinds keyed by a generated id, the id's prefix (ID_PREFIX: c12 is prefix "c", number 12).
    One object per kind, never changed (a plain class, not a dataclass: see Field)."""

    __slots__ = ("table", "export_name", "noun", "key", "fields", "rules", "by_name")

    def __init__(
        self,
        table: str,
        export_name: str,
        noun: str,
        key: str,
        fields: tuple[Field, ...],
        rules: tuple[Callable[[Record], str | None], ...] = (),
    ) -> None:
        self.table, self.export_name, self.noun, self.key = table, export_name, noun, key
        self.fields, self.rules = fields, rules
        self.by_name: dict[str, Field] = {f.name: f for f in fields}

    def __repr__(self) -> str:
        return f"Kind({self.table!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """The kind's field names in export order."""
        return tuple(f.name for f in self.fields)

    @property
    def in_file(self) -> frozenset[str]:
        """The fields every stored record has (the others were added later and have a default)."""
        return frozenset(f.name for f in self.fields if f.in_file)

    @property
    def needed_for_new(self) -> tuple[str, ...]:
        """The fields an import row must give to create a record of this kind."""
        return tuple(f.name for f in self.fields if f.needed_for_new)

    def value(self, record: Record, name: str) -> Any:
        """A field's stored value, or its default for a record stored before the field existed
        (a fresh copy of a list default, so no caller can change the default itself)."""
        if name in record:
            return record[name]
        default = self.by_name[name].default
        return list(default) if isinstance(default, list) else default

    def problems(self, record: Record, before: Record | None = None) -> list[Problem]:
        """Everything wrong with one stored record: missing fields, invalid values, broken rules.

        With `before` (the record as it was stored), only the values that changed are checked
        again (the others passed when they were stored), and the rules over several fields."""
        missing = [f.name for f in self.fields if f.in_file and f.name not in record]
        if missing:
            return [Problem(None, None, f"has no {', '.join(missing)}", "missing")]
        found = []
        for f in self.fields:
            value = self.value(record, f.name)
            if before is not None and f.name in before and before[f.name] == value:
                continue
            try:
                f.check(value)
            except (InvalidValue, TypeError, ValueError, AttributeError) as exc:
                found.append(Problem(f.name, value, _reason(exc, value), f.name))
        if not found:
            for rule in self.rules:
                message = rule(record)
                if message:
                    found.append(Problem(None, None, message, rule.__name__))
        return found

    def label(self, record: Record) -> str:
        """How messages name a record: 'checklist item c12', 'region DE'."""
        return f"{self.noun} {record.get(self.key, '?')}"

    @property
    def id_prefix(self) -> str | None:
        """The prefix of the kind's generated ids ("c" for c12), None for a kind keyed otherwise."""
        return ID_PREFIX.get(self.table)

    @property
    def counter(self) -> str:
        """The `_meta` field holding the number of the next id of a kind keyed by generated ids
        (`next_items`): ids only go up, so one is never reused."""
        return f"next_{self.table}"


class Problem(NamedTuple):
    """What is wrong with a record: a field's invalid value (with the reason), or a whole-record
    problem (`field` None: a missing field, a broken rule). `check` names the check, for grouping."""

    field: str | None
    value: Any
    reason: str
    check: str

    def describe(self, label: str) -> str:
        """The problem as one sentence, the record named by `label` ("checklist item c12")."""
        if self.field is None:
            return f"{label} {self.reason}"
        return f"{label}: {self.field} {self.value!r} is not valid ({self.reason})"


def _reason(exc: Exception, value: Any) -> str:
    """Why `value` was refused: the model's message without its "invalid X 'value': " start (the
    problem names the field and value itself)."""
    message = str(exc)
    shown = f"{value!r}: "
    if isinstance(exc, InvalidValue) and message.startswith(("invalid", "unknown")) and shown in message:
        message = message.split(shown, 1)[1]
    return message or type(exc).__name__


# JSON Schema fragments of stored values (the `json` of each field).
_TEXT: dict[str, Any] = {"type": "string"}
_REQUIRED_TEXT: dict[str, Any] = {"type": "string", "minLength": 1}
_OPTIONAL_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_INSTANT: dict[str, Any] = {"type": "string", "format": "date-time"}
_OPTIONAL_INSTANT: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
_FLAG: dict[str, Any] = {"type": "boolean"}
_CURRENCY: dict[str, Any] = {"type": "string", "pattern": "^[A-Z]{3}$"}  # an ISO 4217 code


def _enum(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _id(table: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^{ID_PATTERN[table].pattern}$"}


# -- launch templates and notes (issue 21) ------------------------------------------------
# Notes: dated, attributed, append-only, on regions, items and promotions. Origin: where an
# applied item or promotion came from (template, version, key, and a fingerprint of the values
# applied, to tell a hand edit from an untouched record). An item not applicable to its region
# holds the reason. The rules are rollout.templates'; the templates table is TEMPLATES below.
NOTE_KEYS = ("at", "user", "text", "link")
_NOTE_JSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "at": _INSTANT,
        "user": _TEXT,
        "text": _REQUIRED_TEXT,
        "link": {"type": ["string", "null"], "format": "uri"},
    },
    "required": list(NOTE_KEYS),
    "additionalProperties": False,
}
_ORIGIN_JSON: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "template": _REQUIRED_TEXT,
        "version": {"type": "integer", "minimum": 1},
        "key": _REQUIRED_TEXT,
        "fingerprint": _REQUIRED_TEXT,
        "offset": {"type": ["string", "null"]},
    },
    "required": ["template", "version", "key", "fingerprint", "offset"],
    "additionalProperties": False,
}


def positive_number(value: Any) -> None:
    """An int >= 1 (a template's version); InvalidValue otherwise."""
    whole_number(value)
    if value < 1:
        raise InvalidValue("expected a whole number >= 1")


def notes(value: Any) -> None:
    """A list of notes, each {at: stored instant, user: text, text: non-empty text, link: an http(s)
    URL or None}; InvalidValue naming the first problem otherwise."""
    if not isinstance(value, list):
        raise InvalidValue(f"expected a list of notes, found {type(value).__name__}")
    for note in value:
        if not isinstance(note, dict) or tuple(sorted(note)) != tuple(sorted(NOTE_KEYS)):
            raise InvalidValue(f"a note needs exactly {', '.join(NOTE_KEYS)}")
        instant(note["at"])
        text(note["user"])
        required_text(note["text"])
        if note["link"] is not None and model.link(note["link"]) != note["link"]:
            raise InvalidValue("a note's link must be an http(s) URL")


def origin(value: Any) -> None:
    """None, or where a record came from: {template, version (>= 1), key, fingerprint, offset (the
    due's offset applied, or None)}."""
    from rollout.offsets import stored_offset

    if value is None:
        return
    if not isinstance(value, dict) or set(value) != {"template", "version", "key", "fingerprint", "offset"}:
        raise InvalidValue("expected {template, version, key, fingerprint, offset}")
    if value["offset"] is not None:
        stored_offset(value["offset"])
    if model.template_name(str(value["template"])) != value["template"]:
        raise InvalidValue("a template name is lower case")
    if not isinstance(value["version"], int) or isinstance(value["version"], bool) or value["version"] < 1:
        raise InvalidValue("a template version is a whole number >= 1")
    if model.template_key(str(value["key"])) != value["key"]:
        raise InvalidValue("a template key is lower case")
    required_text(value["fingerprint"])


def _template_specs(value: Any, keys: tuple[str, ...], plural: str, one: str, check: Callable[[Any], None]) -> None:
    """A template's list of `plural` ("items"): dicts with exactly `keys`, each keyed by a template
    key, their other values checked by `check`."""
    if not isinstance(value, list):
        raise InvalidValue(f"expected a list of {plural}")
    for spec in value:
        if not isinstance(spec, dict) or set(spec) != set(keys):
            raise InvalidValue(f"{one} needs exactly {', '.join(keys)}")
        if model.template_key(str(spec["key"])) != spec["key"]:
            raise InvalidValue(f"invalid key {spec['key']!r}")
        check(spec)


def _template_items(value: Any) -> None:
    """A template's checklist: {key, title, category, owner, critical, due (offset or None), after (keys)}."""
    from rollout.offsets import stored_offset

    def check(spec: Any) -> None:
        required_text(spec["title"])
        one_of(model.CATEGORIES)(spec["category"])
        text(spec["owner"])
        flag(spec["critical"])
        if spec["due"] is not None:
            stored_offset(spec["due"])
        if not isinstance(spec["after"], list) or not all(isinstance(k, str) for k in spec["after"]):
            raise InvalidValue("an item's after is a list of keys")

    _template_specs(value, TEMPLATE_ITEM_KEYS, "items", "an item", check)


def _template_promotions(value: Any) -> None:
    """A template's promotions: {key, name, kind, start (offset), end (offset)}."""
    from rollout.offsets import stored_offset

    def check(spec: Any) -> None:
        required_text(spec["name"])
        required_text(spec["kind"])
        stored_offset(spec["start"])
        stored_offset(spec["end"])

    _template_specs(value, TEMPLATE_PROMOTION_KEYS, "promotions", "a promotion", check)


def _template_keys(record: Record) -> str | None:
    """Keys are unique across a template's items and promotions; `after` names its items, without a cycle."""
    keys = [spec["key"] for spec in [*record["items"], *record["promotions"]]]
    twice = next((k for k in keys if keys.count(k) > 1), None)
    if twice:
        return f"uses the key {twice} twice"
    by_key = {spec["key"]: spec for spec in record["items"]}
    for spec in record["items"]:
        missing = next((k for k in spec["after"] if k not in by_key), None)
        if missing:
            return f"item {spec['key']} waits for {missing}, which is not in the template"
    cycle = find_cycle(by_key, by_key)
    if cycle:
        return f"item {cycle[0]} waits for itself through {describe_cycle(cycle)}"
    return None


TEMPLATE_ITEM_KEYS = ("key", "title", "category", "owner", "critical", "due", "after")
TEMPLATE_PROMOTION_KEYS = ("key", "name", "kind", "start", "end")
_OFFSET_JSON: dict[str, Any] = {"type": "string", "pattern": "^-?[0-9]{1,4}(d|w|wd)$"}
_TEMPLATE_ITEM_JSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "key": _REQUIRED_TEXT,
        "title": _REQUIRED_TEXT,
        "category": _enum(model.CATEGORIES),
        "owner": _TEXT,
        "critical": _FLAG,
        "due": {"anyOf": [_OFFSET_JSON, {"type": "null"}]},
        "after": {"type": "array", "items": _REQUIRED_TEXT},
    },
    "required": list(TEMPLATE_ITEM_KEYS),
    "additionalProperties": False,
}
_TEMPLATE_PROMOTION_JSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "key": _REQUIRED_TEXT,
        "name": _REQUIRED_TEXT,
        "kind": _REQUIRED_TEXT,
        "start": _OFFSET_JSON,
        "end": _OFFSET_JSON,
    },
    "required": list(TEMPLATE_PROMOTION_KEYS),
    "additionalProperties": False,
}
NOTES_FIELD = Field("notes", notes, {"type": "array", "items": _NOTE_JSON}, in_file=False, default=[])
REGION_NOTE_FIELDS = (NOTES_FIELD,)
ITEM_TEMPLATE_FIELDS = (
    Field("origin", origin, _ORIGIN_JSON, in_file=False),
    Field("not_applicable", optional_text, _OPTIONAL_TEXT, in_file=False),
    NOTES_FIELD,
)
PROMOTION_TEMPLATE_FIELDS = (Field("origin", origin, _ORIGIN_JSON, in_file=False), NOTES_FIELD)
TEMPLATES = Kind(
    table="templates",
    export_name="templates",
    noun="template",
    key="name",
    fields=(
        Field("name", normalised(model.template_name), {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]*$"}),
        Field("version", positive_number, {"type": "integer", "minimum": 1}),
        Field("items", _template_items, {"type": "array", "items": _TEMPLATE_ITEM_JSON}),
        Field("promotions", _template_promotions, {"type": "array", "items": _TEMPLATE_PROMOTION_JSON}),
        Field("updated_at", instant, _INSTANT),
        Field("updated_by", text, _TEXT),
    ),
    rules=(_template_keys,),
)


# The fields a template sets on the records it applies (rollout.templates).
ITEM_FIELDS = ("title", "category", "owner", "critical", "due", "due_all_day", "after")
PROMOTION_FIELDS = ("name", "kind", "start", "end")


def fingerprint(record: Record, fields: Iterable[str]) -> str:
    """A short digest of a record's template-managed `fields` (ITEM_FIELDS, PROMOTION_FIELDS): equal
    while none of them changed, whatever else (status, notes) did. Kept in the record's origin, it
    tells an item edited by hand since a template was applied from one left as applied."""
    return fingerprint_values(list(map(record.get, fields)))


def fingerprint_values(values: list[Any]) -> str:
    """fingerprint() of the values of the fields, in the fields' order: 16 hex digits of BLAKE2b
    over their JSON (orjson). BLAKE2b with an 8-byte digest is as long as a cut SHA-256 in a third
    of the time (applying a template to 2,000 regions makes 40,000 of them)."""
    return _blake2b()(orjson.dumps(values), digest_size=8).hexdigest()


@lru_cache(maxsize=1)
def _blake2b() -> Callable[..., Any]:
    import hashlib  # here: only template commands pay for it at start-up

    return hashlib.blake2b


def counts(item: Record) -> bool:
    """Whether a checklist item counts for readiness, the launch gate, health, the forecast and the
    agenda: every item but one marked not applicable to its region. The one predicate they all use."""
    return not item.get("not_applicable")


# -- end of launch templates and notes ----------------------------------------------------


REGIONS = Kind(
    table="regions",
    export_name="regions",
    noun="region",
    key="code",
    fields=(
        Field("code", normalised(model.region_code), {"type": "string", "pattern": "^[A-Z]{2}(-[A-Z0-9]{1,3})?$"}),
        Field("name", required_text, _REQUIRED_TEXT, needed_for_new=True),
        Field("timezone", normalised(model.timezone), _REQUIRED_TEXT, needed_for_new=True),
        Field("currency", normalised(model.currency), _CURRENCY, needed_for_new=True),
        Field("status", one_of(model.STATUSES), _enum(model.STATUSES)),
        Field("wave", whole_number, {"type": "integer", "minimum": 0}),
        Field("owner", text, _TEXT),
        Field("launch", optional_instant, _OPTIONAL_INSTANT, instant=True),
        Field("launched_at", optional_instant, _OPTIONAL_INSTANT, instant=True, in_file=False),
        *REGION_NOTE_FIELDS,
    ),
)
ITEMS = Kind(
    table="items",
    export_name="checklist",
    noun="checklist item",
    key="id",
    fields=(
        Field("id", record_id("items"), _id("items")),
        Field("region", text, _TEXT, needed_for_new=True),
        Field("title", required_text, _REQUIRED_TEXT, needed_for_new=True),
        Field("category", one_of(model.CATEGORIES), _enum(model.CATEGORIES)),
        Field("owner", text, _TEXT),
        Field("due", optional_instant, _OPTIONAL_INSTANT, instant=True),
        # A due given as a day is due by the end of that local day (stored: the day's first instant).
        Field("due_all_day", flag, _FLAG, in_file=False, default=False),
        Field("status", one_of(model.ITEM_STATUSES), _enum(model.ITEM_STATUSES)),
        Field("critical", flag, _FLAG),
        Field("done_at", optional_instant, _OPTIONAL_INSTANT, instant=True, in_file=False),
        Field("done_by", optional_text, _OPTIONAL_TEXT, in_file=False),
        # The ids of the items this one waits for (same region or another); [] for items stored before.
        Field(
            "after", item_ids, {"type": "array", "items": _id("items"), "uniqueItems": True}, in_file=False, default=[]
        ),
        *ITEM_TEMPLATE_FIELDS,
    ),
    rules=(_all_day_due, _not_after_itself),
)
PROMOTIONS = Kind(
    table="promotions",
    export_name="promotions",
    noun="promotion",
    key="id",
    fields=(
        Field("id", record_id("promotions"), _id("promotions")),
        Field("region", text, _TEXT, needed_for_new=True),
        Field("name", required_text, _REQUIRED_TEXT, needed_for_new=True),
        Field("kind", required_text, _REQUIRED_TEXT),
        Field("start", instant, _INSTANT, instant=True, needed_for_new=True),
        Field("end", instant, _INSTANT, instant=True, needed_for_new=True),
        *PROMOTION_TEMPLATE_FIELDS,
    ),
    rules=(_promotion_span,),
)
SETTINGS = Kind(
    table="settings",
    export_name="settings",
    noun="setting",
    key="name",
    fields=(
        Field("name", text, {"type": "string", "enum": list(settings.SETTINGS)}),
        Field("value", any_json, {"type": ["integer", "boolean"]}),
    ),
    rules=(_known_setting,),
)

# -- outcomes: go/no-go sign-offs, GMV targets and actuals, exchange rates, freeze windows --------
# (rollout.signoff, rollout.kpi, rollout.freeze). Amounts are stored as exact decimal text
# (rollout.money), periods as 2027-01 / 2027-Q1 (rollout.periods), freeze days as local dates.
SIGNOFF_DECISIONS = ("pending", "approved", "rejected")
# Stored amounts are below 10^18 with at most 4 decimals (the most any ISO 4217 currency has) and
# rates below 10^12 with at most 18 decimals: rollout.money's bounds, which keep every sum exact.
_AMOUNT: dict[str, Any] = {"type": ["string", "null"], "pattern": r"^[0-9]{1,18}(\.[0-9]{1,4})?$"}
_RATE: dict[str, Any] = {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,18})?$"}
_PERIOD: dict[str, Any] = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$"}
_DAY: dict[str, Any] = {"type": "string", "format": "date"}


def _period_or_none(value: Any) -> None:
    if value is not None:
        periods.check_stored(value)


def _promo_or_none(value: Any) -> None:
    if value is not None:
        record_id("promotions")(value)


def _currency_code(value: Any) -> None:
    text(value)
    money.minor_units(value)


def _day(value: Any) -> None:
    text(value)
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise InvalidValue("expected a day YYYY-MM-DD") from None


def _region_codes(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise InvalidValue("expected a list of region codes")
    for code in value:
        normalised(model.region_code)(code)


def _fingerprint(value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value)):
        raise InvalidValue("expected a SHA-256 hex digest")


def _signoff_key(record: Record) -> str | None:
    from rollout.identity import person_key

    if record.get("id") != f"{record.get('region')}/{person_key(record.get('approver'))}":
        return "has an id that is not REGION/approver"
    if record.get("decision") == "approved" and not record.get("fingerprint"):
        return "is approved without the fingerprint of what was approved"
    return None


def _kpi_subject(record: Record) -> str | None:
    period, promo = record.get("period"), record.get("promo")
    if (period is None) == (promo is None):
        return "needs either a period or a promotion"
    if record.get("id") != (promo or f"{record.get('region')}/{period}"):
        return "has an id that is not REGION/PERIOD or the promotion's id"
    for name in ("target", "actual"):
        value = record.get(name)
        if value is not None and money.decimals_of(value) > money.minor_units(record["currency"]):
            return f"has a {name} with more decimals than {record['currency']} has (ISO 4217)"
    return None


def kpi_currency_problem(record: Record, region: Record | None) -> str | None:
    """Why a KPI record's amounts no longer read in its region's currency, or None: GMV is stored
    in the currency it was given in (`currency`), which must stay the region's, since nothing
    converts stored amounts (a region's currency changing under them would relabel 150,000,000
    JPY as USD). A record whose region is gone is the orphan check's."""
    if region is None or record.get("currency") == region.get("currency"):
        return None
    return (
        f"GMV {record.get('id')} is in {record.get('currency')} but region {region.get('code')}'s currency is "
        f"{region.get('currency')} (stored amounts are never converted)"
    )


def _fx_key(record: Record) -> str | None:
    if record.get("id") != f"{record.get('base')}/{record.get('quote')}/{record.get('period')}":
        return "has an id that is not BASE/QUOTE/PERIOD"
    if record.get("base") == record.get("quote"):
        return "converts a currency to itself"
    return None


def _freeze_span(record: Record) -> str | None:
    if str(record.get("start")) > str(record.get("end")):
        return "ends before it starts"
    return None


SIGNOFFS = Kind(
    table="signoffs",
    export_name="signoffs",
    noun="sign-off",
    key="id",
    fields=(
        Field("id", required_text, _REQUIRED_TEXT),
        Field("region", text, _TEXT, needed_for_new=True),
        Field("approver", required_text, _REQUIRED_TEXT, needed_for_new=True),
        Field("decision", one_of(SIGNOFF_DECISIONS), _enum(SIGNOFF_DECISIONS)),
        Field("fingerprint", _fingerprint, {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"}),
        Field("at", optional_instant, _OPTIONAL_INSTANT, instant=True),
        Field("by", optional_text, _OPTIONAL_TEXT),
        Field("note", optional_text, _OPTIONAL_TEXT),
        Field("requested_at", instant, _INSTANT, instant=True),
        Field("requested_by", text, _TEXT),
    ),
    rules=(_signoff_key,),
)
KPIS = Kind(
    table="kpis",
    export_name="kpis",
    noun="KPI",
    key="id",
    fields=(
        Field("id", required_text, _REQUIRED_TEXT),
        Field("region", text, _TEXT, needed_for_new=True),
        Field("period", _period_or_none, {"anyOf": [_PERIOD, {"type": "null"}]}),
        Field("promo", _promo_or_none, {"anyOf": [_id("promotions"), {"type": "null"}]}),
        Field("currency", _currency_code, _CURRENCY),
        Field("target", money.check_stored_or_none, _AMOUNT),
        Field("actual", money.check_stored_or_none, _AMOUNT),
    ),
    rules=(_kpi_subject,),
)
FX_RATES = Kind(
    table="fx_rates",
    export_name="fx",
    noun="exchange rate",
    key="id",
    fields=(
        Field("id", required_text, _REQUIRED_TEXT),
        Field("base", _currency_code, _CURRENCY, needed_for_new=True),
        Field("quote", _currency_code, _CURRENCY, needed_for_new=True),
        Field("period", periods.check_stored, _PERIOD, needed_for_new=True),
        Field("rate", money.check_stored_rate, _RATE, needed_for_new=True),
    ),
    rules=(_fx_key,),
)
FREEZES = Kind(
    table="freezes",
    export_name="freezes",
    noun="freeze window",
    key="id",
    fields=(
        Field("id", record_id("freezes"), _id("freezes")),
        Field("regions", _region_codes, {"type": "array", "items": {"type": "string"}, "minItems": 1}),
        Field("scope", required_text, _REQUIRED_TEXT),
        Field("start", _day, _DAY, needed_for_new=True),
        Field("end", _day, _DAY, needed_for_new=True),
        Field("reason", required_text, _REQUIRED_TEXT, needed_for_new=True),
        Field("blocks", flag, _FLAG),
    ),
    rules=(_freeze_span,),
)
OUTCOME_KINDS = (SIGNOFFS, KPIS, FX_RATES, FREEZES)
# -- end of outcomes ------------------------------------------------------------------------------

KINDS: dict[str, Kind] = {k.table: k for k in (REGIONS, ITEMS, PROMOTIONS, SETTINGS, *OUTCOME_KINDS)}
KINDS[TEMPLATES.table] = TEMPLATES  # launch templates (issue 21), defined in their block above
BY_EXPORT_NAME: dict[str, Kind] = {k.export_name: k for k in KINDS.values()}


def id_number(table: str, key: Any) -> int | None:
    """The number of a well-formed generated id of `table` (12 for "c12" in "items"); None for
    anything else: a malformed id, another kind's id, or a table keyed by code ("regions")."""
    pattern = ID_PATTERN.get(table)
    match = pattern.fullmatch(key) if pattern is not None and isinstance(key, str) else None
    return int(match.group(1)) if match else None


# -- dependencies between checklist items -------------------------------------------------
def after_of(item: Record) -> list[str]:
    """The ids an item waits for ([] for an item stored before dependencies existed)."""
    return item.get("after") or []


def find_cycle(items: Mapping[str, Record], starts: Iterable[str]) -> list[str] | None:
    """A cycle of `after` links reachable from the items `starts`, as ids in the order they wait
    for each other with the first repeated at the end (["c10", "c12", "c10"]: c10 waits for c12,
    which waits for c10); None when there is none. Ids that are not in `items` end a path.

    An iterative depth-first search (three colours), so a chain of any length is safe."""
    done: set[str] = set()
    for start in starts:
        if start in done or start not in items:
            continue
        path: list[str] = [start]
        on_path = {start}
        stack = [iter(after_of(items[start]))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            if step in on_path:
                return path[path.index(step) :] + [step]
            if step in done or step not in items:
                continue
            path.append(step)
            on_path.add(step)
            stack.append(iter(after_of(items[step])))
    return None


def describe_cycle(cycle: list[str]) -> str:
    """A cycle for a message: 'c10 -> c12 -> c10'."""
    return " -> ".join(cycle)


def after_problems(items: Mapping[str, Record], touched: Iterable[str] | None = None) -> list[str]:
    """What is wrong with the dependencies of the items `touched` (default: every item): an item
    waiting for one that does not exist, and a cycle. Each problem is a sentence starting with the
    item's label ("checklist item c12 waits for c99, which does not exist")."""
    keys = list(items) if touched is None else [key for key in touched if key in items]
    found = []
    for key in keys:
        for blocker in after_of(items[key]):
            if blocker not in items:
                found.append(f"checklist item {key} waits for {blocker}, which does not exist")
    cycle = find_cycle(items, (key for key in keys if after_of(items[key])))
    if cycle:
        found.append(f"checklist item {cycle[0]} waits for itself through {describe_cycle(cycle)}")
    return found


def json_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a record as `to_json` gives it: every field, required."""
    return {
        "type": "object",
        "properties": {f.name: dict(f.json) for f in kind.fields},
        "required": list(kind.names),
        "additionalProperties": False,
    }


def to_json(kind: Kind, record: Record, tz: str) -> dict[str, Any]:
    """A record's fields as scripts see them, in schema order; instants in the region's offset."""
    out = {}
    for f in kind.fields:
        value = kind.value(record, f.name)
        out[f.name] = times.in_region(value, tz) if f.instant else value
    return out
