"""Reading what an app in a pty writes to its terminal (the tests that run lp-tui as a person does)."""

from __future__ import annotations

import os
import select
import time


def read_until(fd: int, needle: bytes | None, limit: float) -> bytes:
    """Read the terminal until ``needle`` shows; with None, whatever comes within ``limit`` seconds.

    For a needle, ``limit`` only turns a hang into a failure.
    """
    data = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        if needle is not None and needle in data:
            return data
    if needle is not None:
        raise AssertionError(f"{needle!r} did not reach the terminal within {limit:g} s")
    return data
