"""The History screen's filter and pages, without Textual, against a plain list of entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rollout.backends.base import HistoryQuery, MemoryHistory
from rollout.errors import InvalidValue
from rollout.history_view import (
    CLOCK_MARGIN,
    HistoryFeed,
    HistoryFilter,
    field_rows,
    first_id_at,
    parse_filter,
)

START = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
USERS = ("lead", "ops", "amara")


def entry(number: int, at: datetime, command: str | None = None, user: str | None = None) -> dict:
    code = ("DE", "PL", "NL")[number % 3]
    return {
        "id": number,
        "revision": number,
        "at": at.isoformat(),
        "user": user or USERS[number % 3],
        "command": command or f"region set {code} --wave {number % 7}",
        "changes": [
            {"table": "regions", "key": code, "before": {"code": code, "wave": 1}, "after": {"code": code, "wave": 2}}
        ],
    }


def hourly(count: int, every: timedelta = timedelta(hours=1)) -> list[dict]:
    return [entry(n, START + n * every) for n in range(1, count + 1)]


def read_all(feed: HistoryFeed) -> list[int]:
    ids: list[int] = []
    while feed.more:
        ids += [e["id"] for e in feed.next_page()]
    return ids


class CountingHistory(MemoryHistory):
    """A MemoryHistory that counts the headers its pages look at (what a file backend would read)."""

    looked_at = 0

    def page(self, query):  # type: ignore[no-untyped-def]
        found = super().page(query)
        before = query.before_id if query.before_id is not None else self.last_id() + 1
        last = found.entries[-1]["id"] if found.entries and found.next_before is not None else 0
        self.looked_at += len([e for e in self.headers() if last <= e["id"] < before])
        return found


# -- the filter -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", HistoryFilter()),
        ("ops", HistoryFilter(user="ops")),
        ("me", HistoryFilter(user="lead")),
        ("pl", HistoryFilter(region="PL")),
        ("today", HistoryFilter(day=date(2026, 11, 24))),
        ("yesterday PL", HistoryFilter(day=date(2026, 11, 23), region="PL")),
        ("2026-11-02", HistoryFilter(day=date(2026, 11, 2))),
        ("region=nl user=me", HistoryFilter(region="NL", user="lead")),
        ("command='check done' day=today", HistoryFilter(command="check done", day=date(2026, 11, 24))),
        ('command="tui: check"', HistoryFilter(command="tui: check")),
    ],
)
def test_the_filter_reads_words_and_key_value_pairs(typed, expected):
    found = parse_filter(typed, regions={"PL", "NL", "DE"}, me="lead", today=date(2026, 11, 24))
    assert found == expected
    assert parse_filter(str(found), regions={"PL", "NL", "DE"}, me="lead", today=date(2026, 11, 24)) == found


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("colour=red", "no filter 'colour': use region=, user=, command= or day="),
        ("day=2026-02-30", "day=2026-02-30: give a date as YYYY-MM-DD, today or yesterday"),
        ("user=", "user= needs a value"),
    ],
)
def test_a_filter_that_cannot_be_read_says_which_word(typed, message):
    with pytest.raises(InvalidValue, match=message):
        parse_filter(typed, regions={"PL"}, me="lead", today=date(2026, 11, 24))


# -- pages ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "wanted",
    [
        HistoryFilter(),
        HistoryFilter(user="ops"),
        HistoryFilter(region="PL"),
        HistoryFilter(command="check done"),
        HistoryFilter(command="tui: check"),
        HistoryFilter(day=date(2026, 11, 3)),
        HistoryFilter(day=date(2026, 11, 3), user="amara", command="check"),
        HistoryFilter(day=date(2026, 10, 1)),
        HistoryFilter(day=date(2027, 1, 1)),
    ],
    ids=str,
)
@pytest.mark.parametrize("page", [1, 3, 100])
def test_pages_give_what_a_plain_filter_of_the_list_gives_newest_first(wanted, page):
    entries = hourly(150)
    for n in range(0, 150, 4):  # some changes made in the TUI, some at the CLI
        entries[n]["command"] = ("tui: " if n % 8 else "") + f"check done PL c{n}"
    log = MemoryHistory(entries)
    zone = "Europe/Berlin"
    since = until = None
    if wanted.day is not None:
        q = wanted.queries(zone)[0]
        since, until = q.since, q.until

    def matches(e: dict) -> bool:
        command = e["command"].removeprefix("tui: ") if not (wanted.command or "").startswith("tui:") else e["command"]
        at = datetime.fromisoformat(e["at"])
        return (
            (wanted.user is None or e["user"] == wanted.user)
            and (wanted.region is None or wanted.region in {c["key"] for c in e["changes"]})
            and (wanted.command is None or command.startswith(wanted.command))
            and (since is None or since <= at < until)
        )

    expected = [e["id"] for e in reversed(entries) if matches(e)]
    assert read_all(HistoryFeed(log, wanted, zone, page=page)) == expected


def test_a_day_filter_reads_that_day_and_not_the_whole_history():
    short, long = CountingHistory(hourly(24 * 20)), CountingHistory(hourly(24 * 400))
    for log in (short, long):
        found = read_all(HistoryFeed(log, HistoryFilter(day=date(2026, 11, 5)), "UTC", page=50))
        assert len(found) == 24
    assert long.looked_at <= short.looked_at + 24 * 3, (short.looked_at, long.looked_at)
    assert long.looked_at < 24 * 10


def test_a_day_filter_finds_entries_whose_clock_was_set_back_a_little():
    entries = hourly(100)
    day = date(2026, 11, 3)
    midnight = datetime(2026, 11, 3, tzinfo=UTC)
    entries[60]["at"] = (midnight + timedelta(hours=2)).isoformat()  # recorded after later entries
    entries[70]["at"] = (midnight - CLOCK_MARGIN * 2).isoformat()  # more than the margin off: not promised
    found = read_all(HistoryFeed(MemoryHistory(entries), HistoryFilter(day=day), "UTC"))
    assert 61 in found
    assert all(datetime.fromisoformat(entries[i - 1]["at"]).date() == day for i in found)


def test_first_id_at_is_a_binary_search_over_ids_in_time_order():
    log = MemoryHistory(hourly(1000))
    for moment in (
        START,
        START + timedelta(hours=1),
        START + timedelta(hours=500, minutes=30),
        START + timedelta(days=999),
    ):
        expected = next((e["id"] for e in log if datetime.fromisoformat(e["at"]) >= moment), None)
        assert first_id_at(log, moment) == expected
    assert first_id_at(MemoryHistory(), START) is None


def test_a_command_filter_merges_the_cli_and_the_tui_spellings_in_id_order():
    entries = hourly(12)
    for n, e in enumerate(entries):
        e["command"] = f"{'tui: ' if n % 3 == 0 else ''}check done DE c{n}"
    feed = HistoryFeed(MemoryHistory(entries), HistoryFilter(command="check done"), "UTC", page=5)
    pages = []
    while feed.more:
        pages.append([e["id"] for e in feed.next_page()])
    assert pages == [[12, 11, 10, 9, 8], [7, 6, 5, 4, 3], [2, 1]]
    assert HistoryFilter(command="check").queries("UTC")[1] == HistoryQuery(command="tui: check", limit=100)


# -- one entry ------------------------------------------------------------------------------------
def test_each_changed_field_is_a_row_and_instants_show_in_the_records_zone():
    change = {
        "id": 1,
        "at": START.isoformat(),
        "user": "ops",
        "command": "x",
        "changes": [
            {
                "table": "items",
                "key": "c1",
                "before": {
                    "id": "c1",
                    "region": "DE",
                    "title": "A",
                    "due": "2027-01-01T00:00:00+01:00",
                    "critical": False,
                },
                "after": {
                    "id": "c1",
                    "region": "DE",
                    "title": "A",
                    "due": "2027-01-02T00:00:00+01:00",
                    "critical": True,
                },
            },
            {"table": "promotions", "key": "p1", "before": None, "after": {"id": "p1", "region": "DE", "name": "Sale"}},
            {"table": "regions", "key": "XX", "before": {"code": "XX", "name": "Gone"}, "after": None},
        ],
    }
    rows = field_rows(change, lambda region: "Europe/Berlin")
    assert [(r.label, r.field, r.before, r.after) for r in rows] == [
        ("checklist item c1 A", "due", "2027-01-01 00:00", "2027-01-02 00:00"),
        ("checklist item c1 A", "critical", "no", "yes"),
        ("promotion p1 Sale", "", "-", "added"),
        ("region XX Gone", "", "removed", "-"),
    ]
