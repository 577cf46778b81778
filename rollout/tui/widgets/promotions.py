"""The Promotions tab: a region's shopping events in local time, with overlap and pre-launch warnings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from rollout import model, ops, queries, schema, times
from rollout.errors import RolloutError, StaleEdit
from rollout.state import Record, State
from rollout.tui.bulk import Change, commands_text, confirm_change, form_then_confirm
from rollout.tui.guard import reported
from rollout.tui.notes import add_note, notes_line
from rollout.tui.screens.forms import ConfirmScreen, FormScreen
from rollout.tui.widgets.base import EDIT_BINDINGS, MARK_BINDINGS, RecordTable, TablePane, cli_text, when_text
from rollout.tui.widgets.form import DURATION_SHORT, Field


def span_problem(start: str, end: str, tz: str) -> str | None:
    """The core's complaint about a start/end pair, once both parse (each field reports its own errors)."""
    try:
        begin, finish = times.parse_when(start, tz), times.parse_when(end, tz)
    except RolloutError:
        return None
    try:
        schema.check_span(begin, finish)
    except RolloutError as exc:
        return str(exc)
    return None


def promo_form_values(promo: Record, tz: str) -> dict[str, Any]:
    return {
        "name": promo["name"],
        "kind": promo["kind"],
        "start": when_text(promo["start"], tz),
        "end": when_text(promo["end"], tz),
    }


class PromotionsPane(TablePane):
    HELP_TITLE = "Promotions"
    TABLE_ID = "promos"
    RECORDS = "promotions"
    BINDINGS = [*EDIT_BINDINGS, Binding("m", "move", "Move by", id="promo.move"), *MARK_BINDINGS]

    def __init__(self, code: str, focus_key: str | None = None) -> None:
        super().__init__(code, id="promotions-pane")
        self.focus_key = focus_key
        self.warnings: dict[str, list[str]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="launch-line")
        yield RecordTable(["ID", "NAME", "KIND", "START", "END", "WARNINGS"], id="promos", markable=True)
        yield Static(id="promo-detail")

    def refresh_data(self) -> None:
        region = self.region_record
        tz = region["timezone"]
        shown_tz = self.rollout.zone_for(tz)
        self.warnings = queries.promo_warnings(self.state, self.code, times.now())
        promos = sorted(self.state.promotions_of(self.code), key=lambda p: times.instant(p["start"]))
        table = self.table
        rows = []
        for promo in promos:
            notes = "; ".join(self.warnings.get(promo["id"], []))
            rows.append(
                (
                    promo["id"],
                    [
                        table.styled(promo["id"]),
                        table.styled(promo["name"]),
                        table.styled(promo["kind"]),
                        table.styled(times.local_display(promo["start"], shown_tz)),
                        table.styled(times.local_display(promo["end"], shown_tz)),
                        table.styled(notes, "warning") if notes else table.styled(""),
                    ],
                )
            )
        keep, self.focus_key = self.focus_key, None
        table.fill(rows, keep=keep)
        launch = queries.effective_launch(region)
        verb = "launched" if region.get("launched_at") else "launch"
        self.query_one("#launch-line", Static).update(
            f"{self.code} {verb} {times.local_display(launch, shown_tz)} · {len(promos)} promotions · "
            f"times in {self.rollout.times_label} ({shown_tz}, z switches)"
        )
        self._show_detail()

    def _show_detail(self) -> None:
        promo = self.current()
        detail = self.query_one("#promo-detail", Static)
        if promo is None:
            detail.update("No promotions. a adds one.")
            return
        warnings = self.warnings.get(promo["id"], [])
        text = f"{promo['id']}: {promo['name']}"
        noted = notes_line(promo, self.rollout.zone_for(self.region_record["timezone"]))
        text += f"\n{noted}" if noted else ""
        detail.update(text + ("\n⚠ " + "\n⚠ ".join(warnings) if warnings else ""))
        detail.set_class(bool(warnings), "-warning")

    @on(DataTable.RowHighlighted, "#promos")
    def _highlighted(self) -> None:
        self._show_detail()

    # -- actions -----------------------------------------------------------------------
    @reported
    def action_note(self) -> None:
        promo = self.current()
        if promo is not None:
            add_note(self.rollout, "promotions", promo["id"])

    def _fields(self, values: dict[str, Any]) -> list[Field]:
        tz = self.region_record["timezone"]
        return [
            Field("name", "Name", values.get("name", ""), lambda t: model.required_text("name", t)),
            Field("kind", "Kind", values.get("kind", ""), placeholder=model.DEFAULT_KIND),
            Field(
                "start", "Start", values.get("start", ""), lambda t: times.parse_when(t, tz), placeholder="YYYY-MM-DD"
            ),
            Field("end", "End", values.get("end", ""), lambda t: times.parse_when(t, tz), placeholder="YYYY-MM-DD"),
        ]

    def _check(self, values: dict[str, Any]) -> str | None:
        return span_problem(values["start"], values["end"], self.region_record["timezone"])

    @reported
    def action_add(self) -> None:
        if self.rollout.refuse_read_only():
            return
        code = self.code

        def save(form: FormScreen, values: dict[str, Any]) -> None:
            kind = values["kind"].strip() or None
            command = cli_text(
                "promo", "add", code, values["name"], start=values["start"], end=values["end"], kind=kind
            )
            outcome = self.rollout.apply_edit(
                command,
                lambda s: ops.add_promotions(
                    s, [code], values["name"], start=values["start"], end=values["end"], kind=kind
                ),
            )
            created = outcome.value[0]
            self.select(created["id"])
            self._announce(created, "Added")

        tz = self.region_record["timezone"]
        title = f"Add a promotion to {code} (dates in {tz})"
        # Start before end is the core's rule (schema.check_span), shown live under the form.
        self.app.push_screen(FormScreen(title, self._fields({}), save, check=self._check))

    def _announce(self, promo: Record, verb: str) -> None:
        warnings = queries.promo_warnings(self.state, self.code, times.now()).get(promo["id"], [])
        if warnings:
            self.notify(f"{promo['id']} {promo['name']}: " + "; ".join(warnings), severity="warning", title=verb)
        else:
            self.notify(f"{verb} {promo['id']}: {promo['name']}", timeout=3)

    @reported
    def action_edit(self) -> None:
        promo = self.current()
        if promo is None or self.rollout.refuse_read_only():
            return
        tz = self.region_record["timezone"]
        values = promo_form_values(promo, tz)
        form = FormScreen(
            f"Edit {promo['id']} in {self.code} (dates in {tz})",
            self._fields(values),
            lambda form, changed: self._save_edit(form, promo["id"], changed),
            check=self._check,
            baseline=values,
            record=promo,
            reload=lambda: self._stored(promo["id"]),
        )
        self.app.push_screen(form)

    def _stored(self, promo_id: str) -> tuple[dict[str, Any], Record] | None:
        """The promotion as the form shows it and as stored now (None once deleted)."""
        fresh = self.state.promotions.get(promo_id)
        if fresh is None:
            return None
        return promo_form_values(fresh, self.state.region(fresh["region"])["timezone"]), fresh

    def _save_edit(self, form: FormScreen, promo_id: str, changed: dict[str, Any]) -> None:
        expected = form.expected(changed)
        command = cli_text("promo", "edit", promo_id, **changed)

        def change(state: State) -> Record:
            return ops.edit_promotion(state, promo_id, expected=expected, **changed)

        try:
            outcome = self.rollout.apply_edit(command, change)
        except StaleEdit:
            stored = self._stored(promo_id)
            if stored is not None:
                form.rebase(*stored)
            raise
        self._announce(outcome.value, "Updated")

    @reported
    def action_move(self) -> None:
        promo = self.current()
        if promo is None or self.rollout.refuse_read_only():
            return
        tz = self.region_record["timezone"]
        promo_id = promo["id"]
        # What the dialog shows and moves from: the promotion as last read (it follows reloads).
        loaded = {"promo": promo}

        def title() -> str:
            shown = loaded["promo"]
            span = f"{times.local_display(shown['start'], tz)} - {times.local_display(shown['end'], tz)}"
            return f"Move {promo_id} {shown['name']} (now {span})"

        def follow(form: FormScreen) -> None:
            loaded["promo"] = self.state.promotions.get(promo_id) or loaded["promo"]
            form.set_title(title())
            form.update_preview()

        def preview(values: dict[str, Any]) -> str:
            by, shown = times.parse_duration(values["by"]), loaded["promo"]
            start, end = times.move_span(shown["start"], shown["end"], by, tz)
            return f"new: {times.local_display(start, tz)} - {times.local_display(end, tz)}"

        def save(form: FormScreen, values: dict[str, Any]) -> None:
            by = values["by"].strip()
            seen = {"start": loaded["promo"]["start"], "end": loaded["promo"]["end"]}

            def change(state: State) -> Record:
                # A relative move applied twice is not what anyone meant: refuse if it moved meanwhile.
                ops.check_expected(state, "promotions", queries.promotion(state, promo_id), seen)
                return ops.move_promotion(state, promo_id, by)

            try:
                outcome = self.rollout.apply_edit(cli_text("promo", "move", promo_id, by=by), change)
            except StaleEdit as error:
                # The app has read the file again: the dialog now shows the new dates and moves from them.
                follow(form)
                last = queries.last_change_of(self.state, "promotions", promo_id)
                who = f" by {last['user']} (#{last['id']})" if last else ""
                raise StaleEdit(
                    f"{promo_id} was moved{who} while this was open; the title shows its dates now: "
                    f"enter moves it by {by} from there"
                ) from error
            self._announce(outcome.value, "Moved")

        fields = [Field("by", "Move by", "", times.parse_duration, placeholder=DURATION_SHORT)]
        self.app.push_screen(FormScreen(title(), fields, save, preview=preview, follow=follow))

    @reported
    def action_delete(self) -> None:
        promo = self.current()
        if promo is None or self.rollout.refuse_read_only():
            return
        promo_id = promo["id"]

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            outcome = self.rollout.edit(
                cli_text("promo", "remove", promo_id), lambda s: ops.remove_promotion(s, promo_id)
            )
            if outcome is not None:
                self.notify(f"Deleted {promo_id}: {promo['name']} (u undoes)", timeout=4)

        question = f"Delete promotion {promo_id} {promo['name']!r} from {self.code}?"
        if not self.rollout.settings.confirm.delete:
            confirmed(True)
            return
        self.app.push_screen(ConfirmScreen(question, yes="Delete"), confirmed)

    def bulk_actions(self, keys: list[str]) -> list[tuple[str, Callable[[], None]]]:
        app, ids = self.rollout, list(keys)

        def move() -> None:
            def build(values: dict[str, Any]) -> tuple[str, Change]:
                by = values["by"].strip()
                command = commands_text([cli_text("promo", "move", i, by=by) for i in ids])
                return command, lambda s: [ops.move_promotion(s, i, by) for i in ids]

            field = Field("by", "Move by", "", times.parse_duration, placeholder=DURATION_SHORT)
            form_then_confirm(app, f"Move {len(ids)} promotion(s)", [field], build, self._after_bulk)

        def delete() -> None:
            command = commands_text([cli_text("promo", "remove", i) for i in ids])
            confirm_change(
                app, command, lambda s: [ops.remove_promotion(s, i) for i in ids], self._after_bulk, yes="Delete"
            )

        return [("Move by…", move), ("Delete", delete)]

    def _after_bulk(self, _value: object) -> None:
        self.table.marked.clear()
        self.refresh_data()

    def select(self, promo_id: str) -> None:
        self.table.select_key(promo_id)
