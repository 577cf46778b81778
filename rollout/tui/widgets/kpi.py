"""The GMV tab of the Region screen: actual against target per period, the promotions' attainment,
and the go/no-go sign-off. Text only (eighth-block bars with the numbers beside them), so it reads
with NO_COLOR and at 80 columns; it reads the loaded snapshot and never touches storage."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rollout import kpi, money, signoff
from rollout.tui.widgets.base import RegionPane

EIGHTHS = " ▏▎▍▌▋▊▉█"  # 0 to 8 eighths of a cell
TARGET_MARK = "┊"  # where the target is, when the actual bar stops short of it
BAR_CELLS = 20


def bar(actual: Decimal | None, target: Decimal | None, scale: Decimal, cells: int = BAR_CELLS) -> str:
    """`cells` characters: the actual as a bar in eighths of a cell against `scale` (the largest
    figure shown), with TARGET_MARK in the target's cell when the bar does not reach it."""
    if scale <= 0:
        return " " * cells
    eighths = int((actual or Decimal(0)) * cells * 8 / scale) if actual is not None else 0
    full, part = divmod(min(eighths, cells * 8), 8)
    out = list("█" * full + (EIGHTHS[part] if part else "") + " " * cells)[:cells]
    if target is not None:
        at = min(int(target * cells / scale), cells - 1)
        if at >= full + (1 if part else 0):
            out[at] = TARGET_MARK
    return "".join(out)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _pct(value: Decimal | None) -> str:
    return f"{money.plain(value)} %" if value is not None else "-"


def period_lines(records: list[dict], cells: int = BAR_CELLS) -> list[str]:
    """One line per period: `2027-01 ████████████▉   ┊ 870,000.50 / 1,000,000.00 EUR  87.0 %`.

    `records`: KPI records or kpi.period_rows rows; a figure summed from a quarter's months (the
    row's `rolled_up`) is marked as the CLI marks it (kpi.ROLLED_MARK)."""
    figures = [(_dec(r["actual"]), _dec(r["target"])) for r in records]
    scale = max((v for pair in figures for v in pair if v is not None), default=Decimal(0))
    lines = []
    for rec, (actual, target) in zip(records, figures, strict=True):
        numbers = f"{kpi.shown_figure(rec, 'actual', code=False)} / {kpi.shown_figure(rec, 'target')}"
        lines.append(
            f"{rec['period']:<7} {bar(actual, target, scale, cells)} {numbers}  {_pct(kpi.attainment(actual, target))}"
        )
    return lines


def promotion_lines(state: object, records: list[dict]) -> list[str]:
    """One line per promotion with a GMV: `p61 Launch Week Deals  61,000.50 / 50,000.00 EUR  122.0 %`."""
    lines = []
    promos = state.promotions  # type: ignore[attr-defined]
    for rec in records:
        actual, target = _dec(rec["actual"]), _dec(rec["target"])
        name = promos[rec["promo"]]["name"] if rec["promo"] in promos else ""
        cur = rec["currency"]
        numbers = f"{money.display(actual, cur, code=False)} / {money.display(target, cur)}"
        lines.append(f"{rec['promo']:<5} {name[:24]:<24} {numbers}  {_pct(kpi.attainment(actual, target))}")
    return lines


class KpiPane(RegionPane):
    """GMV against target by period (bars), then by promotion, then the sign-off state."""

    def __init__(self, code: str) -> None:
        super().__init__(code, id="kpi-pane")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="kpi-scroll"):
            yield Static(id="kpi-signoff")
            yield Static(id="kpi-periods")
            yield Static(id="kpi-promotions")

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_main(self) -> None:
        self.query_one("#kpi-scroll", VerticalScroll).focus()

    def refresh_data(self) -> None:
        state = self.state
        promos = kpi.promotion_records(state, self.code)
        # The report's rows, so a quarter shows the sum of its months when it has no figure of its own.
        dated = kpi.period_rows(state, self.code)
        self.query_one("#kpi-signoff", Static).update(signoff_line(state, self.code))
        periods = ["GMV by period (actual / target, bar: actual, ┊ target)", *period_lines(dated)]
        if any(row.get("rolled_up") for row in dated):
            periods.append(kpi.ROLLED_NOTE)
        if not dated:
            periods = ["No GMV by period yet: kpi target / kpi actual CODE --period 2027-01 --gmv AMOUNT"]
        self.query_one("#kpi-periods", Static).update("\n".join(periods))
        lines = ["", "Promotions (actual / target)", *promotion_lines(state, promos)] if promos else []
        self.query_one("#kpi-promotions", Static).update("\n".join(lines))


def signoff_line(state: object, code: str) -> str:
    """The region's go/no-go in one or two lines: state, then each approver's."""
    found = signoff.region_state(state, code)  # type: ignore[arg-type]
    if found is None:
        return "Sign-off: none asked for (signoff request CODE --approvers NAME,...)\n"
    current = signoff.fingerprint(state, code)  # type: ignore[arg-type]
    people = ", ".join(
        f"{rec['approver']} {signoff.approval_state(rec, current)}"
        for rec in signoff.approvals(state, code)  # type: ignore[arg-type]
    )
    return f"Sign-off: {found} ({people})\n"
