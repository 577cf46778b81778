"""A timed due is overdue once its instant has passed: health and the agenda decide most items on
their local day and compare instants only near today; the result is the plain comparison's."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import agenda, health, queries
from rollout.state import State, empty_document

ZONES = ("Europe/Berlin", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "UTC")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _state(tz: str, dues: list[str]) -> State:
    state = State(empty_document())
    region = {"code": "DE", "name": "Region", "timezone": tz, "currency": "EUR", "status": "preparing"}
    state.put("regions", {**region, "wave": 0, "owner": "ana", "launch": "2027-06-01T10:00:00+02:00"})
    for n, due in enumerate(dues, 1):
        item = {"id": f"c{n}", "region": "DE", "title": f"item {n}", "category": "legal", "owner": "ana"}
        state.put("items", {**item, "due": due, "status": "open", "critical": False, "after": []})
    return state


offsets = st.integers(-48, 56).map(lambda quarters: timezone(timedelta(minutes=15 * quarters)))
# Dues within three days of the reference (most near midnights and the reference itself), some far.
dues = st.builds(
    lambda minutes, tz: (NOW + timedelta(minutes=minutes)).astimezone(tz).isoformat(),
    st.integers(-3 * 1440, 3 * 1440) | st.sampled_from([-1, 0, 1]) | st.integers(-90 * 1440, 90 * 1440),
    offsets,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.lists(dues, min_size=1, max_size=8), st.integers(-1440, 1440), offsets)
def test_overdue_is_the_plain_comparison_of_instants(tz, due_texts, shift, reference_tz):
    state = _state(tz, due_texts)
    reference = (NOW + timedelta(minutes=shift)).astimezone(reference_tz)
    late = {f"c{n}" for n, due in enumerate(due_texts, 1) if datetime.fromisoformat(due) < reference}
    found = health.region_health(state, "DE", reference)
    assert found.overdue == len(late)
    listed = {r.item for r in found.reasons if r.item and "overdue" in r.text}
    assert listed <= late
    entries = agenda.agenda(state, days=3, reference=reference)
    assert {e.id for e in entries if e.overdue} == late
    # The same rule, written once (queries.due_state), in owners and in every checklist's "late".
    assert sum(w.overdue for w in agenda.owners(state, reference)) == len(late)
    assert {i for i, item in state.items.items() if queries.is_overdue(item, tz, reference)} == late


def test_a_due_at_the_very_instant_of_local_midnight():
    midnight = datetime(2026, 11, 24, 0, 0, tzinfo=timezone(timedelta(hours=1)))  # Berlin's midnight
    dues = ["2026-11-24T00:00:00+01:00", "2026-11-23T23:59:59.999999+01:00", "2026-11-23T23:00:00+00:00"]
    state = _state("Europe/Berlin", dues)
    for reference in (midnight, midnight.astimezone(UTC)):
        assert health.region_health(state, "DE", reference).overdue == 1  # only the one a microsecond before
        assert [e.id for e in agenda.agenda(state, days=1, reference=reference) if e.overdue] == ["c2"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.integers(-5, 5), st.integers(-2880, 2880), offsets)
def test_a_due_day_is_overdue_from_the_next_local_day_in_every_place(tz, offset, shift, reference_tz):
    due_day = (NOW + timedelta(days=offset)).astimezone(ZoneInfo(tz)).date()
    state = _state(tz, [])
    item = {"id": "c1", "region": "DE", "title": "by the end of a day", "category": "legal", "owner": "ana"}
    start = datetime.combine(due_day, time(), ZoneInfo(tz)).isoformat()
    state.put("items", {**item, "due": start, "due_all_day": True, "status": "open", "critical": False, "after": []})
    reference = (NOW + timedelta(minutes=shift)).astimezone(reference_tz)
    late = reference.astimezone(ZoneInfo(tz)).date() > due_day
    assert queries.is_overdue(state.items["c1"], tz, reference) == late
    assert health.region_health(state, "DE", reference).overdue == late
    assert [e.overdue for e in agenda.agenda(state, days=0, reference=reference)] == ([True] if late else [])
    assert sum(w.overdue for w in agenda.owners(state, reference)) == late
