"""Synthetic rollout databases and batch files, generated from a fixed seed.

Region codes are real: the 17-region database uses ISO 3166-1 alpha-2 country codes, the 200 and
2,000-region ones ISO 3166-2 subdivision codes (US-CA, FR-75, ...) taken round-robin from the countries
in CURRENCIES, so every region passes the same validation as `rollout region add`. A region's timezone
is the first zone listed for its country in the IANA zone.tab (shipped with the tzdata package, or the
system's /usr/share/zoneinfo), its currency the country's from CURRENCIES. Each region gets ~40
checklist items and ~20 promotions. About one item in ten waits for an earlier item of its region
(`after`), and one in a hundred for an item of the region before it (drawn from a random generator
of their own, so the rest of the data is the same as without dependencies). The database is built as a State in memory and written once
through rollout.storage.write_state_file, exactly as the application writes it.
"""

from __future__ import annotations

import random
import shlex
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from rollout.model import CATEGORIES, STATUSES
from rollout.state import Record, State, empty_document
from rollout.storage import write_state_file

SEED = 2026
ITEMS_PER_REGION = 40
PROMOS_PER_REGION = 20
OWNERS = ("amara", "li.wei", "jonas", "sofia", "mateo", "priya", "kenji", "fatima", "noah", "elena")

# Countries with many ISO 3166-2 subdivisions (together well over 2,000) and their currencies.
CURRENCIES = {
    "GB": "GBP",
    "SI": "EUR",
    "UG": "UGX",
    "IT": "EUR",
    "FR": "EUR",
    "PH": "PHP",
    "EE": "EUR",
    "CZ": "CZK",
    "MA": "MAD",
    "TR": "TRY",
    "TH": "THB",
    "BD": "BDT",
    "IS": "ISK",
    "LT": "EUR",
    "ES": "EUR",
    "MT": "EUR",
    "VN": "VND",
    "DZ": "DZD",
    "US": "USD",
    "JP": "JPY",
    "KE": "KES",
    "ID": "IDR",
    "HU": "HUF",
    "LV": "EUR",
    "DO": "DOP",
    "RO": "RON",
    "NG": "NGN",
    "IN": "INR",
    "CO": "COP",
    "MX": "MXN",
    "DE": "EUR",
    "BR": "BRL",
    "PL": "PLN",
    "SE": "SEK",
    "NL": "EUR",
}
COUNTRY_REGIONS = ("ID", "TH", "VN", "MY", "PH", "SG", "GB", "US", "ES", "IE", "MX", "DE", "FR", "IT", "BR", "JP", "PL")
COUNTRY_CURRENCIES = {"MY": "MYR", "SG": "SGD", "IE": "EUR"}

CHECKLIST_TITLES = (
    "Local legal entity registered",
    "Tax / VAT registration completed",
    "Returns & logistics partner contracted",
    "Terms of service & privacy policy localized",
    "Payment provider live",
    "Local-language customer support staffed",
    "Tax-compliant invoicing configured",
    "Local payment methods enabled",
    "Seller onboarding playbook translated",
    "Creator programme kick-off",
    "App store listing localized",
    "Marketing launch plan approved",
    "Warehouse capacity confirmed",
    "Customs broker appointed",
    "Consumer-protection review",
)
PROMO_NAMES = (
    ("11.11 Mega Sale", "mega-sale"),
    ("Black Friday", "mega-sale"),
    ("Cyber Monday", "mega-sale"),
    ("Summer Sale", "seasonal"),
    ("Back to School", "seasonal"),
    ("Spring Deals", "seasonal"),
    ("Payday Sale", "campaign"),
    ("Creator Week", "campaign"),
    ("Local Heroes", "local"),
    ("New Year Sale", "seasonal"),
)


@cache
def country_zones() -> dict[str, str]:
    """Country code -> the first IANA zone zone.tab lists for it."""
    text = _zone_tab()
    zones: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coords, zone, *_ = line.split("\t")
        zones.setdefault(country, zone)
    return zones


def _zone_tab() -> str:
    try:
        from importlib.resources import files

        return (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return Path("/usr/share/zoneinfo/zone.tab").read_text(encoding="utf-8")


def region_specs(count: int) -> list[tuple[str, str, str, str]]:
    """(code, name, timezone, currency) for `count` regions with real ISO codes."""
    import pycountry

    zones = country_zones()
    if count <= len(COUNTRY_REGIONS):
        specs = []
        for code in COUNTRY_REGIONS[:count]:
            country = pycountry.countries.get(alpha_2=code)
            currency = CURRENCIES.get(code) or COUNTRY_CURRENCIES[code]
            specs.append((code, getattr(country, "common_name", None) or country.name, zones[code], currency))
        return specs
    by_country = {
        country: sorted(pycountry.subdivisions.get(country_code=country), key=lambda s: s.code)
        for country in CURRENCIES
    }
    specs = []
    depth = 0
    while len(specs) < count:
        added = False
        for country, subdivisions in by_country.items():
            if depth < len(subdivisions) and len(specs) < count:
                sub = subdivisions[depth]
                specs.append((sub.code, sub.name, zones[country], CURRENCIES[country]))
                added = True
        if not added:
            raise ValueError(f"only {len(specs)} subdivisions available, {count} asked for")
        depth += 1
    return specs


def _iso(day: datetime, tz: ZoneInfo) -> str:
    return day.replace(tzinfo=tz).isoformat()


def build_state(count: int, seed: int = SEED) -> State:
    """A state of `count` regions, ~40 checklist items and ~20 promotions each."""
    rng = random.Random(seed)
    links = random.Random(seed + 1)
    state = State(empty_document())
    base = datetime(2026, 11, 24, 10, 0)
    previous_ids: list[str] = []
    for index, (code, name, tz_name, currency) in enumerate(region_specs(count)):
        tz = ZoneInfo(tz_name)
        launch = base + timedelta(days=rng.randint(-1500, 700))
        status = "launched" if launch < base else rng.choice(STATUSES[:3] + ("paused",))
        region = {
            "code": code,
            "name": name,
            "timezone": tz_name,
            "currency": currency,
            "status": status,
            "wave": index % 12,
            "owner": rng.choice(OWNERS),
            "launch": _iso(launch, tz),
            "launched_at": _iso(launch + timedelta(days=rng.choice((0, 0, 3))), tz) if status == "launched" else None,
        }
        state.put("regions", region)
        ids: list[str] = []
        for item in _items(state, rng, region, launch, tz):
            item["after"] = _after(links, ids, previous_ids)
            ids.append(item["id"])
            state.put("items", item)
        previous_ids = ids
        for promo in _promotions(state, rng, region, launch, tz):
            state.put("promotions", promo)
    return state


def _after(links: random.Random, earlier: list[str], other_region: list[str]) -> list[str]:
    """What an item waits for: an earlier item of its region (10%), an item of the region before (1%)."""
    draw = links.random()
    if draw < 0.01 and other_region:
        return [links.choice(other_region)]
    if draw < 0.11 and earlier:
        return [links.choice(earlier)]
    return []


def _items(state: State, rng: random.Random, region: Record, launch: datetime, tz: ZoneInfo) -> Iterator[Record]:
    live = region["status"] == "launched"
    for n in range(ITEMS_PER_REGION):
        due = launch - timedelta(days=rng.randint(0, 150))
        done = live or rng.random() < 0.5
        yield {
            "id": state.new_id("items"),
            "region": region["code"],
            "title": f"{CHECKLIST_TITLES[n % len(CHECKLIST_TITLES)]} ({n // len(CHECKLIST_TITLES) + 1})",
            "category": CATEGORIES[n % len(CATEGORIES)],
            "owner": rng.choice(OWNERS),
            "due": _iso(due, tz),
            "status": "done" if done else "open",
            "critical": n < 6,
            "done_at": _iso(due, tz) if done else None,
            "done_by": region["owner"] if done else None,
        }


def _promotions(state: State, rng: random.Random, region: Record, launch: datetime, tz: ZoneInfo) -> Iterator[Record]:
    start = launch - timedelta(days=30)
    for _ in range(PROMOS_PER_REGION):
        start += timedelta(days=rng.randint(5, 60))
        name, kind = rng.choice(PROMO_NAMES)
        yield {
            "id": state.new_id("promotions"),
            "region": region["code"],
            "name": name,
            "kind": kind,
            "start": _iso(start.replace(hour=0, minute=0), tz),
            "end": _iso(start.replace(hour=0, minute=0) + timedelta(days=rng.randint(1, 10)), tz),
        }


def write_database(path: Path, count: int, seed: int = SEED) -> Path:
    """Write a synthetic database of `count` regions to `path` (one write, as the application does)."""
    state = build_state(count, seed)
    state.meta["revision"] = 1
    write_state_file(path, state.document(), previous_schema=None, backups=0)
    return path


def batch_lines(state: State, count: int, seed: int = SEED) -> list[str]:
    """`count` mixed batch lines against the state's regions and items:
    check add, check done (of items that wait for nothing), region set and promo add in about equal shares."""
    rng = random.Random(seed + count)
    codes = list(state.regions)
    # Items that wait for nothing: ticking one is never refused for an open blocker.
    open_items = [i for i in state.items.values() if i["status"] == "open" and not i.get("after")]
    open_items = open_items or list(state.items.values())
    lines = []
    for n in range(count):
        kind = n % 4
        code = rng.choice(codes)
        day = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if kind == 0:
            title = shlex.quote(f"{rng.choice(CHECKLIST_TITLES)} #{n}")
            lines.append(f"check add {code} {title} --category {rng.choice(CATEGORIES)} --due {day}")
        elif kind == 1:
            item = rng.choice(open_items)
            lines.append(f"check done {item['region']} {item['id']}")
        elif kind == 2:
            # A launched region's launch is not moved without --force (rollout.rules): move only the others'.
            fields = [f"--owner {rng.choice(OWNERS)}", f"--wave {rng.randint(0, 12)}", f"--launch {day}"]
            field = rng.choice(fields if state.regions[code]["status"] != "launched" else fields[:2])
            lines.append(f"region set {code} {field}")
        else:
            name, kind_name = rng.choice(PROMO_NAMES)
            lines.append(f"promo add {code} {shlex.quote(name)} --start {day} --end {day}T23:59 --kind {kind_name}")
    return lines


def write_batch(path: Path, state: State, count: int, seed: int = SEED) -> Path:
    path.write_text("# synthetic batch\n" + "\n".join(batch_lines(state, count, seed)) + "\n", encoding="utf-8")
    return path


def write_schema1_history(
    path: Path, source: Path, entries: int, seed: int = SEED, first_user: str | None = None
) -> Path:
    """A file as rollout wrote before history was stored apart (schema 1: history inside the
    document), holding the records of the database at `source` after `entries` small changes:
    one region's owner set at a time, an hour apart, by one of ten users (the first by `first_user`,
    when given: someone who changed something once, long ago). The records and every entry's
    before/after agree, as a long-used database's would."""
    import orjson

    from rollout.db import Database

    rng = random.Random(seed + entries)
    state = Database(source).load()
    regions = {code: dict(region) for code, region in state.regions.items()}
    codes = sorted(regions)
    moment = datetime(2024, 1, 1, 9, 0)
    history = {}
    for number in range(1, entries + 1):
        code = rng.choice(codes)
        before = regions[code]
        owner = rng.choice(OWNERS)
        after = {**before, "owner": owner}
        regions[code] = after
        history[str(number)] = {
            "id": number,
            "revision": number,
            "at": (moment + timedelta(hours=number)).isoformat() + "+00:00",
            "user": first_user if first_user and number == 1 else rng.choice(OWNERS),
            "command": f"region set {code} --owner {owner}",
            "changes": [{"table": "regions", "key": code, "before": before, "after": after}],
        }
    document = state.document()
    document["_meta"]["1"].update(schema=1, revision=entries)
    document["regions"] = {str(n): regions[code] for n, code in enumerate(state.regions, 1)}
    document["history"] = history
    path.write_bytes(orjson.dumps(document))
    return path
