"""Answers that never end, bombs, waits for ever, odd shapes, echoed tokens, tokens from the far future."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

from lp_tui.ui.app import make_app
from tests.ui.fakes import session_for, until

from .conftest import assert_terminal_safe, cli, conn_for
from .hostile import ACCOUNT, APP_JWT, SECRET, connector_answer, endless_chunked, gzip_bomb, jwt


def peak_rss_of_child_mb(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    """Run the CLI in a child and report its peak memory (this process's children only)."""
    script = ("import resource, subprocess, sys, json\n"
              "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
              "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
              "sys.stdout.write(json.dumps([r.returncode, peak, r.stdout[-2000:].decode('utf-8','replace'), "
              "r.stderr[-4000:].decode('utf-8','replace')]))\n")
    import os

    done = subprocess.run([sys.executable, "-c", script, sys.executable, "-m", "lp_tui", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=300)
    code, peak, out, err = json.loads(done.stdout)
    return subprocess.CompletedProcess(args, code, out, err), peak


def test_a_gzip_bomb_stops_at_the_cap_in_bounded_memory(hostile):
    hostile.script["*/messaging/consumer/conversation"] = gzip_bomb(decoded_mb=2048)  # 2 GB once decoded
    result, peak = peak_rss_of_child_mb(["send"], hostile.env())
    assert result.returncode == 1 and "larger than 4 MB" in result.stderr, result.stderr
    assert peak < 250, f"peak memory {peak:.0f} MB"


def test_an_endless_chunked_answer_stops_at_the_cap(hostile):
    hostile.script["*/messaging/consumer/conversation"] = endless_chunked()
    result, peak = peak_rss_of_child_mb(["send", "--max-answer-mb", "2"], hostile.env())
    assert result.returncode == 1 and "larger than 2 MB" in result.stderr, result.stderr
    assert peak < 250, f"peak memory {peak:.0f} MB"


@pytest.mark.parametrize("value", ["100000", "inf", "nan", "-5", "1e400", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_retry_after_is_capped_and_said(hostile, value):
    calls = []

    def throttled(h):
        calls.append(1)
        if len(calls) == 1:
            h.json(429, {"code": 429, "body": {"msg": "Too Many Requests"}}, {"Retry-After": value})
        else:
            h.json(200, [{"code": "OK", "body": {}, "reqId": "1"}, {"code": "OK", "body": {"conversationId": "c"},
                                                                    "reqId": "2"}])

    hostile.script["*/messaging/consumer/conversation"] = throttled
    result = cli("send", "--max-wait", "0.2", env=hostile.env())
    assert result.returncode == 0, result.stderr
    text = result.stderr.decode()
    assert "inf s" not in text and "nan s" not in text
    if value in ("100000", "inf", "1e400"):
        assert "lp-tui waits at most 0.2 s" in text


@pytest.mark.parametrize("conversation_id", [{"id": "x"}, 42, None, "", "x" * 65, ["a"]])
def test_an_odd_conversation_id_is_an_unexpected_answer_and_the_app_is_not_stuck(hostile, tmp_path,
                                                                                 conversation_id):
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": "OK", "body": {}, "reqId": "1"}, {"code": "OK", "body": {"conversationId": conversation_id},
                                                    "reqId": "2"}])
    result = cli("send", env=hostile.env())
    assert result.returncode == 1 and "Unexpected answer" in result.stderr.decode()

    async def in_the_app():
        app = make_app(session_for(tmp_path, conn_for(hostile)))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.composer.body_text)
            for _ in range(2):  # the second send starts: the first one released its busy state
                before = app.composer.outcome
                await pilot.press("ctrl+j")
                await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy)
            assert app.composer.conversation_id is None
            assert any(e.title == "Unexpected answer" for e in app.composer.outcome.result.explanations)

    import asyncio

    asyncio.run(in_the_app())


def test_integer_codes_are_success_and_the_id_is_read(hostile):
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": 200, "body": {"msg": "ok"}, "reqId": "1"}, {"code": 200, "body": {"conversationId": "int-1"},
                                                              "reqId": "2"}])
    result = cli("send", env=hostile.env())
    assert result.returncode == 0 and b"conversationId: int-1" in result.stderr


@pytest.mark.parametrize("exp", ["1e400", "-1e400", "-1e17", "1e17", "\"soon\"", "[1]", "1" + "0" * 400])
def test_token_expiries_that_are_not_times_never_break_anything(hostile, exp):
    token = jwt(f'{{"aud": "{ACCOUNT}", "iss": "Sentinel", "exp": {exp}}}')
    hostile.app_jwt = token  # minted by a hostile Sentinel
    minted = cli("send", env=hostile.env())
    pasted = cli("send", env=hostile.env(LP_APP_JWT=token))
    for result in (minted, pasted):
        assert result.returncode in (0, 2), result.stderr
        assert_terminal_safe("output", result.stdout + result.stderr)


def test_a_server_echoing_the_tokens_never_shows_them(hostile):
    def echo(h):
        headers = {"X-Echo-Auth": h.headers.get("Authorization", ""), "X-Echo-Jws": h.headers.get("X-LP-ON-BEHALF", "")}
        h.json(400, [{"code": "OK", "body": {"msg": h.headers.get("Authorization")}, "reqId": "1"},
                     {"code": "BAD_REQUEST", "body": {"msg": f"bad token {h.headers.get('X-LP-ON-BEHALF')}",
                                                      h.headers.get("Authorization"): "as a key"}, "reqId": "2"}],
               headers)

    hostile.script["*/messaging/consumer/conversation"] = echo
    result = cli("send", env=hostile.env())
    output = (result.stdout + result.stderr).decode()
    assert result.returncode == 1
    for token in (APP_JWT, hostile.jws, SECRET):
        assert token not in output and token.split(".")[-1] not in output


def test_an_answer_nested_5000_deep_is_named_not_a_crash(hostile):
    hostile.script["*/messaging/consumer/conversation"] = lambda h: h.raw(200, b"[" * 5000 + b"]" * 5000,
                                                                          {"Content-Type": "application/json"})
    result = cli("send", env=hostile.env())
    assert result.returncode == 1 and "nested deeper than 100 levels" in result.stderr.decode()
