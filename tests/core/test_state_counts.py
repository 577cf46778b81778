"""The checklist counts the state keeps up to date (done, total, critical still open) always equal
a count of the records themselves, whatever sequence of puts, deletes, moves and undos led there."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout.state import State, empty_document

REGIONS = ("DE", "FR")


def recount(state: State, code: str) -> tuple[int, int, int]:
    items = [i for i in state.items.values() if i["region"] == code]
    done = sum(1 for i in items if i["status"] == "done")
    critical_open = sum(1 for i in items if i["critical"] and i["status"] == "open")
    return done, len(items), critical_open


def new_state() -> State:
    state = State(empty_document())
    for code in REGIONS:
        state.put("regions", {"code": code, "name": code, "timezone": "UTC", "currency": "EUR", "status": "planned"})
    return state


step = st.tuples(
    st.sampled_from(["put", "delete", "undo"]),
    st.integers(1, 4),  # item number
    st.sampled_from(REGIONS),
    st.sampled_from(["open", "done"]),
    st.booleans(),  # critical
)


@settings(deadline=None)
@given(steps=st.lists(step, max_size=25), indexed_first=st.booleans())
def test_counts_follow_every_change_of_the_checklist(steps, indexed_first):
    state = new_state()
    if indexed_first:  # counts built before the changes, then kept up to date by each one
        assert state.checklist_counts("DE") == (0, 0, 0)
    for action, number, region, status, critical in steps:
        key = f"c{number}"
        if action == "put":
            state.put("items", {"id": key, "region": region, "status": status, "critical": critical})
        elif action == "delete" and key in state.items:
            state.delete("items", key)
        elif action == "undo":
            state.apply(state.changes(), reverse=True)
            state.before.clear()
        for code in REGIONS:
            assert state.checklist_counts(code) == recount(state, code), (code, steps)
            assert sorted(i["id"] for i in state.items_of(code)) == sorted(
                k for k, i in state.items.items() if i["region"] == code
            )


item = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["c1", "c2", "c3"]),
        "region": st.sampled_from(REGIONS),
        "status": st.sampled_from(["open", "done"]),
        "critical": st.booleans(),
        "after": st.lists(st.sampled_from(["c1", "c2", "c3"]), max_size=2, unique=True),
    }
)


@settings(deadline=None)
@given(records=st.lists(item, max_size=8), indexed_first=st.booleans())
def test_storing_records_together_is_storing_them_one_by_one(records, indexed_first):
    one_by_one, together = new_state(), new_state()
    for state in (one_by_one, together):
        state.put("items", {"id": "c1", "region": "FR", "status": "done", "critical": True, "after": []})
        if indexed_first:  # the indexes built before, then kept up to date
            state.checklist_counts("DE")
            state.dependants_of("c1")
    for record in records:
        one_by_one.put("items", record)
    together.put_all("items", records)
    assert together.items == one_by_one.items
    assert together.changes() == one_by_one.changes()
    for code in REGIONS:
        assert together.checklist_counts(code) == one_by_one.checklist_counts(code) == recount(together, code)
        assert together.items_of(code) == one_by_one.items_of(code)
    for key in ("c1", "c2", "c3"):
        assert together.dependants_of(key) == one_by_one.dependants_of(key)
