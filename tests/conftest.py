"""Every test runs with its own lp-tui home and no LP_* settings from the machine."""

from __future__ import annotations

import gc
import os
import sys

import pytest

LP_VARS = ("LP_ACCOUNT_ID", "LP_CLIENT_ID", "LP_CLIENT_SECRET", "LP_EXT_CONSUMER_ID", "LP_CSDS_URL",
           "LP_APP_JWT", "LP_CONSUMER_JWS", "LP_CA_BUNDLE", "LP_ALLOW_PLAIN_HTTP", "LP_SANDBOX_TOKEN")


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


@pytest.fixture(autouse=True)
def close_sessions():
    """Every session a test made with tests.ui.fakes.session_for is closed when the test ends."""
    yield
    fakes = sys.modules.get("tests.ui.fakes")
    while fakes is not None and fakes.OPEN_SESSIONS:
        fakes.OPEN_SESSIONS.pop().close()


@pytest.fixture
def sandbox():
    from lp_tui.sandbox.server import Sandbox

    box = Sandbox(split=True).start()
    yield box
    box.stop()


def pytest_configure(config):
    # Each test starts a Textual app or two and frees them: hundreds of thousands of short-lived
    # objects per test. At the default threshold (a collection every 700 allocations) the garbage
    # collector took a quarter of the suite's CPU, rescanning the same long-lived modules and
    # caches over and over. Collect less often; see pytest_collection_finish for the rest.
    gc.set_threshold(50_000, 50, 100)
    if not hasattr(config, "workerinput"):  # once, in the process that starts the workers
        _byte_compile_lp_tui()


def _byte_compile_lp_tui() -> None:
    """Compile lp_tui's bytecode once for the whole run.

    The workers and the hundreds of ``python -m lp_tui`` subprocesses the tests start all import
    lp_tui. With an editable install and PYTHONDONTWRITEBYTECODE set (as on the machine CI runs
    on), nothing ever writes its bytecode, so each of them compiled every module from source:
    a fifth of the suite's CPU. Files already compiled are skipped.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("lp_tui")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=2)


def pytest_collection_finish(session):
    # What is alive once every test module is imported (modules, compiled CSS, caches) lives to the
    # end: out of the collector's reach for good.
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    # With collections that rare, the apps every test leaves behind (cycles, hundreds of thousands
    # of objects) pile up as garbage to the end, and freeing them took 3.5-5.5 s. Pytest's own
    # closing collections ran after a worker had reported its end, and pytest-xdist interrupts a
    # worker still busy 5 s after that (a KeyboardInterrupt, shown as a warning). So: collect once
    # here, before the end is reported, and freeze what survives so the closing ones are short.
    gc.collect()
    gc.freeze()


def pytest_report_header(config):
    return f"lp-tui tests; LP_TUI_HOME per test; pid {os.getpid()}"
