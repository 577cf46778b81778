"""`kpi ...` (GMV targets, actuals, attainment) and `fx ...` (exchange rates per period): rollout.kpi."""

from __future__ import annotations

from typing import Any

import click

from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_selectors
from rollout.cli.regions import selectors_argument

AMOUNT: contract.Schema = {"type": ["string", "null"], "pattern": r"^[0-9]+(\.[0-9]+)?$"}
PERCENT_TEXT: contract.Schema = {"type": ["string", "null"], "pattern": r"^[0-9]+\.[0-9]$"}
CURRENCY: contract.Schema = {"type": "string", "pattern": "^[A-Z]{3}$"}
PERIOD: contract.Schema = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$"}
FIGURE_NAMES: contract.Schema = {
    "type": "array",
    "items": {"type": "string", "enum": ["target", "actual"]},
    "uniqueItems": True,
}


def report_schema() -> contract.Schema:
    """`kpi --json` (rollout.kpi.report): amounts and percentages as decimal text; a quarter's row
    says which of its figures are the sum of its months (`rolled_up`, quarter rows only)."""
    c = contract
    figures = {"currency": CURRENCY, "target": AMOUNT, "actual": AMOUNT, "attainment": PERCENT_TEXT}
    period_row = c.obj(
        {"region": c.STRING, "period": PERIOD, **figures, "rolled_up": FIGURE_NAMES}, optional=("rolled_up",)
    )
    return c.obj(
        {
            "periods": c.array(period_row),
            "promotions": c.array(c.obj({"region": c.STRING, "promo": c.STRING, "name": c.STRING, **figures})),
            "total": c.obj({**figures, "missing_rates": c.STRINGS, "unmatched": c.STRINGS}),
        }
    )


def rate_schema() -> contract.Schema:
    from rollout import schema

    return schema.json_schema(schema.FX_RATES)


class DefaultReport(click.Group):
    """`kpi [SELECTOR...]` is `kpi report [SELECTOR...]`: a first word that names no subcommand
    (a region code, an option) is the report's."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["report", *args]
        return super().parse_args(ctx, args)


@click.group("kpi", cls=DefaultReport, short_help="GMV targets and actuals per region, period and promotion.")
def kpi() -> None:
    """GMV (gross merchandise value) against target, per region and period (2027-01, 2027-Q1) and
    per promotion, in each region's currency. `kpi [SELECTOR...]` prints the report."""


def _period_option(required: bool = False):  # noqa: ANN202 (a Click decorator)
    return click.option("--period", required=required, metavar="P", help="A month (2027-01) or a quarter (2027-Q1).")


def _set(
    app: App, which: str, code: str | None, period: str | None, promo: str | None, gmv: str, as_json: bool
) -> None:
    from rollout import kpi as core

    if promo is None and (code is None or period is None):
        raise click.UsageError("give CODE --period P, or --promo ID", click.get_current_context())
    with app.change() as state:
        record = core.set_gmv(state, which, gmv, code=code, period=period, promo=promo)
    app.report(
        as_json,
        lambda: core.describe(record),
        unchanged=f"Nothing changed: {record['id']} already has that {which}.",
    )


def _setter(which: str):  # noqa: ANN202 (builds the target and actual commands alike)
    @click.argument("code", required=False, shell_complete=complete_selectors)
    @_period_option()
    @click.option("--promo", metavar="ID", help="A promotion's id (p7) instead of CODE --period.")
    @click.option("--gmv", required=True, metavar="AMOUNT", help="Decimal text in the region's currency: 1250000.50")
    @contract.edits()
    @pass_app
    def command(app: App, code: str | None, period: str | None, promo: str | None, gmv: str, as_json: bool) -> None:
        _set(app, which, code, period, promo, gmv, as_json)

    command.__doc__ = (
        f"Set the GMV {which} of region CODE for --period P, or of --promo ID, in the region's "
        "currency: plain decimal text (no exponent, no thousands separator), no more decimals than "
        "the currency has (JPY 0, EUR 2, BHD 3)."
    )
    return command


kpi.command("target", short_help="Set a GMV target (region and period, or promotion).")(_setter("target"))
kpi.command("actual", short_help="Set a GMV actual (region and period, or promotion).")(_setter("actual"))


@kpi.command("remove", short_help="Remove a GMV target and actual (region and period, or promotion).")
@click.argument("code", required=False, shell_complete=complete_selectors)
@_period_option()
@click.option("--promo", metavar="ID", help="A promotion's id (p7) instead of CODE --period.")
@contract.edits()
@pass_app
def kpi_remove(app: App, code: str | None, period: str | None, promo: str | None, as_json: bool) -> None:
    """Remove the GMV target and actual of region CODE for --period P, or of --promo ID: a figure
    entered against the wrong period, or GMV to clear before the region's currency changes (stored
    amounts are never converted). `undo` brings it back."""
    from rollout import kpi as core

    if promo is None and (code is None or period is None):
        raise click.UsageError("give CODE --period P, or --promo ID", click.get_current_context())
    with app.change() as state:
        record = core.remove_gmv(state, code=code, period=period, promo=promo)
    app.report(as_json, lambda: f"Removed the GMV of {record['id']}.")


@kpi.command("import", short_help="Set GMV actuals from a CSV (region,period,gmv or promo,gmv).")
@click.argument("file")
@contract.edits()
@pass_app
def kpi_import(app: App, file: str, as_json: bool) -> None:
    """Set actuals from a CSV file (`-`: stdin) with the header `region,period,gmv` or `promo,gmv`.
    All or nothing: a bad line is reported with its number and nothing is written."""
    from rollout import kpi as core
    from rollout.errors import InvalidValue

    data = output.read_input(file, f"file {file}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidValue(f"{file}: not UTF-8 text (save it as CSV UTF-8)") from None
    with app.change() as state:
        records = core.import_actuals(state, file, text)
    app.report(as_json, lambda: f"{len(records)} actual(s) set.")


@kpi.command("report", short_help="Target, actual and attainment per region, period and promotion.")
@selectors_argument()
@_period_option()
@click.option("--currency", "reporting", default="USD", show_default=True, help="Reporting currency of the total.")
@contract.reads(report_schema, shows=True)
@pass_app
def kpi_report(app: App, selectors: tuple[str, ...], period: str | None, reporting: str, as_json: bool) -> None:
    """Target, actual and attainment (actual / target, percent) per region and period, then per
    promotion, then the portfolio total in --currency from the rates recorded with `fx set` (each
    period at its own rate; a missing rate makes the total unavailable and says which).

    A quarter's figure is its own when recorded, else the sum of its months, marked "(months)";
    the total counts each quarter once: its own figure, or else its months, never both.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region)."""
    from rollout import kpi as core
    from rollout import queries

    state = app.state()
    codes = queries.select(state, selectors, reading=True)
    shown = core.report(state, codes, period, reporting)
    if as_json:
        output.emit_json(shown)
        return
    click.echo(render(shown))


def _pct(value: str | None) -> str:
    return f"{value} %" if value is not None else "-"


def render(shown: dict[str, Any]) -> str:
    """The report as text: a table per region and period, one per promotion, the total line."""
    from rollout.kpi import ROLLED_NOTE, shown_figure, total_text
    from rollout.money import display

    out = []
    if shown["periods"]:
        rows = [
            [r["region"], r["period"], shown_figure(r, "target"), shown_figure(r, "actual"), _pct(r["attainment"])]
            for r in shown["periods"]
        ]
        table = output.table(["REGION", "PERIOD", "TARGET", "ACTUAL", "ATTAIN"], rows)
        if any(r.get("rolled_up") for r in shown["periods"]):
            table += "\n" + ROLLED_NOTE
        out.append(table)
    if shown["promotions"]:
        rows = [
            [
                r["region"],
                r["promo"],
                r["name"],
                display(r["target"], r["currency"]),
                display(r["actual"], r["currency"]),
                _pct(r["attainment"]),
            ]
            for r in shown["promotions"]
        ]
        out.append(output.table(["REGION", "PROMO", "NAME", "TARGET", "ACTUAL", "ATTAIN"], rows))
    if not out:
        return "No GMV recorded."
    if shown["total"]["missing_rates"] or shown["periods"]:
        out.append(total_text(shown["total"]))
    return "\n\n".join(out)


# -- exchange rates ---------------------------------------------------------------------------
@click.group("fx", short_help="Exchange rates per period, recorded by the team (never fetched).")
def fx() -> None:
    """Exchange rates the team records per period for the KPI portfolio total: 1 BASE = RATE QUOTE."""


@fx.command("set", short_help="Record 1 BASE = RATE QUOTE for a period.")
@click.argument("base")
@click.argument("quote")
@click.argument("rate")
@_period_option(required=True)
@contract.edits()
@pass_app
def fx_set(app: App, base: str, quote: str, rate: str, period: str, as_json: bool) -> None:
    """Record that 1 BASE is RATE QUOTE in --period (`fx set JPY USD 0.0067 --period 2027-01`):
    RATE is plain decimal text, more than 0, less than 10^12, at most 18 decimals."""
    from rollout import kpi as core

    with app.change() as state:
        record = core.set_rate(state, base, quote, rate, period)
    app.report(
        as_json,
        lambda: f"{record['period']}: 1 {record['base']} = {record['rate']} {record['quote']}",
        unchanged=f"Nothing changed: {record['id']} is already {record['rate']}.",
    )


@fx.command("remove", short_help="Remove a recorded rate.")
@click.argument("base")
@click.argument("quote")
@_period_option(required=True)
@contract.edits()
@pass_app
def fx_remove(app: App, base: str, quote: str, period: str, as_json: bool) -> None:
    """Remove the rate of BASE in QUOTE for --period."""
    from rollout import kpi as core

    with app.change() as state:
        record = core.remove_rate(state, base, quote, period)
    app.report(as_json, lambda: f"Removed {record['id']}.")


@fx.command("list", short_help="Every recorded exchange rate.")
@contract.reads(lambda: contract.array(rate_schema()))
@pass_app
def fx_list(app: App, as_json: bool) -> None:
    """Every recorded rate by currency pair, in time order."""
    from rollout import kpi as core

    records = core.rates(app.state())
    if as_json:
        output.emit_json(records)
        return
    if not records:
        click.echo("No exchange rates recorded.")
        return
    click.echo(
        output.table(
            ["BASE", "QUOTE", "PERIOD", "RATE"], [[r["base"], r["quote"], r["period"], r["rate"]] for r in records]
        )
    )


COMMANDS = [kpi, fx]
