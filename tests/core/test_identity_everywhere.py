"""One name is one person everywhere owners and users are compared, grouped or filtered
(rollout.identity): owners, the agenda, the owner= selector, history filters, undo's "your own
change", the digest. A blank owner is unassigned work, not a person."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from crafted import NOW, day, fresh, item, region

from rollout import agenda, digest, ops, queries
from rollout.backends.base import HistoryQuery
from rollout.backends.memory import MemoryBackend
from rollout.db import Database
from rollout.state import empty_document

SPELLINGS = ("Amara", "amara", "Amara", " AMARA ")
CODES = ("NL", "DE", "FR", "IT")


@pytest.fixture
def state():
    """NL owned by amara, DE by 'Amara '; four open items of Amara's in four spellings, three
    unassigned, two of ben's."""
    state = fresh()
    region(state, "NL", launch=day(30), owner="amara")
    region(state, "DE", tz="Europe/Berlin", launch=day(40), owner="Amara ")
    for n, owner in enumerate(SPELLINGS):
        item(state, "NL" if n % 2 else "DE", f"Task {n}", due=day(n + 1), owner=owner)
    for n in range(3):
        ops.edit_item(state, None, item(state, "NL", f"Nobody's {n}", due=day(2))["id"], owner="")
    item(state, "DE", "Ben's", due=day(-1), owner="ben")
    item(state, "DE", "Ben's too", owner="ben")
    return state


def test_owners_lists_one_person_once_in_the_spelling_most_used(state):
    loads = agenda.owners(state, NOW)
    assert [(w.owner, w.open) for w in loads] == [("Amara", 4), ("ben", 2), ("", 3)]  # unassigned last
    assert loads[0].regions == ("DE", "NL")


def test_the_agenda_of_a_person_is_the_row_owners_shows(state):
    (amara,) = [w for w in agenda.owners(state, NOW) if w.owner == "Amara"]
    for spelling in ("AMARA", "amara", " Amara"):
        entries = agenda.agenda(state, owner=spelling, days=30, reference=NOW, kinds=[agenda.ITEM])
        assert len(entries) == amara.open
        assert [i["id"] for i in agenda.owner_items(state, spelling, NOW)] == [e.id for e in entries]
    launches = agenda.agenda(state, owner="AMARA", days=60, reference=NOW, kinds=[agenda.LAUNCH])
    assert {e.region for e in launches} == {"NL", "DE"}  # both regions are hers


def test_unassigned_work_is_not_a_person(state):
    assert len(agenda.owner_items(state, "", NOW)) == 3
    assert agenda.agenda(state, owner="unassigned", days=30, reference=NOW) == []


def test_the_owner_selector_picks_every_spelling(state):
    assert sorted(queries.select(state, ["owner=AMARA"])) == ["DE", "NL"]
    assert sorted(queries.select(state, ["owner= amara"])) == ["DE", "NL"]


def _file_db(tmp_path: Path) -> Database:
    db = Database(tmp_path / "rollout.json")
    db.create(empty=True, force=False)
    return db


@pytest.mark.parametrize("backend", ["memory", "file"])
def test_history_filters_by_person(tmp_path, backend):
    db = Database(backend=MemoryBackend(empty_document())) if backend == "memory" else _file_db(tmp_path)
    for n, user in enumerate(["amara", "ben", "AMARA", "Amara "]):
        with db.transaction(user, f"region add X{n}") as state:
            ops.add_region(state, CODES[n], name="Q", timezone="UTC", currency="EUR")
    found = db.history().page(HistoryQuery(user="Amara")).entries
    assert [e["user"] for e in found] == ["Amara ", "AMARA", "amara"]


def test_undo_takes_your_own_change_whatever_its_spelling():
    db = Database(backend=MemoryBackend(empty_document()))
    with db.transaction("Amara", "region add NL") as state:
        ops.add_region(state, "NL", name="Netherlands", timezone="Europe/Amsterdam", currency="EUR")
    with db.transaction("ben", "region add DE") as state:
        ops.add_region(state, "DE", name="Germany", timezone="Europe/Berlin", currency="EUR")
    with db.transaction("amara", "undo") as state:
        undone = ops.undo(state, "amara")
    assert undone["command"] == "region add NL"
    assert sorted(db.load().regions) == ["DE"]


def test_the_digest_counts_a_person_once():
    db = Database(backend=MemoryBackend(empty_document()))
    for n, user in enumerate(["amara", "Amara", "ben", "Amara"]):
        with db.transaction(user, "region add") as state:
            ops.add_region(state, CODES[n], name="Q", timezone="UTC", currency="EUR")
    found = digest.digest(db.load(), NOW - timedelta(days=1), reference=NOW)
    assert found.by_user == (("Amara", 3), ("ben", 1))


def test_the_digest_groups_overdue_critical_items_by_person():
    db = Database(backend=MemoryBackend(empty_document()))
    with db.transaction("ana", "setup") as state:
        region(state, "NL", launch=day(30), owner="ana")
        for owner in ("Legal", "legal", "LEGAL", "ops"):
            item(state, "NL", f"Due for {owner}", due=day(-2), critical=True, owner=owner)
    found = digest.digest(db.load(), NOW - timedelta(days=1), reference=NOW)
    assert [(owner, len(items)) for owner, items in found.overdue_critical] == [("LEGAL", 3), ("ops", 1)]
    assert "LEGAL: c1 (NL)" in digest.render_text(found)


def test_an_entry_of_yours_in_another_spelling_is_your_change():
    entry = {"id": 7, "at": "2026-11-24T08:00:00+00:00", "user": "Amara", "command": "check done NL c1", "changes": []}
    assert "your change" in queries.describe_acted("Undid", entry, "amara")
