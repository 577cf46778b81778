"""Command palette entries for regions: a region code typed in full ranks first.

Textual's fuzzy matcher ranks `Calendar` above `Open CA Canada` for the query `CA`. A launch
manager who types a region code means that region, so an exact code (or country name) is a hit
above any fuzzy score; other regions are matched fuzzily on "code name country".
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import Hit, Hits, Provider

if TYPE_CHECKING:
    from rollout.tui.host import Host

# Textual's fuzzy scores grow with the length of the matched runs (Calendar scores 9 for "CA"):
# an exact code or name sorts above any of them.
EXACT_SCORE = 1e9


class RegionCommands(Provider):
    """`Open DE Germany` for every region; `DE` or `germany` typed in full comes first."""

    async def search(self, query: str) -> Hits:
        app = cast("Host", self.app)
        wanted = query.strip().lower().removeprefix("open ").strip()
        if not wanted:
            return
        matcher = self.matcher(query)
        for row in app.snapshot.rows:
            label = f"Open {row.code} {row.name}"
            exact = wanted in (row.code.lower(), row.name.lower())
            score = EXACT_SCORE if exact else matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(app.open_region, row.code),
                    text=label,
                    help=f"{row.status}, {row.countdown}, readiness {row.readiness}%",
                )
