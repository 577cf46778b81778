"""`rollout serve` end to end: the installed console script serves the TUI, headless Chromium opens it.

The browser page draws the terminal on a canvas, so the test reads what the page receives over
its websocket (a small hook installed through the DevTools protocol before the page loads): the
region table's rows must arrive, and then a screenshot is taken.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import console_script, program

from rollout.db import Database

pytestmark = pytest.mark.e2e

FIXED_NOW = "2026-11-24T09:00:00+00:00"
PAGE_TIMEOUT = 90.0
START_TIMEOUT = 30.0
# Collects what the page's websocket receives, for the test to read; installed before any page script runs.
CAPTURE_WEBSOCKET = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.__received = "";
  const keep = (data) => {
    if (typeof data === "string") { window.__received += data; }
    else if (data instanceof ArrayBuffer) { window.__received += decoder.decode(data, {stream: true}); }
    else if (data instanceof Blob) { data.arrayBuffer().then(keep); }
  };
  function Capturing(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("message", (event) => keep(event.data));
    return socket;
  }
  Capturing.prototype = Native.prototype;
  for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) { Capturing[name] = Native[name]; }
  window.WebSocket = Capturing;
})();
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"process exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listened on port {port} within {timeout:g} s:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def rollout_script() -> str:
    return str(console_script())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`rollout serve --port P` on loopback, on a seeded database of its own."""
    db = tmp_path / "served.json"
    Database(db).create(empty=False, force=False)
    port = free_port()
    env = {
        **os.environ,
        "ROLLOUT_NOW": FIXED_NOW,
        "ROLLOUT_USER": "browser",
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [rollout_script(), "--db", str(db), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        wait_for_port(port, process, log)
        yield port, log
    finally:
        stop(process)


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    """Headless Chromium with the DevTools protocol on a free loopback port; yields that port."""
    binary = program("chromium", "chromium-browser")
    port = free_port()
    log = tmp_path / "chromium.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path / 'chromium-profile'}",
                "--window-size=1280,800",
                "--remote-debugging-address=127.0.0.1",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_port(port, process, log)
        yield port
    finally:
        stop(process)


def page_websocket(devtools_port: int) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=5) as response:
            targets = json.load(response)
        pages = [t for t in targets if t.get("type") == "page" and "webSocketDebuggerUrl" in t]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.2)
    pytest.fail("Chromium opened no page target")


class DevTools:
    """The few DevTools protocol calls the test needs, over aiohttp's websocket client."""

    def __init__(self, socket_) -> None:  # noqa: ANN001 - aiohttp.ClientWebSocketResponse
        self.socket = socket_
        self.next_id = 0

    async def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        call_id = self.next_id
        await self.socket.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await self.socket.receive_json(timeout=30)
            if message.get("id") == call_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})

    async def evaluate(self, expression: str) -> object:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


async def open_and_capture(devtools_url: str, page_url: str, markers: list[str], screenshot: Path) -> str:
    """Open the page, wait until every marker has arrived over its websocket, then take a screenshot."""
    import aiohttp

    async with aiohttp.ClientSession() as session, session.ws_connect(devtools_url, max_msg_size=0) as socket_:
        tools = DevTools(socket_)
        await tools.call("Page.enable")
        await tools.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_WEBSOCKET)
        await tools.call("Page.navigate", url=page_url)
        received = ""
        deadline = time.monotonic() + PAGE_TIMEOUT
        while time.monotonic() < deadline:
            received = await tools.evaluate("window.__received || ''") or ""
            painted = await tools.evaluate("document.body && document.body.classList.contains('-first-byte')")
            if painted and all(marker in received for marker in markers):
                break
            if await tools.evaluate("document.body && document.body.classList.contains('-closed')"):
                break  # the TUI process ended: no point waiting
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # let the terminal draw the last frame before the screenshot
        shot = await tools.call("Page.captureScreenshot", format="png")
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        return str(received)


def test_serve_shows_the_region_table_in_headless_chromium(served, chromium, tmp_path: Path):
    port, log = served
    page = f"http://127.0.0.1:{port}/"
    with urllib.request.urlopen(page, timeout=10) as response:
        html = response.read().decode()
    assert f"ws://127.0.0.1:{port}/ws" in html  # the page connects back to this server
    markers = ["Netherlands", "Poland", "Australia"]  # regions of the seeded database, shown in the table
    screenshot = tmp_path / "serve.png"
    received = asyncio.run(open_and_capture(page_websocket(chromium), page, markers, screenshot))
    missing = [m for m in markers if m not in received]
    assert not missing, f"region table never reached the browser (missing {missing}); server log:\n{log.read_text()}"
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 20_000  # a rendered terminal, not a blank page


def test_serve_on_an_address_it_cannot_listen_on_prints_only_the_error(tmp_path: Path):
    """192.0.2.1 is a documentation address no machine has: nothing is bound, no packet is sent."""
    db = tmp_path / "unreachable.json"
    Database(db).create(empty=False, force=False)
    result = subprocess.run(
        [rollout_script(), "--db", str(db), "serve", "--host", "192.0.2.1", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ROLLOUT_NOW": FIXED_NOW, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()  # the address is checked before anything is printed
    assert line.startswith("Error: cannot serve on 192.0.2.1:")
    assert result.stdout == ""
