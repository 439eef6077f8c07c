"""Copies that arrive: in tmux with its default options (``set-clipboard external``, which ignores
an application's OSC 52), "Copy as curl" from the palette leaves the command in the tmux buffer.

A real tmux server of its own (``-L``, no configuration file), the app in its pane, keys sent as a
user types them. Every wait is on a condition (the pane's text, the buffer), never a fixed pause.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: the copy to its "
                                "buffer cannot be tried for real")


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                              timeout=30)

    def wait(self, predicate, what: str, limit: float = 90.0) -> str:
        deadline = time.monotonic() + limit
        while True:
            screen = self("capture-pane", "-p", "-t", "app").stdout
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {limit:g} s for {what}; the pane shows:\n{screen}")
            time.sleep(0.1)


def test_copy_as_curl_in_tmux_with_default_options_lands_in_the_tmux_buffer(tmp_path):
    tmux = Tmux(f"lp-copy-{os.getpid()}")
    env = {"LP_TUI_HOME": str(tmp_path / "home"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    command = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"env {command} {shlex.quote(sys.executable)} -m lp_tui --sandbox"
    started = tmux("new-session", "-d", "-s", "app", "-x", "120", "-y", "40", command)
    assert started.returncode == 0, started.stderr
    try:
        assert tmux("show-options", "-s", "set-clipboard").stdout.split()[-1] == "external"  # the default
        tmux.wait(lambda s: "SANDBOX" in s and "Customer" in s, "the app")
        tmux("send-keys", "-t", "app", "C-p")
        tmux.wait(lambda s: "Search for commands" in s or "Copy" in s, "the command palette")
        tmux("send-keys", "-t", "app", "-l", "copy as curl")
        tmux.wait(lambda s: "Copy as curl" in s, "the palette entry")
        tmux("send-keys", "-t", "app", "Enter")
        deadline = time.monotonic() + 90
        told = False  # the notice names the tmux buffer (a toast may wrap its words and goes after a while)
        while True:
            words = " ".join(tmux("capture-pane", "-p", "-t", "app").stdout.replace("▎", " ").split())
            told = told or ("Copied a curl command" in words and "tmux" in words)
            buffer = tmux("show-buffer").stdout
            if buffer.startswith("curl -X POST") and told:
                break
            assert time.monotonic() < deadline, f"the tmux buffer holds {buffer[:200]!r}; notice seen: {told}"
            time.sleep(0.05)
        assert "$LP_HOST" in buffer and "--data-raw '" in buffer
    finally:
        tmux("kill-server")
