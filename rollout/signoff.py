"""Go/no-go sign-off: named approvers approve a region's launch *scope*; an approval goes stale when it moves.

A region's sign-off is one `signoffs` record per approver (rollout.schema.SIGNOFFS, id `DE/amara`:
the region and the approver's identity key, rollout.identity). An approval is given to the scope
the approver saw: the region's target launch, its critical items with their status and due (and
whether they apply: one marked not applicable stops gating the launch), and its promotions
(`scope`). What was approved is kept as a fingerprint, the SHA-256 of the scope's canonical JSON
(`fingerprint`), never as a time: when the scope differs from it the approval is stale, and an
undo that brings the scope back makes it fresh again.

States of one approval: pending (asked, not given), approved (given to the current scope), stale
(given to another scope), rejected (holds until that approver approves). A region's state is the
worst of its approvals: rejected, then stale, then pending, then approved; None when no sign-off
was asked for. A launch needs every approval fresh (launch_blockers; the gate is
rollout.rules.signoff_gate).
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from rollout import model, times
from rollout.backends.base import HistoryQuery
from rollout.errors import InvalidValue, NotFound, Refused
from rollout.identity import person_key, same_person
from rollout.schema import counts
from rollout.state import Record, State

PENDING, APPROVED, REJECTED, STALE = "pending", "approved", "rejected", "stale"
STATES = (PENDING, APPROVED, REJECTED, STALE)
_WORST_FIRST = (REJECTED, STALE, PENDING, APPROVED)
HISTORY_LOOKBACK = 200  # lines of what moved since an approval, at most
HISTORY_READ_LIMIT = 2000  # entries of the region read back looking for the approval


# -- the scope --------------------------------------------------------------------------------
def _utc(iso: str | None) -> str | None:
    """An instant in one spelling (UTC), so that equal instants stored with other offsets match."""
    return None if iso is None else times.to_iso(times.instant(iso).astimezone(UTC))


def scope(state: State, code: str) -> dict[str, Any]:
    """What an approval of region `code` covers: {"launch": UTC instant or None, "critical":
    [{id, status, due, not_applicable (only when marked)}] by id, "promotions": [{id, name, kind,
    start, end}] by id}."""
    region = state.region(code)
    critical = sorted(
        (_critical_scope(i) for i in state.items_of(code) if i["critical"]),
        key=lambda i: (len(i["id"]), i["id"]),
    )
    promos = sorted(
        (
            {"id": p["id"], "name": p["name"], "kind": p["kind"], "start": _utc(p["start"]), "end": _utc(p["end"])}
            for p in state.promotions_of(code)
        ),
        key=lambda p: (len(p["id"]), p["id"]),
    )
    return {"launch": _utc(region.get("launch")), "critical": critical, "promotions": promos}


def _critical_scope(item: Record) -> dict[str, Any]:
    """A critical item as an approval covers it: {id, status, due}, and `not_applicable: true` when
    it is marked so (it then no longer gates the launch, which the approver did not see). The key
    is there only for such items, so approvals given before it existed keep their fingerprint."""
    covered = {"id": item["id"], "status": item["status"], "due": _utc(item.get("due"))}
    if not counts(item):
        covered["not_applicable"] = True
    return covered


def fingerprint(state: State, code: str) -> str:
    """The SHA-256 hex digest of the scope's canonical JSON (sorted keys, no spaces, UTF-8)."""
    import hashlib  # only when a region has a sign-off: hashlib loads OpenSSL (~4 ms a command)

    canonical = json.dumps(scope(state, code), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- reading ----------------------------------------------------------------------------------
def approvals(state: State, code: str) -> list[Record]:
    """Region `code`'s sign-off records, in the order they were asked for."""
    return state.records_of("signoffs", code)


def approval_state(record: Record, current: str) -> str:
    """One approval's state against the current fingerprint `current`: pending, approved, stale or rejected."""
    if record["decision"] == APPROVED:
        return APPROVED if record["fingerprint"] == current else STALE
    return record["decision"]


def region_state(state: State, code: str) -> str | None:
    """The region's sign-off state (the worst of its approvals), None when none was asked for."""
    records = approvals(state, code)
    if not records:
        return None
    current = fingerprint(state, code)
    found = {approval_state(rec, current) for rec in records}
    return next(s for s in _WORST_FIRST if s in found)


def launch_blockers(state: State, code: str) -> list[str]:
    """Why region `code` may not launch yet: "amara pending", "li rejected", "jo stale", one per
    approval that is not fresh; [] when every approval is fresh or no sign-off was asked for."""
    records = approvals(state, code)
    if not records:
        return []
    current = fingerprint(state, code)
    return [f"{rec['approver']} {s}" for rec in records if (s := approval_state(rec, current)) != APPROVED]


# -- changes ----------------------------------------------------------------------------------
def _region(state: State, code: str) -> Record:
    return state.region(model.region_code(code, known=state.regions))


def _key(code: str, name: str) -> str:
    return f"{code}/{person_key(name)}"


def parse_approvers(text: str | list[str]) -> list[str]:
    """Approver names typed as `amara,li` (or a list): trimmed, each person once (identity rule).

    Raises InvalidValue when no name is given."""
    words = text.split(",") if isinstance(text, str) else list(text)
    names: dict[str, str] = {}
    for word in words:
        name = " ".join(word.split())
        if name:
            names.setdefault(person_key(name), name)
    if not names:
        raise InvalidValue("give at least one approver: --approvers NAME[,NAME...]")
    return list(names.values())


def request(state: State, code: str, approvers: str | list[str], user: str) -> list[Record]:
    """Ask the named people to sign off region `code`'s launch; return its sign-off records.

    Approvers already asked keep their decision; ones no longer named are dropped; new ones are
    pending. `user` is who asks. Raises InvalidValue for no name or a bad code, NotFound for an
    unknown region."""
    region = _region(state, code)
    names = parse_approvers(approvers)
    wanted = {_key(region["code"], name): name for name in names}
    for rec in approvals(state, region["code"]):
        if rec["id"] not in wanted:
            state.delete("signoffs", rec["id"])
    now = times.now_stored(region["timezone"])
    out = []
    for key, name in wanted.items():
        current = state.tables["signoffs"].get(key)
        if current is None:
            current = {
                "id": key,
                "region": region["code"],
                "approver": name,
                "decision": PENDING,
                "fingerprint": None,
                "at": None,
                "by": None,
                "note": None,
                "requested_at": now,
                "requested_by": user,
            }
            state.put("signoffs", current)
        out.append(current)
    return out


def _own(state: State, code: str, user: str) -> tuple[Record, Record]:
    region = _region(state, code)
    records = approvals(state, region["code"])
    if not records:
        raise NotFound(f"no sign-off asked for {region['code']}: `signoff request {region['code']} --approvers ...`")
    mine = [rec for rec in records if same_person(rec["approver"], user)]
    if not mine:
        names = ", ".join(rec["approver"] for rec in records)
        raise Refused(f"{user or 'nobody'} is not an approver of {region['code']} (approvers: {names})")
    return region, mine[0]


def decide(state: State, code: str, user: str, decision: str, note: str | None = None) -> Record:
    """`user` approves or rejects region `code`'s current scope; return the sign-off record.

    Only a named approver decides (the identity rule: rollout.identity.same_person). An approval
    keeps the scope's fingerprint; a rejection needs a `note` and holds until the same approver
    approves. Raises Refused for someone who is not an approver, NotFound when no sign-off was
    asked for, InvalidValue for a rejection without a note."""
    if decision not in (APPROVED, REJECTED):
        raise InvalidValue(f"invalid decision {decision!r}: expected approved or rejected")
    clean_note = " ".join((note or "").split()) or None
    if decision == REJECTED and not clean_note:
        raise InvalidValue("a rejection needs a reason: --note TEXT")
    region, current = _own(state, code, user)
    record = {
        **current,
        "decision": decision,
        "fingerprint": fingerprint(state, region["code"]),
        "at": times.now_stored(region["timezone"]),
        "by": user,
        "note": clean_note,
    }
    return state.put("signoffs", record)


# -- what moved since an approval -------------------------------------------------------------
def moved_since(state: State, record: Record) -> list[str]:
    """What changed in the approved scope after `record` was approved, oldest first, from history:
    "#42 2026-11-25 10:00 UTC amara: launch 2027-01-10 -> 2027-01-17". [] when not approved."""
    if record["decision"] != APPROVED:
        return []
    code = record["region"]
    found: list[str] = []
    for read, header in enumerate(state.history.walk(HistoryQuery(region=code, limit=50))):
        if read >= HISTORY_READ_LIMIT:  # an approval imported or restored has no entry of its own
            break
        entry = state.history.entry(header["id"])
        if _is_approval(entry, record):
            break
        lines = [line for change in entry["changes"] if (line := _scope_change(change))]
        if lines:
            when = times.local_display(entry["at"], "UTC")
            found.append(f"#{entry['id']} {when} UTC {entry['user']}: {'; '.join(lines)}")
        if len(found) >= HISTORY_LOOKBACK:
            break
    return list(reversed(found))


def _is_approval(entry: Record, record: Record) -> bool:
    return any(
        c["table"] == "signoffs"
        and c["key"] == record["id"]
        and (c["after"] or {}).get("decision") == APPROVED
        and (c["after"] or {}).get("at") == record["at"]
        for c in entry["changes"]
    )


def _day(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "none"


def _scope_change(change: Record) -> str | None:
    """One record's change in scope terms, or None when it does not touch the scope."""
    table, before, after = change["table"], change["before"], change["after"]
    if table == "regions":
        old, new = (before or {}).get("launch"), (after or {}).get("launch")
        return f"launch {_day(old)} -> {_day(new)}" if old != new else None
    if table == "items":
        if not (before or {}).get("critical") and not (after or {}).get("critical"):
            return None
        if before is None or after is None:
            return f"critical item {change['key']} {'added' if before is None else 'removed'}"
        moved = [f for f in ("status", "due", "critical") if before.get(f) != after.get(f)]
        parts = [f"{f} {_shown(before.get(f))} -> {_shown(after.get(f))}" for f in moved]
        if counts(before) != counts(after):
            parts.append("marked not applicable" if counts(before) else "applicable again")
        return f"{change['key']} {', '.join(parts)}" if parts else None
    if table == "promotions":
        if before is None or after is None:
            return f"promotion {change['key']} {'added' if before is None else 'removed'}"
        moved = [f for f in ("name", "kind", "start", "end") if before.get(f) != after.get(f)]
        return f"promotion {change['key']} {', '.join(moved)} changed" if moved else None
    return None


def _shown(value: Any) -> str:
    if isinstance(value, str) and len(value) > 16 and value[10:11] == "T":
        return _day(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def show(state: State, code: str) -> dict[str, Any]:
    """Region `code`'s sign-off as `signoff show --json` prints it: region, state (None when none
    was asked for), fingerprint (of the current scope), scope, and approvals: approver, decision,
    state, at, by, note, requested_at, requested_by and `moved` (moved_since, while stale).
    Instants in the region's offset. Raises InvalidValue / NotFound for a bad or unknown code."""
    region = _region(state, code)
    code = region["code"]
    current = fingerprint(state, code)
    tz = region["timezone"]
    rows = []
    for rec in approvals(state, code):
        judged = approval_state(rec, current)
        rows.append(
            {
                "approver": rec["approver"],
                "decision": rec["decision"],
                "state": judged,
                "at": times.in_region(rec["at"], tz),
                "by": rec["by"],
                "note": rec["note"],
                "requested_at": times.in_region(rec["requested_at"], tz),
                "requested_by": rec["requested_by"],
                # What moved matters while the approval is stale: once an undo (or moving things
                # back) gives the approved scope again, the approver's view holds as it was.
                "moved": moved_since(state, rec) if judged == STALE else [],
            }
        )
    return {
        "region": code,
        "state": region_state(state, code),
        "fingerprint": current,
        "scope": scope(state, code),
        "approvals": rows,
    }
