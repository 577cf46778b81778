"""The picture of the TUI in the README and the manual (docs/images/tui-80x24.svg) is the app as it
draws today: taken again here (scripts/docs_screenshot.py: the Regions screen at 80x24, bundled data,
clock pinned at 2026-11-24T09:00:00+00:00, user amara) and compared byte for byte."""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UPDATE = ".venv/bin/python scripts/docs_screenshot.py"


def load_script():
    spec = importlib.util.spec_from_file_location("docs_screenshot", ROOT / "scripts" / "docs_screenshot.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documented_screenshot_is_what_the_app_draws_now():
    script = load_script()
    fresh = script.render()
    text = html.unescape(fresh).replace("\xa0", " ")
    assert "21 regions" in text and "Netherlands" in text and "rollout.json · amara" in text
    assert script.IMAGE.read_text(encoding="utf-8") == fresh, (
        f"{script.IMAGE.relative_to(ROOT)} is not what the TUI draws now: after a deliberate change, run `{UPDATE}` "
        "and look at the new picture before committing it"
    )


def test_the_readme_and_the_manual_show_it():
    assert "docs/images/tui-80x24.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "images/tui-80x24.svg" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
