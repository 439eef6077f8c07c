"""Shared helpers for the reliability suite: the CLI as a subprocess, leak scanning."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState

SECRET = "Rel1able-Client-Secret-9f3K"


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60, stdin: str | None = None):
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, text=True,
                            timeout=timeout, env={**os.environ, **(env or {})}, input=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def connection_env(box: Sandbox, consumer: str = "rel-consumer") -> dict[str, str]:
    v = box.connection_values()
    return {"LP_CSDS_URL": v["csds_url"], "LP_ACCOUNT_ID": v["account_id"], "LP_CLIENT_ID": v["client_id"],
            "LP_CLIENT_SECRET": v["client_secret"], "LP_EXT_CONSUMER_ID": consumer, "LP_SANDBOX_TOKEN": v["sandbox_token"]}


@pytest.fixture
def box():
    sandbox = Sandbox(SandboxState(client_secret=SECRET), split=True).start()
    yield sandbox
    sandbox.stop()


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("lp-tui:")]
