"""The CLI package and its command modules import without a circle, and a read command loads only
what it needs (the start-up target itself is measured in benchmarks/, never in a test)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import rollout.cli
from rollout.cli import COMMAND_MODULES, cli

CLI_DIR = Path(rollout.cli.__file__).parent


def test_no_command_module_imports_the_root_group_back() -> None:
    """Click hands commands the root group as ctx.find_root().command; importing it from
    rollout.cli would close a circle with the package that registers them."""
    for path in sorted(CLI_DIR.glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "rollout.cli":
                names = {alias.name for alias in node.names}
                assert not names - {m.removesuffix(".py") for m in os.listdir(CLI_DIR)}, (path.name, names)
            if isinstance(node, ast.Import):
                assert all(alias.name != "rollout.cli" for alias in node.names), path.name


def test_the_command_table_names_every_command_of_every_module() -> None:
    registered = {}
    for name in COMMAND_MODULES:
        registered[name] = cli.commands[name]
    modules = {module for module in COMMAND_MODULES.values()}
    for module in modules:
        loaded = __import__(f"rollout.cli.{module}", fromlist=["COMMANDS"])
        for command in loaded.COMMANDS:
            assert COMMAND_MODULES.get(command.name) == module, f"add {command.name!r} to COMMAND_MODULES"
            assert registered[command.name] is command


PROBE = """
import sys
from rollout.cli import cli
try:
    cli.main(["--db", sys.argv[1], "region", "list", "--json"])
except SystemExit as exc:
    assert not exc.code, exc.code
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def test_region_list_loads_the_region_commands_only(db_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ROLLOUT_USER"}  # the login name is not looked up
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(db_path)], capture_output=True, text=True, check=True, env=env
    )
    loaded = set(run.stderr.split())
    needless = {
        "rollout.cli.admin",
        "rollout.cli.checklist",
        "rollout.cli.cockpit",
        "rollout.cli.config",
        "rollout.cli.exchange",
        "rollout.cli.maint",
        "rollout.cli.promos",
        "rollout.cli.serve",
        "rollout.cli.handover",
        "rollout.ops",
        "rollout.undo",
        "rollout.territory",
        "babel",
        "textual",
        "getpass",
        "click.shell_completion",
    }
    assert "rollout.cli.regions" in loaded
    assert not loaded & needless, sorted(loaded & needless)
