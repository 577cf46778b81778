"""Errors the core raises. Every front end shows them as one line."""


class RolloutError(Exception):
    """A domain error: bad value, unknown record, refused change (exit 1)."""


class NotFound(RolloutError):
    """A region, item or promotion that does not exist."""


class InvalidValue(RolloutError):
    """A value that does not pass validation."""


class Refused(RolloutError):
    """A change the rules do not allow (e.g. launching with critical items open)."""


class Forcible(Refused):
    """A change a rule of rollout.rules refuses unless forced: the same operation with force=True
    does it and notes it in history (`--force` on the command line; the TUI asks)."""


class StaleEdit(Refused):
    """An edit based on data that someone else has changed since."""


class DatabaseError(RolloutError):
    """The database file is missing, unreadable, corrupt or locked."""


class ReadOnly(Refused):
    """A write attempted in read-only mode."""
