"""The Overview tab: the region's facts and warnings, and a form for its fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from rollout import model, ops, queries, signoff, templates, times
from rollout.errors import Forcible, InvalidValue, RolloutError, StaleEdit
from rollout.health import NOTE, SYMBOLS
from rollout.state import Record, State
from rollout.tui import forcing
from rollout.tui.bulk import promos_not_started
from rollout.tui.guard import reported
from rollout.tui.notes import notes_line
from rollout.tui.screens.forms import ConfirmScreen, FormScreen
from rollout.tui.views import launch_countdown
from rollout.tui.widgets.base import RegionPane, cli_text, when_text
from rollout.tui.widgets.form import DURATION_SHORT, WHEN_SHORT, Field, FormFields

FIELDS = ("name", "timezone", "currency", "wave", "owner", "status", "launch")
CLI_OPTION = {"timezone": "tz"}


def form_values(region: Record) -> dict[str, Any]:
    """The region as the form shows it; comparing against these tells what the user changed."""
    tz = region["timezone"]
    return {
        "name": region["name"],
        "timezone": tz,
        "currency": region["currency"],
        "wave": str(region["wave"]),
        "owner": region["owner"] or "",
        "status": region["status"],
        "launch": when_text(region.get("launch"), tz),
    }


def forced_launch_question(code: str, blocking: list[Record], unsigned: Sequence[str] = ()) -> str:
    """The confirmation of a launch with critical items open or a sign-off not fresh (rollout.signoff:
    "amara stale"), naming them as the CLI's refusals do."""
    said = []
    if blocking:
        said.append(f"{code} has {len(blocking)} critical item(s) open: {queries.describe_items(blocking)}. ")
    if unsigned:
        said.append(f"{code}'s sign-off is not fresh: {'; '.join(unsigned)}. ")
    return "".join(said) + "Launch anyway (recorded in history as a forced launch)?"


class OverviewPane(RegionPane):
    """Its keys (ctrl+s, ctrl+r, m) are bound on the Region screen, so they work from the tab bar too."""

    def __init__(self, code: str, region: Record) -> None:
        super().__init__(code, id="overview-pane")
        self.shown = form_values(region)  # what each field showed before the user typed
        self.seen = {name: region.get(name) for name in FIELDS}  # the stored values behind them

    def compose(self) -> ComposeResult:
        yield Static(id="overview-facts")
        yield Static(id="overview-warnings")
        yield FormFields(self._fields(), id="region-form")
        yield Static("", id="overview-modified", classes="form-modified")
        yield Static("", id="overview-error", classes="form-error")
        with Horizontal(classes="form-buttons"):
            yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
            yield Button("Revert (ctrl+r)", id="revert", compact=True)
            yield Button("Move launch (m)", id="move-launch", compact=True)

    def _fields(self) -> list[Field]:
        v = self.shown
        return [
            Field("name", "Name", v["name"], lambda t: model.required_text("name", t)),
            Field("timezone", "Timezone", v["timezone"], model.timezone),
            Field("currency", "Currency", v["currency"], model.currency),
            Field("wave", "Wave", v["wave"], model.wave),
            Field("owner", "Owner", v["owner"]),
            Field("status", "Status", v["status"], kind="select", options=model.STATUSES),
            Field("launch", "Launch", v["launch"], self._check_launch, placeholder=WHEN_SHORT),
        ]

    @property
    def form(self) -> FormFields:
        return self.query_one("#region-form", FormFields)

    def _typed_timezone(self) -> str:
        """The timezone the launch is read in: the one typed, if valid, else the region's."""
        try:
            return model.timezone(self.form.value("timezone"))
        except RolloutError:
            return self.region_record["timezone"]

    def _check_launch(self, text: str) -> None:
        if not text.strip():
            if self.shown["launch"]:
                raise InvalidValue("the launch date cannot be cleared; give a date")
            return
        times.parse_when(text, self._typed_timezone())

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_main(self) -> None:
        self.form.focus_first()

    def dirty(self) -> dict[str, Any]:
        """Fields the user has changed from what they were shown."""
        return {k: v for k, v in self.form.values().items() if v != self.shown[k]}

    def refresh_data(self) -> None:
        region = self.region_record
        self._show_facts(region)
        fresh = form_values(region)
        typed = self.dirty()
        for name in FIELDS:
            if name in typed:
                # Keep what the user typed; say so if the stored value moved underneath it.
                moved = region.get(name) != self.seen[name]
                self.form.show_note(
                    name, f"changed meanwhile to {fresh[name]!r}; saving will be refused" if moved else None
                )
                continue
            self.shown[name] = fresh[name]
            self.seen[name] = region.get(name)
            if self.form.value(name) != fresh[name]:
                self.form.set_value(name, fresh[name])
            self.form.show_note(name, None)

    def _show_facts(self, region: Record) -> None:
        tz, code = self.rollout.zone_for(region["timezone"]), self.code
        lines = [
            f"Target launch {times.local_display(region.get('launch'), tz)} ({tz})"
            + (f" · launched {times.local_display(region['launched_at'], tz)}" if region.get("launched_at") else "")
            + f" · {launch_countdown(region, times.now())}",
            f"Readiness {queries.readiness(self.state, code)}% · "
            f"{len(queries.open_critical(self.state, code))} critical item(s) open · "
            f"{len(self.state.promotions_of(code))} promotions",
        ]
        row = self.rollout.snapshot.by_code.get(code)
        if row is not None:
            forecast = f" · forecast ready {row.forecast}" if row.forecast else ""
            lines.append(f"Health {SYMBOLS[row.health]} {row.health}{forecast}")
            lines += [f"  {'·' if r.level == NOTE else SYMBOLS.get(r.level, '·')} {r.text}" for r in row.reasons]
        noted = notes_line(region, tz)
        if noted:
            lines.append(f"Notes: {noted} (N adds one)")
        self.query_one("#overview-facts", Static).update(Text("\n".join(lines)))
        warnings = queries.region_warnings(self.state, code)
        box = self.query_one("#overview-warnings", Static)
        box.update("\n".join(f"⚠ {w}" for w in warnings))
        box.set_class(bool(warnings), "-shown")

    def show_error(self, message: str | None) -> None:
        box = self.query_one("#overview-error", Static)
        box.update(message or "")
        box.set_class(bool(message), "-shown")

    # -- actions -----------------------------------------------------------------------
    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#revert")
    def _revert_pressed(self) -> None:
        self.action_revert()

    @on(Button.Pressed, "#move-launch")
    def _move_pressed(self) -> None:
        self.action_move_launch()

    @on(FormFields.Changed)
    def _typed(self) -> None:
        self.show_error(None)
        self.show_modified()

    def show_modified(self) -> None:
        """Say which fields are typed but not saved (leaving or quitting asks about them)."""
        dirty = self.dirty()
        box = self.query_one("#overview-modified", Static)
        box.update(f"modified: {', '.join(dirty)} · ctrl+s saves, ctrl+r reverts" if dirty else "")
        if box.has_class("-shown") != bool(dirty):
            self.screen.refresh_bindings()  # Revert is offered only while there is something to revert
        box.set_class(bool(dirty), "-shown")

    @reported
    def action_revert(self) -> None:
        """Show the stored values again, dropping what was typed."""
        region = self.region_record
        fresh = form_values(region)
        for name in FIELDS:
            self.shown[name] = fresh[name]
            self.seen[name] = region.get(name)
            self.form.set_value(name, fresh[name])
            self.form.show_note(name, None)
            self.form.show_error(name, None)
        self.show_error(None)
        self.show_modified()

    @reported
    def action_save(self) -> None:
        self.save_now()

    def save_now(self) -> bool:
        """Save what was typed; False when nothing was saved (an error shown, or a forced launch to confirm)."""
        if self.rollout.refuse_read_only():
            return False
        if not self.form.validate_all():
            self.show_error("Fix the fields marked above; nothing was saved.")
            return False
        changed = self.dirty()
        if not changed:
            self.notify("Nothing to save.", timeout=2)
            return True
        blocking = queries.open_critical(self.state, self.code)
        unsigned = signoff.launch_blockers(self.state, self.code)
        if changed.get("status") == "launched" and (blocking or unsigned):

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._save(changed, force=True)

            question = forced_launch_question(self.code, blocking, unsigned)
            self.app.push_screen(ConfirmScreen(question, yes="Launch"), confirmed)
            return False
        return self._save(changed, force=False)

    def _save(self, changed: dict[str, Any], force: bool) -> bool:
        code = self.code
        expected = {name: self.seen[name] for name in changed}
        options = {CLI_OPTION.get(k, k): v for k, v in changed.items()}
        command = cli_text("region", "set", code, **options, force=force or None)

        def change(state: State) -> list[Record]:
            return ops.set_regions(state, [code], force=force, expected=expected, **changed)

        try:
            outcome = self.rollout.apply_edit(command, change)
        except StaleEdit as error:
            self._rebase(changed)
            self.show_error(f"{error}. The current values are noted under the fields; save again to overwrite them.")
            return False
        except Forcible as error:  # a rule (a launched region's launch moved): ask, then save forced
            self.show_error(forcing.refusal(error))
            forcing.ask_to_force(self.rollout, error, lambda: self._save(changed, force=True))
            return False
        except RolloutError as error:
            self.show_error(str(error))
            return False
        self.action_revert()
        self.notify(f"Saved {code}: " + ", ".join(changed), timeout=3)
        if outcome.entry is not None and ("timezone" in changed or "currency" in changed):
            from rollout import territory  # Babel is slow to import: only a saved zone or currency pays

            # The CLI's `region set` warnings (territory.region_warnings), on the fields saved.
            for region in outcome.value:
                for warning in territory.region_warnings(
                    region, zone="timezone" in changed, currency="currency" in changed
                ):
                    self.notify(warning, severity="warning", title="Check the region", timeout=10)
        return True

    def _rebase(self, changed: dict[str, Any]) -> None:
        """The user has now been told the newer values: a second save applies theirs knowingly."""
        region = self.region_record
        fresh = form_values(region)
        for name in changed:
            self.shown[name] = fresh[name]
            self.seen[name] = region.get(name)
            self.form.show_note(name, f"now {fresh[name]!r} in the database")

    @reported
    def action_move_launch(self) -> None:
        region = self.region_record
        if self.rollout.refuse_read_only():
            return
        if region["status"] == "launched":  # rules.launch_move_gate: moved only when forced
            self.notify(
                f"{self.code} has launched: its launch moves only when forced. Change the Launch field and "
                f"confirm, or run: rollout region set {self.code} --launch WHEN --force",
                severity="warning",
            )
            return
        if not region.get("launch"):
            self.notify(f"{self.code} has no launch date to move.", severity="warning")
            return
        code, tz = self.code, region["timezone"]
        # What the dialog shows and moves from: the launch as last read (it follows reloads).
        loaded = {"launch": region["launch"]}
        promos = promos_not_started(self.state, [code])

        def title() -> str:
            return f"Move the launch of {code} (now {times.local_display(loaded['launch'], tz)})"

        def follow(form: FormScreen) -> None:
            stored = self.state.regions.get(code)
            if stored is not None and stored.get("launch"):
                loaded["launch"] = stored["launch"]
            form.set_title(title())
            form.update_preview()

        def preview(values: dict[str, Any]) -> str:
            moved = times.shift_iso(loaded["launch"], times.parse_duration(values["by"]), tz)
            along = f"; {promos} promotion(s) not started move too" if promos and values.get("promos") else ""
            return f"new launch: {times.local_display(moved, tz)} ({tz}){along}"

        def save(form: FormScreen, values: dict[str, Any]) -> None:
            by, along = values["by"].strip(), bool(values.get("promos"))

            def change(state: State) -> list[Record]:
                ops.check_expected(state, "regions", state.region(code), dict(loaded))
                return templates.shift(state, [code], by, with_promos=along)[0]

            try:
                # One change: the launch and its promotions move together and one undo brings all back.
                self.rollout.apply_edit(cli_text("shift", code, by=by, with_promos=along or None), change)
            except StaleEdit as error:
                # The app has read the file again: the dialog now shows the new launch and moves from it.
                follow(form)
                last = queries.last_change_of(self.state, "regions", code)
                who = f" by {last['user']} (#{last['id']})" if last else ""
                raise StaleEdit(
                    f"the launch of {code} was moved{who} while this was open; the title shows it now: "
                    f"enter moves it by {by} from there"
                ) from error
            launch = self.state.region(code)["launch"]
            moved = f" with {promos} promotion(s)" if along and promos else ""
            self.notify(f"{code} launch now {times.local_display(launch, tz)}{moved}", timeout=3)

        fields = [Field("by", "Move by", "", times.parse_duration, placeholder=DURATION_SHORT)]
        if promos:
            label = f"move the {promos} promotion(s) not started too"
            fields.append(Field("promos", "Promos", True, kind="check", placeholder=label))
        self.app.push_screen(FormScreen(title(), fields, save, preview=preview, follow=follow))
