"""The batch fast paths give exactly what the slow ones give: shlex's split, and Click's parse of every line."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout.cli import cli
from rollout.cli.admin import LineRunner, split_line
from rollout.cli.app import App, Batch
from rollout.dataset import bundled_document
from rollout.db import Database
from rollout.state import State


# -- splitting ---------------------------------------------------------------------------
def _shlex_or_error(text: str) -> list[str] | str:
    try:
        return shlex.split(text, comments=True)
    except ValueError as exc:
        return f"ValueError: {exc}"


def _split_or_error(text: str) -> list[str] | str:
    try:
        return split_line(text)
    except ValueError as exc:
        return f"ValueError: {exc}"


@pytest.mark.parametrize(
    "line",
    [
        "check add DE 'Launch war-room staffed' --category support --critical",
        'promo add NL "Launch Week" --start 2027-01-26T10:00 --end 2027-02-01',
        "check add DE 'Item #3' # a comment",
        "check add DE it's",
        "a'b'\"c\"d '' \"\" x",
        "title\\ with\\ escapes",
        '"double \\" quote"',
        "\tleading and trailing\r\n",
        "non-breaking\xa0space and\x0bvertical tab",
        "unterminated 'quote",
        "#only a comment",
        "",
    ],
)
def test_split_line_matches_shlex_on_typical_and_tricky_lines(line):
    assert _split_or_error(line) == _shlex_or_error(line)


@settings(max_examples=400)
@given(st.text(alphabet=list("ab -'\"\\#\t\r\n\xa0é="), max_size=30))
def test_split_line_matches_shlex_on_anything(line):
    assert _split_or_error(line) == _shlex_or_error(line)


# -- parsing and running -----------------------------------------------------------------
def _run_slow(app: App, args: list[str]) -> None:
    """How a batch line ran before the fast path: Click's full parse from the root, every line."""
    with cli.make_context("rollout", list(args), obj=app) as ctx:
        cli.invoke(ctx)


def _outcome(run, app: App, args: list[str]) -> str:
    try:
        run(app, args)
    except click.exceptions.Exit:
        return "Exit"
    except (click.ClickException, Exception) as exc:  # the same failure, whatever it is
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        return f"{type(exc).__name__}: {message}"
    return "ok"


def _app(document: dict, path: Path) -> App:
    app = App(db_path=path, user="tester")
    app.batch = Batch(State(document))
    return app


def _compare(document: dict, path: Path, lines: list[list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    slow, fast = _app(document, path), _app(document, path)
    with LineRunner(fast, cli) as runner:
        for number, args in enumerate(lines, 1):
            slow.batch.line = fast.batch.line = number  # type: ignore[union-attr]
            expected = _outcome(_run_slow, slow, args)
            slow_output = capsys.readouterr()
            got = _outcome(lambda app, a: runner.run(a), fast, args)
            assert got == expected, args
            assert capsys.readouterr() == slow_output, args
            assert fast.batch.state.data() == slow.batch.state.data(), args  # type: ignore[union-attr]
    for name in ("warnings", "promotions"):
        assert getattr(fast.batch, name) == getattr(slow.batch, name)
    assert fast.batch.state.meta == slow.batch.state.meta  # type: ignore[union-attr]
    assert fast.batch.state.notes == slow.batch.state.notes  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    path = tmp_path_factory.mktemp("bundled") / "rollout.json"
    Database(path).create(empty=False, force=False)
    return Database(path).load().document(), path


KNOWN_LINES = [
    "check add DE 'First item' --category legal --due 2027-01-10",
    "check add FR 'Second item' --category tax --due 2027-02-11",  # same shape, other words
    "check add DE FR wave=1 'Many regions' --critical --owner ops",
    "check add DE FR 'Two regions' --critical",
    "check add DE 'Flag last' --json --critical --category=payments",
    "check add DE -- '-dashed title'",
    "check add DE -- '-other dashed'",  # same verbatim words, so the same shape would be wrong
    "check add DE 'Empty due' --due ''",
    "check done DE c1 c2 c3",
    "check done FR c20",
    "check reopen DE c1",
    "check edit DE c2 --title Renamed --not-critical --due ''",
    "check edit DE c2 --critical",
    "check remove DE c3",
    "region set DE --owner 'Jonas K' --wave 3",
    "region set FR IT --owner Mia",
    "region set DE --launch 2027-05-01",
    "region set DE --status launched",
    "region set DE --status launched --force",
    "region add PT --name Portugal --tz Europe/Lisbon --currency EUR --launch 2027-09-01 --wave 4",
    "region remove PT",
    "region remove PT --yes",
    "promo add DE 'Spring Sale' --start 2027-03-01 --end 2027-03-08 --kind seasonal",
    "promo add DE FR 'Spring Sale' --start 2027-03-01 --end 2027-03-08",
    "promo move p1 --by 1w",
    "promo edit p1 --name 'Renamed sale' --end 2027-04-01",
    "promo remove p2",
    "shift DE --by 2w",
    "shift wave=2 --by -1w --with-promos",
    # failures: each must fail the same way, with the same message
    "check add DE",
    "check add DE 'x' --bogus",
    "check add DE 'x' --due",
    "check add DE 'x' --due 2027-02-30",
    "check add --help",
    "check add DE x -h",
    "check done DE",
    "check done DE c999999",
    "check frobnicate DE",
    "region set DE",
    "region set DE --wave -1",
    "region set XX --owner y",
    "region add DE --name Germany",
    "promo add DE X --start 2027-01-02 --end 2027-01-01",
    "promo move p999 --by 1w",
    "promo move p1 --by forever",
    "shift DE",
    "shift DE extra --by 1w",
    "check",
    "region",
]


def test_known_lines_run_exactly_as_click_runs_them(bundled, capsys):
    document, path = bundled
    _compare(document, path, [shlex.split(line) for line in KNOWN_LINES], capsys)


CODES = ["DE", "FR", "IT", "NL", "JP", "de", "wave=1", "status=planned"]
DATES = ["2027-01-10", "2027-03-03T10:00", "2027-02-30", "", "tomorrow"]
_SEED = State(bundled_document())
ITEMS = [i["id"] for i in _SEED.items_of("DE")][:6] + [i["id"].upper() for i in _SEED.items_of("DE")][6:8] + ["c999"]
PROMOS = [p["id"] for p in _SEED.promotions_of("DE")][:3] + [p["id"] for p in _SEED.promotions_of("FR")][:2] + ["p999"]
DURATIONS = ["1w", "-2d", "3mo", "forever"]
TEXTS = ["Launch plan", "x", "", "Item #3"]


class Many(list):
    """A positional taking one or more words from this pool."""


# Per command: positional pools, and options with their values (None: a flag).
GRAMMAR: dict[tuple[str, ...], tuple[list[list[str]], dict[str, list[str] | None]]] = {
    ("check", "add"): (
        [Many(CODES), TEXTS],
        {
            "--category": ["legal", "tax", "nope"],
            "--due": DATES,
            "--owner": ["ops"],
            "--critical": None,
            "--json": None,
        },
    ),
    ("check", "done"): ([["DE", "de", "FR"], Many(ITEMS)], {"--json": None}),
    ("check", "reopen"): ([["DE"], Many(ITEMS)], {"--json": None}),
    ("check", "edit"): (
        [["DE"], ITEMS],
        {"--title": TEXTS, "--due": DATES, "--critical": None, "--not-critical": None, "--category": ["legal"]},
    ),
    ("check", "remove"): ([["DE"], Many(ITEMS)], {}),
    ("region", "set"): (
        [Many(CODES)],
        {
            "--owner": ["Mia", ""],
            "--wave": ["2", "-1"],
            "--launch": DATES,
            "--status": ["ready", "launched"],
            "--force": None,
        },
    ),
    ("promo", "add"): ([Many(CODES), TEXTS], {"--start": DATES, "--end": DATES, "--kind": ["seasonal", ""]}),
    ("promo", "move"): ([PROMOS], {"--by": DURATIONS, "--json": None}),
    ("promo", "edit"): ([PROMOS], {"--name": TEXTS, "--start": DATES, "--end": DATES}),
    ("promo", "remove"): ([PROMOS], {}),
    ("shift",): ([Many(CODES)], {"--by": DURATIONS, "--with-promos": None}),
}
NOISE = ["--", "--due=2027-03-03", "extra", "--help", "-dash", "--bogus"]


@st.composite
def batch_lines(draw: st.DrawFn) -> list[str]:
    """Mostly well-formed lines of every batchable command, options in any order, sometimes with noise."""
    command = draw(st.sampled_from(sorted(GRAMMAR)))
    positionals, options = GRAMMAR[command]
    words = []
    for pool in positionals:
        count = draw(st.integers(1, 3)) if isinstance(pool, Many) else 1
        words.extend(draw(st.sampled_from(pool)) for _ in range(count))
    groups = []
    for option in draw(st.lists(st.sampled_from(sorted(options)), unique=True)) if options else []:
        values = options[option]
        groups.append([option] if values is None else [option, draw(st.sampled_from(values))])
    if draw(st.integers(0, 7)) == 0:
        groups.append([draw(st.sampled_from(NOISE))])
    return [*command, *words, *(word for group in draw(st.permutations(groups)) for word in group)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(batch_lines(), min_size=1, max_size=12))
def test_any_line_sequence_runs_exactly_as_click_runs_it(bundled, capsys, lines):
    document, path = bundled
    _compare(document, path, lines, capsys)
