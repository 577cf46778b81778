"""The jobs a newcomer could not do from the CLI: hand over an owner's work, filter history,
digest by selectors, one rule for reversed windows."""

from __future__ import annotations

import json

import pytest
from databases import stored

from rollout.db import Database

BACKENDS = ("file", "postgres")  # every test taking db_path runs on both (tests/conftest.py)


def _owners(db_path, table: str) -> dict[str, str]:
    state = Database(db_path).load()
    return {key: record["owner"] for key, record in state.tables[table].items()}


# -- hand-over ---------------------------------------------------------------------------------------
def test_handover_moves_open_items_and_regions_as_one_undoable_change(rollout, db_path) -> None:
    before_items, before_regions = _owners(db_path, "items"), _owners(db_path, "regions")
    state = Database(db_path).load()
    open_of = {i["id"] for i in state.items.values() if i["owner"] == "payments" and i["status"] != "done"}
    done_of = {i["id"] for i in state.items.values() if i["owner"] == "payments" and i["status"] == "done"}
    assert open_of and done_of
    rollout("region", "set", "PL", "--owner", "Payments")  # another spelling of the same person
    result = rollout("handover", " PAYMENTS ", "nadia", "--json")
    assert result.exit_code == 0, result.stderr
    envelope = json.loads(result.stdout)
    assert {i["id"] for i in envelope["changed"]["checklist"]} == open_of
    assert [r["code"] for r in envelope["changed"]["regions"]] == ["PL"]
    items = _owners(db_path, "items")
    assert all(items[i] == "nadia" for i in open_of)
    assert all(items[i] == "payments" for i in done_of)  # done work keeps who did it
    history = json.loads(rollout("history", "--json", "--limit", "1").stdout)
    assert history[0]["command"].startswith("handover") and history[0]["id"] == envelope["history"]
    assert rollout("undo").exit_code == 0
    assert _owners(db_path, "items") == before_items
    assert _owners(db_path, "regions")["PL"] == "Payments" and before_regions["PL"] != "Payments"


def test_handover_by_region_and_dry_run(rollout, db_path) -> None:
    before = stored(db_path)
    dry = rollout("handover", "payments", "nadia", "PL", "--dry-run")
    assert dry.exit_code == 0 and "Would hand over" in dry.stdout and "c337" in dry.stdout
    assert "CA" not in dry.stdout.split(":", 1)[1].replace("CAN", "")
    assert stored(db_path) == before
    assert rollout("handover", "payments", "nadia", "PL").exit_code == 0
    items = Database(db_path).load().items
    assert all(i["owner"] == "payments" for i in items.values() if i["region"] == "CA" and i["owner"] == "payments")
    assert not [i for i in items.values() if i["region"] == "PL" and i["owner"] == "payments" and i["status"] != "done"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("payments", "PAYMENTS"), "same person"),
        (("payments", " "), "two names"),
        (("payments", "nadia", "QQ"), "QQ"),
    ],
)
def test_handover_refusals_change_nothing(rollout, db_path, args, message) -> None:
    before = stored(db_path)
    result = rollout("handover", *args)
    assert result.exit_code == 1 and message in result.stderr and result.stderr.count("\n") == 1
    assert stored(db_path) == before


def test_check_list_selects_items_by_their_owner(rollout) -> None:
    rows = json.loads(rollout("check", "list", "--owner", " Payments ", "--open", "--json").stdout)
    assert rows and {r["owner"] for r in rows} == {"payments"} and all(r["status"] != "done" for r in rows)


# -- history filters ---------------------------------------------------------------------------------
@pytest.fixture
def seeded_history(rollout):
    assert rollout("--user", "ana", "region", "set", "DE", "--wave", "2", "--owner", "ana").exit_code == 0
    assert rollout("--user", "ops", "check", "edit", "PL", "c337", "--owner", "jonas").exit_code == 0
    assert rollout("--user", "ana", "undo").exit_code == 0
    return rollout


def _ids(result) -> list[int]:
    assert result.exit_code == 0, result.stderr
    return [e["id"] for e in json.loads(result.stdout)]


def test_history_filters_as_the_tui(seeded_history) -> None:
    rollout = seeded_history
    assert _ids(rollout("history", "--user", "ops", "--json")) == [2]
    assert _ids(rollout("--user", "ana", "history", "--user", "me", "--json")) == [3, 1]
    assert _ids(rollout("history", "--command", "check edit", "--json")) == [2]
    assert _ids(rollout("history", "PL", "--json")) == [2]
    assert _ids(rollout("history", "--day", "today", "--json")) == [3, 2, 1]
    assert _ids(rollout("history", "--day", "yesterday", "--json")) == []
    assert _ids(rollout("history", "--until", "2000-01-01", "--json")) == []
    assert _ids(rollout("history", "--since", "2000-01-01", "--user", "ana", "--json")) == [3, 1]


def test_history_text_says_fields_and_undone_by(seeded_history) -> None:
    text = seeded_history("history").stdout
    line = next(row for row in text.splitlines() if row.startswith("#1 "))
    assert "undone by #3 (ana)" in line and "DE: " in line and "wave" in line and "owner" in line
    assert "c337: owner" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--day", "2026-13-01"), "day="),
        (("--day", "today", "--since", "2026-01-01"), "not both"),
        (("--since", "2026-11-25", "--until", "2026-11-24"), "ends (2026-11-24"),
        (("--since", "٢٠٢٦-01-01"), "invalid date"),
        (("--user", " "), "--user needs a value"),
    ],
)
def test_history_filter_errors(rollout, args, message) -> None:
    result = rollout("history", *args)
    assert result.exit_code == 1 and message in result.stderr and result.stderr.count("\n") == 1


# -- reversed windows: one rule ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("promo", "list", "--from", "2027-02-02", "--to", "2027-02-01"),
        ("promo", "list", "wave=5", "--from", "2027-02-02T10:00", "--to", "2027-02-02T09:00"),
        ("timeline", "--from", "2027-02-02", "--to", "2027-02-01"),
        ("history", "--since", "2027-02-02", "--until", "2027-02-01"),
    ],
)
def test_a_window_ending_before_it_starts_is_refused_everywhere(rollout, args) -> None:
    result = rollout(*args)
    assert result.exit_code == 1 and "before it starts" in result.stderr, result.stderr
    assert result.stdout == ""


# -- digest takes selectors like the other cockpit commands ------------------------------------------
def test_digest_takes_selectors(rollout, db_path) -> None:
    rollout("region", "set", "GB", "--owner", "someone")
    everything = json.loads(rollout("digest", "--json").stdout)
    assert {e["region"] for e in everything["upcoming"]} - {"PL"}  # other regions have launches or promotions
    state = Database(db_path).load()
    wave5 = {code for code, r in state.regions.items() if r["wave"] == 5}
    chosen = json.loads(rollout("digest", "wave=5", "--json").stdout)
    listed = {e["region"] for e in chosen["upcoming"]} | {r["code"] for r in chosen["off_track"] + chosen["at_risk"]}
    assert listed <= wave5
    assert chosen["changes"]["total"] == 0 < everything["changes"]["total"]  # GB is not of wave 5
    assert rollout("digest", "GB", "--json").exit_code == 0
    refused = rollout("digest", "QQ")
    assert refused.exit_code == 1 and "QQ" in refused.stderr


# -- a zone or currency not of the region's country: warned, not refused ------------------------------
@pytest.mark.parametrize(
    ("args", "warned"),
    [
        (("region", "add", "SE", "--name", "Sweden", "--tz", "Asia/Seoul", "--currency", "JPY"), ["Asia/Seoul", "JPY"]),
        (("region", "add", "SE", "--name", "Sweden", "--tz", "Europe/Stockholm", "--currency", "EUR"), ["EUR"]),
        (("region", "add", "KR", "--name", "Korea", "--tz", "Asia/Tokyo", "--currency", "KRW"), ["Asia/Tokyo"]),
        (("region", "set", "DE", "--tz", "America/New_York"), ["America/New_York"]),
        (("region", "set", "DE", "--currency", "CHF"), ["CHF"]),
        (("region", "add", "SE", "--name", "Sweden", "--tz", "Europe/Stockholm", "--currency", "SEK"), []),
        (("region", "add", "US-CA", "--name", "California", "--tz", "America/Los_Angeles", "--currency", "USD"), []),
        (("region", "add", "NO", "--name", "Norway", "--tz", "UTC", "--currency", "NOK"), []),  # UTC: not judged
        (("region", "set", "DE", "--owner", "someone"), []),  # fields not set are not judged
    ],
)
def test_zone_or_currency_of_another_country_is_warned(rollout, args, warned) -> None:
    text = rollout(*args)
    assert text.exit_code == 0, text.stderr
    warnings = [line for line in text.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == len(warned) and all(w in line for w, line in zip(warned, warnings, strict=True))
    assert rollout("undo").exit_code == 0
    envelope = json.loads(rollout(*args, "--json").stdout)
    assert len(envelope["warnings"]) == len(warned)


def test_handover_in_a_batch_is_part_of_its_one_change(rollout, db_path) -> None:
    result = rollout("batch", "-", input="handover payments nadia PL\ncheck add PL 'Carrier SLA signed'\n")
    assert result.exit_code == 0, result.stderr
    entries = json.loads(rollout("history", "--json").stdout)
    assert len(entries) == 1 and entries[0]["command"].startswith("batch")
    assert {c["key"] for c in entries[0]["changes"]} >= {"c337", "c348"}
    dry = rollout("batch", "-", input="handover payments nadia PL --dry-run\n")
    assert dry.exit_code == 1 and "--dry-run is for the whole batch" in dry.stderr


def test_history_text_names_the_same_fields_from_headers_of_before_they_named_them(rollout, db_path) -> None:
    """A header names the edited records' fields (rollout.backends.base.header_of); headers stored
    before it did are read from their entries' changes: the same text either way."""
    assert rollout("--user", "ana", "region", "set", "DE", "FR", "IT", "NL", "--wave", "7").exit_code == 0
    assert rollout("--user", "ana", "check", "edit", "PL", "c337", "--owner", "jonas").exit_code == 0
    now = rollout("history").stdout
    assert "+1 more" in now and "c337: owner" in now
    if isinstance(db_path, str):  # PostgreSQL keeps headers in its history table
        import psycopg

        with psycopg.connect(db_path) as conn:
            conn.execute("UPDATE rollout_history SET header = (header::jsonb - 'edited')::json")
    else:
        index = db_path.with_name(db_path.name + ".history") / "index.jsonl"
        headers = [json.loads(line) for line in index.read_text().splitlines()]
        assert all("edited" in h for h in headers)
        index.write_text("".join(json.dumps({k: v for k, v in h.items() if k != "edited"}) + "\n" for h in headers))
    assert rollout("history").stdout == now
