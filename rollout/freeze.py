"""Freeze windows: local days around peak season when no launch or promotion should start.

A `freezes` record (rollout.schema.FREEZES, id f1, f2...) covers the regions selected when it was
added (`regions`, with the selectors as typed in `scope`), from its `start` to its `end` day, both
included, each a local day of each region's own calendar (a launch at 23:30 in Tokyo is on the
Tokyo day). A launch target or a promotion start inside a window is a warning with the window's
reason; inside a window that `blocks`, it is refused unless forced.

The check runs once per change, on what the change did (`check_change`, called by
rollout.db.Database.transaction for every path: CLI, batch, import and TUI alike), so no operation
can set a date into a window without it. A forced change, and an import (which must be able to
restore what was exported), note it in the history entry instead. Undo and redo put back what was
there before and are not refused.
"""

from __future__ import annotations

from datetime import date

from rollout import times
from rollout.errors import Forcible, InvalidValue
from rollout.state import Record, State

FORCE = "freeze"  # the State.overrides flag a --force sets
IMPORT = "freeze-import"  # the flag an import sets: it restores what was exported, noted as imported
MAX_NAMED = 3  # refusals one error names before "and N more"


class InsideFreeze(Forcible):
    """A launch or promotion start inside a blocking window: forced by the FORCE override on the
    change's state (any change: the same one again with it), not by an operation's `force`.
    `reason` is the refusal without the CLI's advice (the TUI asks "Force?" instead)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; use --force to set it anyway")
        self.reason = reason


def parse_day(text: str, what: str) -> str:
    """A typed day (YYYY-MM-DD, today, tomorrow...: times.parse_when_text with a date only) as stored.

    Raises InvalidValue for anything else, a time of day included (a window covers whole days)."""
    when = times.parse_when_text(text)
    if not when.date_only:
        raise InvalidValue(f"invalid {what} {text!r}: a freeze window covers whole local days; give a date")
    return when.resolve("UTC").date().isoformat()


def windows(state: State) -> list[Record]:
    """Every freeze window, by start day then id."""
    return sorted(state.tables["freezes"].values(), key=lambda w: (w["start"], len(w["id"]), w["id"]))


def windows_for(state: State, code: str) -> list[Record]:
    """The windows covering region `code`."""
    return [w for w in windows(state) if code in w["regions"]]


def hits(state: State, code: str, day: date) -> list[Record]:
    """The windows of region `code` that hold local day `day`."""
    text = day.isoformat()
    return [w for w in windows_for(state, code) if w["start"] <= text <= w["end"]]


def blocking(state: State, code: str, day: date) -> list[Record]:
    """The windows of region `code` that hold local day `day` and block (none when the change is
    forced or imported, as check_change judges it)."""
    if not state.tables["freezes"] or _let_through(state):
        return []
    return [w for w in hits(state, code, day) if w["blocks"]]


def describe(window: Record) -> str:
    """A window in words: "freeze f1 2026-11-20..2026-11-30 (blocks): Black Friday"."""
    blocks = " (blocks)" if window["blocks"] else ""
    return f"freeze {window['id']} {window['start']}..{window['end']}{blocks}: {window['reason']}"


def _launch_day(region: Record) -> date | None:
    if region["status"] == "launched" or not region.get("launch"):
        return None
    return times.local_date(region["launch"], region["timezone"])


def region_warnings(state: State, code: str) -> list[str]:
    """Region `code`'s launch target and promotion starts inside a window, as sentences
    ("launch 2026-11-27 is inside freeze f1 2026-11-20..2026-11-30 (blocks): Black Friday")."""
    if not state.tables["freezes"]:
        return []
    region = state.region(code)
    out = []
    day = _launch_day(region)
    if day is not None:
        out += [f"launch {day} is inside {describe(w)}" for w in hits(state, code, day)]
    for promo in state.promotions_of(code):
        start = times.local_date(promo["start"], region["timezone"])
        out += [f"promotion {promo['id']} starts {start}, inside {describe(w)}" for w in hits(state, code, start)]
    return out


def covered(state: State, window: Record) -> list[str]:
    """What a window holds now: the launches and promotion starts of its regions inside it."""
    out = []
    for code in window["regions"]:
        if code in state.regions:
            out += [f"{code}: {w}" for w in region_warnings(state, code) if f"freeze {window['id']} " in w]
    return out


def _moved_dates(state: State) -> list[tuple[tuple[str, str], str, str, date]]:
    """((table, key), region, what, local day) of each launch target and promotion start this change set."""
    found = []
    for (table, key), before in state.before.items():
        after = state.tables[table].get(key)
        if after is None:
            continue
        if table == "regions":
            day = _launch_day(after)
            if day is not None and (before is None or before.get("launch") != after["launch"]):
                found.append(((table, key), key, f"launch of {key} on {day}", day))
        elif table == "promotions" and (before is None or before["start"] != after["start"]):
            region = state.regions.get(after["region"])
            if region is not None:
                day = times.local_date(after["start"], region["timezone"])
                origin = after.get("origin")
                whence = f", template {origin['template']} {origin['key']}" if origin else ""
                what = f"start of promotion {key} ({after['region']}{whence}) on {day}"
                found.append(((table, key), after["region"], what, day))
    return found


def _let_through(state: State) -> bool:
    """Whether this change passes blocking windows, noted: forced (FORCE) or an import (IMPORT)."""
    return FORCE in state.overrides or IMPORT in state.overrides


def check_change(state: State) -> None:
    """Refuse a change that sets a launch target or a promotion start inside a blocking window of
    its region, unless forced (FORCE in state.overrides) or an import (IMPORT): InsideFreeze naming
    every such date (the first MAX_NAMED, then how many more), its window and reason, so that a
    "Force?" question says all it would force. Non-blocking windows, forced and imported ones are
    noted in the change's history entry (state.notes). Each is prefixed with where its record came
    from when the change knows (state.where: a batch's line). Undo and redo are never refused."""
    if not state.tables["freezes"] or "undoes" in state.entry_extra or "redoes" in state.entry_extra:
        return
    let_through = _let_through(state)
    verb = "forced: " if FORCE in state.overrides else "imported: "
    refused: list[str] = []
    for record, code, what, day in _moved_dates(state):
        origin = state.where(*record) if state.where is not None else None
        where = f"{origin}: " if origin else ""
        for window in hits(state, code, day):
            if window["blocks"] and not let_through:
                refused.append(f"{where}{what} is inside {describe(window)}")
                continue
            state.notes.append(f"{where}{verb if window['blocks'] else ''}{what} is inside {describe(window)}")
    if refused:
        more = len(refused) - MAX_NAMED
        raise InsideFreeze("; ".join(refused[:MAX_NAMED]) + (f"; and {more} more" if more > 0 else ""))
