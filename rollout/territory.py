"""Whether a region's time zone and currency belong to its country: warnings, never refusals.

`region add SE --tz Asia/Seoul --currency JPY` is most likely a slip (Korea's zone, Japan's
currency for Sweden), but a shop may price a region in another currency on purpose, so the rule
warns. The facts come from kept data, not a table of our own:
- zones: the tz database's zone.tab (a country's zones, by ISO 3166 code), read where zoneinfo
  reads its zones (zoneinfo.TZPATH, then the tzdata package); a zone the table does not list for
  any country (UTC, Etc/GMT+1, backward links such as US/Eastern) is not judged;
- currencies: CLDR's territory currencies through Babel (babel.numbers.get_territory_currencies:
  the tenders in use today). Babel costs ~100 ms to import, so it is imported here, only when a
  region's currency is checked (adding or editing a region), never by read commands.

A region code of ISO 3166-2 (US-CA) is judged by its country (US).
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path

from rollout.state import Record


def region_warnings(region: Record, *, zone: bool = True, currency: bool = True) -> list[str]:
    """Warnings for a region (as stored) whose zone or currency is not its country's, e.g.
    "SE: time zone Asia/Seoul is not one of Sweden's (Europe/Stockholm)". `zone`/`currency` False
    skips that check (a field the command did not set)."""
    country = region["code"][:2].upper()
    found = []
    if zone:
        zones = zones_of(country)
        if zones and region["timezone"] not in zones and region["timezone"] in all_zones():
            found.append(
                f"{region['code']}: time zone {region['timezone']} is not one of {_name(country)}'s ({_listed(zones)})"
            )
    if currency:
        tenders = currencies_of(country)
        if tenders and region["currency"] not in tenders:
            found.append(
                f"{region['code']}: currency {region['currency']} is not {_name(country)}'s ({_listed(tenders)})"
            )
    return found


def zones_of(country: str) -> tuple[str, ...]:
    """The zones zone.tab lists for an ISO 3166-1 alpha-2 country; () when it lists none (or no table is found)."""
    return _zone_table().get(country.upper(), ())


def all_zones() -> frozenset[str]:
    """Every zone zone.tab lists for some country."""
    return frozenset(z for zones in _zone_table().values() for z in zones)


def currencies_of(country: str) -> tuple[str, ...]:
    """The ISO 4217 codes in use today in a territory, by CLDR (Babel); () when CLDR knows none."""
    from babel.numbers import get_territory_currencies  # lazily: see the module docstring

    return tuple(get_territory_currencies(country.upper()))


@cache
def _zone_table() -> dict[str, tuple[str, ...]]:
    text = _read_zone_tab()
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            table.setdefault(fields[0].upper(), []).append(fields[2])
    return {country: tuple(zones) for country, zones in table.items()}


def _read_zone_tab() -> str:
    """zone.tab from where zoneinfo finds zones: its TZPATH folders first, then the tzdata package."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


def _name(country: str) -> str:
    import pycountry

    found = pycountry.countries.get(alpha_2=country)
    return getattr(found, "common_name", None) or getattr(found, "name", None) or country


def _listed(values: tuple[str, ...], shown: int = 3) -> str:
    more = f", +{len(values) - shown} more" if len(values) > shown else ""
    return ", ".join(values[:shown]) + more
