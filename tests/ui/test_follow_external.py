"""The app's receiver and an external `lp-tui sandbox`: once the app has recognised it, starting the
receiver adds it to the sandbox's receivers (as `send --follow` does), with its control token, and
stopping removes it, and only it."""

from __future__ import annotations

from types import SimpleNamespace

from lp_tui.model.connection import Connection
from lp_tui.ui.follow import SANDBOX, Follower


def session_on(sandbox, *, token: bool = True):
    conn = Connection()
    conn.apply(sandbox.connection_values(), "test")
    if not token:
        conn.sandbox_token = ""
    return SimpleNamespace(conn=conn, use_sandbox=False, sandbox=None, profile="external",
                           external_rules=object())  # what the app keeps once it has recognised the sandbox


def test_the_receiver_is_added_to_an_external_sandbox_and_removed_again(sandbox):
    sandbox.send_webhooks_to("http://127.0.0.1:9/its-own")  # the sandbox's own --webhook stays
    follower = Follower()
    url = follower.start(session_on(sandbox))
    try:
        follower._telling.join(30)
        assert follower.mode == SANDBOX and not follower.external_problem
        assert url in sandbox.state.webhooks.receivers
    finally:
        follower.stop()
    follower._telling.join(30)
    assert url not in sandbox.state.webhooks.receivers
    assert sandbox.state.webhooks.url == "http://127.0.0.1:9/its-own"


def test_without_the_token_the_app_says_why_nothing_will_arrive(sandbox):
    follower = Follower()
    follower.start(session_on(sandbox, token=False))
    try:
        follower._telling.join(30)
        assert "LP_SANDBOX_TOKEN" in follower.external_problem
        assert sandbox.state.webhooks.receivers == []
    finally:
        follower.stop()
