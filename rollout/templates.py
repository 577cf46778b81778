"""Launch templates, not-applicable items and notes (issue 21): the rules, one function per change.

A template (schema.TEMPLATES, the `templates` table, shared by the team) is named and versioned:
every change makes a new version. It holds checklist items {key, title, category, owner ("": the
region's owner), critical, due (an offset or None), after (keys)} and promotions {key, name, kind,
start, end (offsets)}; offsets are rollout.offsets' (`-10wd`, `-2w`, `3d`) from the region's launch
day, working days counted on the region's own calendar (rollout.holidays: its weekend and public
holidays, its subdivision's where the holidays library knows it).

Applying resolves each offset once, to a local day (an item is due by the end of it: the day's
first instant with due_all_day, as `check add --due DAY`; a promotion runs from the start day's
first instant to the end day's), and stores it. Each applied record remembers its `origin`:
template, version, key, and a fingerprint of the values applied. Re-applying compares: a key the
region does not have yet is added; a record whose values still match its fingerprint (not edited
since) is updated to the template's; a record edited by hand is a conflict, never overwritten; a
key the template no longer has is reported. A key is never applied twice to a region.

A promotion must end after it starts: a template whose offsets could never do so (offsets.never_before)
is refused when stored, and one that does not on a region's own calendar (3wd after a weekend is
later than 4d) is refused when applied, naming the region and the promotion. A promotion the apply
would start inside a blocking freeze window of its region (rollout.freeze) refuses the change unless
forced, as every other path does; a dry run lists it as "frozen" instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any

from rollout import freeze, holidays, model, offsets, ops, queries, schema, times
from rollout.errors import InvalidValue, NotFound, Refused
from rollout.jsontext import RepeatedKey, distinct_keys
from rollout.schema import ITEM_FIELDS, PROMOTION_FIELDS, fingerprint, fingerprint_values
from rollout.state import Record, State

FILE_FORMAT_KEY = "rollout_template"
FILE_FORMAT_VERSION = 1
ACTIONS = ("add", "update", "conflict", "removed", "unchanged", "frozen")


# -- reading ---------------------------------------------------------------------------------
def template(state: State, name: str) -> Record:
    """The stored template `name` (any case). Raises InvalidValue for a malformed name, NotFound
    ("no template x; the templates are standard") for an unknown one."""
    key = model.template_name(name)
    found = state.tables["templates"].get(key)
    if found is None:
        known = ", ".join(state.tables["templates"]) or "none yet"
        raise NotFound(f"no template {key} (templates: {known})")
    return found


def templates(state: State) -> list[Record]:
    """Every stored template, by name."""
    return [state.tables["templates"][name] for name in sorted(state.tables["templates"])]


def template_json(record: Record) -> dict[str, Any]:
    """A template as `template show --json` prints it: the stored record, fields in schema order."""
    return {name: schema.TEMPLATES.value(record, name) for name in schema.TEMPLATES.names}


# -- working days ----------------------------------------------------------------------------
def launch_day(region: Record) -> date:
    """The local day of a region's launch target. Raises Refused when it has none."""
    if not region.get("launch"):
        raise Refused(
            f"region {region['code']} has no launch date: set one first (region set {region['code']} --launch DAY)"
        )
    return times.local_date(region["launch"], region["timezone"])


def working_days(code: str) -> offsets.WorkingDays:
    """Region `code`'s working days: its country's weekend (holidays.weekend) and its public
    holidays, the subdivision's where the library knows them (holidays.year_calendar)."""
    return offsets.WorkingDays(holidays.weekend(code), partial(holidays.year_calendar, code))


def resolve_days(region: Record, texts: Sequence[str]) -> list[date]:
    """Local days of the offsets `texts` (stored offsets) from the region's launch day."""
    day = launch_day(region)
    parsed = [_parsed(text) for text in texts]
    working = [o.amount for o in parsed if o.unit == "wd"]
    counted = iter(working_days(region["code"]).shift_many(day, working) if working else [])
    return [next(counted) if o.unit == "wd" else offsets.resolve(o, day) for o in parsed]


@lru_cache(maxsize=1024)
def _parsed(text: str) -> offsets.Offset:
    return offsets.parse_offset(text)


@lru_cache(maxsize=65536)
def _day_start(day: date, tz: str) -> str:
    """The stored first instant of a local day (times.day_start; a day whose midnight is skipped
    starts when the clocks jump), remembered: regions of one zone share their days."""
    return times.to_iso(times.day_start(day, tz, strict=False))


# -- applying --------------------------------------------------------------------------------
@dataclass(slots=True)
class Step:
    """One line of an apply's diff: in `region`, the item or promotion (`kind`) of template key
    `key` is added, updated, a conflict (edited by hand: kept), removed from the template (kept,
    reported), unchanged, or frozen (a promotion the apply would start inside a blocking freeze
    window: refused unless forced; `why` says where). `record` is its id (for an add, the id it
    gets); `fields` the fields that change (for a conflict, the ones that differ from the
    template's values; for a frozen add, none)."""

    region: str
    kind: str
    key: str
    action: str
    record: str | None
    title: str
    fields: list[str] = field(default_factory=list)
    why: str = ""  # a frozen step's window: "would start 2027-05-17, inside freeze f1 ..."

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "kind": self.kind,
            "key": self.key,
            "action": self.action,
            "id": self.record,
            "title": self.title,
            "fields": self.fields,
        }


def apply(state: State, name: str, selectors: Sequence[str], *, preview: bool = False) -> list[Step]:
    """Apply template `name` to every region the selectors pick (queries.select) and return the
    diff, region by region. See the module's docstring for the rules.

    A promotion it would start inside a blocking freeze window (unless the change is forced:
    freeze.FORCE in state.overrides) is a "frozen" step; it is stored all the same, so the change
    is refused when it ends (freeze.check_change), except with `preview` (a dry run), which leaves
    it out so the rest of the diff can be shown.

    Raises NotFound for an unknown template or region, Refused for a region without a launch date,
    InvalidValue for a bad selector, an offset that resolves outside the years 1970-2999, or a
    promotion that would not end after it starts on a region's calendar (naming both)."""
    chosen = template(state, name)
    steps: list[Step] = []
    for code in queries.select(state, selectors):
        steps.extend(apply_to_region(state, chosen, state.region(code), preview=preview))
    return steps


def refusals(steps: Sequence[Step]) -> list[str]:
    """What refuses an apply of these steps unless forced, one sentence per frozen step."""
    return [
        f"promotion {s.key} ({s.region}) {s.why}; use --force to apply it anyway" for s in steps if s.action == "frozen"
    ]


def apply_to_region(state: State, chosen: Record, region: Record, *, preview: bool = False) -> list[Step]:
    """Apply one template to one region (apply's rules, `preview` as there); the diff of that region."""
    code, tz = region["code"], region["timezone"]
    specs, promos = chosen["items"], chosen["promotions"]
    due_specs = [s for s in specs if s["due"] is not None]
    days = resolve_days(region, [*(s["due"] for s in due_specs), *(o for p in promos for o in (p["start"], p["end"]))])
    starts = [_day_start(day, tz) for day in days]  # each offset's day as stored: its first instant
    dues = dict(zip([s["key"] for s in due_specs], starts, strict=False))
    promo_starts, promo_days = starts[len(due_specs) :], days[len(due_specs) :]
    for index, spec in enumerate(promos):
        first, last = promo_days[2 * index], promo_days[2 * index + 1]
        if first >= last:
            raise InvalidValue(
                f"template {chosen['name']} cannot be applied to {code}: its promotion {spec['key']} would start "
                f"{first} ({spec['start']}) and end {last} ({spec['end']}) on {code}'s calendar; a promotion "
                "must end after it starts (edit its --start or --end)"
            )
    applied = _applied(state, code, chosen["name"])
    ids: dict[str, str] = {key: rec["id"] for key, rec in applied["items"].items()}
    new = [spec["key"] for spec in specs if spec["key"] not in ids]  # ids first: an item may wait for a later one
    ids.update(zip(new, state.new_ids("items", len(new)), strict=True))
    new = [spec["key"] for spec in promos if spec["key"] not in applied["promotions"]]
    promo_ids = dict(zip(new, state.new_ids("promotions", len(new)), strict=True))
    applying = _Applying(chosen, region, [], state, preview)
    owner = region["owner"]
    for spec in specs:
        key = spec["key"]
        due = dues.get(key)
        wanted = {
            "title": spec["title"],
            "category": spec["category"],
            "owner": spec["owner"] or owner,
            "critical": spec["critical"],
            "due": due,
            "due_all_day": due is not None,
            "after": [ids[k] for k in spec["after"]],
        }
        applying.record("items", key, applied["items"].get(key), wanted, ids[key], spec["due"])
    for index, spec in enumerate(promos):
        key = spec["key"]
        wanted = {
            "name": spec["name"],
            "kind": spec["kind"],
            "start": promo_starts[2 * index],
            "end": promo_starts[2 * index + 1],
        }
        current = applied["promotions"].get(key)
        new_id = current["id"] if current else promo_ids[key]
        applying.record("promotions", key, current, wanted, new_id, spec["start"], promo_days[2 * index])
    state.put_all("items", applying.stored["items"])
    state.put_all("promotions", applying.stored["promotions"])
    steps = applying.steps
    listed = {s["key"] for s in [*specs, *promos]}
    for table, kind in (("items", "item"), ("promotions", "promotion")):
        for key, rec in applied[table].items():
            if key not in listed:
                steps.append(Step(code, kind, key, "removed", rec["id"], rec.get("title") or rec.get("name", "")))
    return steps


def _applied(state: State, code: str, name: str) -> dict[str, dict[str, Record]]:
    """A region's items and promotions applied from template `name`, by key."""
    found: dict[str, dict[str, Record]] = {"items": {}, "promotions": {}}
    for table, records in (("items", state.items_of(code)), ("promotions", state.promotions_of(code))):
        for rec in records:
            origin = rec.get("origin")
            if origin and origin["template"] == name:
                found[table][origin["key"]] = rec
    return found


@dataclass(slots=True)
class _Applying:
    """One template being applied to one region: the diff so far, and the records to store by
    table (stored together at the end: State.put_all). `preview`: frozen promotions are left out."""

    chosen: Record
    region: Record
    steps: list[Step]
    state: State
    preview: bool
    stored: dict[str, list[Record]] = field(default_factory=lambda: {"items": [], "promotions": []})

    def record(
        self,
        table: str,
        key: str,
        current: Record | None,
        wanted: Record,
        new_id: str,
        offset: str | None,
        start_day: date | None = None,
    ) -> None:
        """Add, update or leave one record (see the module's rules): `wanted` holds the template's
        values of the table's template fields (ITEM_FIELDS or PROMOTION_FIELDS, in that order),
        `offset` the one its date was resolved from (an item's due, a promotion's start), kept for
        `shift --with-items` and `--with-promos`; `start_day` a promotion's local start day, judged
        against the region's blocking freeze windows when the apply moves it."""
        fields = ITEM_FIELDS if table == "items" else PROMOTION_FIELDS
        kind = "item" if table == "items" else "promotion"
        code = self.region["code"]
        label = wanted.get("title") or wanted["name"]
        if current is not None and all(current.get(name) == wanted[name] for name in fields):
            self.steps.append(Step(code, kind, key, "unchanged", current["id"], label))
            return
        origin = {
            "template": self.chosen["name"],
            "version": self.chosen["version"],
            "key": key,
            "fingerprint": fingerprint_values(list(wanted.values())),  # the fields' order: fingerprint()'s
            "offset": offset,
        }
        differs = [name for name in fields if current.get(name) != wanted[name]] if current is not None else []
        if current is not None and fingerprint(current, fields) != current["origin"]["fingerprint"]:
            self.steps.append(Step(code, kind, key, "conflict", current["id"], label, differs))
            return
        window = None
        if start_day is not None and (current is None or current["start"] != wanted["start"]):
            blocking = freeze.blocking(self.state, code, start_day)
            window = blocking[0] if blocking else None
        if window is not None:
            why = f"would start {start_day}, inside {freeze.describe(window)}"
            ident = current["id"] if current else new_id
            self.steps.append(Step(code, kind, key, "frozen", ident, label, differs, why))
            if self.preview:
                return  # a dry run shows the rest; the real apply stores it and is refused when it ends
        if current is None:
            if table == "items":  # ops.new_item's fields, with the template's values
                record = {
                    "id": new_id,
                    "region": code,
                    **wanted,
                    "status": "open",
                    "done_at": None,
                    "done_by": None,
                    "origin": origin,
                    "not_applicable": None,
                    "notes": [],
                }
            else:
                record = {"id": new_id, "region": code, **wanted, "origin": origin, "notes": []}
            self.stored[table].append(record)
            if window is None:
                self.steps.append(Step(code, kind, key, "add", new_id, label, []))
            return
        self.stored[table].append({**current, **wanted, "origin": origin})
        if window is None:
            self.steps.append(Step(code, kind, key, "update", current["id"], label, differs))


def summary(steps: Sequence[Step]) -> str:
    """'2 added, 1 updated, 1 conflict, 0 removed...' over a diff (and the frozen ones, if any)."""
    counts = {action: sum(1 for s in steps if s.action == action) for action in ACTIONS}
    conflicts = counts["conflict"]
    frozen = f", {counts['frozen']} refused by a blocking freeze window" if counts["frozen"] else ""
    return (
        f"{counts['add']} added, {counts['update']} updated, {conflicts} conflict{'s' if conflicts != 1 else ''}, "
        f"{counts['removed']} removed from the template, {counts['unchanged']} unchanged{frozen}"
    )


SIGNS = {"add": "+", "update": "~", "conflict": "!", "removed": "-", "unchanged": "=", "frozen": "x"}


def diff_text(chosen: Record, steps: Sequence[Step], dry_run: bool = False) -> str:
    """The diff of an apply as text: one line per item or promotion that changes or needs a look
    (unchanged ones are only counted), then the totals."""
    lines = []
    for step in steps:
        if step.action == "unchanged":
            continue
        what = {
            "add": "add",
            "update": f"update ({', '.join(step.fields)})",
            "conflict": f"conflict: edited by hand, kept ({', '.join(step.fields)} "
            f"differ{'s' if len(step.fields) == 1 else ''} from the template)",
            "removed": "no longer in the template, kept",
            "frozen": f"refused: {step.why}",
        }[step.action]
        ident = step.record or "new"
        lines.append(f"{SIGNS[step.action]} {step.region} {ident:<6} {step.kind:<9} {step.key}: {what}")
    verb = "would apply" if dry_run else "applied"
    lines.append(f"Template {chosen['name']} version {chosen['version']} {verb}: {summary(steps)}.")
    if dry_run:
        frozen = sum(1 for s in steps if s.action == "frozen")
        refused = (
            f"; applying is refused while {frozen} promotion{'s' if frozen != 1 else ''} would start inside a "
            "blocking freeze window (--force applies anyway, noted in history)"
            if frozen
            else ""
        )
        lines.append(f"Dry run: nothing was written{refused}.")
    return "\n".join(lines)


# -- templates: add, edit, remove, import, export -----------------------------------------------
def _stamp(record: Record, user: str) -> Record:
    record["updated_at"] = times.now_stored("UTC")
    record["updated_by"] = user
    return record


def _store(state: State, record: Record, user: str) -> Record:
    """Store a new version of a template, refused (InvalidValue naming the problem) when the
    schema refuses it or a promotion of it could never end after it starts (span_problem), so a
    bad edit never reaches a transaction's final check nor a later apply."""
    record = _stamp(record, user)
    problem = _problem(record)
    if problem:
        raise InvalidValue(problem)
    return state.put("templates", record)


def _problem(record: Record) -> str | None:
    """The first reason a (stamped) template version cannot be stored, in words: the schema's, or
    a promotion that could never end after it starts (span_problem); None when it can."""
    found = schema.TEMPLATES.problems(record)
    if found:
        return found[0].describe(schema.TEMPLATES.label(record))
    problem = span_problem(record["promotions"])
    return f"template {record['name']}: {problem}" if problem else None


def span_problem(promotions: Sequence[Record]) -> str | None:
    """The first promotion spec (schema-valid: stored offsets) whose start offset is never before
    its end offset, whatever the calendar (offsets.never_before), in words; None when there is none.
    Mixed units that depend on the calendar are left to apply_to_region, region by region."""
    for spec in promotions:
        start, end = _parsed(spec["start"]), _parsed(spec["end"])
        if offsets.never_before(start, end):
            mixed = start.unit != end.unit and "wd" in (start.unit, end.unit)
            why = (
                " on any calendar (n working days from the launch are at least n calendar days from it)"
                if mixed
                else ""
            )
            return (
                f"promotion {spec['key']} would start at or after its end: start {spec['start']} is never before "
                f"end {spec['end']}{why}"
            )
    return None


def add_template(state: State, name: str, user: str, *, source: str | None = None) -> Record:
    """Add template `name` at version 1: empty, or with `source` (a region code) its checklist and
    promotions captured as offsets in calendar days from its launch day (an item without a due
    date has none; `after` links within the region become keys; owners equal to the region's owner
    become "", the owner of the region a template is applied to). Keys are the titles' slugs
    (model.slug), made unique with -2, -3. Items marked not applicable are left out.

    Raises Refused when the template exists or the region has no launch date, NotFound for an
    unknown region, InvalidValue for a malformed name."""
    clean = model.template_name(name)
    if clean in state.tables["templates"]:
        raise Refused(f"template {clean} already exists (edit it, or remove it first)")
    items: list[Record] = []
    promos: list[Record] = []
    if source is not None:
        region = queries.region_named(state, source)
        start = launch_day(region)
        tz = region["timezone"]
        used: set[str] = set()
        keys: dict[str, str] = {}
        captured = [i for i in state.items_of(region["code"]) if schema.counts(i)]
        for item in captured:
            keys[item["id"]] = _unique(model.slug(item["title"]), used)
        for item in captured:
            due = None
            if item.get("due"):
                due = f"{(times.local_date(item['due'], tz) - start).days}d"
            items.append(
                {
                    "key": keys[item["id"]],
                    "title": item["title"],
                    "category": item["category"],
                    "owner": "" if item["owner"] == region["owner"] else item["owner"],
                    "critical": item["critical"],
                    "due": due,
                    "after": [keys[b] for b in schema.after_of(item) if b in keys],
                }
            )
        for promo in state.promotions_of(region["code"]):
            first = times.local_date(promo["start"], tz)
            last = times.local_date(promo["end"], tz)
            promos.append(
                {
                    "key": _unique(model.slug(promo["name"]), used),
                    "name": promo["name"],
                    "kind": promo["kind"],
                    "start": f"{(first - start).days}d",
                    "end": f"{max((last - start).days, (first - start).days + 1)}d",
                }
            )
    return _store(state, {"name": clean, "version": 1, "items": items, "promotions": promos}, user)


def _unique(key: str, used: set[str]) -> str:
    found, n = key, 1
    while found in used:
        n += 1
        found = f"{key[:60]}-{n}"
    used.add(found)
    return found


def edit_template(
    state: State,
    name: str,
    key: str,
    user: str,
    *,
    remove: bool = False,
    promotion: bool = False,
    title: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    critical: bool | None = None,
    due: str | None = None,
    after: str | None = None,
    kind: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> tuple[Record, str]:
    """Change one entry of template `name`, making a new version; returns (the template, what was
    done: "added", "changed", "removed" or "unchanged"). `key` names an item or a promotion; a new
    key adds an item (a promotion with `promotion`): an item needs `title`, a promotion `title`
    (its name), `start` and `end`. `due`, `start`, `end` are offsets (offsets.parse_offset; an empty
    `due` clears it); `after` keys separated by commas (empty: none). An edit that changes nothing
    keeps the version.

    Raises NotFound for an unknown template, or `remove` of a key it does not have; InvalidValue for
    a bad key, offset, category, an item waiting for a key the template does not have or a cycle, a
    promotion that could never end after it starts (span_problem), and for an option that does not
    fit the key, naming it as the CLI spells it: an item's (`category`, `owner`, `critical`, `due`,
    `after`) for a promotion, a promotion's (`kind`, `start`, `end`, `promotion`) for an item, any
    with `remove`."""
    current = template(state, name)
    clean_key = model.template_key(key)
    items = [dict(s) for s in current["items"]]
    promos = [dict(s) for s in current["promotions"]]
    item = next((s for s in items if s["key"] == clean_key), None)
    promo = next((s for s in promos if s["key"] == clean_key), None)
    critical_option = "--critical" if critical else "--not-critical"
    for_items = {"--category": category, "--owner": owner, critical_option: critical, "--due": due, "--after": after}
    for_promos = {"--promo": promotion or None, "--kind": kind, "--start": start, "--end": end}
    item_options = [option for option, value in for_items.items() if value is not None]
    promo_options = [option for option, value in for_promos.items() if value is not None]
    _check_options(
        current["name"],
        clean_key,
        item,
        promo,
        remove,
        ["--title"] if title is not None else [],
        item_options,
        promo_options,
    )
    if remove:
        if item is None and promo is None:
            raise NotFound(f"template {current['name']} has no item or promotion {clean_key}")
        items = [s for s in items if s["key"] != clean_key]
        promos = [s for s in promos if s["key"] != clean_key]
        items = [{**s, "after": [k for k in s["after"] if k != clean_key]} for s in items]
        action = "removed"
    elif promo is not None or (item is None and promotion):
        action = "changed" if promo is not None else "added"
        if promo is None:
            if title is None or start is None or end is None:
                raise InvalidValue(f"a new promotion {clean_key} needs a name (--title), --start and --end")
            promo = {"key": clean_key, "name": "", "kind": model.DEFAULT_KIND, "start": "0d", "end": "1d"}
            promos.append(promo)
        checks = {**model.PROMOTION_CHECKS, "start": offsets.canonical, "end": offsets.canonical}
        promo.update(model.given({"name": title, "kind": kind, "start": start, "end": end}, checks))
    else:
        action = "changed" if item is not None else "added"
        if item is None:
            if title is None:
                raise InvalidValue(f"a new item {clean_key} needs a title (--title)")
            item = {
                "key": clean_key,
                "title": "",
                "category": "other",
                "owner": "",
                "critical": False,
                "due": None,
                "after": [],
            }
            items.append(item)
        given = {"title": title, "category": category, "owner": owner, "critical": critical}
        item.update(model.given(given, model.ITEM_CHECKS))
        if due is not None:
            item["due"] = offsets.canonical(due) if due.strip() else None
        if after is not None:
            item["after"] = list(
                dict.fromkeys(model.template_key(k) for k in after.replace(";", ",").split(",") if k.strip())
            )
    if items == current["items"] and promos == current["promotions"]:
        return current, "unchanged"
    record = {**current, "version": current["version"] + 1, "items": items, "promotions": promos}
    return _store(state, record, user), action


def _check_options(
    name: str,
    key: str,
    item: Record | None,
    promo: Record | None,
    remove: bool,
    common: list[str],
    item_options: list[str],
    promo_options: list[str],
) -> None:
    """Refuse (InvalidValue) an edit option that does not fit template `name`'s `key`, naming the
    option and what the key is; `*_options` are the options given, as the CLI spells them."""
    if item is not None and promo_options:
        raise InvalidValue(f"{promo_options[0]} is for promotions, and {key} is a checklist item of template {name}")
    if promo is not None and item_options:
        raise InvalidValue(f"{item_options[0]} is for checklist items, and {key} is a promotion of template {name}")
    if remove:
        given = [*common, *item_options, *(o for o in promo_options if o != "--promo")]
        if given:
            raise InvalidValue(f"--remove takes no other option ({given[0]} given): it removes {key} as a whole")
    if item is None and promo is None and not remove:
        if "--promo" in promo_options and item_options:
            raise InvalidValue(f"{item_options[0]} is for checklist items, and {key} is a new promotion (--promo)")
        if "--promo" not in promo_options and promo_options:
            raise InvalidValue(
                f"{promo_options[0]} is for promotions: {key} is not in template {name}, and a new key is a "
                f"checklist item unless --promo is given"
            )


def remove_template(state: State, name: str) -> Record:
    """Remove template `name` and return it. Records applied from it keep their origin (a later
    template of the same name re-applied finds them). Raises NotFound for an unknown template."""
    return state.delete("templates", template(state, name)["name"])


def export_template(record: Record) -> dict[str, Any]:
    """A template as a file holds it: {"rollout_template": 1, name, version, items, promotions}."""
    return {FILE_FORMAT_KEY: FILE_FORMAT_VERSION, **{k: record[k] for k in ("name", "version", "items", "promotions")}}


def read_file(label: str, raw: bytes) -> Any:
    """The JSON of a template file (`template export`'s), not yet checked. Raises InvalidValue for
    text that is not JSON ("LABEL line 3: not JSON (...)") or an object naming a key twice
    (rollout.jsontext: never last-wins)."""
    import json

    try:
        return json.loads(raw, object_pairs_hook=distinct_keys)
    except RepeatedKey as exc:
        raise InvalidValue(f"{label}: the key {exc.args[0]!r} appears twice in one object") from None
    except json.JSONDecodeError as exc:
        raise InvalidValue(f"{label} line {exc.lineno}: not JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise InvalidValue(f"{label}: not UTF-8 text") from None


def import_template(state: State, data: Any, user: str, label: str = "file") -> tuple[Record, str]:
    """Store a template read from a file (export_template's shape); returns (the template, "added",
    "updated" or "unchanged"). A template of that name already stored gets a new version with the
    file's items and promotions (its own version number goes on: versions are the database's);
    one equal to the file is left as it is.

    Raises InvalidValue naming `label` and the first problem for anything else than that shape, or
    for a promotion that could never end after it starts (span_problem)."""
    if not isinstance(data, dict) or data.get(FILE_FORMAT_KEY) != FILE_FORMAT_VERSION:
        raise InvalidValue(
            f'{label}: not a rollout template file (expected "{FILE_FORMAT_KEY}": {FILE_FORMAT_VERSION})'
        )
    unknown = sorted(set(data) - {FILE_FORMAT_KEY, "name", "version", "items", "promotions"})
    if unknown:
        raise InvalidValue(f"{label}: unknown key {unknown[0]!r}")
    if not isinstance(data.get("name"), str):
        raise InvalidValue(f"{label}: the template has no name")
    name = model.template_name(data["name"])
    current = state.tables["templates"].get(name)
    record = {
        "name": name,
        "version": 1 if current is None else current["version"] + 1,
        "items": data.get("items", []),
        "promotions": data.get("promotions", []),
    }
    problem = _problem(_stamp(dict(record), user))
    if problem:
        raise InvalidValue(f"{label}: {problem}")
    if current is not None and current["items"] == record["items"] and current["promotions"] == record["promotions"]:
        return current, "unchanged"
    return _store(state, record, user), "added" if current is None else "updated"


# -- not applicable --------------------------------------------------------------------------
def set_not_applicable(state: State, code: str | None, item_id: str, reason: str | None) -> Record:
    """Mark an item not applicable to its region with `reason` (text; whitespace collapsed), or with
    None make it count again. A not-applicable item counts neither for readiness nor for the launch
    gate (schema.counts). Raises InvalidValue for an empty reason, NotFound for an unknown item."""
    current = queries.item(state, code, item_id)
    value = model.required_text("reason", reason) if reason is not None else None
    return state.put("items", {**current, "not_applicable": value})


# -- notes -----------------------------------------------------------------------------------
def add_note(state: State, table: str, key: str, text: str, user: str, link: str | None = None) -> Record:
    """Append a note {at: now in UTC, user, text, link} to a region (table "regions", key its code),
    item ("items", c12) or promotion ("promotions", p7) and return the record. Notes are only ever
    appended: no operation edits or removes one (undo takes the change back as a whole).

    Raises InvalidValue for empty text or a link that is not an http(s) URL (model.link); NotFound
    for an unknown record."""
    if table == "regions":
        current = queries.region_named(state, key)
    elif table == "items":
        current = queries.item(state, None, key)
    else:
        current = queries.promotion(state, key)
    note = {
        "at": times.now_stored("UTC"),
        "user": user,
        "text": model.required_text("note", text),
        "link": model.link(link) if link is not None else None,
    }
    kind = schema.KINDS[table]
    return state.put(table, {**current, "notes": [*kind.value(current, "notes"), note]})


# -- shifting with the launch ----------------------------------------------------------------
def shift(
    state: State, selectors: Sequence[str], by: str, *, with_promos: bool = False, with_items: bool = False
) -> tuple[list[Record], list[Record]]:
    """ops.shift (the launch targets, and with `with_promos` the promotions not started yet), and
    with `with_items` each shifted region's open template-applied items not edited since they
    were applied (shift_items). Returns (the regions shifted, the items moved). Raises as ops.shift."""
    shifted = ops.shift(state, selectors, by, with_promos, keep_offsets=shift_promotions)
    moved = [item for region in shifted for item in shift_items(state, region["code"])] if with_items else []
    return shifted, moved


def shift_items(state: State, code: str) -> list[Record]:
    """Move region `code`'s open, template-applied items not edited since they were applied to the
    day their offset (kept in their origin) names from the launch as it is now: working days are
    counted again on the region's calendar, so -10wd stays ten working days before the launch.
    Done items, hand-edited ones and ones without a due date keep theirs. Returns the items moved."""
    region = state.region(code)
    moved = []
    for item in state.items_of(code):
        origin = item.get("origin")
        if not origin or not origin["offset"] or item["status"] == "done" or not item.get("due"):
            continue
        if fingerprint(item, ITEM_FIELDS) != origin["fingerprint"]:
            continue  # edited by hand since applied: its date is someone's decision
        (day,) = resolve_days(region, [origin["offset"]])
        due = _day_start(day, region["timezone"])
        if due == item["due"]:
            continue
        updated = {**item, "due": due, "due_all_day": True}
        updated["origin"] = {**origin, "fingerprint": fingerprint(updated, ITEM_FIELDS)}
        moved.append(state.put("items", updated))
    return moved


def shift_promotions(state: State, before: Record, promos: Sequence[Record]) -> list[Record]:
    """ops.shift's `with_promos` for the promotions `promos` of region `before` (its record before
    the launch moved; state holds the moved one): each applied from a template and not edited
    since moves to the days its offsets name from the launch as it is now, working days counted
    again on the region's calendar (as shift_items for items), its origin's fingerprint following
    so the next apply finds it unchanged. The end's offset is the template's when it still gives
    the promotion's end from the old launch; otherwise the promotion keeps its length in days.
    Returns the others (not from a template, or edited by hand), for ops.shift to move by its
    duration. Raises InvalidValue as resolve_days."""
    region = state.region(before["code"])
    tz = region["timezone"]
    rest = []
    for promo in promos:
        origin = promo.get("origin")
        if not origin or not origin["offset"] or fingerprint(promo, PROMOTION_FIELDS) != origin["fingerprint"]:
            rest.append(promo)  # hand-made, or edited by hand since applied: its dates are someone's decision
            continue
        length = times.local_date(promo["end"], tz) - times.local_date(promo["start"], tz)
        end_offset = _applied_end(state, before, promo)
        if end_offset is not None:
            first, last = resolve_days(region, [origin["offset"], end_offset])
        else:
            (first,) = resolve_days(region, [origin["offset"]])
            last = first + length
        if last <= first:  # mixed units on this calendar: keep its length rather than invert it
            last = first + length
        start, end = _day_start(first, tz), _day_start(last, tz)
        if (start, end) == (promo["start"], promo["end"]):
            continue
        updated = {**promo, "start": start, "end": end}
        updated["origin"] = {**origin, "fingerprint": fingerprint(updated, PROMOTION_FIELDS)}
        state.put("promotions", updated)
    return rest


def _applied_end(state: State, before: Record, promo: Record) -> str | None:
    """The end offset template-applied `promo` was resolved from, when its template still has its
    key with the start offset applied and both give its dates from region `before`'s launch; else None."""
    origin = promo["origin"]
    found = state.tables["templates"].get(origin["template"])
    spec = next((p for p in found["promotions"] if p["key"] == origin["key"]), None) if found else None
    if spec is None or spec["start"] != origin["offset"]:
        return None
    first, last = resolve_days(before, [spec["start"], spec["end"]])
    tz = before["timezone"]
    if (_day_start(first, tz), _day_start(last, tz)) != (promo["start"], promo["end"]):
        return None
    return spec["end"]


# -- a region planned from a template ----------------------------------------------------------
def add_region(state: State, code: str, template_name: str | None = None, **fields: Any) -> tuple[Record, list[Step]]:
    """ops.add_region, then with `template_name` the template applied to it (apply_to_region), in
    the same change. Raises as both; Refused for a template without a `launch` (a region without a
    launch date cannot take a template)."""
    chosen = template(state, template_name) if template_name else None
    if chosen is not None and not fields.get("launch"):
        raise Refused(
            f"region {model.region_code(code)} needs a launch date to be planned from template {chosen['name']}: "
            "give --launch DAY with --template"
        )
    region = ops.add_region(state, code, **fields)
    steps = apply_to_region(state, chosen, region) if chosen else []
    return region, steps
