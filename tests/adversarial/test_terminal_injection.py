"""Terminal injection: escape sequences and markup from a server or a file are shown, never obeyed."""

from __future__ import annotations

import json
import os
import pty
import signal
import sys

import pytest

from lp_tui.ui.app import make_app
from tests.pty_read import read_until
from tests.ui.fakes import session_for, settled, until

from .conftest import assert_terminal_safe, cli, conn_for
from .hostile import ESCAPES, HOSTILE_TEXT, MARKUP, connector_answer, connector_raw


HOSTILE_ANSWERS = {
    "msg": [{"code": "OK", "body": {"msg": HOSTILE_TEXT}, "reqId": "1"},
            {"code": "OK", "body": {"conversationId": "c-1"}, "reqId": "2"}],
    "error title and details": {"kind": "resp", "code": 401, "type": ".ReqBody$ErrorResp",
                                "body": {"title": HOSTILE_TEXT, "details": HOSTILE_TEXT, "errorCode": 49999}},
    "sub-answer": [{"code": "OK", "body": {}, "reqId": "1"},
                   {"code": HOSTILE_TEXT, "body": {"msg": HOSTILE_TEXT}, "reqId": HOSTILE_TEXT}],
}


@pytest.mark.parametrize("kind", HOSTILE_ANSWERS)
def test_cli_prints_no_escape_sequence_from_an_answer(hostile, kind):
    status = 401 if "error" in kind else 200
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(HOSTILE_ANSWERS[kind], status)
    result = cli("send", env=hostile.env())
    assert_terminal_safe("stdout", result.stdout)
    assert_terminal_safe("stderr", result.stderr)
    output = (result.stdout + result.stderr).decode()
    assert "\\u001b]2;PWNED-TITLE" in output or "\\x1b]2;PWNED-TITLE" in output  # shown, as text
    assert "[bold red]x[/]" in output


def test_cli_prints_no_escape_sequence_from_a_non_json_body(hostile):
    hostile.script["*/messaging/consumer/conversation"] = connector_raw(HOSTILE_TEXT.encode(), 502,
                                                                         {"Content-Type": "text/html"})
    result = cli("send", "--no-retry", env=hostile.env())
    assert result.returncode == 1
    assert_terminal_safe("stdout", result.stdout)
    assert_terminal_safe("stderr", result.stderr)
    assert b"\\x1b]52;c;" in result.stdout


def test_a_hostile_csds_host_is_a_one_line_error_not_a_traceback(hostile):
    hostile.hosts["asyncMessagingEnt"] = "[bold red]X[/]"
    result = cli("send", env=hostile.env())
    assert result.returncode == 1
    lines = [line for line in result.stderr.decode().splitlines() if line.startswith("lp-tui:")]
    assert len(lines) == 1 and "asyncMessagingEnt" in lines[0] and "[bold red]X[/]" in lines[0]


def test_cli_presets_prints_a_hostile_description_as_text(lp_home):
    folder = lp_home / "config" / "presets"
    folder.mkdir(parents=True)
    (folder / "evil.toml").write_text(f'name = "evil"\ndescription = {json.dumps(HOSTILE_TEXT)}\n')
    result = cli("presets")
    assert_terminal_safe("presets output", result.stdout + result.stderr)
    assert b"evil" in result.stdout and b"\\x1b]2;" in result.stdout


def _svg_text(app) -> str:
    return app.export_screenshot()


async def test_the_app_shows_a_hostile_answer_as_text(hostile, tmp_path):
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(HOSTILE_ANSWERS["sub-answer"], 400)
    app = make_app(session_for(tmp_path, conn_for(hostile)))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.outcome is not None and not app.composer.busy)
        await until(pilot, lambda: app.composer.query("ResponseView"))
        await settled(pilot)
        for tab in ("tab-body", "tab-headers", "tab-claims"):
            app.composer.query_one("#response-tabs").active = tab
            await pilot.pause()
            svg = _svg_text(app)
            assert_terminal_safe(f"the screen ({tab})", svg)
        app.composer.query_one("#response-tabs").active = "tab-body"
        await pilot.pause()
        svg = _svg_text(app)
        assert "[bold&#160;red]x[/]" in svg  # markup shown as text, not interpreted
        assert "\\x1b" in svg


async def test_an_odd_conversation_id_copies_without_crashing(hostile, tmp_path):
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": "OK", "body": {}, "reqId": "1"}, {"code": "OK", "body": {"conversationId": "[/]oops"}, "reqId": "2"}])
    app = make_app(session_for(tmp_path, conn_for(hostile)))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.conversation_id == "[/]oops")
        await pilot.press("f5")
        await until(pilot, lambda: any("[/]oops" in n.message for n in app._notifications))
        assert app.clipboard == "[/]oops" and app.is_running


async def test_a_hostile_preset_description_is_drawn_as_text(tmp_path):
    session = session_for(tmp_path)
    session.presets_dir.mkdir(parents=True)
    (session.presets_dir / "evil.toml").write_text(f'name = "evil"\ndescription = {json.dumps(HOSTILE_TEXT)}\n')
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f3")
            await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
            await pilot.pause()
            svg = _svg_text(app)
            assert_terminal_safe("the presets screen", svg)
            assert "PWNED-TITLE" in svg and "[link=https://evil.example]click[/link]" in svg
    finally:
        session.close()


def test_in_a_real_terminal_a_hostile_answer_never_sets_the_title_or_the_clipboard(hostile, lp_home):
    """The app in a pty, as a person runs it: the bytes written to the terminal hold no OSC 2
    (title), no OSC 52 (clipboard), no clear-screen from the server."""
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(HOSTILE_ANSWERS["msg"])
    env = {**os.environ, **hostile.env(), "TERM": "xterm-256color", "LP_TUI_HOME": str(lp_home)}
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "lp_tui", "--no-retry"], env)
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        screen = read_until(fd, b"Customer id", 60)
        os.write(fd, b"\n")  # Ctrl+J: send
        screen += read_until(fd, b"PWNED-TITLE", 60)  # the text arrives, shown as text
        screen += read_until(fd, None, 0.5)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    assert b"\x1b]2;PWNED" not in screen and b"\x1b]52;" not in screen and b"cm0gLXJmIH4=\x07" not in screen
    assert ESCAPES.encode() not in screen and MARKUP.split()[0].encode() in screen
