"""Undo and redo between several users: which change each takes, the chains, and the refusals.

The rules are rollout.undo's module doc (and the manual's "Undo and redo", docs/guide/undo.md); every test here reads
them through the core operations, on the bundled dataset in a real database file.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from backend_params import backend_kinds, database_on
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout import ops
from rollout.backends.memory import MemoryBackend
from rollout.db import Database, changed_fields
from rollout.errors import NotFound, Refused, StaleEdit
from rollout.state import State, empty_document
from rollout.undo import Timeline, kind_of

BACKENDS = ("file", "postgres")  # every test taking a database runs on both (tests/conftest.py)


@pytest.fixture(params=backend_kinds())
def db(db_path: Path, request: pytest.FixtureRequest) -> Database:
    """The seeded database on each backend (ROLLOUT_TEST_BACKEND=file or postgres runs only that one)."""
    return database_on(request.param, db_path, request)


def act(db: Database, user: str, command: str, change: Callable[[State], Any]) -> dict[str, Any]:
    """Run one change as `user`; the history entry it wrote."""
    with db.transaction(user, command) as state:
        change(state)
    entry = state.commit.entry  # type: ignore[attr-defined]
    assert entry is not None, f"{command} wrote nothing"
    return entry


def undo(db: Database, user: str, entry: int | None = None) -> dict[str, Any]:
    """`user` undoes (their latest, or entry #entry); the undo entry written."""
    return act(db, user, "undo", lambda state: ops.undo(state, user, entry=entry))


def redo(db: Database, user: str, entry: int | None = None) -> dict[str, Any]:
    return act(db, user, "redo", lambda state: ops.redo(state, user, entry=entry))


def owner(db: Database, user: str, code: str, value: str) -> dict[str, Any]:
    return act(db, user, f"region set {code} --owner {value}", lambda s: ops.set_regions(s, [code], owner=value))


def wave(db: Database, user: str, code: str, value: int) -> dict[str, Any]:
    return act(db, user, f"region set {code} --wave {value}", lambda s: ops.set_regions(s, [code], wave=value))


def region(db: Database, code: str) -> dict[str, Any]:
    return db.load().regions[code]


# -- the case ---------------------------------------------------------------------------
def test_undo_takes_my_own_latest_change_not_a_colleagues_newer_one(db: Database) -> None:
    tick = act(db, "lead", "tui: check done PL c337", lambda s: ops.set_items_done(s, "PL", ["c337"], True, "lead"))
    due_before = db.load().items["c339"]["due"]
    edit = act(
        db, "ops", "check edit PL c339 --due 2027-02-01", lambda s: ops.edit_item(s, "PL", "c339", due="2027-02-01")
    )
    undone = undo(db, "lead")
    assert undone["undoes"] == tick["id"]
    state = db.load()
    assert state.items["c337"]["status"] == "open"
    assert state.items["c339"]["due"] != due_before and state.items["c339"]["due"].startswith("2027-02-01")
    assert not Timeline(state.history).undone(edit["id"])


# -- which change undo and redo take --------------------------------------------------------------
def test_undo_goes_back_through_my_changes_only_and_then_says_none_is_left(db: Database) -> None:
    first = owner(db, "lead", "DE", "lea")
    theirs = owner(db, "ops", "FR", "oli")
    second = wave(db, "lead", "DE", 9)
    assert undo(db, "lead")["undoes"] == second["id"]
    assert undo(db, "lead")["undoes"] == first["id"]
    with pytest.raises(NotFound, match=r"nothing to undo: no change by lead is in effect$"):
        undo(db, "lead")
    assert region(db, "FR")["owner"] == "oli"
    assert undo(db, "ops")["undoes"] == theirs["id"]


def test_redo_brings_back_undone_changes_newest_undo_first_then_stops(db: Database) -> None:
    original = db.load().data()
    a = owner(db, "lead", "DE", "lea")
    b = wave(db, "lead", "DE", 9)
    after_both = db.load().data()
    undo(db, "lead")
    undo(db, "lead")
    assert db.load().data() == original
    assert redo(db, "lead")["redoes"] == a["id"]
    assert redo(db, "lead")["redoes"] == b["id"]
    assert db.load().data() == after_both
    with pytest.raises(NotFound, match="^nothing to redo$"):  # the changes before the undos do not end it
        redo(db, "lead")


def test_undo_after_a_redo_takes_the_redone_change_again(db: Database) -> None:
    a = owner(db, "lead", "DE", "lea")
    b = wave(db, "lead", "DE", 9)
    undo(db, "lead")
    redo(db, "lead")
    assert undo(db, "lead")["undoes"] == b["id"]
    assert undo(db, "lead")["undoes"] == a["id"]
    kinds = [(kind_of(e), e.get("undoes", e.get("redoes"))) for e in db.load().history]
    assert kinds == [("change", None), ("change", None), ("undo", b["id"]), ("redo", b["id"])] + [
        ("undo", b["id"]),
        ("undo", a["id"]),
    ]


def test_a_change_of_mine_after_an_undo_ends_redo_but_a_colleagues_does_not(db: Database) -> None:
    a = owner(db, "lead", "DE", "lea")
    undo(db, "lead")
    owner(db, "ops", "FR", "oli")  # someone else's change: my redo still goes on
    assert redo(db, "lead")["redoes"] == a["id"]
    undo(db, "lead")
    mine = wave(db, "lead", "IT", 7)
    with pytest.raises(
        NotFound, match=rf"your change #{mine['id']} came after the undo #{mine['id'] - 1} of #{a['id']}$"
    ):
        redo(db, "lead")
    assert redo(db, "lead", entry=a["id"])["redoes"] == a["id"]  # explicitly, it still can
    assert region(db, "DE")["owner"] == "lea"


def test_an_undo_or_redo_entry_stands_for_the_change_it_names(db: Database) -> None:
    a = owner(db, "lead", "DE", "lea")
    u = undo(db, "lead")
    with pytest.raises(Refused, match=rf"#{a['id']} is already undone \(#{u['id']} by lead\); redo re-applies it"):
        undo(db, "lead", entry=u["id"])
    r = redo(db, "ops", entry=u["id"])
    assert r["redoes"] == a["id"] and region(db, "DE")["owner"] == "lea"
    with pytest.raises(Refused, match=rf"#{a['id']} is not undone: there is nothing to redo"):
        redo(db, "lead", entry=r["id"])
    assert undo(db, "lead", entry=r["id"])["undoes"] == a["id"]


def test_explicit_undo_of_someone_elses_change_and_what_each_user_then_takes(db: Database) -> None:
    before = region(db, "FR")["owner"]
    mine = owner(db, "ops", "NL", "nora")
    theirs = owner(db, "ops", "FR", "oli")
    assert undo(db, "lead", entry=theirs["id"])["undoes"] == theirs["id"]
    assert region(db, "FR")["owner"] == before
    # ops's own undo passes over the change lead undid; ops's redo does not take lead's undo.
    with pytest.raises(NotFound, match="nothing to redo"):
        redo(db, "ops")
    assert undo(db, "ops")["undoes"] == mine["id"]
    # lead's redo takes lead's undo back.
    assert redo(db, "lead")["redoes"] == theirs["id"]
    assert region(db, "FR")["owner"] == "oli"


def test_my_redo_of_a_colleagues_change_is_my_latest_action_for_undo(db: Database) -> None:
    theirs = owner(db, "ops", "FR", "oli")
    undo(db, "ops")
    mine = owner(db, "lead", "DE", "lea")
    redo(db, "lead", entry=theirs["id"])
    assert undo(db, "lead")["undoes"] == theirs["id"]  # the redo was lead's newest action
    assert undo(db, "lead")["undoes"] == mine["id"]


def test_entries_that_do_not_exist_or_changed_nothing(db: Database) -> None:
    with pytest.raises(NotFound, match="no history entry #99"):
        undo(db, "lead", entry=99)
    with pytest.raises(NotFound, match="nothing to redo"):
        redo(db, "lead", entry=None)
    with pytest.raises(NotFound, match="nothing to undo"):
        undo(db, "lead")


def test_two_users_interleaving_undo_and_redo(db: Database) -> None:
    start = {code: (r["owner"], r["wave"]) for code, r in db.load().regions.items()}
    l1 = owner(db, "lead", "DE", "lea")
    o1 = owner(db, "ops", "FR", "oli")
    l2 = wave(db, "lead", "DE", 8)
    o2 = wave(db, "ops", "FR", 9)
    steps = [
        (undo, "ops", "undoes", o2),
        (undo, "lead", "undoes", l2),
        (undo, "ops", "undoes", o1),
        (redo, "lead", "redoes", l2),
        (redo, "ops", "redoes", o1),
        (undo, "lead", "undoes", l2),
        (undo, "lead", "undoes", l1),
        (undo, "ops", "undoes", o1),
        (redo, "ops", "redoes", o1),
        (redo, "ops", "redoes", o2),
        (redo, "lead", "redoes", l1),
    ]
    for run, user, key, expected in steps:
        assert run(db, user)[key] == expected["id"], (run.__name__, user, expected["command"])
    state = db.load()
    assert (state.regions["DE"]["owner"], state.regions["DE"]["wave"]) == ("lea", start["DE"][1])
    assert (state.regions["FR"]["owner"], state.regions["FR"]["wave"]) == ("oli", 9)
    timeline = Timeline(state.history)
    assert [timeline.undone(e["id"]) for e in (l1, o1, l2, o2)] == [False, False, True, False]


# -- applying field by field, and the refusals ----------------------------------------------------
def test_undo_keeps_a_colleagues_newer_change_to_another_field_of_the_same_record(db: Database) -> None:
    was = region(db, "DE")["owner"]
    mine = owner(db, "lead", "DE", "lea")
    wave(db, "ops", "DE", 9)
    written = undo(db, "lead")
    assert written["undoes"] == mine["id"]
    assert (region(db, "DE")["owner"], region(db, "DE")["wave"]) == (was, 9)
    (change,) = written["changes"]
    assert {k for k in change["after"] if change["after"][k] != change["before"][k]} == {"owner"}


def test_undo_that_would_overwrite_a_newer_change_is_refused_naming_it(db: Database) -> None:
    mine = owner(db, "lead", "DE", "lea")
    theirs = owner(db, "ops", "DE", "oli")
    raw = db.path.read_bytes() if db.path else None  # a file: byte for byte; any backend: its token
    token = db.token()
    with pytest.raises(
        StaleEdit,
        match=rf"cannot undo #{mine['id']}: region DE owner changed by ops \(#{theirs['id']}\) since; "
        rf"undoing #{mine['id']} would overwrite it",
    ):
        undo(db, "lead")
    assert (db.path.read_bytes() if db.path else None) == raw and db.token() == token


def test_my_own_newer_change_to_the_field_is_named_too(db: Database) -> None:
    first = owner(db, "lead", "DE", "lea")
    second = owner(db, "lead", "DE", "lena")
    with pytest.raises(StaleEdit, match=rf"region DE owner changed by lead \(#{second['id']}\)"):
        undo(db, "lead", entry=first["id"])


def test_redo_that_would_overwrite_a_newer_change_is_refused_naming_it(db: Database) -> None:
    mine = owner(db, "lead", "DE", "lea")
    undo(db, "lead")
    theirs = owner(db, "ops", "DE", "oli")
    with pytest.raises(
        StaleEdit, match=rf"cannot redo #{mine['id']}: region DE owner changed by ops \(#{theirs['id']}\)"
    ):
        redo(db, "lead")
    assert region(db, "DE")["owner"] == "oli"


def test_a_field_someone_already_set_back_is_left_and_the_undo_still_recorded(db: Database) -> None:
    was = region(db, "DE")["owner"]
    mine = owner(db, "lead", "DE", "lea")
    owner(db, "ops", "DE", was)
    written = undo(db, "lead")
    assert written["undoes"] == mine["id"] and written["changes"] == []
    assert Timeline(db.load().history).undone(mine["id"])
    assert redo(db, "lead")["redoes"] == mine["id"]
    assert region(db, "DE")["owner"] == "lea"


def test_undo_of_an_edit_to_a_record_removed_since_is_refused(db: Database) -> None:
    mine = act(db, "lead", "check edit", lambda s: ops.edit_item(s, "PL", "c337", title="Renamed"))
    gone = act(db, "ops", "check remove PL c337", lambda s: ops.remove_items(s, "PL", ["c337"]))
    with pytest.raises(
        StaleEdit, match=rf"cannot undo #{mine['id']}: checklist item c337 was removed by ops \(#{gone['id']}\)"
    ):
        undo(db, "lead")


def test_undo_of_an_addition_someone_has_edited_since_is_refused(db: Database) -> None:
    added = act(db, "lead", "check add PL x", lambda s: ops.add_items(s, ["PL"], "Carrier SLA signed"))
    key = added["changes"][0]["key"]
    edited = act(db, "ops", "check edit", lambda s: ops.edit_item(s, "PL", key, due="2027-02-20"))
    with pytest.raises(StaleEdit, match=rf"checklist item {key} due, due_all_day changed by ops \(#{edited['id']}\)"):
        undo(db, "lead")
    assert key in db.load().items


def test_undo_of_a_new_region_that_others_have_filled_is_refused(db: Database) -> None:
    added = act(
        db,
        "lead",
        "region add XK",
        lambda s: ops.add_region(s, "SE", name="Sweden", timezone="Europe/Stockholm", currency="SEK"),
    )
    item = act(db, "ops", "check add SE x", lambda s: ops.add_items(s, ["SE"], "Payment provider live"))
    key = item["changes"][0]["key"]
    with pytest.raises(
        StaleEdit,
        match=rf"cannot undo #{added['id']}: region SE has checklist item {key}, added by ops \(#{item['id']}\)",
    ):
        undo(db, "lead")
    assert "SE" in db.load().regions


def test_undo_of_a_removal_whose_key_was_taken_again_is_refused(db: Database) -> None:
    gone = act(db, "lead", "region remove AU", lambda s: ops.remove_region(s, "AU"))
    again = act(
        db,
        "ops",
        "region add AU",
        lambda s: ops.add_region(s, "AU", name="Australia", timezone="Australia/Sydney", currency="AUD"),
    )
    with pytest.raises(StaleEdit, match=rf"cannot undo #{gone['id']}: region AU was added by ops \(#{again['id']}\)"):
        undo(db, "lead")


def test_undo_and_redo_of_a_region_removal_bring_back_and_take_away_everything(db: Database) -> None:
    before = db.load().data()
    gone = act(db, "lead", "region remove AU", lambda s: ops.remove_region(s, "AU"))
    after = db.load().data()
    undo(db, "lead")
    assert db.load().data() == before
    assert redo(db, "lead")["redoes"] == gone["id"]
    assert db.load().data() == after


def test_a_stale_view_still_refuses_an_undo_of_a_field_changed_since_it_was_loaded(db: Database) -> None:
    mine = owner(db, "lead", "DE", "lea")
    view = db.load()
    wave(db, "ops", "DE", 9)  # another field: the undo goes through from the old view
    with db.transaction("lead", "undo", base_revision=view.revision) as state:
        assert ops.undo(state, "lead")["id"] == mine["id"]
    assert region(db, "DE")["wave"] == 9


# -- every sequence: an independent model of the rules ------------------------------------------
FIELDS = {"owner": ("a", "b", "c"), "wave": (1, 2, 3)}
USERS = ("lead", "ops")
set_action = st.tuples(
    st.just("set"),
    st.sampled_from(USERS),
    st.sampled_from(("DE", "DE", "FR")),
    st.sampled_from(("owner", "owner", "wave")),
    st.integers(0, 2),
)
plain = st.tuples(st.sampled_from(("undo", "undo", "redo")), st.sampled_from(USERS))
explicit = st.tuples(st.sampled_from(("undo entry", "redo entry")), st.sampled_from(USERS), st.integers(0, 40))
action = st.one_of(set_action, set_action, plain, plain, explicit)


class Model:
    """The rules restated over the whole history at once (not walked newest first): what undo,
    redo and an explicit entry should take, and whether applying it must be refused."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def latest(self, change_id: int) -> dict[str, Any] | None:
        actions = [e for e in self.entries if e.get("undoes", e.get("redoes")) == change_id]
        return actions[-1] if actions else None

    def in_effect(self, change_id: int) -> bool:
        latest = self.latest(change_id)
        return latest is None or "redoes" in latest

    def undo_pick(self, user: str) -> int | None:
        """The change that `user` most recently put in effect (a change of theirs, or a redo) with
        that still holding: the change in effect, and for a redo, no undo or redo of it since."""
        best = None
        for e in self.entries:
            if e["user"] != user or "undoes" in e:
                continue
            if "redoes" in e:
                best = e["redoes"] if self.latest(e["redoes"]) is e else best
            elif e["changes"] and self.in_effect(e["id"]):
                best = e["id"]
        return best

    def redo_pick(self, user: str) -> int | None:
        holding = [e for e in self.entries if e["user"] == user and "undoes" in e and self.latest(e["undoes"]) is e]
        if not holding:
            return None
        newest = holding[-1]
        own_after = [e for e in self.entries if e["user"] == user and e["id"] > newest["id"] and kind_of(e) == "change"]
        return None if own_after else newest["undoes"]

    def change_named(self, entry_id: int) -> dict[str, Any]:
        named = next(e for e in self.entries if e["id"] == entry_id)
        target = named.get("undoes", named.get("redoes"))
        return named if target is None else next(e for e in self.entries if e["id"] == target)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=1, max_size=40))
def test_every_sequence_of_changes_undos_and_redos_follows_the_rules(steps: list[tuple[Any, ...]]) -> None:
    seed = State(empty_document())
    for code, zone in (("DE", "Europe/Berlin"), ("FR", "Europe/Paris")):
        ops.add_region(seed, code, name=code, timezone=zone, currency="EUR", owner="a", wave=1)
    db = Database(backend=MemoryBackend(seed.document()))
    model = Model()
    outcomes: dict[tuple[str, bool], int] = {}
    for step in steps:
        kind, user = step[0], step[1]
        before = db.load().data()["regions"]
        if kind == "set":
            run = partial(_set, code=step[2], field=step[3], value=FIELDS[step[3]][step[4]])
            expected = None
        else:
            direction = kind.split()[0]
            operation = ops.undo if direction == "undo" else ops.redo
            if kind.endswith("entry"):
                if not model.entries:
                    continue
                named = model.entries[step[2] % len(model.entries)]["id"]
                change = model.change_named(named)
                expected = change["id"] if model.in_effect(change["id"]) == (direction == "undo") else None
                run = partial(operation, user=user, entry=named)
            else:
                expected = model.undo_pick(user) if direction == "undo" else model.redo_pick(user)
                run = partial(operation, user=user)
            outcomes[(kind, expected is not None)] = outcomes.get((kind, expected is not None), 0) + 1
        try:
            with db.transaction(user, kind) as state:
                result = run(state)
        except (NotFound, Refused) as error:
            assert db.load().data()["regions"] == before
            if kind == "set":
                raise
            if expected is not None:
                change = next(e for e in model.entries if e["id"] == expected)
                assert isinstance(error, StaleEdit), (step, error)
                assert _conflicts(change, before, direction), (step, error)
            continue
        written = state.commit.entry  # type: ignore[attr-defined]
        if kind == "set":
            if written is not None:
                model.entries.append(written)
            continue
        assert result["id"] == expected, (step, result["id"], expected)
        assert not _conflicts(result, before, direction)
        after = db.load().data()["regions"]
        touched = {(c["key"], f) for c in result["changes"] for f in changed_fields(c["before"], c["after"])}
        for code in before:
            for field in before[code]:
                if (code, field) in touched:
                    side = "before" if direction == "undo" else "after"
                    wanted = next(c[side][field] for c in result["changes"] if c["key"] == code)
                    assert after[code][field] == wanted
                else:
                    assert after[code][field] == before[code][field], (step, code, field)
        model.entries.append(written)
    timeline = Timeline(db.load().history)
    for entry in model.entries:
        if kind_of(entry) == "change":
            assert timeline.undone(entry["id"]) == (not model.in_effect(entry["id"]))


def _set(state: State, code: str, field: str, value: Any) -> Any:
    return ops.set_regions(state, [code], **{field: value})


def _conflicts(change: dict[str, Any], regions: dict[str, Any], direction: str) -> bool:
    """Whether some field the change changed now holds neither its value before nor after."""
    for record_change in change["changes"]:
        current = regions[record_change["key"]]
        for field in changed_fields(record_change["before"], record_change["after"]):
            if current[field] not in (record_change["before"][field], record_change["after"][field]):
                return True
    return False


def test_undo_of_a_new_region_that_others_gave_a_promotion_is_refused(db: Database) -> None:
    added = act(
        db,
        "lead",
        "region add SE",
        lambda s: ops.add_region(s, "SE", name="Sweden", timezone="Europe/Stockholm", currency="SEK"),
    )
    promo = act(
        db,
        "ops",
        "promo add SE",
        lambda s: ops.add_promotions(s, ["SE"], "Launch week", start="2027-03-01", end="2027-03-08"),
    )
    key = promo["changes"][0]["key"]
    with pytest.raises(StaleEdit) as refused:
        undo(db, "lead")
    assert str(refused.value) == (
        f"cannot undo #{added['id']}: region SE has promotion {key}, added by ops (#{promo['id']}) since; "
        f"undoing #{added['id']} would remove the region without it"
    )
    assert "SE" in db.load().regions and key in db.load().promotions


def test_a_record_left_in_a_region_that_no_change_since_added_is_named_without_a_culprit() -> None:
    """A record history does not show being added after the change (one put back by a whole-database
    restore, which changes no record in history) still stops the region's removal."""
    from rollout import undo as undo_rules

    state = State(empty_document())
    region = ops.add_region(state, "SE", name="Sweden", timezone="Europe/Stockholm", currency="SEK")
    (item,) = ops.add_items(state, ["SE"], "Payment provider live")
    change = {"id": 1, "changes": [{"table": "regions", "key": "SE", "before": None, "after": region}]}
    with pytest.raises(StaleEdit) as refused:
        undo_rules.apply(state, change, "undo")
    assert str(refused.value) == (
        f"cannot undo #1: region SE has checklist item {item['id']} since; undoing #1 would remove the region without it"
    )


def test_a_refusal_names_the_newest_change_of_that_field_not_of_the_record(db: Database) -> None:
    """lead's due change is overwritten by ops (in one command with another item), then kim edits
    another item's due and ben the same item's title: the refusal names ops, who changed the field."""
    mine = act(db, "lead", "check edit", lambda s: ops.edit_item(s, "PL", "c339", due="2027-02-01"))

    def both(state: State) -> None:
        ops.edit_item(state, "PL", "c338", due="2027-02-02")
        ops.edit_item(state, "PL", "c339", due="2027-02-03")

    theirs = act(db, "ops", "batch", both)
    act(db, "ben", "check edit", lambda s: ops.edit_item(s, "PL", "c339", title="Cohort onboarded"))
    act(db, "kim", "check edit", lambda s: ops.edit_item(s, "PL", "c340", due="2027-02-04"))
    with pytest.raises(StaleEdit) as refused:
        undo(db, "lead")
    assert str(refused.value) == (
        f"cannot undo #{mine['id']}: checklist item c339 due changed by ops (#{theirs['id']}) since; "
        f"undoing #{mine['id']} would overwrite it"
    )


def test_a_record_added_again_under_its_key_is_named_as_the_change_of_its_fields(db: Database) -> None:
    mine = owner(db, "lead", "AU", "amara")
    act(db, "ops", "region remove AU", lambda s: ops.remove_region(s, "AU"))
    again = act(
        db,
        "ops",
        "region add AU",
        lambda s: ops.add_region(s, "AU", name="Australia", timezone="Australia/Sydney", currency="AUD", owner="ola"),
    )
    with pytest.raises(StaleEdit) as refused:
        undo(db, "lead")
    assert str(refused.value) == (
        f"cannot undo #{mine['id']}: region AU owner changed by ops (#{again['id']}) since; "
        f"undoing #{mine['id']} would overwrite it"
    )


def test_explicit_entries_deep_in_a_long_history_are_judged_on_all_of_it(db: Database) -> None:
    """History is read a page at a time, newest first: an old change, undone long ago, is still
    known as undone, whether or not a screen's Timeline is passed in."""
    from rollout.undo import named_change

    first = wave(db, "lead", "AU", 7)
    undone = undo(db, "lead")
    for number in range(40):
        owner(db, "ops", "PL", f"owner-{number}")
    with pytest.raises(Refused) as refused:
        undo(db, "ops", entry=first["id"])
    assert str(refused.value) == (f"#{first['id']} is already undone (#{undone['id']} by lead); redo re-applies it")
    history = db.load().history
    assert Timeline(history).undone(first["id"])
    for timeline in (None, Timeline(history)):
        assert named_change(history, first["id"], "redo", timeline)["id"] == first["id"]
        assert named_change(history, undone["id"], "redo", timeline)["id"] == first["id"]
    assert redo(db, "ops", entry=first["id"])["redoes"] == first["id"]


def test_a_field_changed_with_no_change_in_history_since_is_refused_without_a_culprit() -> None:
    from rollout import undo as undo_rules

    state = State(empty_document())
    ops.add_region(state, "SE", name="Sweden", timezone="Europe/Stockholm", currency="SEK", owner="ana")
    before = {**state.regions["SE"], "owner": "ben"}
    after = {**state.regions["SE"], "owner": "cas"}
    change = {"id": 1, "changes": [{"table": "regions", "key": "SE", "before": before, "after": after}]}
    with pytest.raises(StaleEdit) as refused:
        undo_rules.apply(state, change, "undo")
    assert str(refused.value) == "cannot undo #1: region SE owner changed since; undoing #1 would overwrite it"


def test_a_refusal_follows_a_record_that_an_import_moved_to_another_region(db: Database) -> None:
    """An import may move an item to another region: the newest change of its field is then in the
    new region's history, and an older one (the move itself) in the old region's."""
    from rollout import exchange

    mine = act(db, "lead", "check edit", lambda s: ops.edit_item(s, "PL", "c339", due="2027-02-01"))
    moved = exchange.read_rows("items.csv", b"id,region,title,due\nc339,AU,First seller cohort onboarded,2027-02-02\n")
    act(db, "ops", "import", lambda s: exchange.apply_rows(s, moved, "ops"))
    last = act(db, "kim", "check edit", lambda s: ops.edit_item(s, "AU", "c339", due="2027-02-03"))
    with pytest.raises(StaleEdit) as refused:
        undo(db, "lead")
    assert str(refused.value) == (
        f"cannot undo #{mine['id']}: checklist item c339 due changed by kim (#{last['id']}) since; "
        f"undoing #{mine['id']} would overwrite it"
    )


def test_a_refusal_finds_a_change_made_before_a_record_moved_region(db: Database) -> None:
    """ops changed the due in PL, then kim's import moved the item to AU keeping it: the newest
    change of the field is in the old region's history only."""
    from rollout import exchange

    mine = act(db, "lead", "check edit", lambda s: ops.edit_item(s, "PL", "c339", due="2027-02-01"))
    theirs = act(db, "ops", "check edit", lambda s: ops.edit_item(s, "PL", "c339", due="2027-02-02"))
    moved = exchange.read_rows("items.csv", b"id,region\nc339,AU\n")
    act(db, "kim", "import", lambda s: exchange.apply_rows(s, moved, "kim"))
    with pytest.raises(StaleEdit) as refused:
        undo(db, "lead")
    assert str(refused.value) == (
        f"cannot undo #{mine['id']}: checklist item c339 due changed by ops (#{theirs['id']}) since; "
        f"undoing #{mine['id']} would overwrite it"
    )


def test_a_screens_timeline_of_an_older_history_is_not_trusted(db: Database) -> None:
    """A screen keeps a Timeline of the history it loaded; once history has moved on (a newer
    load), named_change reads the new history instead of answering from the old one."""
    from rollout.undo import named_change

    first = wave(db, "lead", "AU", 7)
    old = Timeline(db.load().history)
    assert not old.undone(first["id"]) and old.covers(first["id"])
    undo(db, "lead")
    history = db.load().history
    assert named_change(history, first["id"], "redo", old)["id"] == first["id"]
    with pytest.raises(Refused, match="is already undone"):
        named_change(history, first["id"], "undo", old)


def test_redo_after_new_changes_names_the_oldest_change_after_the_undo(db: Database) -> None:
    from rollout.undo import redo_target

    first = wave(db, "lead", "AU", 7)
    undone = undo(db, "lead")
    blocking = owner(db, "lead", "PL", "ola")
    owner(db, "lead", "PL", "amara")
    with pytest.raises(NotFound) as refused:
        redo(db, "lead")
    assert str(refused.value) == (
        f"nothing to redo: your change #{blocking['id']} came after the undo #{undone['id']} of #{first['id']}"
    )
    with pytest.raises(NotFound) as anyones:
        redo_target(db.load().history, None)
    assert str(anyones.value) == (
        f"nothing to redo: a change #{blocking['id']} came after the undo #{undone['id']} of #{first['id']}"
    )


def test_one_timeline_answers_question_after_question_reading_further_back_each_time(db: Database) -> None:
    first = wave(db, "lead", "AU", 7)
    undo(db, "lead")
    for number in range(40):
        owner(db, "ops", "PL", f"owner-{number}")
    history = db.load().history
    timeline = Timeline(history)
    newest = history.last_id()
    assert not timeline.undone(newest) and not timeline.covers(first["id"])  # one page read
    assert timeline.undone(first["id"]) and timeline.covers(first["id"])
