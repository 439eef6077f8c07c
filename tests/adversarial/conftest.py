"""The adversarial suite: a hostile server, hostile files, two processes at once.

Every test here attacks one thing lp-tui must withstand; each names the attack in its name.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from lp_tui.model.connection import Connection

from .hostile import HostileServer

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile():
    with HostileServer() as server:
        yield server


def conn_for(server: HostileServer, **overrides) -> Connection:
    conn = Connection(retry=__import__("lp_tui.model.connection", fromlist=["RetryPolicy"]).RetryPolicy.none())
    values = server.env()
    conn.apply({"csds_url": values["LP_CSDS_URL"], "account_id": values["LP_ACCOUNT_ID"],
                "client_id": values["LP_CLIENT_ID"], "client_secret": values["LP_CLIENT_SECRET"],
                "ext_consumer_id": values["LP_EXT_CONSUMER_ID"]}, "test")
    for key, value in overrides.items():
        setattr(conn, key, value)
    return conn


def cli(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120):
    """The CLI as a user runs it; output as bytes, so nothing is decoded away."""
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, timeout=timeout,
                            env={**os.environ, **(env or {})}, input=stdin)
    assert b"Traceback" not in result.stderr, result.stderr.decode("utf-8", "replace")
    return result


def assert_terminal_safe(where: str, data: bytes | str) -> None:
    """No control character a terminal would obey (ESC, CSI, BEL...), no bidi override, raw."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.replace("\n", "").replace("\t", "").replace("\r", "")
    found = CONTROL.search(text)
    assert found is None, f"{where} holds a raw control character {found.group()!r}" if found else ""
