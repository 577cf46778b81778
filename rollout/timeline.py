"""The timeline: regions as rows, days as columns, with launches, promotions, holidays and conflicts.

`Timeline` is the model the CLI renders as a text Gantt (`render_timeline`) and the TUI draws. It
is built once per loaded state (the row order, cheap) and answers for a date window and a range
of rows only (`rows(first, last, start, stop)`), so a screen showing 40 of 2,000 regions computes
40 rows. Every day on a row is a day of that region's own calendar ("today" included), and a
promotion covers the local days from its start to the last day it runs (its end is exclusive).

Conflicts, marked on the day they begin: two promotions of a region that overlap, a promotion
that starts before the region launches, a target launch on a public holiday of the region (the
same rules as the promotion and region warnings in rollout.queries).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from rollout import freeze, queries, times
from rollout.errors import InvalidValue
from rollout.state import Record, State
from rollout.text import display_width, fit

DEFAULT_BEFORE_DAYS = 7  # the default window: a week before today ...
DEFAULT_AFTER_DAYS = 90  # ... to about three months after it
UNITS = ("day", "week", "month", "quarter")
HOLIDAY_MAX_COLUMN_DAYS = 3  # wider columns would nearly all hold a public holiday: the text Gantt leaves them out
_ONE_MICROSECOND = timedelta(microseconds=1)

# Cell kinds, highest priority first: what a column shows when several things fall in it.
# TODAY_ON_PROMOTION: today's column where a promotion runs (the bar crossed by the today line),
# so today stays visible on every row.
# FROZEN: a day inside a freeze window of the region (rollout.freeze), shaded under everything else.
LAUNCH, LAUNCHED, CONFLICT, TODAY_ON_PROMOTION, PROMOTION, TODAY, HOLIDAY, FROZEN, EMPTY = (
    "launch",
    "launched",
    "conflict",
    "today-promotion",
    "promotion",
    "today",
    "holiday",
    "frozen",
    "",
)
PRIORITY = (LAUNCH, LAUNCHED, CONFLICT, TODAY_ON_PROMOTION, PROMOTION, TODAY, HOLIDAY, FROZEN, EMPTY)
GLYPHS = {
    LAUNCH: "◆",
    LAUNCHED: "●",
    CONFLICT: "!",
    TODAY_ON_PROMOTION: "┿",
    PROMOTION: "━",
    TODAY: "│",
    HOLIDAY: "░",
    FROZEN: "▒",
    EMPTY: "·",
}
ASCII_GLYPHS = {
    LAUNCH: "*",
    LAUNCHED: "@",
    CONFLICT: "!",
    TODAY_ON_PROMOTION: "+",
    PROMOTION: "=",
    TODAY: "|",
    HOLIDAY: ":",
    FROZEN: "#",
    EMPTY: ".",
}
LEGEND = {
    LAUNCH: "launch target",
    LAUNCHED: "launched",
    PROMOTION: "promotion",
    CONFLICT: "conflict",
    TODAY: "today",
    TODAY_ON_PROMOTION: "today in a promotion",
    HOLIDAY: "public holiday",
}
FROZEN_LEGEND = "freeze window"  # in the legend only when a row has one


class Bar(NamedTuple):
    """A promotion on a row: id, name, kind, the first and last local day it runs, whether it is
    in a conflict, and the conflicts' texts."""

    id: str
    name: str
    kind: str
    first: date
    last: date
    conflict: bool = False
    notes: tuple[str, ...] = ()


class Conflict(NamedTuple):
    """A conflict on a row: the local day it begins, a sentence, the ids involved (promotions; the
    region code for a launch)."""

    day: date
    text: str
    ids: tuple[str, ...]


class TimelineRow(NamedTuple):
    """One region within a date window.

    code, name, status: the region's. health: its health (rollout.health.HEALTHS) when the
    timeline computes it, else None. today: the region's local date at the reference instant.
    launch: the local day of the target launch (the actual one once launched), None without;
    launched: whether it has launched. promotions: Bars overlapping the window, by start.
    holidays: (day, name) of public holidays in the window. conflicts: in the window, by day.
    """

    code: str
    name: str
    status: str
    health: str | None
    today: date
    launch: date | None
    launched: bool
    promotions: tuple[Bar, ...]
    holidays: tuple[tuple[date, str], ...]
    conflicts: tuple[Conflict, ...]
    # (first day, last day, "f1 Black Friday") of the freeze windows overlapping the window.
    freezes: tuple[tuple[date, date, str], ...] = ()


class Timeline:
    """The timeline of a state: row order fixed at creation (regions in launch order, like
    `status`, restricted to `selectors` when given), rows computed on demand for a window.

    `reference`: the instant "today" is taken from (default now). `with_health`: compute each
    row's health (rollout.health; a pass over that region's items) for colouring."""

    def __init__(
        self,
        state: State,
        selectors: Iterable[str] | None = None,
        reference: datetime | None = None,
        *,
        with_health: bool = True,
    ) -> None:
        self.state = state
        self.reference = queries.plain_utc(reference or times.now())
        chosen = set(queries.select(state, selectors, reading=True)) if selectors else None
        self.codes: list[str] = [
            r["code"] for r in queries.sorted_regions(state) if chosen is None or r["code"] in chosen
        ]
        self._health = None
        if with_health:
            from rollout.health import Context

            self._health = Context(state, self.reference)

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def today(self) -> date:
        """The UTC date of the reference instant (each row has its own local today)."""
        return self.reference.date()

    def default_window(self) -> tuple[date, date]:
        """From DEFAULT_BEFORE_DAYS before today to DEFAULT_AFTER_DAYS after it (UTC dates)."""
        return self.today - timedelta(days=DEFAULT_BEFORE_DAYS), self.today + timedelta(days=DEFAULT_AFTER_DAYS)

    def index(self, code: str) -> int:
        """The row number of region `code`; ValueError when it is not on the timeline."""
        return self.codes.index(code)

    def rows(self, first: date, last: date, start: int = 0, stop: int | None = None) -> list[TimelineRow]:
        """Rows `start` to `stop` (exclusive; None: to the end) for the window of days [first, last].
        Raises InvalidValue when `last` is before `first`."""
        check_window(first, last)
        return [self.row(code, first, last) for code in self.codes[start:stop]]

    def row(self, code: str, first: date, last: date) -> TimelineRow:
        """One region's row for the window [first, last] (NotFound for an unknown region)."""
        region = self.state.region(code)
        tz = region["timezone"]
        z = times.zone(tz)
        today = self.reference.astimezone(z).date()
        launch_text = queries.effective_launch(region)
        launch_at = datetime.fromisoformat(launch_text) if launch_text else None
        launch = launch_at.astimezone(z).date() if launch_at else None
        launched = region["status"] == "launched"
        promos = _promotions_in(self.state, code, first, last, z)
        holidays = _holidays(code, first, last)
        conflicts = _conflicts(region, promos, launch_at, launch, launched, holidays, first, last)
        frozen = _freezes(self.state, code, first, last)
        if frozen:
            conflicts = _freeze_conflicts(frozen, promos, launch, launched, conflicts, first, last)
        involved: dict[str, list[str]] = {}
        for conflict in conflicts:
            for promo_id in conflict.ids:
                involved.setdefault(promo_id, []).append(conflict.text)
        bars = tuple(
            Bar(p["id"], p["name"], p["kind"], begin, end, p["id"] in involved, tuple(involved.get(p["id"], ())))
            for p, _start, _end, begin, end in promos
        )
        health = self._health.region(code).health if self._health is not None else None
        return TimelineRow(
            code,
            region["name"],
            region["status"],
            health,
            today,
            launch,
            launched,
            bars,
            holidays,
            conflicts,
            tuple((a, b, text) for a, b, text, _blocks in frozen),
        )


def check_window(first: date, last: date) -> None:
    """Refuse a window whose last day is before its first (InvalidValue; times.check_window's rule)."""
    times.check_window(first, last, "timeline")


def _promotions_in(
    state: State, code: str, first: date, last: date, z: object
) -> list[tuple[Record, datetime, datetime, date, date]]:
    """(promotion, start, end, first local day, last local day) of the promotions running on a day
    of the window, by start; the whole region's are needed for overlaps, so all are read."""
    low, high = (first - timedelta(days=2)).isoformat(), (last + timedelta(days=2)).isoformat()
    found = []
    for promo in state.promotions_of(code):
        if promo["start"][:10] > high or promo["end"][:10] < low:
            continue
        start = datetime.fromisoformat(promo["start"]).astimezone(z)  # type: ignore[arg-type]
        end = datetime.fromisoformat(promo["end"]).astimezone(z)  # type: ignore[arg-type]
        begin, finish = start.date(), (end - _ONE_MICROSECOND).date()
        if finish < first or begin > last:
            continue
        found.append((promo, start, end, begin, finish))
    found.sort(key=lambda p: (p[1].timestamp(), len(p[0]["id"]), p[0]["id"]))
    return found


def _freezes(state: State, code: str, first: date, last: date) -> list[tuple[date, date, str, bool]]:
    """(first day, last day, "f1 reason", blocks) of region `code`'s freeze windows overlapping [first, last]."""
    out = []
    for window in freeze.windows_for(state, code):
        begin, end = date.fromisoformat(window["start"]), date.fromisoformat(window["end"])
        if begin <= last and end >= first:
            out.append((begin, end, f"{window['id']} {window['reason']}", window["blocks"]))
    return out


def _freeze_conflicts(
    frozen: list[tuple[date, date, str, bool]],
    promos: list[tuple[Record, datetime, datetime, date, date]],
    launch: date | None,
    launched: bool,
    conflicts: tuple[Conflict, ...],
    first: date,
    last: date,
) -> tuple[Conflict, ...]:
    """The conflicts plus a launch target or promotion start inside a freeze window (rollout.freeze)."""
    found = list(conflicts)
    dated = [(launch, "launch", ())] if launch is not None and not launched else []
    dated += [(begin, f"{promo['id']} {promo['name']!r} starts", (promo["id"],)) for promo, _s, _e, begin, _f in promos]
    for day, what, ids in dated:
        for begin, end, text, blocks in frozen:
            if begin <= day <= end and first <= day <= last:
                kind = "blocking freeze" if blocks else "freeze"
                found.append(Conflict(day, f"{what} inside {kind} {text}", ids))
    found.sort(key=lambda c: c.day)
    return tuple(found)


def _holidays(code: str, first: date, last: date) -> tuple[tuple[date, str], ...]:
    from rollout.holidays import holidays_between

    return tuple(holidays_between(code, first, last))


def _conflicts(
    region: Record,
    promos: list[tuple[Record, datetime, datetime, date, date]],
    launch_at: datetime | None,
    launch: date | None,
    launched: bool,
    holidays: tuple[tuple[date, str], ...],
    first: date,
    last: date,
) -> tuple[Conflict, ...]:
    found = []
    if launch is not None and not launched and first <= launch <= last:
        name = dict(holidays).get(launch)
        if name:
            found.append(Conflict(launch, f"launch on a public holiday: {name}", (region["code"],)))
    for i, (promo, start, end, begin, _finish) in enumerate(promos):
        if launch_at is not None and start < launch_at and first <= begin <= last:
            found.append(
                Conflict(
                    begin,
                    f"{promo['id']} {promo['name']!r} starts before {region['code']} launches ({launch})",
                    (promo["id"],),
                )
            )
        for other, other_start, _other_end, other_begin, _ in promos[i + 1 :]:
            if other_start >= end:
                break
            day = max(begin, other_begin)
            if first <= day <= last:
                found.append(
                    Conflict(
                        day,
                        f"{promo['id']} {promo['name']!r} overlaps {other['id']} {other['name']!r}",
                        (promo["id"], other["id"]),
                    )
                )
    found.sort(key=lambda c: c.day)
    return tuple(found)


# -- columns and cells ---------------------------------------------------------------------------
def columns(first: date, last: date, *, width: int | None = None, unit: str | None = None) -> list[tuple[date, date]]:
    """The window [first, last] cut into columns, each (first day, last day): by `unit` (day, week
    from Monday, month, quarter; the first and last column clipped to the window), or, with
    `width`, into at most `width` columns of equal whole days (the last may be shorter).
    Raises InvalidValue for a reversed window, a width below 1, or an unknown unit."""
    check_window(first, last)
    if unit is None:
        if width is None or width < 1:
            raise InvalidValue(f"invalid width {width}: expected 1 or more columns")
        span = (last - first).days + 1
        per = -(-span // width)
        out = []
        day = first
        while day <= last:
            end = min(day + timedelta(days=per - 1), last)
            out.append((day, end))
            day = end + timedelta(days=1)
        return out
    if unit not in UNITS:
        raise InvalidValue(f"unknown timeline unit {unit!r}: expected one of {', '.join(UNITS)}")
    out = []
    day = first
    while day <= last:
        end = min(_unit_end(day, unit), last)
        out.append((day, end))
        day = end + timedelta(days=1)
    return out


def _unit_end(day: date, unit: str) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day + timedelta(days=6 - day.weekday())
    months = 1 if unit == "month" else 3 - (day.month - 1) % 3
    year, month = divmod(day.month - 1 + months, 12)
    return date(day.year + year, month + 1, 1) - timedelta(days=1)


def row_cells(row: TimelineRow, cols: Sequence[tuple[date, date]], *, holidays: bool = True) -> list[str]:
    """The cell kind of each column for a row: the highest in PRIORITY among what falls on the
    column's days (launch or launched milestone, conflict, promotion, today, holiday, EMPTY);
    a promotion in today's column is TODAY_ON_PROMOTION, so the today line shows through the bar.
    `holidays` False leaves public holidays out (wide columns would nearly all hold one)."""
    marks: list[tuple[date, date, str]] = []
    if row.launch is not None:
        marks.append((row.launch, row.launch, LAUNCHED if row.launched else LAUNCH))
    marks += [(c.day, c.day, CONFLICT) for c in row.conflicts]
    marks += [(b.first, b.last, PROMOTION) for b in row.promotions]
    marks.append((row.today, row.today, TODAY))
    if holidays:
        marks += [(day, day, HOLIDAY) for day, _name in row.holidays]
    marks += [(begin, end, FROZEN) for begin, end, _text in row.freezes]
    rank = {kind: n for n, kind in enumerate(PRIORITY)}
    cells = []
    for col_first, col_last in cols:
        best = EMPTY
        for begin, end, kind in marks:
            if begin <= col_last and end >= col_first and rank[kind] < rank[best]:
                best = kind
        if best == PROMOTION and col_first <= row.today <= col_last:
            best = TODAY_ON_PROMOTION
        cells.append(best)
    return cells


# -- the text Gantt --------------------------------------------------------------------------------
def render_timeline(
    timeline: Timeline,
    first: date,
    last: date,
    *,
    width: int = 100,
    start: int = 0,
    stop: int | None = None,
    ascii_only: bool = False,
) -> str:
    """A text Gantt of rows `start`..`stop` over the days [first, last], every line at most `width`
    terminal cells: a header of months (_month_header), one line per region (code and name, then
    a cell per column: GLYPHS, or ASCII_GLYPHS with `ascii_only`), and a legend wrapped to the
    width. A column covers whole days, as few as fit (columns(width=...)); public holidays show
    while a column covers at most HOLIDAY_MAX_COLUMN_DAYS days, and the legend says so when they
    do not. Raises InvalidValue for a reversed window or a width under 30."""
    if width < 30:
        raise InvalidValue(f"invalid width {width}: the timeline needs at least 30 columns")
    glyphs = ASCII_GLYPHS if ascii_only else GLYPHS
    rows = timeline.rows(first, last, start, stop)
    longest = max((display_width(f"{r.code} {r.name}") for r in rows), default=4)
    label = max(4, min(longest, 22, width // 4))
    cols = columns(first, last, width=width - label - 1)
    per = (cols[0][1] - cols[0][0]).days + 1
    with_holidays = per <= HOLIDAY_MAX_COLUMN_DAYS
    lines = [" " * (label + 1) + _month_header(cols, width - label - 1)]
    for row in rows:
        cells = "".join(glyphs[kind] for kind in row_cells(row, cols, holidays=with_holidays))
        lines.append(f"{fit(f'{row.code} {row.name}', label, '~' if ascii_only else '…')} {cells}".rstrip())
    scale = "1 day" if per == 1 else f"{per} days"
    frozen = any(row.freezes for row in rows)
    legend = [f"{glyphs[kind]} {words}" for kind, words in LEGEND.items() if kind != HOLIDAY or with_holidays]
    if frozen:
        legend.append(f"{glyphs[FROZEN]} {FROZEN_LEGEND}")
    if not with_holidays:  # wider columns would nearly all hold one: say where they show
        legend.append("public holidays not shown at this scale")
    lines += _wrap(f"{first.isoformat()} to {last.isoformat()}, a column is {scale}:  {'  '.join(legend)}", width)
    return "\n".join(lines) + "\n"


def _month_header(cols: list[tuple[date, date]], width: int) -> str:
    """Month labels over the columns, within `width` cells: every month that starts in the window
    at the column holding its first day, where it fits (after the previous label and before the
    line's end); then the month the window starts in, at the first column, when it fits before
    the next label. Labels read 2027-01 when every month start has room for that, else Jan (a
    label that does not fit at the line's end tries Jan too)."""
    first, last = cols[0][0], cols[-1][1]
    per = (cols[0][1] - first).days + 1
    starts: dict[int, date] = {}  # column -> the first month starting in it
    month = first if first.day == 1 else _next_month(first)
    while month <= last:
        starts.setdefault((month - first).days // per, month)
        month = _next_month(month)
    placed = sorted(starts.items())
    fits_long = all(b - a > len(m.strftime("%Y-%m")) for (a, m), (b, _) in zip(placed, placed[1:], strict=False))
    formats = ("%Y-%m", "%b") if fits_long else ("%b",)
    header = [" "] * width
    free_from, first_label = 0, width + 1
    for n, month in placed:
        for fmt in formats:
            text = month.strftime(fmt)
            if n >= free_from and n + len(text) <= width:
                header[n : n + len(text)] = text
                free_from, first_label = n + len(text) + 1, min(first_label, n)
                break
    if first.day != 1:
        text = first.strftime(formats[0])
        if len(text) < first_label and len(text) <= width:
            header[: len(text)] = text
    return "".join(header).rstrip()


def _next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells from legend text whose parts are separated by two spaces:
    parts stay whole on a line where they fit; a part too wide for any line wraps between its
    words (a word too wide for a line is cut, ending in `~`)."""
    lines, current = [], ""
    for part in text.split("  "):
        candidate = f"{current}  {part}" if current else part
        if display_width(candidate) <= width:
            current = candidate
            continue
        if display_width(part) <= width:
            if current:
                lines.append(current)
            current = part
            continue
        for n, word in enumerate(part.split(" ")):
            word = word if display_width(word) <= width else fit(word, width, "~").rstrip()
            gap = "" if not current else "  " if n == 0 else " "
            if current and display_width(current + gap + word) <= width:
                current += gap + word
            else:
                if current:
                    lines.append(current)
                current = word
    if current:
        lines.append(current)
    return lines


def parse_day(text: str, reference: datetime | None = None) -> date:
    """A window bound typed by a person: YYYY-MM-DD, `today` or `tomorrow` (UTC dates of the
    reference instant, the timeline's axis). Raises InvalidValue otherwise."""
    when = times.parse_when_text(text)
    if not when.date_only:
        raise InvalidValue(f"invalid date {text!r}: the timeline takes days (YYYY-MM-DD, today or tomorrow)")
    if when.day is not None:
        return when.day
    ref = queries.plain_utc(reference or times.now())
    return ref.date() + timedelta(days=when.relative_days or 0)
