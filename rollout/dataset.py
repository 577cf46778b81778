"""The bundled dataset in `data/`: regions, the readiness template and the promotional calendar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rollout import times
from rollout.schema import ITEM_FIELDS, fingerprint
from rollout.state import State, empty_document

# The dataset's own "today": the clock the README pins (ROLLOUT_NOW) to show it. No item is ticked after it.
DATASET_NOW = "2026-11-24T09:00:00+00:00"
# The day the items that the progress lists tick ahead of their due dates were ticked: before the
# dataset's today and before the 28 days whose ticks set the pace (rollout.health), so the
# forecasts read as the README shows them.
EARLY_TICK_DAY = "2026-10-01"


def data_dir() -> Path:
    """`data/` ships inside the installed package; in a source checkout it sits beside it."""
    here = Path(__file__).resolve().parent
    packaged = here / "data"
    return packaged if packaged.is_dir() else here.parent / "data"


def _load(name: str) -> Any:
    return json.loads((data_dir() / name).read_text(encoding="utf-8"))


def _local(value: str | None, tz: str) -> str | None:
    return None if value is None else times.to_iso(times.parse_when(value, tz))


def bundled_document() -> dict[str, Any]:
    """A fresh database document seeded from the bundled dataset."""
    state = State(empty_document())
    checklist = _load("checklist.json")
    standard = _standard_template(checklist["template"])
    state.put("templates", standard)
    for raw in _load("regions.json"):
        tz = raw["timezone"]
        region = {
            "code": raw["code"],
            "name": raw["name"],
            "timezone": tz,
            "currency": raw["currency"],
            "status": raw["status"],
            "wave": raw["wave"],
            "owner": raw["owner"],
            "launch": _local(raw["launch"], tz),
            "launched_at": _local(raw.get("launched_at"), tz),
            "notes": [],
        }
        state.put("regions", region)
        live = region["launched_at"] is not None
        done_keys = set(checklist["progress"].get(region["code"], ()))
        template = [dict(t, done=live or t["key"] in done_keys) for t in checklist["template"]]
        for spec in template:
            _seed_item(state, region, spec, standard)
        for spec in checklist.get("extra", {}).get(region["code"], []):
            _seed_item(state, region, spec)
    for raw in _load("promotions.json"):
        tz = state.region(raw["region"])["timezone"]
        promo = {
            "id": state.new_id("promotions"),
            "region": raw["region"],
            "name": raw["name"],
            "kind": raw["kind"],
            "start": _local(raw["start"], tz),
            "end": _local(raw["end"], tz),
            "origin": None,
            "notes": [],
        }
        state.put("promotions", promo)
    return state.document()


STANDARD = "standard"


def _standard_template(specs: list[dict[str, Any]]) -> dict[str, Any]:
    """The bundled `standard` launch template (rollout.templates): the readiness checklist of
    checklist.json, each due an offset in calendar days from the launch, at version 1."""
    return {
        "name": STANDARD,
        "version": 1,
        "items": [
            {
                "key": spec["key"],
                "title": spec["title"],
                "category": spec["category"],
                "owner": spec["owner"],
                "critical": bool(spec["critical"]),
                "due": f"{spec['due_days']}d",
                "after": [],
            }
            for spec in specs
        ],
        "promotions": [],
        "updated_at": "2026-01-05T09:00:00+00:00",
        "updated_by": "rollout",
    }


def _seed_item(
    state: State, region: dict[str, Any], spec: dict[str, Any], template: dict[str, Any] | None = None
) -> None:
    """One checklist item of the dataset; one of the `standard` template remembers it (its origin),
    so applying the template to a bundled region adds nothing twice."""
    due = None
    if region["launch"]:
        shifted = times.shift_iso(region["launch"], times.parse_duration(f"{spec['due_days']}d"), region["timezone"])
        due = _local(shifted[:10], region["timezone"])  # due by the end of that local day
    item = state.put(
        "items",
        {
            "id": state.new_id("items"),
            "region": region["code"],
            "title": spec["title"],
            "category": spec["category"],
            "owner": spec["owner"],
            "due": due,
            "due_all_day": due is not None,
            "status": "done" if spec["done"] else "open",
            "critical": bool(spec["critical"]),
            "done_at": _tick(due, region["timezone"]) if spec["done"] else None,
            "done_by": region["owner"] if spec["done"] else None,
            "after": [],
            "origin": None,  # every field an item added by `check add` has (ops.new_item)
            "not_applicable": None,
            "notes": [],
        },
    )
    if template is not None:
        origin = {
            "template": template["name"],
            "version": template["version"],
            "key": spec["key"],
            "fingerprint": fingerprint(item, ITEM_FIELDS),
            "offset": f"{spec['due_days']}d",
        }
        state.put("items", {**item, "origin": origin})


def _tick(due: str | None, tz: str) -> str | None:
    """When a seeded done item was ticked: on its due day, unless that is after the dataset's
    today (an item done ahead of time), then on EARLY_TICK_DAY."""
    if due is not None and times.instant(due) > times.instant(DATASET_NOW):
        return _local(EARLY_TICK_DAY, tz)
    return due
