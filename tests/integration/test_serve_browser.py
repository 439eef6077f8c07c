"""`lp-tui serve --sandbox` in a real headless browser: the page loads, a send made with keys typed
into the page works, and the Timeline shows the sandbox's agent joining.

The browser is the system's Chromium (Debian's package ``chromium``), driven by Playwright given
that executable (Playwright's own browser download is never used). The served page draws the
terminal on a canvas, so the test reads what the app sent to the page: the websocket's frames,
the terminal output xterm.js draws, with the escape sequences taken out.

Skipped, saying why, only where a piece is missing: Chromium (``apt-get install chromium``), or the
Python packages textual-serve and playwright (the ``test`` extra installs both).

Run as a script, it makes screenshots/serve-browser.png (the README shows it):
``.venv/bin/python tests/integration/test_serve_browser.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 120.0  # seconds: only a hang guard; every wait ends on its condition
ANSI = re.compile(r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()#][0-9A-Za-z]|\x1b[=>78DEHMc]")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """The system's Chromium: $LP_TUI_CHROMIUM, else chromium or chromium-browser on the PATH."""
    given = os.environ.get("LP_TUI_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_piece() -> str | None:
    """Why the browser test cannot run here, or None."""
    for module, package in (("textual_serve", "textual-serve"), ("playwright.sync_api", "playwright")):
        try:
            __import__(module)
        except ImportError:
            return f"{package} is not installed (pip install -e '.[test]' installs it)"
    if chromium_path() is None:
        return "no Chromium on this machine (apt-get install chromium, or set LP_TUI_CHROMIUM to its path)"
    return None


class Served:
    """``lp-tui serve --sandbox`` on a free loopback port, and a headless page on its URL whose
    terminal output is collected from the websocket."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "serve", "--sandbox", "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     cwd=ROOT)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the first line is the URL (or the process ended)
        found = re.search(r"http://\S+", line)
        if not found:
            self.proc.kill()
            raise AssertionError(f"lp-tui serve printed no URL: {line!r} {self.proc.stderr.read()!r}")  # type: ignore[union-attr]
        self.url = found.group(0)
        self.frames: list[bytes] = []

    def screen_text(self) -> str:
        """Everything the app has drawn in the page so far, as plain text: the stream without its
        escape sequences, and the screen those sequences make (a line Textual updates in pieces,
        with the cursor moved between them, reads whole only there)."""
        sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
        from outside_typing import Screen  # the benchmarks' model of a terminal screen

        frames = list(self.frames)
        screen = Screen(400, 200)  # larger than the page's terminal: the app positions absolutely
        for frame in frames:
            screen.feed(frame)
        return ANSI.sub("", b"".join(frames).decode("utf-8", "replace")) + "\n" + screen.text()

    def wait_for(self, page: Any, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + HANG_GUARD
        while not condition():
            if time.monotonic() > deadline:
                shot = Path(os.environ.get("LP_TUI_HOME", ".")) / "browser-failure.png"
                page.screenshot(path=str(shot))
                shown = re.sub(r"[━╸╺─ ]{6,}", " ", self.screen_text())  # without bars and padding
                raise AssertionError(f"waited {HANG_GUARD:g} s for {what} (the page is in {shot}); the page "
                                     f"showed: {shown[-3000:]!r}")
            page.wait_for_timeout(100)  # lets Playwright deliver the next frames

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def send_and_follow(env: dict[str, str], screenshot: Path | None = None) -> str:
    """Open the served app in Chromium, open the Timeline (F10), send the draft (Ctrl+J typed into
    the page) and wait for the agent; return what the page showed."""
    from playwright.sync_api import sync_playwright

    served = Served(env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.on("websocket", lambda ws: ws.on(
                    "framereceived", lambda data: served.frames.append(data if isinstance(data, bytes) else b"")))
                page.goto(served.url)
                page.wait_for_selector("body.-first-byte", timeout=HANG_GUARD * 1000)
                served.wait_for(page, lambda: "SANDBOX" in served.screen_text() and "Customer id" in
                                served.screen_text(), "the composer in the page")
                page.focus(".xterm-helper-textarea")  # keys go where xterm.js reads them, as after a click
                # the Timeline first, as a presenter would: once it names its receiver, the sandbox posts
                # there (a conversation opened before that gets no notifications)
                page.keyboard.press("F10")
                served.wait_for(page, lambda: "the sandbox posts here" in served.screen_text(),
                                "the Timeline's webhook receiver")
                page.keyboard.press("Control+j")
                served.wait_for(page, lambda: re.search(r"open [0-9a-f]{8}-", served.screen_text()) is not None,
                                "the sent conversation's id in the status line")
                page.keyboard.press("F10")  # a send shows its answer: back to the Timeline
                # short words, each one segment of the Timeline's line (a long phrase may reach the page
                # in pieces, as the screen is redrawn region by region)
                served.wait_for(page, lambda: "joined" in served.screen_text() and "ASSIGNED_AGENT" in
                                served.screen_text(), "the agent joining in the Timeline")
                served.wait_for(page, lambda: "COMPOSING" in served.screen_text() or "message" in
                                served.screen_text().split("joined", 1)[-1], "the agent typing or greeting")
                if screenshot is not None:
                    served.wait_for(page, lambda: "today?" in served.screen_text(), "the agent's greeting")
                    page.screenshot(path=str(screenshot))
            finally:
                browser.close()
    finally:
        served.stop()
    return served.screen_text()


@pytest.mark.slow
def test_served_app_sends_and_shows_the_agent_in_a_browser(lp_home, tmp_path):
    reason = missing_piece()
    if reason:
        pytest.skip(reason)
    text = send_and_follow(dict(os.environ), tmp_path / "served.png")
    assert "joined" in text and "ASSIGNED_AGENT" in text
    assert (tmp_path / "served.png").stat().st_size > 10_000


def test_serve_refuses_other_hosts_pages_and_tokenless_requests(lp_home):
    """The guards, without a browser: a request without the token, for another Host (DNS
    rebinding), or from another site's page (Origin) is refused; the token's holder gets the page."""
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[test]')")
    import httpx

    served = Served(dict(os.environ))
    try:
        base, token = served.url.split("/?token=")
        with httpx.Client(trust_env=False) as http:
            assert http.get(f"{base}/").status_code == 403
            assert http.get(f"{base}/?token=wrong{token}").status_code == 403
            assert http.get(served.url, headers={"Host": "attacker.example"}).status_code == 403
            assert http.get(served.url, headers={"Origin": "http://attacker.example"}).status_code == 403
            page = http.get(served.url)
            assert page.status_code == 200 and "fonts.googleapis.com" not in page.text
            assert not page.cookies  # a cookie would go to every server on 127.0.0.1, whatever its port
            key = re.search(r'data-session-websocket-url="ws://[^"/]+(/ws/[^"]+)"', page.text)
            assert key, "the page names its websocket"
            # the websocket: refused from another site's page even with the page's key
            ws = http.get(f"{base}{key.group(1)}", headers={"Origin": "http://attacker.example", "Connection": "Upgrade",
                                                "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
            assert ws.status_code == 403
    finally:
        served.stop()


if __name__ == "__main__":
    reason = missing_piece()
    if reason:
        sys.exit(f"cannot make the screenshot: {reason}")
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        os.chmod(home, 0o700)
        env = dict(os.environ, LP_TUI_HOME=home)
        for var in ("LP_ACCOUNT_ID", "LP_CLIENT_ID", "LP_CLIENT_SECRET", "LP_PROFILE"):
            env.pop(var, None)
        out = ROOT / "screenshots" / "serve-browser.png"
        send_and_follow(env, out)
        print(out.relative_to(ROOT))
