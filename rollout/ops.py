"""Domain operations: one function per change, shared by the CLI, batch files and the TUI.

Each operation edits a State in memory (inside Database.transaction, or a batch's single
transaction) and raises a RolloutError, leaving the caller to write nothing, when a rule says no.
Optional `expected` arguments carry the values an editor saw: when someone else has changed
one of them since, the edit is refused instead of silently overwriting their change.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Sequence
from typing import Any

from rollout import freeze, model, queries, rules, schema, settings, times
from rollout import undo as undo_rules
from rollout.errors import InvalidValue, NotFound, Refused, StaleEdit
from rollout.state import KEY, Record, State


# -- guards ----------------------------------------------------------------------------
def check_expected(state: State, table: str, current: Record, expected: dict[str, Any] | None) -> None:
    """Refuse an edit whose view of the record is out of date.

    `expected` maps field names to the values the editor saw (None or {}: no check). Raises StaleEdit
    naming the field and, from history, who changed it (user and entry id) when a value differs now.
    """
    if not expected:
        return
    for field, seen in expected.items():
        if current.get(field) != seen:
            key = current[KEY[table]]
            entry = queries.last_change_of(state, table, key)
            who = f" by {entry['user']} (#{entry['id']})" if entry else ""
            raise StaleEdit(f"{key} {field} was changed{who} since you opened it; reload and try again")


# -- regions ---------------------------------------------------------------------------
def add_region(
    state: State,
    code: str,
    *,
    name: str,
    timezone: str,
    currency: str,
    launch: str | None = None,
    wave: int | str = 0,
    owner: str | None = None,
    status: str = "planned",
) -> Record:
    """Add the region `code` and return its record.

    `code` is an ISO 3166-1 alpha-2 code (DE) or ISO 3166-2 subdivision (US-CA), any case;
    `timezone` an IANA zone name (Europe/Berlin); `currency` an ISO 4217 code (EUR); `launch` a WHEN
    (times.parse_when) read in that zone and stored as an ISO 8601 instant with the zone's offset, or
    None for no target; `wave` a whole number >= 0; `status` one of model.STATUSES. A region added as
    launched gets its actual launch stamp (rollout.rules.stamp_launch: the target, else now).

    Raises InvalidValue for any value that does not validate (rollout.model), Refused when the
    region already exists.
    """
    code = model.region_code(code)
    if code in state.regions:
        raise Refused(f"region {code} already exists")
    tz = model.timezone(timezone)
    region = {
        "code": code,
        "name": model.required_text("name", name),
        "timezone": tz,
        "currency": model.currency(currency),
        "status": model.status(status),
        "wave": model.wave(wave),
        "owner": model.optional_text(owner),
        "launch": times.to_iso(times.parse_when(launch, tz)) if launch else None,
        "launched_at": None,
        "notes": [],  # launch templates and notes (issue 21)
    }
    stored = state.put("regions", rules.stamp_launch(region, region["launch"]))
    if stored["status"] == "launched":
        rules.launch_gate(state, code, force=False)  # a new region has no checklist yet: never refused
    return stored


def set_regions(
    state: State,
    codes: Sequence[str],
    *,
    name: str | None = None,
    timezone: str | None = None,
    currency: str | None = None,
    launch: str | None = None,
    wave: int | str | None = None,
    owner: str | None = None,
    status: str | None = None,
    force: bool = False,
    expected: dict[str, Any] | None = None,
) -> list[Record]:
    """Set fields on the regions named by `codes` (SELECTORs: codes in any case, wave=N, ...; see
    queries.select_with_origin) and return them as stored. `launch` is a WHEN read in each region's
    zone (the new one, when `timezone` is set too); None leaves a field as it is. Values are
    validated as in add_region. Changing the zone keeps items due on a day on that same local day
    (keep_due_days); launching stamps the actual launch (rollout.rules.stamp_launch).

    Raises InvalidValue for a bad value or no field given, NotFound for an unknown region, Refused
    when launching with critical items open without `force` (a forced launch is noted in history),
    StaleEdit when a field in `expected` was changed by someone else, Refused when moving the launch
    of a launched region without `force` (rollout.rules.launch_move_gate; a forced move is noted)."""
    given = {"name": name, "timezone": timezone, "currency": currency, "wave": wave, "owner": owner, "status": status}
    fields = model.given(given, model.REGION_CHECKS)
    if not fields and launch is None:
        raise InvalidValue("nothing to set: give at least one field")
    updated = []
    for code in queries.select(state, codes):
        current = state.region(code)
        check_expected(state, "regions", current, expected)
        region = {**current, **fields}
        if launch is not None:
            region["launch"] = times.to_iso(times.parse_when(launch, region["timezone"]))
        _apply_status_change(state, current, region, force)
        rules.launch_move_gate(state, current, region, force)
        updated.append(state.put("regions", region))
        if region["timezone"] != current["timezone"]:
            keep_due_days(state, code, current["timezone"], region["timezone"])
    return updated


def keep_due_days(state: State, code: str, old_tz: str, new_tz: str) -> None:
    """Items due by the end of a day stay due on that local day when their region moves from
    zone `old_tz` to `new_tz` (both IANA names): each such due becomes the first instant of the same
    calendar day in the new zone. Timed dues keep their instant.
    """
    for item in state.items_of(code):
        if item.get("due_all_day") and item.get("due"):
            day = times.local_date(item["due"], old_tz)
            state.put("items", {**item, "due": times.to_iso(times.day_start(day, new_tz, strict=False))})


def _apply_status_change(state: State, before: Record, region: Record, force: bool) -> None:
    if region["status"] == before["status"]:
        return
    if region["status"] == "launched":
        rules.launch_gate(state, region["code"], force)
    rules.stamp_launch(region)


def _remove_outcomes(state: State, code: str) -> None:
    """A region's sign-offs and KPIs go with it (the records of the schema's CHILD_TABLES)."""
    for table in ("signoffs", "kpis"):
        for record in state.records_of(table, code):
            state.delete(table, record[schema.KINDS[table].key])


def remove_region(state: State, code: str) -> Record:
    """Remove a region (code in any case) with its checklist and promotions (one change, so one undo
    brings all back); items of other regions that waited for its items stop waiting for them, in the
    same change. Raises NotFound for an unknown code, InvalidValue for text that is no code."""
    region = queries.region_named(state, code)
    removed = [state.delete("items", item["id"])["id"] for item in state.items_of(region["code"])]
    forget_items(state, removed)
    for promo in state.promotions_of(region["code"]):
        state.delete("promotions", promo["id"])
    _remove_outcomes(state, region["code"])
    return state.delete("regions", region["code"])


def shift(
    state: State,
    selectors: Sequence[str],
    by: str,
    with_promos: bool = False,
    keep_offsets: Callable[[State, Record, Sequence[Record]], list[Record]] | None = None,
) -> list[Record]:
    """Move launch targets by a DURATION on each region's local calendar; return the moved regions.

    `selectors` are region codes, wave=N, status=S or all (queries.select); `by` is a DURATION
    (times.parse_duration: 3d, 2w, 1mo, -1y, 12h): days, weeks, months and years move on the local
    calendar of each region's zone, hours are exact elapsed time (times.Duration.apply). Regions
    named by code must be shiftable; ones picked by wave=/status=/all that already launched or have
    no launch date are skipped. With `with_promos`, the region's promotions not yet started at the
    clock's instant (times.now) move by the same duration, keeping their length (times.move_span),
    except those `keep_offsets` moves itself and leaves out of the list it returns (given the state,
    the region as it was and those promotions: rollout.templates.shift passes shift_promotions,
    which keeps template-applied ones at their offsets from the launch).

    Raises InvalidValue for a bad selector or duration, or a result outside the years 1970-2999;
    NotFound for an unknown region or when no selected region has a launch to shift; Refused for a
    region named by code that has launched or has no launch date.
    """
    duration = times.parse_duration(by)
    reference = times.now()
    shifted = []
    for code, explicit in queries.select_with_origin(state, selectors):
        region = state.region(code)
        if region["status"] == "launched" or not region.get("launch"):
            if explicit:
                why = "it has already launched" if region["status"] == "launched" else "it has no launch date"
                raise Refused(f"cannot shift {code}: {why}")
            continue
        tz = region["timezone"]
        shifted.append(state.put("regions", {**region, "launch": times.shift_iso(region["launch"], duration, tz)}))
        if with_promos:
            coming = [promo for promo in state.promotions_of(code) if times.instant(promo["start"]) > reference]
            for promo in keep_offsets(state, region, coming) if keep_offsets else coming:
                _move(state, promo, duration, tz)
    if not shifted:
        raise NotFound("no selected region has a launch to shift (launched regions are skipped)")
    return shifted


# -- checklist -------------------------------------------------------------------------
def add_items(
    state: State,
    selectors: Sequence[str],
    title: str,
    *,
    category: str | None = None,
    due: str | None = None,
    owner: str | None = None,
    critical: bool = False,
    after: str | Sequence[str] | None = None,
) -> list[Record]:
    """Add one checklist item titled `title` to every region the selectors pick; return the new items.

    `category` is one of model.CATEGORIES (default other); `due` a WHEN read in each region's zone
    (due_fields: a day means due by the end of that local day); `owner` defaults to the region's
    owner; `critical` items gate the launch; `after` lists the ids of items each new item waits
    for (any region; text `c10,c11` or a list, see model.item_ids). Items start open, with ids c1,
    c2... never reused.

    Raises InvalidValue for an empty title, a bad category, due date, selector or item id; NotFound
    for an unknown region or an `after` id that does not exist.
    """
    clean_title = model.required_text("title", title)
    clean_category = model.category(category) if category else "other"
    waits_for = _existing_items(state, after)
    created = []
    for code in queries.select(state, selectors):
        region = state.region(code)
        due_at, all_day = due_fields(due, region["timezone"])
        item = new_item(region, state.new_id("items"), clean_title)
        item.update(category=clean_category, due=due_at, due_all_day=all_day, critical=bool(critical))
        item["after"] = list(waits_for)
        item["owner"] = model.optional_text(owner) or region["owner"]
        created.append(state.put("items", item))
    return created


def new_item(region: Record, item_id: str, title: str) -> Record:
    """A new checklist item of `region` before its own fields are set: open, not critical, in
    category other, owned by the region's owner, without a due date, waiting for no other item
    (add_items and import alike)."""
    return {
        "id": item_id,
        "region": region["code"],
        "title": title,
        "category": "other",
        "owner": region["owner"],
        "due": None,
        "due_all_day": False,
        "status": "open",
        "critical": False,
        "done_at": None,
        "done_by": None,
        "after": [],
        "origin": None,  # launch templates (issue 21): not applied from one
        "not_applicable": None,
        "notes": [],
    }


def _existing_items(state: State, after: str | Sequence[str] | None) -> list[str]:
    """Typed item ids (model.item_ids) that must all exist; NotFound names the first that does not."""
    ids = model.item_ids(after) if after is not None else []
    for item_id in ids:
        if item_id not in state.items:
            raise NotFound(f"no checklist item {item_id}")
    return ids


def due_fields(due: str | None, tz: str) -> tuple[str | None, bool]:
    """A typed due date as the stored (due, due_all_day) pair: a day (a date, today, tomorrow) is
    due by the end of that local day and stored as its first instant with due_all_day true; a
    time is due at that instant. None or blank text: no due date."""
    if due is None or not due.strip():
        return None, False
    when = times.parse_when_text(due)
    return times.to_iso(when.resolve(tz)), when.date_only


def set_items_done(
    state: State, code: str | None, item_ids: Sequence[str], done: bool, user: str, *, force: bool = False
) -> list[Record]:
    """Tick (or reopen) items by id and return those changed; ones already in that state are left as
    they are. `code`, when given, is the region the ids were named with (each must be its item).
    A ticked item is stamped with the instant (now, in its region's offset) and `user` (stamp_done);
    a reopened one loses both.

    Ticking an item that waits for an open item (its `after`) is refused with Refused ("c12 waits
    for c10 'Payment provider live' (open); use --force"), unless `force`, which notes the forced
    tick in the history entry. Items ticked together count as done for each other, so `c10 c12`
    ticks both. Reopening is never refused. Raises NotFound for an unknown id or an item of another
    region than `code`."""
    found = [queries.item(state, code, item_id) for item_id in item_ids]
    if done:
        rules.dependency_gate(state, [item for item in found if item["status"] != "done"], force)
    changed = []
    for item in found:
        item = state.items[item["id"]]  # the id may be given twice
        if (item["status"] == "done") == done:
            continue
        ticked = {**item, "status": "done" if done else "open", "done_at": None, "done_by": None}
        changed.append(state.put("items", stamp_done(ticked, user, state.region(item["region"])["timezone"])))
    return changed


def stamp_done(item: Record, user: str, tz: str) -> Record:
    """The done stamps follow the status, in `item` (a record being built; returned): a done item
    says when (its own `done_at`, else now, in the offset of region zone `tz`) and by whom (its own
    `done_by`, else `user`); an open item has neither."""
    if item["status"] == "done":
        item["done_at"] = item.get("done_at") or times.now_stored(tz)
        item["done_by"] = item.get("done_by") or user
    else:
        item["done_at"] = item["done_by"] = None
    return item


def edit_item(
    state: State,
    code: str | None,
    item_id: str,
    *,
    title: str | None = None,
    category: str | None = None,
    due: str | None = None,
    owner: str | None = None,
    critical: bool | None = None,
    after: str | Sequence[str] | None = None,
    expected: dict[str, Any] | None = None,
) -> Record:
    """Change an item's fields (None leaves one as it is); an empty `due` clears the due date (see
    due_fields). `code`, when given, is the region the id was named with.

    `after` replaces the ids the item waits for (text `c10,c11` or a list, model.item_ids; empty
    text or [] clears them: `--no-after`).

    Raises InvalidValue for a bad value, NotFound for an unknown id (or one of another region than
    `code`, or an `after` id that does not exist), Refused for an item waiting for itself or a
    cycle (naming it: "c10 -> c12 -> c10"), StaleEdit when a field in `expected` was changed by
    someone else."""
    current = queries.item(state, code, item_id)
    region = state.region(current["region"])
    check_expected(state, "items", current, expected)
    item = dict(current)
    item.update(model.given({"title": title, "category": category}, model.ITEM_CHECKS))
    if due is not None:
        item["due"], item["due_all_day"] = due_fields(due, region["timezone"])
    item.update(model.given({"owner": owner, "critical": critical}, model.ITEM_CHECKS))
    if after is not None:
        waits_for = _existing_items(state, after)
        if item["id"] in waits_for:
            raise Refused(f"{item['id']} cannot wait for itself")
        cycle = schema.find_cycle(ChainMap({item["id"]: {**item, "after": waits_for}}, state.items), [item["id"]])
        if cycle:
            raise Refused(f"{item['id']} cannot wait for {cycle[1]}: that makes a cycle {schema.describe_cycle(cycle)}")
        if waits_for != schema.ITEMS.value(current, "after"):
            item["after"] = waits_for
    return state.put("items", item)


def remove_items(state: State, code: str | None, item_ids: Sequence[str]) -> list[Record]:
    """Remove items by id and return them; `code`, when given, is the region the ids were named with.
    Items that waited for them stop waiting for them in the same change (so one undo brings both back).

    Raises NotFound for an unknown id or an item of another region than `code` (nothing is removed)."""
    found = [queries.item(state, code, i) for i in item_ids]
    removed = [state.delete("items", item["id"]) for item in found if item["id"] in state.items]
    forget_items(state, [item["id"] for item in removed])
    return removed


def forget_items(state: State, removed_ids: Sequence[str]) -> list[Record]:
    """Take removed item ids out of every other item's `after`; returns the items changed."""
    gone = set(removed_ids)
    waiting = {key: None for removed in removed_ids for key in state.dependants_of(removed) if key not in gone}
    changed = []
    for key in waiting:
        item = state.items[key]
        changed.append(state.put("items", {**item, "after": [b for b in item["after"] if b not in gone]}))
    return changed


# -- shared settings -------------------------------------------------------------------
def set_setting(state: State, name: str, value: Any) -> Record:
    """Set a shared setting (rollout.settings) to `value` (typed text such as "14", or a value of
    its type): one change in history, undoable. Raises NotFound for an unknown setting,
    InvalidValue for a value of the wrong type or out of bounds. Returns the stored record
    {"name", "value"}."""
    entry = settings.setting(name)
    return state.put("settings", {"name": entry.name, "value": entry.parse(value)})


def reset_setting(state: State, name: str) -> Record | None:
    """Bring a shared setting back to its default by removing its stored value; returns the removed
    record, or None when none was stored (nothing changes). NotFound for an unknown setting."""
    entry = settings.setting(name)
    if entry.name not in state.tables["settings"]:
        return None
    return state.delete("settings", entry.name)


# -- promotions ------------------------------------------------------------------------
def _span(start: str, end: str, tz: str) -> tuple[str, str]:
    begin, finish = times.parse_when(start, tz), times.parse_when(end, tz)
    schema.check_span(begin, finish)
    return times.to_iso(begin), times.to_iso(finish)


def add_promotions(
    state: State, selectors: Sequence[str], name: str, *, start: str, end: str, kind: str | None = None
) -> list[Record]:
    """Add one promotion to every selected region; return the new promotions.

    `start` and `end` are WHENs read in each region's zone (times.parse_when), stored as ISO 8601
    instants; the promotion runs over [start, end), so the start must be strictly before the end
    (schema.check_span). `kind` is free text, lower-cased (default campaign). Overlaps and a start
    before launch are warnings (queries.promo_warnings), never errors.

    Raises InvalidValue for an empty name, a bad WHEN or selector, or a start not before the end;
    NotFound for an unknown region.
    """
    clean_name = model.required_text("name", name)
    clean_kind = model.kind(kind)
    created = []
    for code in queries.select(state, selectors):
        begin, finish = _span(start, end, state.region(code)["timezone"])
        promo = {
            "id": state.new_id("promotions"),
            "region": code,
            "name": clean_name,
            "kind": clean_kind,
            "start": begin,
            "end": finish,
            "origin": None,  # launch templates and notes (issue 21): not applied from a template
            "notes": [],
        }
        created.append(state.put("promotions", promo))
    return created


def _move(state: State, promo: Record, duration: times.Duration, tz: str) -> Record:
    start, end = times.move_span(promo["start"], promo["end"], duration, tz)
    return state.put("promotions", {**promo, "start": start, "end": end})


def move_promotion(state: State, promo_id: str, by: str, code: str | None = None) -> Record:
    """Move a promotion by a DURATION on its region's calendar, keeping its length (times.move_span).
    `code`, when given, is the region the id was named with (NotFound if the promotion is not its).
    Raises NotFound for an unknown id, InvalidValue for a bad duration or a result outside the years
    1970-2999."""
    promo = queries.promotion(state, promo_id, code)
    return _move(state, promo, times.parse_duration(by), state.region(promo["region"])["timezone"])


def edit_promotion(
    state: State,
    promo_id: str,
    *,
    name: str | None = None,
    kind: str | None = None,
    start: str | None = None,
    end: str | None = None,
    expected: dict[str, Any] | None = None,
    code: str | None = None,
) -> Record:
    """Change a promotion's fields (None leaves one as it is; start/end are WHENs in its region's zone).
    `code`, when given, is the region the id was named with.

    Raises InvalidValue for a bad value or a start not before the end, NotFound for an unknown id,
    StaleEdit when a field in `expected` was changed by someone else."""
    current = queries.promotion(state, promo_id, code)
    check_expected(state, "promotions", current, expected)
    tz = state.region(current["region"])["timezone"]
    promo = {**current, **model.given({"name": name, "kind": kind}, model.PROMOTION_CHECKS)}
    new_start = times.parse_when(start, tz) if start is not None else times.instant(promo["start"])
    new_end = times.parse_when(end, tz) if end is not None else times.instant(promo["end"])
    schema.check_span(new_start, new_end)
    promo["start"], promo["end"] = times.to_iso(new_start), times.to_iso(new_end)
    return state.put("promotions", promo)


def remove_promotion(state: State, promo_id: str, code: str | None = None) -> Record:
    """Remove a promotion by id and return it, with its GMV target and actual (rollout.kpi); `code`,
    when given, is the region the id was named with."""
    removed = state.delete("promotions", queries.promotion(state, promo_id, code)["id"])
    if removed["id"] in state.tables["kpis"]:
        state.delete("kpis", removed["id"])
    return removed


# -- history ---------------------------------------------------------------------------
# The rules of undo and redo (which change each takes, field-by-field conflicts) are rollout.undo's.
def undoable(state: State, user: str | None = None) -> Record | None:
    """The change `user`'s undo would take (None: anyone's), as a full history entry; None when
    there is none. See rollout.undo for the rules."""
    try:
        return undo_rules.undo_target(state.history, user)
    except NotFound:
        return None


def undo(state: State, user: str | None = None, *, entry: int | None = None, force: bool = False) -> Record:
    """Undo a change and return it (the full history entry undone); the undo is recorded as a new
    entry with ``undoes`` naming it.

    Without `entry`: `user`'s most recent change still in effect (rollout.undo; `user` None: anyone's,
    for tools and tests). With `entry`: history entry #entry, anyone's (an undo or redo entry stands
    for the change it names). Every field the change changed is set back to its value before it.

    Raises NotFound when there is nothing to undo or no entry #entry; Refused when that change is
    already undone or changed no record, or when setting it back would break a rule of
    rollout.rules (tick an item whose blocker is open, launch with critical items open, move a
    launched region's launch) without `force` (a forced one is noted); StaleEdit when a field or
    record it would set back was changed since (naming the entry, its user and the field).
    """
    if entry is None:
        change = undo_rules.undo_target(state.history, user)
    else:
        change = undo_rules.named_change(state.history, entry, "undo")
    undo_rules.apply(state, change, "undo")
    rules.enforce(state, force, how=f"undo #{change['id']}")
    state.entry_extra["undoes"] = change["id"]
    state.record_always = True
    return change


def redo(state: State, user: str | None = None, *, entry: int | None = None, force: bool = False) -> Record:
    """Re-apply an undone change and return it (the full history entry re-applied); the redo is
    recorded as a new entry with ``redoes`` naming it.

    Without `entry`: the change of `user`'s most recent undo that still holds, unless `user` made a
    change since (rollout.undo). With `entry`: history entry #entry, anyone's (an undo or redo entry
    stands for the change it names). Every field the change changed is set to its value after it.

    Raises NotFound when there is nothing to redo or no entry #entry; Refused when that change is
    in effect (not undone), or when it would break a rule without `force` (as undo); StaleEdit
    when a field or record it would set was changed since.
    """
    if entry is None:
        change = undo_rules.redo_target(state.history, user)
    else:
        change = undo_rules.named_change(state.history, entry, "redo")
    undo_rules.apply(state, change, "redo")
    rules.enforce(state, force, how=f"redo #{change['id']}")
    state.entry_extra["redoes"] = change["id"]
    state.record_always = True
    return change


# -- freeze windows (rollout.freeze) -----------------------------------------------------
def add_freeze(
    state: State, selectors: Sequence[str], *, start: str, end: str, reason: str, blocks: bool = False
) -> Record:
    """Add a freeze window over the regions the selectors pick (queries.select; kept as those
    codes, with the selectors as typed) from local day `start` to `end`, both included (dates,
    freeze.parse_day), with `reason`; `blocks` refuses launches and promotion starts inside it
    unless forced (freeze.check_change). Returns the record (id f1, f2...).

    Raises InvalidValue for a bad selector or day, an end before the start or an empty reason;
    NotFound for an unknown region."""
    codes = queries.select(state, selectors)
    first, last = freeze.parse_day(start, "--from"), freeze.parse_day(end, "--to")
    if last < first:
        raise InvalidValue(f"--to {last} is before --from {first}")
    window = {
        "id": state.new_id("freezes"),
        "regions": codes,
        "scope": " ".join(" ".join(s.split()) for s in selectors),
        "start": first,
        "end": last,
        "reason": model.required_text("reason", reason),
        "blocks": bool(blocks),
    }
    return state.put("freezes", window)


def remove_freeze(state: State, freeze_id: str) -> Record:
    """Remove freeze window `freeze_id` (f1, any case) and return it; NotFound when there is none."""
    return state.delete("freezes", freeze_id.strip().lower())
