"""One parser tells a file path from a URL; messages name either without a credential."""

from __future__ import annotations

import pytest

from rollout.backends import mask_url, parse_location, shown
from rollout.errors import DatabaseError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://launch:PASSWORD@db.example/rollout", "postgresql://launch@db.example/rollout"),
        ("postgres://launch@db.example:6543/rollout?password=PASSWORD", "postgres://launch@db.example:6543/rollout"),
        ("postgresql://launch:p%40ss%3Aw@db.example/rollout", "postgresql://launch@db.example/rollout"),
        ("postgresql://launch:p@ss@db.example/rollout", "postgresql://launch@db.example/rollout"),  # @ not encoded
        ("postgresql://:PASSWORD@h1:5432,h2:5433/rollout#x", "postgresql://h1:5432,h2:5433/rollout"),
        ("postgresql:///rollout?host=/run/pg&sslpassword=PASSWORD", "postgresql:///rollout"),
        ("postgresql://la%20unch@db/roll%20out", "postgresql://la unch@db/roll out"),
    ],
)
def test_a_url_is_shown_without_any_credential(given, expected):
    where = parse_location(given)
    assert where.kind == "postgresql" and where.target == given
    assert where.shown == expected == mask_url(given) == shown(given)
    assert "PASSWORD" not in where.shown and "p%40ss" not in where.shown and "ss@" not in where.shown


@pytest.mark.parametrize("path", ["rollout.json", "backup:2026.json", "dir/postgresql:x.json", "~/team.json"])
def test_anything_but_a_url_is_a_file_path(path, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    where = parse_location(path)
    assert where.is_file and where.target == where.shown and "~" not in where.target


@pytest.mark.parametrize("url", ["mysql://u:PASSWORD@h/db", "sqlite:///x.db", "https://u:PASSWORD@h/x"])
def test_a_url_of_another_kind_is_refused_naming_it_without_its_password(url):
    with pytest.raises(DatabaseError) as refused:
        parse_location(url)
    assert "PASSWORD" not in str(refused.value) and "rollout opens a file path or a postgresql:// URL" in str(
        refused.value
    )


def test_a_url_never_becomes_a_folder(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from rollout.cli import cli

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("ROLLOUT_CONNECT_TIMEOUT", "2")
    for args in (
        ["--db", "postgresql://launch:PASSWORD@%2Fnonexistent/rollout", "status"],
        ["--db", "x:/y/z", "status"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "PASSWORD" not in result.output
    assert list(work.iterdir()) == []


def test_serve_hands_a_url_to_its_tabs_through_the_environment_never_a_command_line(monkeypatch, tmp_path):
    from rollout.cli.app import App
    from rollout.cli.serve import tui_command

    monkeypatch.setenv("ROLLOUT_DB", "restored by monkeypatch")
    url = "postgresql://launch:S3cret@db.example/rollout"
    command = tui_command(App(db_path=url, user="amara"), read_only=False)
    assert "S3cret" not in command and "--db" not in command and "postgresql" not in command
    import os

    assert os.environ["ROLLOUT_DB"] == url  # what each tab's `rollout tui` opens
    file_command = tui_command(App(db_path=str(tmp_path / "team.json"), user="amara"), read_only=True)
    assert f"--db {tmp_path / 'team.json'}" in file_command
