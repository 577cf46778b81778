"""Default file locations follow the XDG Base Directory Specification: each kind of file in its
variable's folder, under `rollout`, and the variable's default under HOME when it is unset or empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from rollout.backends import parse_location
from rollout.db import default_location, default_path
from rollout.holidays import cache_path
from rollout.tui.guard import error_log_path
from rollout.tui.settings import config_path

LOCATIONS = [
    ("XDG_DATA_HOME", ".local/share", default_path, "rollout.json"),
    ("XDG_CACHE_HOME", ".cache", cache_path, "holidays.json"),
    ("XDG_STATE_HOME", ".local/state", error_log_path, "tui-errors.log"),
    ("XDG_CONFIG_HOME", ".config", config_path, "config.toml"),
]


@pytest.mark.parametrize(("variable", "default", "where", "name"), LOCATIONS)
def test_a_set_variable_names_the_folder(monkeypatch, tmp_path, variable, default, where, name):
    monkeypatch.setenv(variable, str(tmp_path / "base"))
    assert where() == tmp_path / "base" / "rollout" / name


@pytest.mark.parametrize("unset", [True, False], ids=["unset", "empty"])
@pytest.mark.parametrize(("variable", "default", "where", "name"), LOCATIONS)
def test_an_unset_or_empty_variable_means_its_default_under_home(
    monkeypatch, tmp_path, variable, default, where, name, unset
):
    home = tmp_path / "someone"
    monkeypatch.setenv("HOME", str(home))
    if unset:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, "")
    assert where() == home / Path(default) / "rollout" / name


def test_rollout_db_comes_before_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("ROLLOUT_DB", "~/shop/rollout.json")
    monkeypatch.setenv("HOME", str(tmp_path))
    location, is_default = default_location()
    assert not is_default  # a read there never creates a database (only init does)
    assert parse_location(location).target == str(tmp_path / "shop" / "rollout.json")
    monkeypatch.delenv("ROLLOUT_DB")
    assert default_location() == (str(default_path()), True)


@pytest.mark.parametrize("value", [None, "", "  ", "/srv/base", "relative/base", "~/tilde"])
@pytest.mark.parametrize("kind", ["data", "cache", "state", "config"])
def test_the_folders_are_the_ones_platformdirs_finds(monkeypatch, tmp_path, kind, value):
    """rollout reads the XDG variables itself on Linux (rollout.paths): the same folders as platformdirs."""
    import platformdirs

    from rollout import paths

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    variable = f"XDG_{kind.upper()}_HOME"
    if value is None:
        monkeypatch.delenv(variable, raising=False)
    else:
        monkeypatch.setenv(variable, value)
    assert getattr(paths, f"{kind}_dir")() == getattr(platformdirs, f"user_{kind}_path")("rollout")
