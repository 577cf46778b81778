"""Notices kept short and the messages log behind them.

A notice is one line in the bottom-right corner (styles/app.tcss): the notes of one change (a bulk
add's warnings, say) arrive together and show as one notice naming how many there are. Every
message stays readable in full in the messages log (`M`), newest first, for the whole session.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from rollout.text import clip, display_width

SEVERITIES = ("information", "warning", "error")  # mildest first
KEEP = 500  # messages kept in the log (a session's worth)
HINT = " · M: all"


@dataclass(frozen=True)
class Message:
    """One notification as it was sent: `at` is a local instant (this machine's clock)."""

    at: datetime
    severity: str
    title: str
    text: str
    short: str | None = None  # what the notice shows, when the sender has a shorter form (the log shows `text`)

    @property
    def line(self) -> str:
        """The message as one line: its title, then its text (or short form) with line breaks as ' / '."""
        text = " / ".join(part.strip() for part in (self.short or self.text).splitlines() if part.strip())
        if not self.title or self.short or text.lower().startswith(self.title.lower()):
            return text  # a short form is complete; "Read-only: ..." says its title already
        return f"{self.title}: {text}"


class MessageLog:
    """The session's messages (at most KEEP, oldest dropped) and the ones not yet shown as a notice."""

    def __init__(self) -> None:
        self.messages: deque[Message] = deque(maxlen=KEEP)
        self.pending: list[Message] = []

    def add(self, message: Message) -> bool:
        """Keep `message`; True when it is the first of a new batch (the caller shows the batch later)."""
        self.messages.append(message)
        self.pending.append(message)
        return len(self.pending) == 1

    def take(self) -> list[Message]:
        batch, self.pending = self.pending, []
        return batch


def notice_text(batch: list[Message], width: int) -> tuple[str, str]:
    """One line of at most `width` cells for a batch of messages, and its severity (the worst).

    One message: its line, cut with … when it does not fit (the log has it whole). Several: how many,
    then the worst one's line. Either way a cut or a count ends with a pointer to the log."""
    worst = max(batch, key=lambda m: SEVERITIES.index(m.severity) if m.severity in SEVERITIES else 0)
    if len(batch) == 1:
        line = worst.line
        if display_width(line) <= width:
            return line, worst.severity
        return clip(line, max(width - len(HINT), 1)) + HINT, worst.severity
    head = f"{len(batch)} messages: "
    return head + clip(worst.line, max(width - len(head) - len(HINT), 1)) + HINT, worst.severity
