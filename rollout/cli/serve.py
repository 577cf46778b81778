"""`serve`: the TUI in a browser through textual-serve, one process per browser tab."""

from __future__ import annotations

import importlib.util
import ipaddress
import shlex
import sys

import click

from rollout.cli import output
from rollout.cli.app import App, pass_app
from rollout.errors import RolloutError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tui_command(app: App, read_only: bool) -> str:
    """The shell command textual-serve runs for each tab: this rollout, on this database, as this user."""
    args = [sys.executable, "-m", "rollout", "--db", str(app.db_path.resolve()), "--user", app.user, "tui"]
    if read_only:
        args.append("--read-only")
    return shlex.join(args)


@click.command("serve")
@click.option(
    "--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (loopback only by default)."
)
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True, help="TCP port.")
@click.option(
    "--public-url",
    help="The URL browsers use to reach this server, when it differs (a proxy).  [default: http://HOST:PORT]",
)
@click.option("--read-only", is_flag=True, help="Serve a view-only TUI: every edit is refused.")
@pass_app
def serve(app: App, host: str, port: int, public_url: str | None, read_only: bool) -> None:
    """Serve the TUI in a web browser; each tab runs its own TUI on the same database.

    There is no authentication: anyone who can reach the address can edit the rollout as the
    user running `serve`. Keep the default loopback address and reach it through SSH
    port-forwarding (ssh -L 8000:127.0.0.1:8000 host), or put an authenticating proxy in front.
    """
    if importlib.util.find_spec("rollout.tui") is None:
        raise click.UsageError("the TUI is not available in this installation")
    if not is_loopback(host):
        output.warn(
            f"serving on {host}:{port} without authentication: anyone who can reach it can change the rollout "
            f"as {app.user}. Prefer --host 127.0.0.1 with SSH port-forwarding, or an authenticating proxy."
        )
    app.state()  # create the database now (from the bundled dataset) rather than in the first tab
    from textual_serve.server import Server

    command = tui_command(app, read_only or app.read_only)
    try:
        Server(command, host=host, port=port, title="rollout", public_url=public_url).serve()
    except OSError as exc:
        raise RolloutError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


COMMANDS = [serve]
