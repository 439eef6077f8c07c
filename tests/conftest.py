"""Every test runs with its own lp-tui home and no LP_* settings from the machine."""

from __future__ import annotations

import os

import pytest

LP_VARS = ("LP_ACCOUNT_ID", "LP_CLIENT_ID", "LP_CLIENT_SECRET", "LP_EXT_CONSUMER_ID", "LP_CSDS_URL",
           "LP_APP_JWT", "LP_CONSUMER_JWS", "LP_CA_BUNDLE")


@pytest.fixture(autouse=True)
def lp_home(tmp_path, monkeypatch):
    home = tmp_path / "lp-home"
    monkeypatch.setenv("LP_TUI_HOME", str(home))
    for var in LP_VARS:
        monkeypatch.delenv(var, raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return home


@pytest.fixture
def sandbox():
    from lp_tui.sandbox.server import Sandbox

    box = Sandbox(split=True).start()
    yield box
    box.stop()


def pytest_report_header(config):
    return f"lp-tui tests; LP_TUI_HOME per test; pid {os.getpid()}"
