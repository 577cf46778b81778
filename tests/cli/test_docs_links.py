"""The README and CONTRIBUTING.md link into the manual with plain relative links (GitHub renders them;
MkDocs does not build these two files, so `mkdocs build --strict` cannot check them): every file
they name exists, and every #anchor is a heading or an explicit id of its page. The README stays a
front door: short, with the jobs people come for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's and Python-Markdown's anchor of a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"\{#[^}]+\}\s*$", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)  # no headings inside code blocks
    found = {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}
    found |= set(re.findall(r"\{#([\w-]+)\}", text)) | set(re.findall(r'<a id="([\w-]+)"></a>', text))
    return found


@pytest.mark.parametrize("name", ["README.md", "CONTRIBUTING.md"])
def test_every_relative_link_and_anchor_resolves(name):
    source = ROOT / name
    broken = []
    for target in LINK.findall(source.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        page = (source.parent / file).resolve() if file else source
        if not page.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and page.suffix == ".md" and anchor not in anchors(page):
            broken.append(f"{target}: no #{anchor} in {page.relative_to(ROOT)}")
    assert not broken, f"{name}: " + "; ".join(broken)


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    assert "make run" in text and "make test" in text and "ROLLOUT_NOW=2026-11-24T09:00:00+00:00" in text
    jobs = ["Plan a new region", "at risk this week", "Move a launch", "digest from cron", "colleague's change"]
    jobs += ["Sign off go/no-go", "GMV against target", "out of peak season"]
    for job in jobs:
        assert re.search(rf"^### .*{re.escape(job)}", text, re.M | re.I), job
    assert re.search(r"^### Hand over an owner's work", text, re.M)


def test_the_readme_keeps_the_anchors_its_old_sections_had():
    """Links from elsewhere to the README's former sections still land on the line naming their page."""
    old = [
        "the-cli", "a-mornings-work", "scripting-contract", "batch-files", "the-launch-cockpit",
        "undo-and-redo", "health-and-forecast", "dependencies-between-checklist-items", "shared-settings",
        "where-the-data-lives", "the-tui", "screens", "keys", "settings", "export", "import", "icalendar",
        "public-holidays", "shell-completion", "in-a-browser", "reliability", "performance", "measured",
        "development", "storage-backends", "the-cockpits-core", "tests",
    ]  # fmt: skip
    assert not set(old) - anchors(ROOT / "README.md")
