"""`signoff request|approve|reject|show`: go/no-go sign-off of a region's launch (rollout.signoff)."""

from __future__ import annotations

import click

from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.completion import complete_region_codes

STATE_ENUM = ["pending", "approved", "rejected", "stale"]


def show_schema() -> contract.Schema:
    """`signoff show --json` (rollout.signoff.show)."""
    c = contract
    approval = c.obj(
        {
            "approver": c.STRING,
            "decision": {"type": "string", "enum": ["pending", "approved", "rejected"]},
            "state": {"type": "string", "enum": STATE_ENUM},
            "at": c.nullable(c.INSTANT),
            "by": c.nullable(c.STRING),
            "note": c.nullable(c.STRING),
            "requested_at": c.INSTANT,
            "requested_by": c.STRING,
            "moved": c.STRINGS,
        }
    )
    scope = {"type": "object"}
    return c.obj(
        {
            "region": c.STRING,
            "state": c.nullable({"type": "string", "enum": STATE_ENUM}),
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "scope": scope,
            "approvals": c.array(approval),
        }
    )


def signoff_state_schema() -> contract.Schema:
    """The `signoff` field status and health rows gain: the region's sign-off state, or null."""
    return contract.nullable({"type": "string", "enum": STATE_ENUM})


@click.group("signoff", short_help="Go/no-go sign-off of a launch by named approvers.")
def signoff() -> None:
    """Named approvers sign off a region's launch scope (the target launch, the critical items with
    their status, due and whether they apply, the promotions). An approval goes stale when that
    scope changes, and fresh again when an undo brings it back; launching needs every approval
    fresh unless --force."""


def _code_argument():  # noqa: ANN202 (a Click decorator)
    return click.argument("code", shell_complete=complete_region_codes)


@signoff.command("request", short_help="Ask named approvers to sign off a region's launch.")
@_code_argument()
@click.option("--approvers", required=True, metavar="NAME[,NAME...]", help="Who signs off (comma-separated).")
@contract.edits()
@pass_app
def signoff_request(app: App, code: str, approvers: str, as_json: bool) -> None:
    """Ask APPROVERS to sign off CODE's launch. Approvers already asked keep their decision; ones
    not named again are dropped; new ones are pending."""
    from rollout import signoff as core

    with app.change() as state:
        records = core.request(state, code, approvers, app.user)
    names = ", ".join(r["approver"] for r in records)
    app.report(
        as_json,
        lambda: f"Sign-off of {records[0]['region']} asked of {names}.",
        unchanged=f"Nothing changed: {names} already asked.",
    )


def _decide(app: App, code: str, decision: str, note: str | None, as_json: bool) -> None:
    from rollout import signoff as core

    with app.change() as state:
        record = core.decide(state, code, app.user, decision, note)
        now = core.region_state(state, record["region"])
    verb = "approved" if decision == "approved" else "rejected"
    app.report(as_json, lambda: f"{record['approver']} {verb} the launch of {record['region']} (sign-off: {now}).")


@signoff.command("approve", short_help="Approve a region's launch as it is now (approvers only).")
@_code_argument()
@click.option("--note", help="Why, or on what condition.")
@contract.edits()
@pass_app
def signoff_approve(app: App, code: str, note: str | None, as_json: bool) -> None:
    """Approve CODE's launch scope as it is now. Only a named approver (you: --user or $ROLLOUT_USER)."""
    _decide(app, code, "approved", note, as_json)


@signoff.command("reject", short_help="Reject a region's launch, with the reason (approvers only).")
@_code_argument()
@click.option("--note", required=True, help="Why (required).")
@contract.edits()
@pass_app
def signoff_reject(app: App, code: str, note: str, as_json: bool) -> None:
    """Reject CODE's launch; the rejection holds until you approve."""
    _decide(app, code, "rejected", note, as_json)


@signoff.command("show", short_help="A region's approvers, their state and what moved since.")
@_code_argument()
@contract.reads(show_schema, shows=True)
@pass_app
def signoff_show(app: App, code: str, as_json: bool) -> None:
    """Each approver of CODE with their decision, its state (pending, approved, stale, rejected),
    when (in the region's time zone), the note, and what moved in the scope since the approval
    (from history, in UTC)."""
    from rollout import signoff as core

    state = app.state()
    shown = core.show(state, code)
    if as_json:
        output.emit_json(shown)
        return
    if not shown["approvals"]:
        click.echo(f"No sign-off asked for {shown['region']}.")
        return
    click.echo(f"{shown['region']} sign-off: {shown['state']}")
    rows = [
        [a["approver"], a["state"], (a["at"] or "-")[:16].replace("T", " "), a["note"] or ""]
        for a in shown["approvals"]
    ]
    zone = state.region(shown["region"])["timezone"]  # the history lines below say UTC: this says its own
    lines = output.table(["APPROVER", "STATE", f"AT ({zone})", "NOTE"], rows).splitlines()
    click.echo(lines[0])
    for line, approval in zip(lines[1:], shown["approvals"], strict=True):
        click.echo(line)
        if approval["moved"]:
            click.echo("  moved since the approval:")
            for moved in approval["moved"]:
                click.echo(f"    {moved}")


COMMANDS = [signoff]
