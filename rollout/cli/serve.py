"""`serve`: the TUI in a browser through textual-serve, one process per browser tab."""

from __future__ import annotations

import errno
import ipaddress
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from rollout.cli import contract, output
from rollout.cli.app import App, pass_app
from rollout.cli.params import WholeNumber
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
    from rollout.backends import parse_location

    where = parse_location(app.db_path)
    if where.is_file:
        args = [sys.executable, "-m", "rollout", "--db", str(Path(where.target).resolve()), "--user", app.user, "tui"]
    else:
        # A URL may hold a password: the children get it from the environment, never on a command
        # line that `ps` shows to every user of the host.
        os.environ["ROLLOUT_DB"] = app.db_path
        args = [sys.executable, "-m", "rollout", "--user", app.user, "tui"]
    if read_only:
        args.append("--read-only")
    return shlex.join(args)


def check_port(host: str, port: int) -> None:
    """Refuse, before anything is printed, an address that cannot be served: a port in use, a host
    that does not resolve or is not this machine's. Binds each address as the server will
    (SO_REUSEADDR, as aiohttp does on Unix) and lets it go at once."""
    import socket  # only here: read commands do not pay for it

    where = f"{host}:{port}"
    try:
        addresses = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise RolloutError(f"cannot serve on {where}: unknown host ({exc.strerror})") from None
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                why = (
                    "the port is in use (pick another with --port)"
                    if exc.errno == errno.EADDRINUSE
                    else exc.strerror or str(exc)
                )
                raise RolloutError(f"cannot serve on {where}: {why}") from None


def _serve_schema() -> contract.Schema:
    return contract.obj(
        {
            "url": contract.STRING,
            "host": contract.STRING,
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "read_only": contract.BOOLEAN,
            "command": contract.STRING,
        }
    )


@click.command("serve", short_help="Serve the TUI in a web browser.")
@click.option(
    "--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (loopback only by default)."
)
@click.option("--port", type=WholeNumber(1, 65535), default=DEFAULT_PORT, show_default=True, help="TCP port.")
@click.option(
    "--public-url",
    help="The URL browsers use to reach this server, when it differs (a proxy).  [default: http://HOST:PORT]",
)
@click.option("--read-only", is_flag=True, help="Serve a view-only TUI: every edit is refused.")
@contract.reads(_serve_schema, shows=True)
@pass_app
def serve(app: App, host: str, port: int, public_url: str | None, read_only: bool, as_json: bool) -> None:
    """Serve the TUI in a web browser; each tab runs its own TUI on the same database.

    There is no authentication: anyone who can reach the address can edit the rollout as the
    user running `serve`. Keep the default loopback address and reach it through SSH
    port-forwarding (ssh -L 8000:127.0.0.1:8000 host), or put an authenticating proxy in front.
    With --json, prints one object (url, host, port, read_only, command) once it starts, instead
    of the banner.
    """
    check_port(host, port)
    if not is_loopback(host):
        output.warn(
            f"serving on {host}:{port} without authentication: anyone who can reach it can change the rollout "
            f"as {app.user}. Prefer --host 127.0.0.1 with SSH port-forwarding, or an authenticating proxy."
        )
    app.ensure_database()  # create the database now (from the bundled dataset) rather than in the first tab
    from textual_serve.server import Server

    only_view = read_only or app.read_only
    command = tui_command(app, only_view)

    class RolloutServer(Server):
        async def on_startup(self, web_app: Any) -> None:
            if not as_json:
                await super().on_startup(web_app)
                return
            started = {"url": self.public_url, "host": host, "port": port, "read_only": only_view, "command": command}
            output.emit_json(started, one_line=True)

    try:
        RolloutServer(command, host=host, port=port, title="rollout", public_url=public_url).serve()
    except OSError as exc:
        raise RolloutError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


COMMANDS = [serve]
