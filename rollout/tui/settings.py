"""The TUI's settings file: `$XDG_CONFIG_HOME/rollout/config.toml` (platformdirs finds the folder).

    theme = "gruvbox"          # any Textual theme; changing it from the palette is remembered here
    times = "region"           # region, local or utc (z switches while the TUI runs)
    sort = "health"            # the Regions table's order (s and S change it; remembered here)
    sort_reversed = false

    [keys]                     # binding id = keys, comma-separated (Textual's keymap)
    undo = "ctrl+u"
    "list.down" = "down,j,n"

    [confirm]
    bulk = true                # preview and confirm a change to several records
    delete = true              # ask before deleting a record

A missing file means the defaults. A bad file never stops the TUI: the values that are wrong keep
their defaults and `Settings.problems` says which line is wrong, for a notice.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

TIME_MODES = ("region", "local", "utc")
# The Regions table's orders (rollout.tui.views.SORTS has their keys): what `s` cycles through.
SORTS = ("health", "launch", "code", "readiness", "critical", "status", "wave")


@dataclass
class Confirmations:
    """Which changes ask before they are applied."""

    bulk: bool = True
    """Preview a change to several records at once (the bulk actions on marked rows) and ask first."""

    delete: bool = True
    """Ask before deleting one checklist item or promotion."""


@dataclass
class Settings:
    """Everything config.toml can set; each field's docstring is its line in the settings table of the manual's TUI guide (docs/guide/tui.md)."""

    theme: str = "textual-dark"
    """A Textual theme by name (`ctrl+p` then "theme" lists them); choosing one there is remembered."""

    times: str = "region"
    """How times are shown: `region` (each region's local time), `local` (your zone) or `utc`; `z` switches."""

    sort: str = "health"
    """The Regions table's order: `health` (worst first, launched regions last), `launch`, `code`, `readiness`, `critical`, `status` or `wave`; `s` and `S` change it and are remembered."""

    sort_reversed: bool = False
    """Whether that order is reversed (`S`)."""

    keys: dict[str, str] = field(default_factory=dict)
    """Key remapping: binding id = keys (comma-separated), e.g. `undo = "ctrl+u"`; `?` shows each binding's id."""

    confirm: Confirmations = field(default_factory=Confirmations)
    """`[confirm]` table: `bulk` and `delete`, true or false."""

    path: Path | None = field(default=None, repr=False, compare=False)
    problems: list[str] = field(default_factory=list, repr=False, compare=False)


def config_path() -> Path:
    """`config.toml` in the user's config folder (rollout.paths: $XDG_CONFIG_HOME/rollout)."""
    from rollout.paths import config_dir

    return config_dir() / "config.toml"


def field_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string literal under it), read from the class source."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, following in zip(body, body[1:], strict=False):
        documented = isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and documented:
            docs[node.target.id] = " ".join(str(following.value.value).split())  # type: ignore[attr-defined]
    return docs


def documented_settings() -> list[tuple[str, str, str]]:
    """(setting, default, what it does) for every setting, `confirm.bulk` style for nested ones."""
    rows = []
    defaults = Settings()
    docs = field_docs(Settings)
    for f in fields(Settings):
        if f.name not in docs:
            continue
        if f.name == "confirm":
            for sub, doc in field_docs(Confirmations).items():
                rows.append((f"confirm.{sub}", str(getattr(defaults.confirm, sub)).lower(), doc))
        elif f.name == "keys":
            rows.append(("keys.ID", "(the built-in keys)", docs[f.name]))
        else:
            default = getattr(defaults, f.name)
            rows.append((f.name, str(default).lower() if isinstance(default, bool) else str(default), docs[f.name]))
    return rows


def line_of(text: str, key: str) -> int | None:
    """The line where `key =` is set (1-based), for messages; None if not found."""
    pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def load(path: Path | None = None) -> Settings:
    """Read the settings file; never raises (problems are listed in the result)."""
    path = path or config_path()
    settings = Settings(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return settings
    except (OSError, UnicodeDecodeError) as error:
        settings.problems.append(f"{path}: cannot read it ({error}); using the defaults")
        return settings
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        settings.problems.append(f"{path}: {error}; using the defaults")
        return settings

    def problem(key: str, message: str) -> None:
        line = line_of(text, key.rpartition(".")[2])
        where = f"{path} line {line}" if line else str(path)
        settings.problems.append(f"{where}: {message}")

    for key, value in data.items():
        if key == "theme":
            if isinstance(value, str) and value:
                settings.theme = value
            else:
                problem(key, "theme must be a theme name in quotes")
        elif key == "times":
            if value in TIME_MODES:
                settings.times = value
            else:
                problem(key, f"times must be one of {', '.join(TIME_MODES)}, not {value!r}")
        elif key == "sort":
            if value in SORTS:
                settings.sort = value
            else:
                problem(key, f"sort must be one of {', '.join(SORTS)}, not {value!r}")
        elif key == "sort_reversed":
            if isinstance(value, bool):
                settings.sort_reversed = value
            else:
                problem(key, "sort_reversed must be true or false")
        elif key == "keys" and isinstance(value, dict):
            for binding_id, keys in value.items():
                if isinstance(keys, str) and keys.strip():
                    settings.keys[binding_id] = keys
                else:
                    problem(f"keys.{binding_id}", f'keys.{binding_id} must be keys in quotes, e.g. "ctrl+u"')
        elif key == "confirm" and isinstance(value, dict):
            for name, flag in value.items():
                if name not in {f.name for f in fields(Confirmations)}:
                    problem(f"confirm.{name}", f"unknown setting confirm.{name} (bulk, delete)")
                elif not isinstance(flag, bool):
                    problem(f"confirm.{name}", f"confirm.{name} must be true or false")
                else:
                    setattr(settings.confirm, name, flag)
        else:
            problem(key, f"unknown setting {key!r} (theme, times, sort, sort_reversed, [keys], [confirm])")
    return settings


def remember(path: Path, key: str, value: str | bool) -> None:
    """Set a top-level string or true/false setting in the file, keeping the rest of it as the user wrote it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    line = f"{key} = {str(value).lower()}" if isinstance(value, bool) else f"{key} = {value!r}".replace("'", '"')
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=.*$", re.M)
    first_table = re.search(r"^\s*\[", text, re.M)
    head = text[: first_table.start()] if first_table else text
    head = pattern.sub(line, head, count=1) if pattern.search(head) else line + "\n" + head
    text = head + (text[first_table.start() :] if first_table else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)
