"""The daily digest (rollout.digest): health then and now from history, what is in trouble, what
comes next, who changed what; its Markdown, text and JSON forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from crafted import NOW, database, day, item, region
from markdown_it import MarkdownIt

from rollout import digest, ops, times
from rollout.errors import InvalidValue


@pytest.fixture
def db():
    """Yesterday (NOW - 30 h): NL on track, DE at risk. Then, in the last day, ben moves NL's
    launch so its last item lands after it, and ana ticks DE's late item."""
    db = database()
    with db.transaction("ana", "setup") as state:
        region(state, "NL", launch=day(60), owner="ana")
        region(state, "DE", launch=day(90), owner="ben")
        item(state, "NL", "Last step", due=day(40), owner="ops")
        item(state, "DE", "Banner", due=day(-3), owner="growth")
        item(state, "DE", "Contract *signed*", due=day(-2), critical=True, owner="legal")
        ops.add_promotions(state, ["DE"], "Black Friday", start=day(3), end=day(6))
    _backdate(db, hours=30)
    with db.transaction("ben", "region set NL --launch ...") as state:
        ops.set_regions(state, ["NL"], launch=day(30))
    with db.transaction("ana", "check done DE c2") as state:
        ops.set_items_done(state, "DE", ["c2"], True, "ana")
    return db


def _backdate(db, hours: int) -> None:
    """Give the only history entry so far an earlier time (the memory backend keeps what it is given)."""
    entries = db.backend._entries
    entries[-1] = {**entries[-1], "at": (NOW - timedelta(hours=hours)).isoformat()}


def test_the_digest_since_a_day(db):
    state = db.load()
    found = digest.digest(state, digest.since_instant("1d", NOW), reference=NOW)
    # NL: on track then (launch day 60, last item day 40), off track now (launch day 30 < day 40).
    # DE: off track then and now (the critical item is still overdue), so unchanged.
    assert [(c.code, c.before, c.after) for c in found.changed] == [("NL", "on track", "off track")]
    assert [h.code for h in found.off_track] == ["NL", "DE"]  # worst first, then the sooner launch
    assert found.at_risk == ()
    assert found.overdue_critical == (("legal", (digest.OverdueItem("c3", "DE", "Contract *signed*", 2),)),)
    assert [(e.kind, e.id) for e in found.upcoming] == [("promo-start", "p1"), ("promo-end", "p1")]
    assert [(a.id, a.user) for a in found.activity] == [(3, "ana"), (2, "ben")]
    assert found.by_user == (("ana", 1), ("ben", 1)) and found.activity_total == 2


def test_since_before_everything_sees_regions_that_did_not_exist(db):
    state = db.load()
    found = digest.digest(state, NOW - timedelta(days=3), reference=NOW)
    assert {(c.code, c.before) for c in found.changed} == {("NL", None), ("DE", None)}
    assert found.activity_total == 3


def test_a_removed_region_is_a_change_too(db):
    with db.transaction("ana", "region remove NL --yes") as state:
        ops.remove_region(state, "NL")
    found = digest.digest(db.load(), NOW - timedelta(hours=2), reference=NOW)
    assert ("NL", "on track", None) in [(c.code, c.before, c.after) for c in found.changed]
    assert "NL Region NL: removed (was on track)" in digest.render_text(found)


def test_state_as_of_undoes_only_what_came_after(db):
    state = db.load()
    then = digest.state_as_of(state, NOW - timedelta(hours=1))
    assert then.regions["NL"]["launch"] == state.history[0]["changes"][0]["after"]["launch"]
    assert then.items["c2"]["status"] == "open"
    assert state.items["c2"]["status"] == "done"  # the current state is left as it was
    assert digest.state_as_of(state, NOW + timedelta(hours=1)).data() == state.data()


@pytest.mark.parametrize(
    ("text", "hours"),
    [("24h", 24), ("1d", 24), ("2w", 336), ("2026-11-23T09:00:00+00:00", 24), ("2026-11-23T10:00+01:00", 24)],
)
def test_since_values(text, hours):
    assert digest.since_instant(text, NOW) == NOW - timedelta(hours=hours)


@pytest.mark.parametrize("text", ["yesterday", "2026-11-23", "2027-01-01T00:00:00+00:00", "3 days"])
def test_bad_since_values_are_refused(text):
    with pytest.raises(InvalidValue):
        digest.since_instant(text, NOW)


def test_markdown_escapes_what_people_typed(db):
    found = digest.digest(db.load(), NOW - timedelta(days=1), reference=NOW)
    text = digest.render_markdown(found)
    html = MarkdownIt().render(text)
    assert "<em>" not in html and "*signed*" in html
    assert text.startswith("# Rollout digest, 2026-11-24 09:00 UTC")
    for heading in ("Health changes", "Off track (2)", "Overdue critical items", "What changed (2 changes)"):
        assert f"<h2>{heading}</h2>" in html


def test_json_form(db):
    data = digest.digest_json(digest.digest(db.load(), NOW - timedelta(days=1), reference=NOW))
    assert data["health_changes"] == [
        {
            "code": "NL",
            "name": "Region NL",
            "before": "on track",
            "after": "off track",
            "reasons": data["off_track"][0]["reasons"],
        }
    ]
    assert data["off_track"][0]["forecast"] == day(40)
    assert data["changes"]["by_user"] == {"ana": 1, "ben": 1}
    assert data["overdue_critical"][0]["items"][0] == {
        "id": "c3",
        "region": "DE",
        "title": "Contract *signed*",
        "days_overdue": 2,
    }
    assert data["since"] == "2026-11-23T09:00:00+00:00"


def test_health_then_is_judged_at_since_not_now():
    # No record changed since: NL's critical item fell due in between (its due instant is after
    # `since` and before now). Then it was not late; now it is. Judged at now, "then" would
    # already be off track and the change would go unseen.
    db = database()
    with db.transaction("ana", "setup") as state:
        region(state, "NL", launch=day(60), owner="ana")
        item(state, "NL", "Contract signed", due=times.to_iso(NOW - timedelta(hours=2)), critical=True)
    _backdate(db, hours=30)
    found = digest.digest(db.load(), NOW - timedelta(hours=24), reference=NOW)
    assert [(c.code, c.before, c.after) for c in found.changed] == [("NL", "on track", "off track")]
    assert found.activity_total == 0
