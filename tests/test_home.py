"""Tests leave the user's home untouched: each has a home of its own, and the run checks it left
nothing in the sentinel home around them (tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from integrations.integration_helpers import run_script

HERE = Path(__file__).resolve().parent


def test_each_test_has_its_own_home_config_cache_and_data(tmp_path):
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        assert Path(os.environ[name]).is_relative_to(tmp_path), name
    assert Path.home() == tmp_path / "home"
    assert os.environ["HOME"] != os.environ["ROLLOUT_TEST_SENTINEL_HOME"]


def test_a_command_writes_its_cache_into_the_tests_own_home(tmp_path, db_path):
    result = run_script("--db", str(db_path), "status")  # fills the public-holiday cache
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cache" / "rollout").is_dir()
    assert not any(Path(os.environ["ROLLOUT_TEST_SENTINEL_HOME"]).iterdir())


def test_a_run_that_writes_into_its_home_fails(tmp_path):
    """The run-level check: a test that escapes its own home (here at import time) fails the run."""
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(HERE / "conftest.py", suite / "conftest.py")
    (suite / "test_leak.py").write_text(
        "import os, pathlib\n"
        "pathlib.Path(os.environ['HOME'], '.cache', 'leaked').mkdir(parents=True)\n"
        "def test_nothing():\n    pass\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ROLLOUT_TEST_SENTINEL_HOME"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(suite)],
        capture_output=True,
        text=True,
        env=env,
        cwd=suite,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout
    assert "the test run wrote into its home directory" in result.stdout
    assert ".cache/leaked" in result.stdout
