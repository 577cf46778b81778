"""Hand over an owner's work: when someone leaves the team, their open items and regions go to another.

One operation for every front end: `hand_over` moves, in the state it is given (one transaction,
so one history entry and one undo step), every region owned by FROM and every open checklist item
owned by FROM, in the regions chosen, to TO. Done items keep their owner: they record who did the
work. Names are matched by the identity rule (rollout.identity.person_key: trimmed, NFKC,
case-folded), so `Jonas` hands over what `jonas` and ` JONAS ` own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rollout import model, queries
from rollout.errors import InvalidValue, NotFound
from rollout.identity import is_unassigned, person_key
from rollout.state import Record, State


class HandOver(NamedTuple):
    """What a hand-over moved: the regions and the open items, as stored afterwards (oldest id first)."""

    regions: list[Record]
    items: list[Record]


def owned_by(owner: str | None, name: str) -> bool:
    """Whether a record's owner is the person `name` (identity rule; a blank owner is nobody's)."""
    return bool(person_key(owner)) and person_key(owner) == person_key(name)


def hand_over(state: State, source: str, target: str, selectors: Sequence[str] = ()) -> HandOver:
    """Give `target` every region and every open checklist item that `source` owns, in the regions
    `selectors` choose (queries.select: CODE, wave=N, status=S, owner=NAME, all; none: every region).
    Items are those of the chosen regions; regions are moved only if chosen too.

    Raises InvalidValue for a blank name or the same person on both sides, NotFound for an unknown
    region in `selectors`. Moving nothing is no error: the transaction then records no change."""
    check_names(source, target)
    new_owner = model.optional_text(target)
    moving = to_hand_over(state, source, selectors)
    return HandOver(
        [state.put("regions", {**region, "owner": new_owner}) for region in moving.regions],
        [state.put("items", {**item, "owner": new_owner}) for item in moving.items],
    )


def check_names(source: str, target: str) -> None:
    """Raises InvalidValue unless FROM and TO are two people (not blank, not one person twice)."""
    if is_unassigned(source) or is_unassigned(target):
        raise InvalidValue("hand over needs two names: FROM and TO")
    if person_key(source) == person_key(target):
        raise InvalidValue(f"{source!r} and {target!r} are the same person")


def to_hand_over(state: State, source: str, selectors: Sequence[str] = ()) -> HandOver:
    """What `hand_over` would move, as stored now, changing nothing (the TUI's preview, a dry run):
    the chosen regions `source` owns and the open items `source` owns in them. Raises NotFound
    for an unknown region in `selectors`."""
    codes = queries.select(state, selectors) if selectors else list(state.regions)
    regions, items = [], []
    for code in codes:
        region = state.region(code)
        if owned_by(region["owner"], source):
            regions.append(region)
        items += [item for item in queries.checklist(state, code, True) if owned_by(item["owner"], source)]
    return HandOver(regions, items)


def describe(moving: HandOver) -> str:
    """'5 open items and 2 regions (AU, CA)' or 'no open item and no region'."""
    items = f"{len(moving.items)} open item{'s' if len(moving.items) != 1 else ''}" if moving.items else "no open item"
    codes = [r["code"] for r in moving.regions]
    regions = f"{len(codes)} region{'s' if len(codes) != 1 else ''} ({', '.join(codes)})" if codes else "no region"
    return f"{items} and {regions}"


def owned_items(state: State, name: str, selectors: Sequence[str] = ()) -> list[Record]:
    """Every checklist item (open or done) that the person `name` owns (identity rule) in the regions
    `selectors` choose (queries.select; none: every region), region by region in checklist order:
    how `check done/reopen/remove --owner NAME` pick their items.

    Raises InvalidValue for a blank name, NotFound when that person owns no item there (a mistyped
    name is told, not read as "nothing to do") or for an unknown region in `selectors`."""
    if is_unassigned(name):
        raise InvalidValue("--owner needs a name")
    codes = queries.select(state, selectors) if selectors else list(state.regions)
    found = [item for code in codes for item in queries.checklist(state, code) if owned_by(item["owner"], name)]
    if not found:
        where = f" in {', '.join(selectors)}" if selectors else ""
        raise NotFound(f"no checklist item is owned by {name.strip()!r}{where}")
    return found
