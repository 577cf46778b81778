"""GMV (gross merchandise value) targets and actuals per region and period, and per promotion.

A `kpis` record (rollout.schema.KPIS) holds a target and an actual, each an exact amount in the
region's currency (rollout.money: decimal text, never float) or None; its id is `DE/2027-01` for a
region's period (a month or a quarter, rollout.periods) or the promotion's id (`p7`). Amounts are
rounded once, when shown.

Attainment is actual / target in percent (0-100 and beyond), one decimal, rounded half-even;
None without both. The portfolio total is in one reporting currency, from the exchange rates the
team records per period (`fx_rates`, never fetched): each region's sums are converted per period
at that period's rate, then added; the portfolio attainment is total actual over total target,
never an average of percentages. A missing rate makes the total unavailable, naming the rates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
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
    if promo is not None:
        if code is not None or period is not None:
            raise InvalidValue("give a promotion, or a region and a period, not both")
        found = _promotion(state, promo)
        region = state.region(found["region"])
        key, subject = found["id"], {"period": None, "promo": found["id"]}
    else:
        if code is None or period is None:
            raise InvalidValue("give a region and --period P, or --promo ID")
        region = _region(state, code)
        clean_period = periods.parse_period(period)
        key, subject = f"{region['code']}/{clean_period}", {"period": clean_period, "promo": None}
    amount = money.stored(money.parse_amount(gmv, region["currency"], f"{which} GMV"))
    current = state.tables["kpis"].get(key)
    record = dict(current) if current else {"id": key, "region": region["code"], **subject, TARGET: None, ACTUAL: None}
    record["currency"] = region["currency"]
    record[which] = amount
    return state.put("kpis", record)


def import_actuals(state: State, label: str, text: str) -> list[Record]:
    """Set the actuals of a CSV (`region,period,gmv` or `promo,gmv`, a header line first; comma,
    semicolon or tab) and return the records set. All or nothing: the first bad line raises the
    error prefixed with "LABEL line N: ", and the caller's transaction writes nothing."""
    out = []
    for line, values in parse_actuals(label, text):
        try:
            out.append(set_actual_row(state, values))
        except RolloutError as exc:
            raise type(exc)(f"{label} line {line}: {exc}") from None
    return out


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
    actual), validated like `kpi target`/`kpi actual`: amounts in the record's region currency."""
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
    return out


# -- exchange rates ---------------------------------------------------------------------------
def set_rate(state: State, base: str, quote: str, rate: str, period: str) -> Record:
    """Record that 1 `base` is `rate` `quote` in `period` (`fx set JPY USD 0.0067 --period 2027-01`).

    `rate` is decimal text > 0 (any number of decimals; exponents refused, rollout.money). Raises
    InvalidValue for an unknown currency, a bad rate or period, or a currency converted to itself."""
    clean_base, clean_quote = model.currency(base), model.currency(quote)
    money.minor_units(clean_base)
    money.minor_units(clean_quote)
    if clean_base == clean_quote:
        raise InvalidValue(f"{clean_base} converts to itself at 1: no rate needed")
    value = money.parse_decimal(rate, "rate")
    if value == 0:
        raise InvalidValue(f"invalid rate {rate.strip()!r}: a rate must be more than 0")
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
def _amount(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def attainment(actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """actual / target in percent, one decimal (money.percent); None without both or for a 0 target."""
    if actual is None or target is None:
        return None
    return money.percent(actual, target)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def report(
    state: State,
    codes: Iterable[str],
    period: str | None = None,
    reporting: str = DEFAULT_REPORTING,
) -> dict[str, Any]:
    """The GMV report of the regions `codes` (in that order), as `kpi --json` prints it.

    {"periods": [{region, period, currency, target, actual, attainment}] (per region in time
    order), "promotions": [{region, promo, name, currency, target, actual, attainment}],
    "total": {currency, target, actual, attainment, missing_rates}}. Amounts are the stored
    decimal text in the record's currency; attainment is percent text with one decimal or None.
    `period` (a month or quarter) keeps only that period's rows. The total is in `reporting`
    (an ISO 4217 code): per currency and period the sums are converted at that period's rate,
    then added and rounded to the reporting currency's minor units; with a rate missing,
    target/actual/attainment are None and `missing_rates` names each (`JPY/USD/2027-01`).
    Promotions are part of their region's GMV, so they are not added to the total again.

    One pass over the selected regions' records, the arithmetic inlined: 48,000 rows (2,000
    regions x 24 months) are a loop of Decimal operations, not of function calls."""
    wanted = periods.parse_period(period) if period else None
    currency = model.currency(reporting)
    money.minor_units(currency)
    rows: list[dict[str, Any]] = []
    promos: list[dict[str, Any]] = []
    sums: dict[tuple[str, str], list[Decimal]] = {}  # (currency, period) -> [target, actual]
    promotions = state.promotions
    dec, zero, key = Decimal, Decimal(0), periods.sort_key
    for code in dict.fromkeys(codes):
        records = state.records_of("kpis", code)
        dated = [r for r in records if r["period"] is not None and (wanted is None or r["period"] == wanted)]
        dated.sort(key=lambda r: key(r["period"]))
        for rec in dated:
            target, actual, cur = rec[TARGET], rec[ACTUAL], rec["currency"]
            t = dec(target) if target is not None else None
            a = dec(actual) if actual is not None else None
            rows.append(
                {
                    "region": code,
                    "period": rec["period"],
                    "currency": cur,
                    "target": target,
                    "actual": actual,
                    "attainment": _attainment_text(a, t),
                }
            )
            tally = sums.get((cur, rec["period"]))
            if tally is None:
                tally = sums[(cur, rec["period"])] = [zero, zero]
            if t is not None:
                tally[0] += t
            if a is not None:
                tally[1] += a
        if wanted is None:
            for rec in records:
                if rec["promo"] is None:
                    continue
                promo = promotions.get(rec["promo"])
                t, a = _amount(rec[TARGET]), _amount(rec[ACTUAL])
                row = _row(rec, t, a, region=code, promo=rec["promo"])
                row["name"] = promo["name"] if promo else ""
                promos.append(row)
    return {"periods": rows, "promotions": promos, "total": _total(state, sums, currency)}


_HUNDRED, _TENTH = Decimal(100), Decimal("0.1")


def _attainment_text(actual: Decimal | None, target: Decimal | None) -> str | None:
    """attainment() as text, inlined for the report's loop (the same half-even rounding)."""
    if actual is None or target is None or not target:
        return None
    return str((actual * _HUNDRED / target).quantize(_TENTH, rounding=ROUND_HALF_EVEN))


def _row(rec: Record, target: Decimal | None, actual: Decimal | None, **subject: Any) -> dict[str, Any]:
    return {
        **subject,
        "currency": rec["currency"],
        "target": rec[TARGET],
        "actual": rec[ACTUAL],
        "attainment": _text(attainment(actual, target)),
    }


def _total(state: State, sums: dict[tuple[str, str], list[Decimal]], currency: str) -> dict[str, Any]:
    table = state.tables["fx_rates"]
    target, actual = Decimal(0), Decimal(0)
    missing: list[str] = []
    for (cur, period), (t, a) in sorted(sums.items(), key=lambda kv: (kv[0][0], periods.sort_key(kv[0][1]))):
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
    if missing:
        return {"currency": currency, "target": None, "actual": None, "attainment": None, "missing_rates": missing}
    return {
        "currency": currency,
        "target": str(money.rounded(target, currency)),
        "actual": str(money.rounded(actual, currency)),
        "attainment": _text(attainment(actual, target)),
        "missing_rates": [],
    }


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


def region_records(state: State, code: str) -> tuple[list[Record], list[Record]]:
    """Region `code`'s KPI records: (periods in time order, promotions in promotion order)."""
    records = state.records_of("kpis", code)
    dated = sorted((r for r in records if r["period"] is not None), key=lambda r: periods.sort_key(r["period"]))
    order = {p["id"]: n for n, p in enumerate(state.promotions_of(code))}
    promos = sorted((r for r in records if r["promo"] is not None), key=lambda r: order.get(r["promo"], 1 << 30))
    return dated, promos


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
