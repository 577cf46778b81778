"""The launch manager's rules, written once: every path that writes (the CLI, `batch`, `import`,
undo and redo, `restore`, the TUI) calls these functions, so a rule enforced on one path cannot be
skipped by another.

The rules (docs/identity-and-rules.md tells users about them):

- The dependency gate: an item cannot be ticked while an item it waits for (its `after`) is open,
  unless forced; a forced tick is noted in the change's history entry. Items ticked in the same
  change count as done for each other.
- The launch gate: a region cannot become launched while a critical item of its checklist is
  open, unless forced; a forced launch is noted in history.
- A launched region has its actual launch stamped (`launched_at`, see `stamp_launch`).
- No dependency cycles: checked for every record a change touches (`check_touched`, which
  every transaction runs; rollout.schema.find_cycle is the one definition).
- A launched region's launch is not moved without saying so: changing the `launch` (or the
  `launched_at` stamp) of a region that was launched before the change and still is after it is
  refused unless forced; a forced move is noted in history.

Operations judge the change they make as they make it (`dependency_gate`, `launch_gate`,
`launch_move_gate`) and mark what they judged on the state (`State.judged`). Paths that set whole
records (import, undo, redo, restore) judge the change as a whole with `enforce`, and every
transaction ends with `enforce` for whatever no one judged, so a path that forgets a rule is
refused rather than let through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rollout import queries, schema, times
from rollout.errors import Forcible, InvalidValue, Refused
from rollout.state import Record, State

# Says where a record came from, for messages ("checklist.csv line 4"); None when it knows nothing.
Where = Callable[[str, str], str | None]

TICK, LAUNCH, MOVE = "tick", "launch", "move"


# -- the dependency gate ------------------------------------------------------------------
def dependency_gate(
    state: State, ticking: Iterable[Record], force: bool, *, how: str = "tick", where: Where | None = None
) -> None:
    """Refuse ticking items (records as they are before the tick, or as ticked) while an item they
    wait for is open and not ticked with them; with `force`, note each such tick in history
    ("forced tick of c12 while it waits for c10 'Payment provider live' (open)") instead.

    `how` names the path in the message ("tick", "import", "undo #5"). Raises Forcible ("c12 waits
    for c10 'Payment provider live' (open); use --force"), prefixed by `where` when it knows the
    record's origin. Marks every item judged (State.judged)."""
    items = list(ticking)
    together = {item["id"] for item in items}
    for item in items:
        state.judged.add((TICK, item["id"]))
        waiting = [b for b in queries.open_blockers(state, item) if b["id"] not in together]
        if not waiting:
            continue
        described = " and ".join(_blocker_text(item, b) for b in waiting)
        if not force:
            verb = "" if how == "tick" else f"{how} would tick {item['id']}, which "
            subject = "" if verb else f"{item['id']} "
            raise Forcible(_at(where, "items", item["id"], f"{verb}{subject}waits for {described}; use --force"))
        prefix = "forced tick" if how == "tick" else f"forced tick ({how})"
        state.notes.append(f"{prefix} of {item['id']} while it waits for {described}")


def _blocker_text(item: Record, blocker: Record) -> str:
    where = "" if blocker["region"] == item["region"] else f", in {blocker['region']}"
    return f"{blocker['id']} {blocker['title']!r} (open{where})"


# -- the launch gate ----------------------------------------------------------------------
def launch_gate(state: State, code: str, force: bool, *, how: str = "launch", where: Where | None = None) -> None:
    """Refuse launching region `code` (being set to launched) while critical items of its checklist
    are open; with `force`, note the forced launch in history ("forced launch of NL with 1 critical
    item(s) open"). Raises Forcible ("cannot launch NL: 1 critical item(s) open (c1 'Payment
    provider live'); use --force to launch anyway"). Marks the region judged."""
    state.judged.add((LAUNCH, code))
    verb = "cannot launch" if how == "launch" else f"{how} cannot launch"
    prefix = "forced launch" if how == "launch" else f"forced launch ({how})"
    blocking = queries.open_critical(state, code)
    if blocking:
        if not force:
            message = (
                f"{verb} {code}: {len(blocking)} critical item(s) open ({queries.describe_items(blocking)}); "
                "use --force to launch anyway"
            )
            raise Forcible(_at(where, "regions", code, message))
        state.notes.append(f"{prefix} of {code} with {len(blocking)} critical item(s) open")
    signoff_gate(state, code, force, verb=verb, prefix=prefix, where=where)


def signoff_gate(
    state: State,
    code: str,
    force: bool,
    *,
    verb: str = "cannot launch",
    prefix: str = "forced launch",
    where: Where | None = None,
) -> None:
    """The go/no-go half of the launch gate (rollout.signoff.launch_blockers): a region launches only
    when every approval asked for is given and fresh. Raises Forcible ("cannot launch DE: sign-off not
    fresh (...); use --force to launch anyway"); with `force`, notes "forced launch of DE without a
    fresh sign-off (...)" in the history entry."""
    from rollout import signoff  # loaded by launches only

    blockers = signoff.launch_blockers(state, code)
    if not blockers:
        return
    said = "; ".join(blockers)
    if not force:
        raise Forcible(
            _at(where, "regions", code, f"{verb} {code}: sign-off not fresh ({said}); use --force to launch anyway")
        )
    state.notes.append(f"{prefix} of {code} without a fresh sign-off ({said})")


NOT_LAUNCHED_YET = ("planned", "preparing", "ready")


def stamp_launch(region: Record, when: str | None = None) -> Record:
    """The actual-launch stamp follows the status, in `region` (a record being built; returned).

    A launched region keeps its `launched_at`, else gets `when` (a stored instant, e.g. the target
    of a region added or imported as already launched), else now in the region's offset. A planned,
    preparing or ready region has not launched: no stamp. A paused one keeps its own."""
    if region["status"] == "launched":
        if not region.get("launched_at"):
            region["launched_at"] = when or times.now_stored(region["timezone"])
    elif region["status"] in NOT_LAUNCHED_YET:
        region["launched_at"] = None
    return region


# -- a launched region's launch -----------------------------------------------------------
MOVED_FIELDS = ("launch", "launched_at")
MAX_NAMED = 3  # records a refusal names before "..."


def launch_move_gate(
    state: State, before: Record, after: Record, force: bool, *, how: str = "set", where: Where | None = None
) -> None:
    """Refuse moving the launch of a region that has launched (launched in `before` and in
    `after`): its target `launch` or its actual `launched_at` changing. With `force`, note the
    move in history ("forced move of the launch of launched region JP: 2026-03-01 -> 2026-04-01").
    Raises Forcible ("cannot move the launch of JP: it has already launched; use --force"). Marks
    the region judged."""
    code = after["code"]
    state.judged.add((MOVE, code))
    if before.get("status") != "launched" or after.get("status") != "launched":
        return
    moved = [f for f in MOVED_FIELDS if before.get(f) != after.get(f)]
    if not moved:
        return
    if not force:
        verb = "cannot move" if how == "set" else f"{how} cannot move"
        message = f"{verb} the launch of {code}: it has already launched; use --force"
        raise Forcible(_at(where, "regions", code, message))
    what = ", ".join(f"{f} {_day(before.get(f))} -> {_day(after.get(f))}" for f in moved)
    prefix = "forced move" if how == "set" else f"forced move ({how})"
    state.notes.append(f"{prefix} of the launch of launched region {code}: {what}")


def _day(value: str | None) -> str:
    return value or "none"


# -- a change as a whole ------------------------------------------------------------------
def enforce(state: State, force: bool = False, *, how: str = "change", where: Where | None = None) -> None:
    """Judge every rule on the change the state holds (each record as loaded against as it is now),
    for whatever no operation judged yet (State.judged): ticks (the dependency gate), launches
    (the launch gate, and the `launched_at` stamp a launch needs), moves of a launched region's
    launch. Cycles are check_touched's, run by every transaction.

    `force` lets every crossing through with a note in history; `how` names the path in messages
    and notes ("import", "undo #5", "restore"); `where` names a record's origin. Raises Forcible
    for the first crossing without `force`."""
    ticking = []
    for (table, key), before in list(state.before.items()):
        after = state.tables[table].get(key)
        if after is None or before == after:
            continue
        if table == "items" and after["status"] == "done" and (before is None or before["status"] != "done"):
            if (TICK, key) not in state.judged:
                ticking.append(after)
        elif table == "regions":
            _enforce_region(state, before, after, force, how, where)
    if ticking:
        dependency_gate(state, ticking, force, how=how, where=where)


def _enforce_region(
    state: State, before: Record | None, after: Record, force: bool, how: str, where: Where | None
) -> None:
    code = after["code"]
    launching = after["status"] == "launched" and (before is None or before["status"] != "launched")
    if launching and (LAUNCH, code) not in state.judged:
        launch_gate(state, code, force, how=how, where=where)
        if not after.get("launched_at"):
            state.put("regions", stamp_launch(dict(after), after.get("launch")))
    if before is not None and (MOVE, code) not in state.judged:
        launch_move_gate(state, before, after, force, how=how, where=where)


def _at(where: Where | None, table: str, key: str, message: str) -> str:
    origin = where(table, key) if where is not None else None
    return f"{origin}: {message}" if origin else message


# -- the schema's rules over a change ------------------------------------------------------
def check_touched(state: State) -> None:
    """Refuse a change that would store a record the schema refuses: every record the change
    touched (added or edited) is checked, and an item or promotion must belong to an existing
    region. Raises InvalidValue naming the record and the problem; the caller writes nothing."""
    for (table, key), before in state.before.items():
        record = state.tables[table].get(key)
        if record is None:
            if table == "regions" and (state.items_of(key) or state.promotions_of(key)):
                raise InvalidValue(f"refused: region {key} would be removed with its checklist or promotions left")
            continue
        kind = schema.KINDS[table]
        found = kind.problems(record, before)
        if found:
            message = f"refused: {found[0].describe(kind.label(record))}; nothing was changed"
            raise InvalidValue(_at(state.where, table, key, message))
        if table in schema.CHILD_TABLES and record["region"] not in state.regions:
            message = f"refused: {kind.label(record)} would belong to region {record['region']}, which does not exist"
            raise InvalidValue(_at(state.where, table, key, message))
    _check_dependencies(state)
    _check_currencies(state)


def _check_currencies(state: State) -> None:
    """GMV stays in the currency it was given in (schema.kpi_currency_problem): a region's currency
    changes only while none of its GMV is in the old one, and an amount is never carried into
    another currency (setting an actual under a region's new currency beside a target in its old
    one). Raises Refused naming the records."""
    for (table, key), before in state.before.items():
        record = state.tables[table].get(key)
        if record is None:
            continue
        problem = None
        if table == "regions" and before is not None and before.get("currency") != record.get("currency"):
            held = [k["id"] for k in state.records_of("kpis", key) if k.get("currency") != record.get("currency")]
            if held:
                named = ", ".join(held[:MAX_NAMED]) + (" ..." if len(held) > MAX_NAMED else "")
                problem = (
                    f"region {key} has GMV in {before.get('currency')} ({named}): its currency cannot become "
                    f"{record.get('currency')} while it has (stored amounts are never converted: `kpi remove` "
                    "them first)"
                )
        elif table == "kpis":
            carried = before is not None and before.get("currency") != record.get("currency")
            if carried and any(
                before.get(f) is not None and before.get(f) == record.get(f) for f in ("target", "actual")
            ):
                problem = (
                    f"{key} holds GMV in {before.get('currency')}, and its region's currency is now "
                    f"{record.get('currency')}: an amount cannot be carried into another currency"
                )
            else:
                problem = schema.kpi_currency_problem(record, state.regions.get(record["region"]))
        if problem:
            raise Refused(_at(state.where, table, key, f"refused: {problem}; nothing was changed"))


def _check_dependencies(state: State) -> None:
    """Items the change touched wait only for items that exist, without a cycle; no item removed
    by the change is still waited for (the operations remove it from `after` in the same change)."""
    touched = [key for (table, key) in state.before if table == "items"]
    if not touched:
        return
    items = state.items
    problems = schema.after_problems(items, [key for key in touched if key in items and schema.after_of(items[key])])
    if problems:
        raise InvalidValue(f"refused: {problems[0]}; nothing was changed")
    for key in touched:
        if key in items:
            continue
        waiting = state.dependants_of(key)
        if waiting:
            raise InvalidValue(
                f"refused: checklist item {waiting[0]} waits for {key}, which would be removed; nothing was changed"
            )
