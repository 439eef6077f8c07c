"""Run `lp-tui sandbox` in a child process, so the server's work is not in the measured process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager

from common import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sandbox_process():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "sandbox", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        from lp_tui.sandbox.state import DEMO_ACCOUNT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

        yield {"csds_url": f"http://127.0.0.1:{port}", "account_id": DEMO_ACCOUNT, "client_id": DEMO_CLIENT_ID,
               "client_secret": DEMO_CLIENT_SECRET}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
