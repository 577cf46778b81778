"""Long-running front ends and the short commands around them: the garbage collector, the notice
of a new database inside the TUI, table widths, the batch runner against the Click it is pinned to."""

from __future__ import annotations

import asyncio
import gc
import shlex
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement

from rollout import status as region_status
from rollout.cli import cli, output
from rollout.cli.admin import LineRunner
from rollout.cli.app import App, Batch
from rollout.db import Database, default_path
from rollout.state import State

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector():  # noqa: ANN201
    """The collector on before each test (as a new process has it), and on again after."""
    gc.enable()
    yield
    gc.enable()


def invoke(*args: str) -> Any:  # noqa: ANN401
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("first_run", [True, False], ids=["new database", "existing database"])
def test_the_tui_runs_with_the_collector_on(tmp_path, monkeypatch, collector, first_run):
    db = default_path()  # only the default location is created by a first run (else: `rollout init`)
    if not first_run:
        Database(db).create(empty=False, force=False)
    seen: dict[str, Any] = {}

    def tui(path: Path, **options: Any) -> None:  # where the real TUI would run until quit
        seen.update(options, gc=gc.isenabled(), path=path)

    monkeypatch.setattr("rollout.tui.app.run", tui)
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.headless_driver:HeadlessDriver")  # no terminal needed
    result = invoke("tui")
    assert result.exit_code == 0, result.stderr
    assert seen["gc"] is True and seen["path"] == str(db)
    notice = f"rollout: created {db} from the bundled dataset"
    assert seen["notices"] == ([notice] if first_run else [])
    assert notice not in result.stderr  # on stderr it would be hidden behind the TUI


def test_serve_runs_with_the_collector_on(tmp_path, monkeypatch, collector):
    seen: dict[str, bool] = {}

    def serve(server: Any, debug: bool = False) -> None:  # where the real server would run until stopped
        seen["gc"] = gc.isenabled()

    monkeypatch.setattr("textual_serve.server.Server.serve", serve)
    result = invoke("serve", "--port", "8790")  # a first run on the default location
    assert result.exit_code == 0, result.stderr
    assert seen == {"gc": True}
    assert "created" in result.stderr  # the database was made before the first tab, and said so


def test_short_commands_pause_the_collector_while_they_run(db_path, monkeypatch, collector):
    during: list[bool] = []
    original = region_status.status_rows

    def spy(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        during.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(region_status, "status_rows", spy)
    assert invoke("--db", str(db_path), "status").exit_code == 0
    assert during == [False] and gc.isenabled()


def test_the_tui_shows_the_notices_it_is_opened_with(db_path, monkeypatch):
    from rollout.tui.app import RolloutApp

    app = RolloutApp(db_path, user="tester", notices=["rollout: created x.json from the bundled dataset"])
    shown: list[str] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        shown.append(message)
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert shown[0] == "rollout: created x.json from the bundled dataset"

    asyncio.run(run())


# -- table widths ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "width"),
    [("東京ストア", 10), ("Ｆｕｌｌｗｉｄｔｈ", 18), ("Café", 4), ("Cafe\u0301", 4), ("한국", 4), ("plain", 5)],
)
def test_table_columns_align_by_display_width(name, width):
    from wcwidth import wcswidth

    assert output.display_width(name) == width == wcswidth(name)
    text = output.table(["NAME", "CODE"], [[name, "JP"], ["x", "DE"]])
    header, first, second = text.splitlines()
    code_column = output.display_width(header.split("CODE")[0])
    for line in (first, second):
        before = line[: line.rindex(" ") + 1]
        assert output.display_width(before) == code_column


def test_a_cjk_region_name_lines_up_in_region_list(rollout):
    assert rollout("region", "add", "TW", "--name", "臺灣", "--tz", "Asia/Taipei", "--currency", "TWD").exit_code == 0
    lines = rollout("region", "list").stdout.splitlines()
    tz_column = output.display_width(lines[0][: lines[0].index("TIMEZONE")])
    tw = next(line for line in lines if line.startswith("TW"))
    de = next(line for line in lines if line.startswith("DE"))
    assert output.display_width(tw[: tw.index("Asia/Taipei")]) == tz_column
    assert output.display_width(de[: de.index("Europe/Berlin")]) == tz_column


# -- the batch runner and the Click it relies on -----------------------------------------------------
def test_click_is_pinned_to_the_major_version_the_batch_runner_was_written_for():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [Requirement(d) for d in dependencies if Requirement(d).name == "click"]
    installed = version("click")
    assert pin.specifier.contains(installed) and "<9" in str(pin.specifier)
    for name in ("invoked_subcommand", "params", "command"):  # what the runner sets and reads
        assert hasattr(click.Context(cli), name)
    assert cli.context_class is click.Context


TYPED_LINES = [
    "region set DE --wave 3",
    "region set FR --wave 4",  # the same shape with another value: converted by Click again
    "region set DE --wave -1",
    "region set DE --wave two",
    "region set IT --status Preparing",
    "region set IT --status=ready",
    "region set IT --status live",
    "check add DE 'Legal item' --category LEGAL",
    "check add DE 'Other item' --category=tax",
    "check add DE 'Bad item' --category fun",
    "check add --category legal DE 'Option first'",
    "check done c1 c2",
    "check done DE c3",
    "check done GB c4",
    "check edit c2 --category payments",
    "check edit c2 c3 --title x",
    "promo move p1 --by 1w",
    "promo edit DE p1 --name Renamed",
    "promo remove FR p2",
]


def _outcome(action: Any) -> str:  # noqa: ANN401
    try:
        action()
    except click.exceptions.Exit:
        return "Exit"
    except Exception as exc:  # the same failure, whatever it is
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        return f"{type(exc).__name__}: {message}"
    return "ok"


def test_lines_with_choices_numbers_and_ids_run_exactly_as_click_runs_them(db_path, capsys):
    document = Database(db_path).load().document()
    slow, fast = (App(db_path=db_path, user="t", batch=Batch(State(document))) for _ in range(2))
    with LineRunner(fast, cli) as runner:
        for number, line in enumerate(TYPED_LINES, 1):
            args = shlex.split(line)
            slow.batch.line = fast.batch.line = number  # type: ignore[union-attr]

            def full(args: list[str] = args) -> None:
                with cli.make_context("rollout", list(args), obj=slow) as ctx:
                    cli.invoke(ctx)

            expected = _outcome(full)
            got = _outcome(lambda args=args: runner.run(args))
            assert got == expected, line
            assert fast.batch.state.data() == slow.batch.state.data(), line  # type: ignore[union-attr]
    capsys.readouterr()
    assert fast.batch.warnings == slow.batch.warnings  # type: ignore[union-attr]


def test_serve_beyond_loopback_warns_before_it_starts(tmp_path, monkeypatch, collector):
    monkeypatch.setattr("textual_serve.server.Server.serve", lambda server, debug=False: None)
    result = invoke("serve", "--host", "0.0.0.0", "--port", "8791")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("Warning: serving on 0.0.0.0:8791 without authentication")
