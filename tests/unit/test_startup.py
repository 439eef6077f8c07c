"""What start-up puts off, and that nothing is lost by it: the app's sandbox starts after the
first paint, the raw editor is built after it, garbage collection is paused while lp-tui starts
and always comes back. (How fast: tests/benchmarks, not here.)"""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

from lp_tui import gcpause
from lp_tui.cli import QUICK_COMMANDS, main
from lp_tui.sandbox import DEMO_ACCOUNT
from lp_tui.ui.session import Session
from lp_tui.store.settings import SettingsFile


ALL = {"build", "presets", "send", "close", "message", "routes", "sandbox"}


def test_the_help_still_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in ALL)


def test_a_mistyped_command_is_named_with_the_choices(capsys):
    with pytest.raises(SystemExit):
        main(["sned"])
    assert "invalid choice: 'sned'" in capsys.readouterr().err


def test_an_unknown_preset_is_still_a_usage_error(capsys):
    assert main(["build", "--preset", "no-such-preset", "--account", "1"]) == 2
    assert "unknown preset" in capsys.readouterr().err


# --- garbage collection -----------------------------------------------------------------------------
def test_main_leaves_collection_as_it_found_it(capsys):
    assert gc.isenabled()
    assert main(["build", "--compact", "--account", "1"]) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        main(["build", "--compact", "--account", "1"])
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()


@pytest.mark.parametrize("module, function, argv, paused", [
    ("build", "cmd_build", ["build"], True),  # a quick command: collection stays paused until it returns
    ("send", "cmd_send", ["send"], True),
    ("routes", "cmd_routes", ["routes"], False),  # runs on: collects as usual
    ("sandbox_cmd", "cmd_sandbox", ["sandbox"], False),
])
def test_only_quick_commands_run_with_collection_paused(monkeypatch, module, function, argv, paused):
    seen = []
    monkeypatch.setattr(f"lp_tui.cli.{module}.{function}", lambda args: seen.append(gc.isenabled()) or 0)
    assert main(argv) == 0
    assert seen == [not paused]
    assert gc.isenabled()
    assert (argv[0] in QUICK_COMMANDS) == paused


def test_collection_comes_back_when_a_command_fails(monkeypatch):
    def boom(args):
        raise RuntimeError("boom")

    monkeypatch.setattr("lp_tui.cli.build.cmd_build", boom)
    with pytest.raises(RuntimeError):
        main(["build"])
    assert gc.isenabled()


def test_resume_undoes_only_its_own_pause():
    gcpause.pause()
    assert not gc.isenabled()
    gcpause.resume()
    assert gc.isenabled()
    gcpause.resume()  # twice: nothing more
    assert gc.isenabled()


def test_a_send_from_the_console_script_works_with_collection_paused(lp_home):
    """The console script's path (``main()`` without arguments), end to end: the pause changes
    nothing in what is sent and printed."""
    code = ("import sys; from lp_tui.cli import main; sys.argv = ['lp-tui', 'send', '--sandbox', '--preset', "
            "'sde-ctype-gender']; sys.exit(main())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[1]["code"] == "OK"
    assert "conversationId:" in result.stderr


# --- the deferred sandbox -----------------------------------------------------------------------------
class CountingSandbox:
    started = 0

    def __init__(self) -> None:
        CountingSandbox.started += 1
        self.stopped = False
        self.csds_url = "http://127.0.0.1:8400"

    def connection_values(self) -> dict[str, str]:
        return {"account_id": DEMO_ACCOUNT, "csds_url": self.csds_url, "client_id": "sandbox-app-0001",
                "client_secret": "sandbox-secret-0001"}

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def deferred(tmp_path):
    CountingSandbox.started = 0
    return Session(SettingsFile(tmp_path / "settings.toml"), "sandbox", environ={}, sandbox_factory=CountingSandbox,
                   defer_sandbox=True, client_factory=lambda conn: ("client for", conn.csds_url))


def test_before_its_start_the_sandbox_shows_its_account_and_no_address(deferred):
    assert deferred.conn.account_id == DEMO_ACCOUNT
    assert deferred.sandbox_pending and CountingSandbox.started == 0
    assert deferred.sandbox_url() == ""
    assert deferred.request_url().startswith("http://127.0.0.1:{port}/api/account/12345678/")
    assert "SANDBOX" in deferred.badge()


def test_the_start_gives_the_address_and_keeps_the_consumer(deferred):
    consumer = deferred.conn.ext_consumer_id
    assert deferred.start_sandbox() is True
    assert deferred.start_sandbox() is False  # once
    assert CountingSandbox.started == 1
    assert deferred.conn.csds_url == "http://127.0.0.1:8400"
    assert deferred.conn.ext_consumer_id == consumer
    assert deferred.request_url().startswith("http://127.0.0.1:8400/")


def test_a_send_before_the_start_starts_it_first(deferred):
    assert deferred.client == ("client for", "http://127.0.0.1:8400")
    assert CountingSandbox.started == 1 and not deferred.sandbox_pending


def test_a_start_after_close_starts_nothing(deferred):
    deferred.close()
    assert deferred.start_sandbox() is False
    assert CountingSandbox.started == 0


def test_close_stops_a_started_sandbox(deferred):
    deferred.start_sandbox()
    box = deferred.sandbox
    deferred.close()
    assert box.stopped and deferred.sandbox is None


def test_after_the_first_attempt_a_sandbox_starts_when_needed(deferred):
    deferred.profile = "qa"
    assert deferred.start_sandbox() is False  # not in use: nothing started, nothing deferred any more
    deferred.profile = "sandbox"
    deferred._conn = None
    assert deferred.conn.csds_url == "http://127.0.0.1:8400"
    assert CountingSandbox.started == 1


def test_a_failed_start_stays_pending_and_the_send_says_why(deferred):
    from lp_tui.lp.errors import LpError

    def no_port():
        raise OSError("no free port")

    deferred.sandbox_factory = no_port
    with pytest.raises(OSError):
        deferred.start_sandbox()
    assert deferred.sandbox_pending and deferred.conn.account_id == DEMO_ACCOUNT  # still usable, still pending
    with pytest.raises(LpError, match="the built-in sandbox did not start: no free port"):
        deferred.client
    deferred.sandbox_factory = CountingSandbox  # the port is free again: the next send starts it
    assert deferred.client == ("client for", "http://127.0.0.1:8400")


# --- the app with a deferred sandbox --------------------------------------------------------------------
async def test_the_app_starts_its_sandbox_after_the_first_paint_and_sends_through_it(tmp_path):
    from lp_tui.ui.app import make_app
    from lp_tui.ui.widgets.status import StatusBar
    from tests.ui.fakes import session_for, until

    session = session_for(tmp_path, defer_sandbox=True)
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: session.sandbox is not None, "the sandbox to start")
            url = session.sandbox.csds_url
            await until(pilot, lambda: url in str(app.composer.query_one(StatusBar).render()), "the address shown")
            assert session.request_url().startswith(url)
            assert not app.composer.query("#raw-editor")  # built only when raw mode is first entered
            await pilot.press("ctrl+j")
            await until(pilot, lambda: app.composer.conversation_id and not app.composer.busy, "the send to finish")
            assert app.composer.outcome.error is None
    finally:
        session.close()


async def test_a_sandbox_that_cannot_start_is_reported_and_a_send_fails_cleanly(tmp_path):
    from lp_tui.ui.app import make_app
    from tests.ui.fakes import session_for, until

    def no_port():
        raise OSError("no free port")

    session = session_for(tmp_path, defer_sandbox=True, sandbox_factory=no_port)
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any("did not start" in str(n.message) for n in app._notifications),
                    "the notification")
        before = app.composer.draft.copy()
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.outcome is not None and not app.composer.busy, "the send to end")
        assert "did not start: no free port" in str(app.composer.outcome.error)
        assert app.composer.draft == before and app.is_running


def test_whoever_starts_the_sandbox_the_app_hears_of_it_once(deferred):
    heard = []
    deferred.on_sandbox_started = lambda: heard.append(deferred.sandbox)
    deferred.client  # a send that came before the background start
    assert deferred.start_sandbox() is False  # the background start then finds nothing to do
    assert len(heard) == 1 and heard[0] is deferred.sandbox


def test_before_its_start_the_sandbox_predicts_by_the_rules_it_will_start_with(deferred):
    from lp_tui.model.routing import Rules

    assert deferred.sandbox_pending
    assert deferred.routing_rules() == Rules.default()


# --- quitting before what starts hidden has mounted ---------------------------------------------------
async def test_hidden_widgets_that_never_mounted_are_no_error_when_the_app_quits_at_once():
    """Textual's Lazy raises MountError (a traceback over the terminal) when the app quits before
    its widget mounts; lp-tui's Lazy lets it go, and what OnDemand holds is never built."""
    from textual.app import App
    from textual.widgets import Static, TabbedContent, TabPane

    from lp_tui.ui.widgets.deferred import Lazy, OnDemand

    built = []

    class Quick(App[None]):
        def compose(self):
            with TabbedContent():
                with TabPane("shown"):
                    yield Static("shown")
                with TabPane("lazy"):
                    yield Lazy(Static("lazy"))
                with TabPane("on demand"):
                    yield OnDemand(lambda: built.append(1) or Static("on demand"))

        def on_mount(self):
            self.exit()

    app = Quick()
    await app.run_async(headless=True)
    assert app._exception is None and app.return_code == 0
    assert built == []  # never needed, never built

