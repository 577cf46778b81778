"""One name is one person: the identity rule for owners and users everywhere.

A person is named by free text typed by people and scripts (`--owner Amara`, `--user amara`,
a CSV cell " AMARA "). Two names are the same person when their keys are equal: the text with
its white space trimmed and runs of white space made one space, in Unicode NFKC form, case-folded
(Unicode's caseless identifier matching, UAX #31 / "NFKC_Casefold", as `str.casefold` implements
the folding). A blank name is nobody: "unassigned", not a person.

Every place that compares, groups or filters owners and users (owners, agenda, the `owner=`
selector, history filters, undo's "your own change", the digest, sign-off approvers, the TUI)
uses `person_key`, and shows a group of spellings by `display_name`.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

UNASSIGNED = "unassigned"


@lru_cache(maxsize=4096)  # a few dozen names, looked up once per item by owners and the agenda
def person_key(name: str | None) -> str:
    """The identity key of a person's name: "" for a blank or missing name (nobody)."""
    if not name:
        return ""
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


def same_person(first: str | None, second: str | None) -> bool:
    """Whether two names are the same person (two blank names are not: nobody is nobody's)."""
    key = person_key(first)
    return bool(key) and key == person_key(second)


def is_unassigned(name: str | None) -> bool:
    """Whether a name is blank: no owner."""
    return not person_key(name)


def display_name(spellings: Iterable[str]) -> str:
    """How a person is shown: the spelling used most often (trimmed), ties broken by the first in
    sorted order so the choice is stable; UNASSIGNED when every spelling is blank."""
    counts = Counter(" ".join(s.split()) for s in spellings if not is_unassigned(s))
    if not counts:
        return UNASSIGNED
    return min(counts, key=lambda spelling: (-counts[spelling], spelling))
