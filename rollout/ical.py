"""iCalendar export through the `icalendar` library: one event per launch and per promotion.

Events carry the region's timezone (TZID, with a VTIMEZONE generated from the tz database's
transitions by rollout.vtimezone), categories for the region and the kind of event, and UIDs
derived from the region code or record id, so importing a newer export into a calendar updates
the events instead of duplicating them (SEQUENCE is the database revision, which only goes up).
A launch is a milestone: an explicit zero DURATION, so clients do not invent a length. An instant
whose local wall time happens twice and is the second occurrence is written in UTC, since RFC
5545 §3.3.5 reads a local time with a TZID as the first occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rollout import queries, times
from rollout.state import Record, State

if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//rollout//rollout export//EN"
UID_DOMAIN = "rollout"
ICS_KINDS = ("regions", "promotions")


def launch_uid(code: str) -> str:
    """The UID of a region's launch event (RFC 5545 §3.8.4.7: globally unique and stable, so a
    calendar that imports the file again updates the event instead of adding another).
    """
    return f"launch-{code}@{UID_DOMAIN}"


def promotion_uid(promo_id: str) -> str:
    """The UID of a promotion's event, stable across exports (see launch_uid)."""
    return f"promotion-{promo_id}@{UID_DOMAIN}"


def export_ics(state: State, kinds: Iterable[str], progress: Callable[[int], None] | None = None) -> bytes:
    """A VCALENDAR with the launches (kind `regions`) and promotions (kind `promotions`) of the state."""
    from icalendar import Calendar, Timezone

    from rollout.vtimezone import vtimezone_lines

    chosen = set(kinds)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Rollout")
    stamp = times.now().astimezone(times.zone("UTC")).replace(microsecond=0)
    instants: dict[str, list[datetime]] = {}  # per zone, what its VTIMEZONE must cover
    if "regions" in chosen:
        for region in queries.sorted_regions(state):
            launch = queries.effective_launch(region)
            if launch:
                calendar.add_component(launch_event(state, region, stamp))
                instants.setdefault(region["timezone"], []).append(times.instant(launch))
            _tick(progress)
    if "promotions" in chosen:
        for promo in sorted(state.promotions.values(), key=lambda p: (times.instant(p["start"]), p["id"])):
            calendar.add_component(promotion_event(state, promo, stamp))
            tz = state.region(promo["region"])["timezone"]
            instants.setdefault(tz, []).extend((times.instant(promo["start"]), times.instant(promo["end"])))
            _tick(progress)
    for tz in sorted(instants):
        calendar.add_component(Timezone.from_ical("\r\n".join(vtimezone_lines(tz, instants[tz]))))
    return calendar.to_ical()


def _tick(progress: Callable[[int], None] | None) -> None:
    if progress is not None:
        progress(1)


def _local(iso: str, tz: str) -> datetime:
    """The instant as region-local time for DTSTART/DTEND with a TZID, or in UTC when its wall time
    is the second of two (a TZID reading would give the first, RFC 5545 §3.3.5)."""
    local = times.instant(iso).astimezone(times.zone(tz))
    if local.fold == 1 and times.is_repeated(local):
        return local.astimezone(times.zone("UTC"))
    return local


def launch_event(state: State, region: Record, stamp: datetime) -> Event:
    """The launch as an instant event: the actual launch once made, the target before."""
    from icalendar import Event

    code, tz = region["code"], region["timezone"]
    launched = bool(region.get("launched_at"))
    readiness = queries.readiness(state, code)
    critical = len(queries.open_critical(state, code))
    event = Event()
    event.add("uid", launch_uid(code))
    event.add("dtstamp", stamp)
    event.add("sequence", state.revision)
    event.add("summary", f"{code} {'launched' if launched else 'launch'}: {region['name']}")
    event.add("dtstart", _local(queries.effective_launch(region), tz))  # type: ignore[arg-type]
    event.add("duration", timedelta(0))  # a milestone: no length for clients to invent
    event.add(
        "description",
        f"{region['name']} ({code}), wave {region['wave']}, status {region['status']}, "
        f"owner {region['owner'] or '-'}; readiness {readiness}%, {critical} critical item(s) open.",
    )
    event.add("categories", [code, "launch"])
    event.add("status", "CONFIRMED" if launched else "TENTATIVE")
    event.add("transp", "TRANSPARENT")
    return event


def promotion_event(state: State, promo: Record, stamp: datetime) -> Event:
    """A promotion as a VEVENT (RFC 5545): DTSTART and DTEND at its stored instants with the
    region's TZID, SEQUENCE the database revision, DTSTAMP `stamp` (an aware instant).
    """
    from icalendar import Event

    region = state.region(promo["region"])
    tz = region["timezone"]
    event = Event()
    event.add("uid", promotion_uid(promo["id"]))
    event.add("dtstamp", stamp)
    event.add("sequence", state.revision)
    event.add("summary", f"{promo['name']} ({promo['region']})")
    event.add("dtstart", _local(promo["start"], tz))
    event.add("dtend", _local(promo["end"], tz))
    event.add("description", f"{promo['kind']} promotion {promo['id']} in {region['name']} ({promo['region']}).")
    event.add("categories", [promo["region"], "promotion", promo["kind"]])
    event.add("transp", "TRANSPARENT")
    return event
