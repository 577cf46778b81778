"""GMV (gross merchandise value) targets and actuals per region and period, and per promotion.

A `kpis` record (rollout.schema.KPIS) holds a target and an actual, each an exact amount in the
region's currency (rollout.money: decimal text, never float) or None; its id is `DE/2027-01` for a
region's period (a month or a quarter, rollout.periods) or the promotion's id (`p7`). Amounts are
below 10^18 (rollout.money.MAX_AMOUNT), and rounded once, when shown.

Attainment is actual / target in percent (0-100 and beyond), one decimal, rounded half-even;
None without both.

Months and quarters: a quarter's target (and, separately, its actual) is its own record's value
when one is set, else the sum of its months' values ("rolled up": the report says so, in
`rolled_up`); a quarter whose months alone have figures gets a row only when asked for with
`--period 2027-Q1`. The portfolio total never counts a month and the quarter holding it: per
region, quarter and figure it takes the quarter's own value when set, else each of its months.

The portfolio total is in one reporting currency, from the exchange rates the team records per
period (`fx_rates`, never fetched): each period's figures are converted at that period's rate (a
quarter's own value at the quarter's rate, a rolled-up month at its month's), then added; the
portfolio attainment is total actual over total target, never an average of percentages, taken
over the region-periods that have both a target and an actual: an actual without its target (or
a target not yet reported against) would make it meaningless (4,800,000 %). Those are listed in
`unmatched`, and their figures still count in the total's target and actual. A missing rate
makes the total unavailable, naming the rates. All of it runs in
rollout.money.ARITHMETIC, so no sum or conversion the bounds allow rounds or overflows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

from rollout import model, money, periods, times
from rollout.csvrows import data_rows, separator
from rollout.errors import InvalidValue, NotFound, RolloutError
from rollout.state import Record, State

TARGET, ACTUAL = "target", "actual"
DEFAULT_REPORTING = "USD"


# -- changes ----------------------------------------------------------------------------------
def _region(state: State, code: str) -> Record:
    return state.region(model.region_code(code, known=state.regions))


def _promotion(state: State, promo_id: str) -> Record:
    key = promo_id.strip().lower()
    promo = state.promotions.get(key)
    if promo is None:
        raise NotFound(f"no promotion {promo_id.strip()}")
    return promo


def set_gmv(
    state: State,
    which: str,
    gmv: str,
    *,
    code: str | None = None,
    period: str | None = None,
    promo: str | None = None,
) -> Record:
    """Set the GMV `which` ("target" or "actual") of region `code` for `period` (2027-01 or
    2027-Q1), or of promotion `promo`, to `gmv`: decimal text in the region's currency, at least
    0, with no more decimals than its ISO 4217 minor units (rollout.money.parse_amount). Returns
    the stored record.

    Raises InvalidValue for a bad amount or period, or when neither or both of code+period and
    promo are given; NotFound for an unknown region or promotion."""
    if which not in (TARGET, ACTUAL):
        raise InvalidValue(f"invalid KPI {which!r}: expected target or actual")
    region, key, subject = _subject(state, code, period, promo)
    amount = money.stored(money.parse_amount(gmv, region["currency"], f"{which} GMV"))
    current = state.tables["kpis"].get(key)
    record = dict(current) if current else {"id": key, "region": region["code"], **subject, TARGET: None, ACTUAL: None}
    record["currency"] = region["currency"]
    record[which] = amount
    return state.put("kpis", record)


def _subject(
    state: State, code: str | None, period: str | None, promo: str | None
) -> tuple[Record, str, dict[str, str | None]]:
    """(region, KPI id, {period, promo}) of region `code` and `period`, or of promotion `promo`.
    Raises InvalidValue when neither or both are given or the period is bad; NotFound for an
    unknown region or promotion."""
    if promo is not None:
        if code is not None or period is not None:
            raise InvalidValue("give a promotion, or a region and a period, not both")
        found = _promotion(state, promo)
        return state.region(found["region"]), found["id"], {"period": None, "promo": found["id"]}
    if code is None or period is None:
        raise InvalidValue("give a region and --period P, or --promo ID")
    region = _region(state, code)
    clean_period = periods.parse_period(period)
    return region, f"{region['code']}/{clean_period}", {"period": clean_period, "promo": None}


def remove_gmv(state: State, *, code: str | None = None, period: str | None = None, promo: str | None = None) -> Record:
    """Remove the GMV target and actual of region `code` for `period`, or of promotion `promo`, and
    return the record removed (a figure entered against the wrong period, or GMV to clear before
    the region's currency changes: stored amounts are never converted). Raises as set_gmv's
    subject, and NotFound when none is recorded."""
    _region_record, key, _ = _subject(state, code, period, promo)
    if key not in state.tables["kpis"]:
        raise NotFound(f"no GMV recorded for {key}")
    return state.delete("kpis", key)


def import_actuals(state: State, label: str, text: str) -> list[Record]:
    """Set the actuals of a CSV (`region,period,gmv` or `promo,gmv`, a header line first; comma,
    semicolon or tab) and return the records set. All or nothing: the first bad line raises the
    error prefixed with "LABEL line N: ", and the caller's transaction writes nothing. Two lines
    setting the same actual (`NL,2027-01` and `nl,2027-01`; `p7` and `P7`) are refused, naming both
    lines: which one a file means is not for rollout to guess (InvalidValue)."""
    out = []
    seen: dict[str, int] = {}  # record id -> the line that set it
    for line, values in parse_actuals(label, text):
        try:
            record = set_actual_row(state, values)
        except RolloutError as exc:
            raise type(exc)(f"{label} line {line}: {exc}") from None
        first = seen.setdefault(record["id"], line)
        if first != line:
            raise InvalidValue(f"{label} line {line}: {duplicate(record['id'], f'line {first}')}")
        out.append(record)
    return out


def duplicate(key: str, first: str) -> str:
    """The message of a KPI or rate set twice by one file: "NL/2027-01 appears twice in this file
    (also line 2)" (`first`: where it was set first)."""
    return f"{key} appears twice in this file (also {first})"


def set_actual_row(state: State, values: dict[str, str]) -> Record:
    """Set the actual of one row of an actuals CSV ({region, period, gmv} or {promo, gmv}: one of
    ACTUALS_HEADERS) and return the record: `kpi import` and `rollout import` read rows alike."""
    if "promo" in values:
        return set_gmv(state, ACTUAL, values["gmv"], promo=values["promo"])
    return set_gmv(state, ACTUAL, values["gmv"], code=values["region"], period=values["period"])


ACTUALS_HEADERS = (("region", "period", "gmv"), ("promo", "gmv"))


def parse_actuals(label: str, text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of an actuals CSV as (line number, {column: cell}), the separator (comma,
    semicolon, tab) told as for every import (csvrows.separator). Raises InvalidValue naming the
    line for a header other than ACTUALS_HEADERS or a row with another number of cells."""
    known = {column for header in ACTUALS_HEADERS for column in header}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(text, known))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        if tuple(header) not in ACTUALS_HEADERS:
            wanted = " or ".join(",".join(h) for h in ACTUALS_HEADERS)
            raise InvalidValue(f"{label} line 1: expected the header {wanted}, found {','.join(header) or 'nothing'}")
        rows = [
            (line, dict(zip(header, cells, strict=True)))
            for line, cells in data_rows(reader, len(header), label, InvalidValue)
        ]
    except csv.Error as exc:
        raise InvalidValue(f"{label} line {reader.line_num}: invalid CSV: {exc}") from None
    return rows


def put_record(state: State, values: dict[str, Any]) -> Record:
    """Store a KPI record as an export gives it (id, region, period, promo, currency, target,
    actual), validated like `kpi target`/`kpi actual`: amounts in the record's region currency.
    Raises InvalidValue for a bad amount or period, for no amount, for an id that is not the
    record's (`NL/2027-02` on a row of NL 2027-01: the row would set another record than it names),
    or for a currency that is not its region's (the amount would silently change currency)."""
    period, promo = values.get("period") or None, values.get("promo") or None
    out: Record | None = None
    for which in (TARGET, ACTUAL):
        value = values.get(which)
        if value is None or str(value).strip() == "":
            continue
        if promo:
            out = set_gmv(state, which, str(value), promo=str(promo))
        else:
            out = set_gmv(state, which, str(value), code=str(values.get("region") or ""), period=str(period or ""))
    if out is None:
        raise InvalidValue("a KPI needs a target or an actual")
    given = str(values.get("id") or "").strip()
    if given and given.lower() != out["id"].lower():
        raise InvalidValue(f"id {given!r} is not this KPI's ({out['id']}, from its region and period or promotion)")
    named = str(values.get("currency") or "").strip()
    if named and named.upper() != out["currency"]:
        raise InvalidValue(
            f"currency {named} is not the currency of {out['region']} ({out['currency']}): GMV is entered in its "
            "region's currency and never converted"
        )
    return out


# -- exchange rates ---------------------------------------------------------------------------
def set_rate(state: State, base: str, quote: str, rate: str, period: str) -> Record:
    """Record that 1 `base` is `rate` `quote` in `period` (`fx set JPY USD 0.0067 --period 2027-01`).

    `rate` is decimal text > 0 and < 10^12 with at most 18 decimals (rollout.money.parse_rate;
    exponents refused), stored positional (`0.0000001`, never `1E-7`). Raises InvalidValue,
    quoting the rate as typed, for an unknown currency, a bad rate or period, or a currency
    converted to itself."""
    clean_base, clean_quote = model.currency(base), model.currency(quote)
    money.minor_units(clean_base)
    money.minor_units(clean_quote)
    if clean_base == clean_quote:
        raise InvalidValue(f"{clean_base} converts to itself at 1: no rate needed")
    value = money.parse_rate(rate)
    clean_period = periods.parse_period(period)
    key = f"{clean_base}/{clean_quote}/{clean_period}"
    record = {
        "id": key,
        "base": clean_base,
        "quote": clean_quote,
        "period": clean_period,
        "rate": money.stored(value),
    }
    return state.put("fx_rates", record)


def remove_rate(state: State, base: str, quote: str, period: str) -> Record:
    """Remove a recorded rate; NotFound when there is none."""
    key = f"{model.currency(base)}/{model.currency(quote)}/{periods.parse_period(period)}"
    if key not in state.tables["fx_rates"]:
        raise NotFound(f"no exchange rate {key}")
    return state.delete("fx_rates", key)


def rates(state: State) -> list[Record]:
    """Every recorded rate, by base, quote and period (time order)."""
    return sorted(
        state.tables["fx_rates"].values(), key=lambda r: (r["base"], r["quote"], periods.sort_key(r["period"]))
    )


# -- the report -------------------------------------------------------------------------------
FIGURES = (TARGET, ACTUAL)


def _amount(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def attainment(actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """actual / target in percent, one decimal (money.percent); None without both or for a 0 target."""
    if actual is None or target is None:
        return None
    return money.percent(actual, target)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else money.plain(value)


# Where a figure of the total comes from: (currency, period) -> [target, actual, the target and
# the actual of the region-periods that have both] in that currency.
Sums = dict[tuple[str, str], list[Decimal]]
# A region-period's figures for the total: FIGURES index -> [(currency, period, amount text)].
Parts = dict[int, list[tuple[str, str, str]]]


def _add_subject(sums: Sums, unmatched: list[str], code: str, period: str, parts: Parts) -> None:
    """Add one region-period's figures to the total; with both a target and an actual they count
    for the attainment too, else the region-period is listed in `unmatched`."""
    both = all(parts[which] for which in range(len(FIGURES)))
    if not both and any(parts.values()):
        have, lacking = FIGURES if parts[0] else reversed(FIGURES)
        recorded = sorted({at for items in parts.values() for _cur, at, _value in items}, key=periods.sort_key)
        unmatched.append(f"{code} {', '.join(recorded)}: {have} without {lacking}")  # as entered: months or quarter
    for which, items in parts.items():
        for currency, at, value in items:
            tally = sums.get((currency, at))
            if tally is None:
                tally = sums[(currency, at)] = [Decimal(0)] * 4
            tally[which] += Decimal(value)
            if both:
                tally[which + 2] += Decimal(value)


def _region_rows(
    records: Iterable[Record], code: str, wanted: str | None, sums: Sums, unmatched: list[str]
) -> list[dict[str, Any]]:
    """The period rows of one region's KPI records (all, or only the `wanted` period's), in time
    order, and their figures added to `sums` by the month/quarter rule (see the module docstring),
    a region-period with one figure of two listed in `unmatched`."""
    key = periods.sort_key
    dated = {r["period"]: r for r in records if r["period"] is not None}
    months: dict[str, list[Record]] = {}  # quarter -> its months' records, in time order
    for period in sorted(dated, key=key):
        if not periods.is_quarter(period):
            months.setdefault(periods.quarter_holding(period), []).append(dated[period])
    shown = sorted(dated, key=key) if wanted is None else [wanted] if wanted in dated or wanted in months else []
    rows = []
    for period in shown:
        if not periods.is_quarter(period):
            month = dated[period]
            rows.append(_period_row(code, period, month["currency"], {w: month[w] for w in FIGURES}))
            continue
        rec, own = dated.get(period), months.get(period, [])
        currency = rec["currency"] if rec else own[0]["currency"]
        figures: dict[str, str | None] = {}
        rolled: list[str] = []
        for which in FIGURES:
            if rec is not None and rec[which] is not None:
                figures[which] = rec[which]
                continue
            # Months in another currency cannot be added here (a region's GMV keeps its currency:
            # rollout.rules; doctor reports one that does not); the total still converts each.
            values = [m[which] for m in own if m[which] is not None and m["currency"] == currency]
            figures[which] = money.plain(sum(map(Decimal, values), Decimal(0))) if values else None
            if values:
                rolled.append(which)
        rows.append({**_period_row(code, period, currency, figures), "rolled_up": rolled})
    # The total: per quarter and figure, the quarter's own value, else each of its months at its
    # own month's rate; never both, so a month is not counted again inside its quarter.
    if wanted is not None and not periods.is_quarter(wanted):
        subjects = [wanted] if wanted in dated else []  # a month alone: its own figures
    else:
        subjects = [wanted] if wanted is not None else sorted({periods.quarter_holding(p) for p in dated}, key=key)
    for subject in subjects:
        _add_subject(sums, unmatched, code, subject, _parts(dated.get(subject), subject, months.get(subject, [])))
    return rows


def _parts(rec: Record | None, period: str, months: Sequence[Record]) -> Parts:
    """The figures of `period` for the total: each its own record's value when set, else those of
    `months` (a quarter's months, in time order; none for a month)."""
    parts: Parts = {}
    for which, name in enumerate(FIGURES):
        if rec is not None and rec[name] is not None:
            parts[which] = [(rec["currency"], period, rec[name])]
        else:
            parts[which] = [(m["currency"], m["period"], m[name]) for m in months if m[name] is not None]
    return parts


def _period_row(code: str, period: str, currency: str, figures: dict[str, str | None]) -> dict[str, Any]:
    target, actual = figures[TARGET], figures[ACTUAL]
    return {
        "region": code,
        "period": period,
        "currency": currency,
        "target": target,
        "actual": actual,
        "attainment": _text(attainment(_amount(actual), _amount(target))),
    }


# How a figure summed from a quarter's months is marked for people (CLI, Markdown, TUI), and the
# footnote saying so once under the table.
ROLLED_MARK = " (months)"
ROLLED_NOTE = "(months): not recorded for the quarter itself: the sum of its months."


def shown_figure(row: dict[str, Any], which: str, *, code: bool = True) -> str:
    """A report row's `which` ("target" or "actual") for people (money.display: "1,000.00 EUR",
    "-"), with ROLLED_MARK when it is the sum of a quarter's months (the row's `rolled_up`)."""
    text = money.display(row[which], row["currency"], code=code)
    return text + ROLLED_MARK if which in row.get("rolled_up", ()) else text


def period_rows(state: State, code: str) -> list[dict[str, Any]]:
    """Region `code`'s period rows as `report` gives them (a quarter's figures rolled up from its
    months when it has none of its own), in time order: for the TUI's GMV tab."""
    with localcontext(money.ARITHMETIC):
        return _region_rows(state.records_of("kpis", code), code, None, {}, [])


def report(
    state: State,
    codes: Iterable[str],
    period: str | None = None,
    reporting: str = DEFAULT_REPORTING,
) -> dict[str, Any]:
    """The GMV report of the regions `codes` (in that order), as `kpi --json` prints it.

    {"periods": [{region, period, currency, target, actual, attainment, rolled_up (quarters
    only)}] (per region in time order), "promotions": [{region, promo, name, currency, target,
    actual, attainment}], "total": {currency, target, actual, attainment (over the region-periods
    with both figures), missing_rates, unmatched ("NL 2027-01: actual without target")}}. Amounts
    are decimal text (positional, never 1E+3) in the record's currency; attainment is percent text
    with one decimal or None. A quarter row's target and actual are its record's, else the sum of
    its months' (`rolled_up` lists which figures are such sums; [] for none).

    `period` (a month or quarter) keeps only that period's row: a quarter's even when only its
    months have figures. The total is in `reporting` (an ISO 4217 code): each region's figures,
    taken per quarter as the quarter's own value when set, else its months' (never both), are
    summed per currency and period, converted at that period's rate, then added and rounded to
    the reporting currency's minor units; with a rate missing, target/actual/attainment are None
    and `missing_rates` names each (`JPY/USD/2027-01`). Promotions are part of their region's GMV,
    so they are not added to the total again. Raises InvalidValue for a bad period or currency.

    The arithmetic runs in money.ARITHMETIC: exact for every amount and rate the bounds allow
    (48,000 rows, 2,000 regions x 24 months, are a loop of Decimal additions)."""
    wanted = periods.parse_period(period) if period else None
    currency = model.currency(reporting)
    money.minor_units(currency)
    rows: list[dict[str, Any]] = []
    promos: list[dict[str, Any]] = []
    sums: Sums = {}
    unmatched: list[str] = []
    promotions = state.promotions
    with localcontext(money.ARITHMETIC):
        for code in dict.fromkeys(codes):
            records = state.records_of("kpis", code)
            rows += _region_rows(records, code, wanted, sums, unmatched)
            if wanted is None:
                for rec in records:
                    if rec["promo"] is None:
                        continue
                    promo = promotions.get(rec["promo"])
                    t, a = _amount(rec[TARGET]), _amount(rec[ACTUAL])
                    row = _row(rec, t, a, region=code, promo=rec["promo"])
                    row["name"] = promo["name"] if promo else ""
                    promos.append(row)
        total = _total(state, sums, currency, unmatched)
    return {"periods": rows, "promotions": promos, "total": total}


def _row(rec: Record, target: Decimal | None, actual: Decimal | None, **subject: Any) -> dict[str, Any]:
    return {
        **subject,
        "currency": rec["currency"],
        "target": rec[TARGET],
        "actual": rec[ACTUAL],
        "attainment": _text(attainment(actual, target)),
    }


def _total(state: State, sums: Sums, currency: str, unmatched: list[str]) -> dict[str, Any]:
    table = state.tables["fx_rates"]
    target, actual, paired_target, paired_actual = Decimal(0), Decimal(0), Decimal(0), Decimal(0)
    missing: list[str] = []
    for (cur, period), (t, a, pt, pa) in sorted(sums.items(), key=lambda kv: (kv[0][0], periods.sort_key(kv[0][1]))):
        if cur == currency:
            rate = Decimal(1)
        else:
            found = table.get(f"{cur}/{currency}/{period}")
            if found is None:
                missing.append(f"{cur}/{currency}/{period}")
                continue
            rate = Decimal(found["rate"])
        target += t * rate
        actual += a * rate
        paired_target += pt * rate
        paired_actual += pa * rate
    if missing:
        return {
            "currency": currency,
            "target": None,
            "actual": None,
            "attainment": None,
            "missing_rates": missing,
            "unmatched": unmatched,
        }
    return {
        "currency": currency,
        "target": money.plain(money.rounded(target, currency)),
        "actual": money.plain(money.rounded(actual, currency)),
        "attainment": _text(attainment(paired_actual, paired_target)),  # None without any pair
        "missing_rates": [],
        "unmatched": unmatched,
    }


def total_text(total: dict[str, Any]) -> str:
    """report()'s total in words, as the CLI and the Markdown report print it: "Total in USD:
    target 1,000.00 USD, actual 870.00 USD, attainment 87.0 %", then the region-periods left out
    of the attainment, or why the total is unavailable."""
    cur = total["currency"]
    if total["missing_rates"]:
        return f"Total in {cur}: unavailable, no rate for {', '.join(total['missing_rates'])}"
    shown = total["attainment"]
    text = (
        f"Total in {cur}: target {money.display(total['target'], cur)}, actual "
        f"{money.display(total['actual'], cur)}, attainment {f'{shown} %' if shown is not None else '-'}"
    )
    unmatched = total["unmatched"]
    if unmatched:
        listed = "; ".join(unmatched[:MAX_UNMATCHED_SHOWN])
        more = len(unmatched) - MAX_UNMATCHED_SHOWN
        text += f" (left out of the attainment: {listed}{f'; and {more} more' if more > 0 else ''})"
    return text


MAX_UNMATCHED_SHOWN = 3


def current_period(region: Record, reference: datetime | None = None) -> str:
    """The month holding the reference instant (default now) in the region's local calendar."""
    ref = reference or times.now()
    return periods.month_of(times.local_date(times.to_iso(ref), region["timezone"]))


def current_attainment(state: State, code: str, reference: datetime | None = None) -> Decimal | None:
    """Region `code`'s GMV attainment for its current local month (current_period), or None."""
    rec = state.tables["kpis"].get(f"{code}/{current_period(state.region(code), reference)}")
    if rec is None:
        return None
    return attainment(_amount(rec[ACTUAL]), _amount(rec[TARGET]))


def promotion_records(state: State, code: str) -> list[Record]:
    """Region `code`'s promotions' KPI records, in promotion order (its periods: period_rows)."""
    order = {p["id"]: n for n, p in enumerate(state.promotions_of(code))}
    promos = (r for r in state.records_of("kpis", code) if r["promo"] is not None)
    return sorted(promos, key=lambda r: order.get(r["promo"], 1 << 30))


def describe(rec: Record) -> str:
    """One record in words: "DE 2027-01: target 1,000,000.00 EUR, actual 870,000.00 EUR (87.0 %)"."""
    subject = rec["promo"] or rec["period"]
    cur = rec["currency"]
    pct = attainment(_amount(rec[ACTUAL]), _amount(rec[TARGET]))
    shown = f" ({pct} %)" if pct is not None else ""
    return (
        f"{rec['region']} {subject}: target {money.display(rec[TARGET], cur)}, "
        f"actual {money.display(rec[ACTUAL], cur)}{shown}"
    )


def codes_of(state: State, records: Sequence[Record]) -> list[str]:
    """The regions of `records`, each once, in order."""
    return list(dict.fromkeys(r["region"] for r in records))
