"""Checking a `--json` output against the schema its command publishes (`rollout schema COMMAND`)."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from rollout.cli import cli, contract

GLOBAL_WITH_VALUE = {"--db", "--user"}


def command_of(args: tuple[str, ...]) -> tuple[str, object] | None:
    """The command path and command that `args` (after global options) run, if any."""
    words = list(args)
    while words and words[0].startswith("-"):
        if words.pop(0) in GLOBAL_WITH_VALUE and words:
            words.pop(0)
    group, path = cli, []
    while words and hasattr(group, "commands") and words[0] in group.commands:
        path.append(words[0])
        group = group.commands[words.pop(0)]
    return (" ".join(path), group) if path and not hasattr(group, "commands") else None


def validate(args: tuple[str, ...], stdout: str) -> None:
    """Check a --json output against the schema `rollout schema COMMAND` prints (draft 2020-12)."""
    found = command_of(args)
    assert found is not None, f"no command in {args}"
    path, command = found
    schema = contract.schema_of(path, command)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(json.loads(stdout)), key=lambda e: list(e.path))
    assert not errors, f"{path} --json does not match its schema: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )
