"""`status`'s next promotion, which decides on the text where it can, is the one a plain reading of
every instant gives: across offsets, at the edges of the text shortcuts, in every ISO 8601 form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import queries
from rollout.state import State, empty_document

REFERENCE_DAY = datetime(2026, 11, 24, tzinfo=UTC)


def plainly(promos: list[dict], reference: datetime) -> dict | None:
    """The definition: the promotion not ended at `reference` with the earliest start (first wins)."""
    best, best_start = None, None
    for promo in promos:
        if datetime.fromisoformat(promo["end"]) <= reference:
            continue
        start = datetime.fromisoformat(promo["start"])
        if best_start is None or start < best_start:
            best, best_start = promo, start
    return best


def text(moment: datetime, form: str) -> str:
    """An instant as ISO 8601 text: as rollout stores it, or in another form Python also reads."""
    if form == "extended":
        return moment.isoformat()
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    if form == "basic":
        return moment.strftime("%Y%m%dT%H%M%S") + offset
    year, week, weekday = moment.isocalendar()
    return f"{year}-W{week:02d}-{weekday}T{moment.strftime('%H:%M:%S')}{offset}"


offsets = st.integers(-48, 56).map(lambda quarters: timezone(timedelta(minutes=15 * quarters)))
# Instants within a week of the reference, so most fall near the shortcuts' edges, some far off.
instants = st.builds(
    lambda minutes, tz: (REFERENCE_DAY + timedelta(minutes=minutes)).astimezone(tz),
    st.integers(-7 * 1440, 7 * 1440) | st.integers(-400 * 1440, 400 * 1440),
    offsets,
)
forms = st.sampled_from(["extended", "extended", "extended", "basic", "week"])
promotions = st.lists(st.tuples(instants, st.integers(0, 5 * 1440), forms, forms), max_size=12)


@settings(max_examples=400, deadline=None)
@given(promotions, st.integers(-3 * 1440, 3 * 1440), offsets)
def test_next_promotion_is_the_plain_reading(spans, minutes, reference_tz):
    state = State(empty_document())
    promos = []
    for n, (start, length, start_form, end_form) in enumerate(spans, 1):
        end = (start + timedelta(minutes=length)).astimezone(start.tzinfo)
        promo = {"id": f"p{n}", "region": "DE", "start": text(start, start_form), "end": text(end, end_form)}
        promos.append(state.put("promotions", promo))
    reference = (REFERENCE_DAY + timedelta(hours=9, minutes=minutes)).astimezone(reference_tz)
    assert queries.next_promotion(state, "DE", reference) is plainly(promos, reference)
    assert queries.next_promotion(state, "DE", queries.plain_utc(reference)) is plainly(promos, reference)
