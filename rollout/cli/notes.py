"""Notes on regions, items and promotions (`region note`, `check note`, `promo note`): the one
way each command adds one (rollout.templates.add_note), shared by the three noun modules."""

from __future__ import annotations

from rollout.cli.app import App

LINK_HELP = "An http(s) URL of the evidence (stored, never fetched)."


def add_note(app: App, table: str, key: str, text: str, link: str | None, as_json: bool) -> None:
    """Append a dated, signed note to record `key` of `table` as one change, and report it."""
    from rollout import templates  # the write path only: read commands start faster without it

    with app.change() as state:
        record = templates.add_note(state, table, key, text, app.user, link)
    name = record.get("code") or record["id"]
    app.report(as_json, lambda: f"Noted on {name}: {record['notes'][-1]['text']}")
