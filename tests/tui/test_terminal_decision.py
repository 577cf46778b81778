"""How the TUI runs on a terminal, decided once from its capabilities (rollout.tui.terminal.decide)."""

from __future__ import annotations

import pytest

from rollout.tui.terminal import Capabilities, decide

ENTRIES = {
    "xterm-256color": Capabilities(moves_cursor=True, colours=256),
    "linux": Capabilities(moves_cursor=True, colours=8),
    "vt100": Capabilities(moves_cursor=True, colours=-1),
    "glass": Capabilities(moves_cursor=False, colours=-1),  # a printing terminal: no cursor addressing
}


def lookup(term: str) -> Capabilities | None:
    return ENTRIES.get(term)


@pytest.mark.parametrize("term", ["dumb", "DUMB", "", "  ", "glass"])
def test_a_terminal_that_cannot_move_its_cursor_is_refused_in_one_line(term):
    decision = decide({"TERM": term} if term else {}, lookup)
    assert decision.refusal is not None and "\n" not in decision.refusal
    assert "move its cursor" in decision.refusal and "TERM=xterm-256color" in decision.refusal
    assert decision.environ == {}


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({"TERM": "xterm-256color"}, {"TEXTUAL_COLOR_SYSTEM": "256"}),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, {"TEXTUAL_COLOR_SYSTEM": "truecolor"}),
        ({"TERM": "linux", "COLORTERM": "24bit"}, {"TEXTUAL_COLOR_SYSTEM": "truecolor"}),
        ({"TERM": "linux"}, {"TEXTUAL_COLOR_SYSTEM": "standard"}),
        ({"TERM": "vt100"}, {"NO_COLOR": "1"}),  # no colours at all: the NO_COLOR look
        ({"TERM": "vt100", "NO_COLOR": "1"}, {}),
        ({"TERM": "linux", "TEXTUAL_COLOR_SYSTEM": "truecolor"}, {}),  # the user's own choice stays
    ],
)
def test_colours_follow_the_terminal(environ, wanted):
    decision = decide(environ, lookup)
    assert decision.refusal is None and decision.environ == wanted and decision.notices == ()


def test_an_unknown_terminal_runs_with_16_colours_and_says_so_in_one_line():
    decision = decide({"TERM": "xterm-ghostty"}, lookup)
    assert decision.refusal is None and decision.environ == {"TEXTUAL_COLOR_SYSTEM": "standard"}
    assert len(decision.notices) == 1 and "xterm-ghostty" in decision.notices[0] and "\n" not in decision.notices[0]
    assert decide({"TERM": "xterm-ghostty", "COLORTERM": "truecolor"}, lookup).notices == ()


def test_the_web_driver_needs_no_terminal():
    assert decide({"TEXTUAL_DRIVER": "textual_serve", "TERM": "dumb"}, lookup).refusal is None
