"""What a test needs from the machine: a program (tmux, sshd, Chromium, a shell, rollout's own
console script) or an unprivileged user.

Locally a test whose need is missing skips, saying what is missing and what provides it. In CI
(CI=true) it fails instead: scripts/test-deps installs every tool and creates the user there, so a
skip would only hide a test that never ran.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import pytest

# Created by scripts/test-deps when it runs as root: root reads any file whatever its permissions,
# so permission tests run as this user instead.
UNPRIVILEGED_USER = "rollout-test"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def unavailable(what: str, provider: str = "scripts/test-deps") -> NoReturn:
    """Skip the test (locally) or fail it (CI=true): `what` is missing, `provider` provides it."""
    if in_ci():
        pytest.fail(f"{what} is missing, and CI must run this test ({provider} provides it)")
    pytest.skip(f"{what} is missing ({provider} provides it)")


def program(*names: str) -> str:
    """The path of the first of `names` found on PATH (e.g. "chromium", "chromium-browser")."""
    for name in names:
        path = shutil.which(name)
        if path is not None:
            return path
    unavailable(" or ".join(names))


def console_script() -> Path:
    """rollout's console script, installed next to this interpreter (`make .venv/.installed`)."""
    script = Path(sys.executable).parent / "rollout"
    if not script.exists():
        unavailable(f"the rollout console script next to {sys.executable}", "pip install -e .")
    return script


def unprivileged_user() -> pwd.struct_passwd:
    """The account permission tests run as when the suite runs as root."""
    try:
        return pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        unavailable(f"the unprivileged user {UNPRIVILEGED_USER}")


def as_user(user: pwd.struct_passwd, command: list[str]) -> list[str]:
    """`command` run as `user` (its uid, gid and no supplementary groups: util-linux setpriv)."""
    setpriv = program("setpriv")
    return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--", *command]
