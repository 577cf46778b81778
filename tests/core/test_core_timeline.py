"""The timeline model and its text Gantt (rollout.timeline), on crafted data."""

from __future__ import annotations

from datetime import date

import pytest
from crafted import NOW, TODAY, fresh, item, region
from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import ops, timeline
from rollout.errors import InvalidValue
from rollout.timeline import CONFLICT, EMPTY, HOLIDAY, LAUNCH, LAUNCHED, PROMOTION, TODAY_ON_PROMOTION
from rollout.timeline import TODAY as TODAY_CELL


@pytest.fixture
def state():
    """DE launches on Christmas Day 2026 with two overlapping promotions, one before its launch;
    FR launched; regions ordered by launch: FR, DE, then NL without a date."""
    state = fresh()
    region(state, "DE", tz="Europe/Berlin", launch="2026-12-25T10:00")
    region(state, "FR", tz="Europe/Paris", launch="2026-06-01", status="launched")
    region(state, "NL", tz="Europe/Amsterdam", launch=None)
    ops.add_promotions(state, ["DE"], "Pre-sale", start="2026-12-20", end="2026-12-27")  # p1
    ops.add_promotions(state, ["DE"], "Launch week", start="2026-12-26", end="2027-01-02")  # p2 overlaps p1
    ops.add_promotions(state, ["FR"], "Black Friday", start="2026-11-27", end="2026-11-30")  # p3
    item(state, "DE", "Anything")
    return state


def test_rows_follow_launch_order_and_only_the_asked_range_is_built(state):
    tl = timeline.Timeline(state, reference=NOW)
    assert tl.codes == ["FR", "DE", "NL"] and len(tl) == 3
    rows = tl.rows(date(2026, 11, 20), date(2027, 1, 10), 1, 2)
    assert [r.code for r in rows] == ["DE"]
    assert tl.index("NL") == 2
    assert [r.code for r in timeline.Timeline(state, ["NL", "de"], reference=NOW).rows(TODAY, TODAY)] == ["DE", "NL"]


def test_a_row_has_its_launch_promotions_holidays_and_conflicts(state):
    row = timeline.Timeline(state, reference=NOW).row("DE", date(2026, 12, 1), date(2026, 12, 31))
    assert (row.launch, row.launched, row.today, row.health) == (date(2026, 12, 25), False, TODAY, "on track")
    assert [(b.id, b.first, b.last) for b in row.promotions] == [
        ("p1", date(2026, 12, 20), date(2026, 12, 26)),  # the end is exclusive: the 27th is not a promotion day
        ("p2", date(2026, 12, 26), date(2027, 1, 1)),
    ]
    assert (date(2026, 12, 25), "Christmas Day") in row.holidays
    texts = [(c.day, c.text) for c in row.conflicts]
    assert (date(2026, 12, 20), "p1 'Pre-sale' starts before DE launches (2026-12-25)") in texts
    assert (date(2026, 12, 25), "launch on a public holiday: Christmas Day") in texts
    assert (date(2026, 12, 26), "p1 'Pre-sale' overlaps p2 'Launch week'") in texts
    assert all(b.conflict for b in row.promotions)


def test_outside_the_window_nothing_is_listed(state):
    row = timeline.Timeline(state, reference=NOW).row("DE", date(2027, 3, 1), date(2027, 3, 31))
    assert (row.promotions, row.conflicts) == ((), ())
    assert row.launch == date(2026, 12, 25)  # the milestone is the row's; cells decide what shows


def test_cells_take_the_highest_priority_of_their_days(state):
    tl = timeline.Timeline(state, reference=NOW)
    row = tl.row("DE", date(2026, 11, 23), date(2026, 12, 31))
    days = timeline.columns(date(2026, 11, 23), date(2026, 12, 31), unit="day")
    cells = dict(zip((c[0] for c in days), timeline.row_cells(row, days), strict=True))
    assert cells[date(2026, 11, 24)] == TODAY_CELL
    assert cells[date(2026, 11, 25)] == EMPTY
    assert cells[date(2026, 12, 25)] == LAUNCH  # launch beats the holiday and the promotion
    assert cells[date(2026, 12, 20)] == CONFLICT  # p1 starts before launch
    assert cells[date(2026, 12, 21)] == PROMOTION
    assert cells[date(2026, 12, 31)] == PROMOTION
    weeks = timeline.columns(date(2026, 11, 23), date(2026, 12, 31), unit="week")
    assert timeline.row_cells(row, weeks)[4] == LAUNCH  # the week of Dec 21-27
    fr = tl.row("FR", date(2026, 5, 25), date(2026, 6, 7))
    assert LAUNCHED in timeline.row_cells(fr, timeline.columns(date(2026, 5, 25), date(2026, 6, 7), unit="day"))
    fr_december = dict(
        zip((c[0] for c in days), timeline.row_cells(tl.row("FR", days[0][0], days[-1][1]), days), strict=True)
    )
    assert fr_december[date(2026, 12, 25)] == HOLIDAY  # Christmas Day in France, nothing else that day
    assert timeline.row_cells(row, days, holidays=False).count(HOLIDAY) == 0


@pytest.mark.parametrize("unit", timeline.UNITS)
def test_today_shows_on_every_row_even_under_a_promotion(state, unit):
    ops.add_promotions(state, ["DE", "NL"], "Autumn deals", start="2026-11-20", end="2026-12-05")
    tl = timeline.Timeline(state, reference=NOW)
    first, last = date(2026, 11, 1), date(2027, 3, 31)
    cols = timeline.columns(first, last, unit=unit)
    today_column = next(n for n, (a, b) in enumerate(cols) if a <= TODAY <= b)
    kinds = [timeline.row_cells(row, cols)[today_column] for row in tl.rows(first, last)]
    assert PROMOTION not in kinds  # a bar never hides today
    assert kinds[2] == TODAY_ON_PROMOTION  # NL: the sale and nothing else
    # A milestone or conflict in today's column (a wider column) still shows: it is one day's mark.
    assert kinds[1] in ((TODAY_ON_PROMOTION,) if unit == "day" else (TODAY_ON_PROMOTION, LAUNCH, CONFLICT))


def test_the_text_gantt_marks_today_on_every_row(state):
    ops.add_promotions(state, ["DE", "NL"], "Autumn deals", start="2026-11-20", end="2026-12-05")
    for ascii_only, marks in ((False, "│┿"), (True, "|+")):
        text = timeline.render_timeline(
            timeline.Timeline(state, reference=NOW),
            date(2026, 11, 1),
            date(2027, 3, 31),
            width=80,
            ascii_only=ascii_only,
        )
        rows = text.splitlines()[1:4]
        columns = {n for row in rows for n, ch in enumerate(row) if ch in marks}
        assert len(columns) == 1 and all(row[min(columns)] in marks for row in rows), text
        assert f"{marks[1]} today in a promotion" in text


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("week", [(date(2027, 1, 1), date(2027, 1, 3)), (date(2027, 1, 4), date(2027, 1, 10))]),
        ("month", [(date(2027, 1, 1), date(2027, 1, 31)), (date(2027, 2, 1), date(2027, 2, 10))]),
        ("quarter", [(date(2027, 1, 1), date(2027, 2, 10))]),
    ],
)
def test_columns_by_unit_are_clipped_to_the_window(unit, expected):
    last = date(2027, 1, 10) if unit == "week" else date(2027, 2, 10)
    assert timeline.columns(date(2027, 1, 1), last, unit=unit) == expected


def test_columns_by_width_cover_whole_days_and_every_day_once():
    cols = timeline.columns(date(2027, 1, 1), date(2027, 12, 31), width=50)
    assert len(cols) <= 50
    assert cols[0][0] == date(2027, 1, 1) and cols[-1][1] == date(2027, 12, 31)
    assert all((b[0] - a[1]).days == 1 for a, b in zip(cols, cols[1:], strict=False))
    with pytest.raises(InvalidValue, match="ends .* before it starts"):
        timeline.columns(date(2027, 1, 2), date(2027, 1, 1), width=10)
    with pytest.raises(InvalidValue, match="unknown timeline unit"):
        timeline.columns(date(2027, 1, 1), date(2027, 1, 2), unit="fortnight")


def test_the_text_gantt_shows_rows_marks_and_a_legend(state):
    text = timeline.render_timeline(
        timeline.Timeline(state, reference=NOW), date(2026, 11, 23), date(2026, 12, 31), width=80
    )
    lines = text.splitlines()
    assert lines[0].strip().startswith("2026-11")
    assert lines[1].startswith("FR Region FR") and lines[2].startswith("DE Region DE")
    assert "◆" in lines[2] and "━" in lines[2] and "!" in lines[2]
    assert "│" in lines[3]  # NL has nothing but today
    assert "░ public holiday" in text and "a column is 1 day" in text
    assert "░" in lines[1]  # Christmas in France


def test_ascii_only_prints_plain_characters(state):
    text = timeline.render_timeline(
        timeline.Timeline(state, reference=NOW), date(2026, 11, 1), date(2027, 2, 1), width=60, ascii_only=True
    )
    assert text.isascii()
    assert "*" in text and "=" in text


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(30, 220),
    span=st.integers(0, 800),
    name=st.text(alphabet=st.sampled_from("abcXYZ 東京éa\u0301"), min_size=1, max_size=40),
    ascii_only=st.booleans(),
)
def test_every_line_fits_the_width(width, span, name, ascii_only):
    state = fresh()
    region(state, "JP", tz="Asia/Tokyo", launch="2027-01-15")
    state.put("regions", {**state.regions["JP"], "name": name})
    ops.add_promotions(state, ["JP"], "Sale", start="2026-12-01", end="2027-02-01")
    first = date(2026, 11, 1)
    text = timeline.render_timeline(
        timeline.Timeline(state, reference=NOW, with_health=False),
        first,
        date.fromordinal(first.toordinal() + span),
        width=width,
        ascii_only=ascii_only,
    )
    for line in text.splitlines():
        assert timeline.display_width(line) <= width, line
    assert text.isascii() or not ascii_only or not name.isascii()


def test_a_width_too_small_and_bad_days_are_refused(state):
    tl = timeline.Timeline(state, reference=NOW)
    with pytest.raises(InvalidValue, match="at least 30"):
        timeline.render_timeline(tl, TODAY, TODAY, width=20)
    assert timeline.parse_day("2027-02-03") == date(2027, 2, 3)
    assert timeline.parse_day("tomorrow", NOW) == date(2026, 11, 25)
    with pytest.raises(InvalidValue, match="the timeline takes days"):
        timeline.parse_day("2027-02-03T10:00")


def test_fit_cuts_by_terminal_cells():
    assert timeline.fit("東京都", 4) == "東… "
    assert timeline.display_width(timeline.fit("東京都", 4)) == 4
    assert timeline.fit("abc", 5) == "abc  "
    assert timeline.fit("abcdef", 4, "~") == "abc~"


def _gantt(state, first: date, last: date, width: int) -> list[str]:
    tl = timeline.Timeline(state, reference=NOW, with_health=False)
    return timeline.render_timeline(tl, first, last, width=width, ascii_only=True).splitlines()


def _month_starts(first: date, last: date) -> list[date]:
    months = [date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13)]
    return [m for m in months if first <= m <= last]


def _layout(state, first: date, last: date, width: int) -> tuple[str, dict[date, int], int]:
    """The header line, the column of each month start in the window, and the first cell's column."""
    header, *rows = _gantt(state, first, last, width)
    cells = len(rows[0].rstrip("".join(timeline.ASCII_GLYPHS.values())))  # where the cells start
    per = -(-((last - first).days + 1) // (width - cells))
    return header, {month: cells + (month - first).days // per for month in _month_starts(first, last)}, cells


WINDOWS = [
    (date(2026, 11, 23), date(2027, 2, 28), 80),  # the manual's example: December was left out
    (date(2026, 11, 17), date(2027, 2, 22), 80),  # the default window
    (date(2026, 11, 17), date(2027, 2, 22), 40),
    (date(2026, 11, 17), date(2027, 2, 22), 100),
    (date(2026, 11, 29), date(2027, 3, 5), 60),  # a month starts two days in
    (date(2027, 1, 1), date(2027, 6, 30), 50),  # the window starts with a month
    (date(2026, 11, 1), date(2027, 10, 31), 120),
    (date(2026, 12, 10), date(2027, 12, 31), 100),
]


@pytest.mark.parametrize(("first", "last", "width"), WINDOWS)
def test_every_month_that_starts_in_the_window_is_labelled_at_its_column(state, first, last, width):
    header, columns, _cells = _layout(state, first, last, width)
    places = sorted(columns.values())
    assert all(b - a >= 4 for a, b in zip(places, places[1:], strict=False)) and places[-1] + 3 <= width, (
        "room for every label (Jan)"
    )
    for month, column in columns.items():
        assert header[column:].startswith((month.strftime("%Y-%m"), month.strftime("%b"))), (month, header)


@pytest.mark.parametrize("width", [30, 40, 60])
def test_where_months_are_too_narrow_the_labels_shown_still_sit_at_their_months(state, width):
    first, last = date(2026, 11, 10), date(2028, 10, 31)
    header, columns, cells = _layout(state, first, last, width)
    labels = [(n, word) for n, word in enumerate(header) if word != " " and (n == 0 or header[n - 1] == " ")]
    labels = [(n, header[n:].split(" ")[0]) for n, _ in labels]
    assert len(labels) >= 4
    for n, word in labels:
        at = [m for m, column in columns.items() if column == n and word in (m.strftime("%Y-%m"), m.strftime("%b"))]
        first_month = n == cells and word in (
            first.strftime("%Y-%m"),
            first.strftime("%b"),
        )
        assert at or first_month, (n, word, header)


def test_the_legend_wraps_at_narrow_widths_and_names_every_mark(state):
    for width in (30, 36, 40, 48, 60, 80, 100):
        lines = _gantt(state, date(2026, 11, 17), date(2027, 2, 22), width)
        legend = " ".join(lines[1 + 3 :])
        assert all(len(line) <= width for line in lines)
        assert "~" not in legend, "the legend was cut instead of wrapped"
        for words in [*timeline.LEGEND.values(), "2026-11-17 to 2027-02-22"]:
            assert " ".join(words.split()) in " ".join(legend.split()), (width, words, lines)
        assert "public holiday" in legend


def test_one_definition_of_a_text_width_for_the_cli_and_the_timeline():
    from wcwidth import wcswidth

    from rollout import text
    from rollout.cli import output

    assert timeline.display_width is output.display_width is text.display_width
    for sample in ("Côte d'Ivoire", "東京都", "e\u0301", "a\u200bb", "\x1b[31mred\x1b[0m", "👍"):
        plain = sample.replace("\x1b[31m", "").replace("\x1b[0m", "")
        assert text.display_width(sample) == wcswidth(plain), sample
