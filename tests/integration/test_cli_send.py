"""`lp-tui send`, `close`, `message` as a user runs them: exit codes, output, no secrets."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pytest

from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState

SECRET = "Known-Secret-Value-42"
JWT_RE = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")


def lp(*args, env=None, stdin=None):
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, **(env or {})}, input=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert not JWT_RE.search(result.stdout + result.stderr), "a token leaked"
    return result


@pytest.fixture
def server():
    box = Sandbox(SandboxState(client_secret=SECRET), split=True).start()
    yield box
    box.stop()


def env_for(box, consumer="cli-consumer"):
    v = box.connection_values()
    return {"LP_CSDS_URL": v["csds_url"], "LP_ACCOUNT_ID": v["account_id"], "LP_CLIENT_ID": v["client_id"],
            "LP_CLIENT_SECRET": SECRET, "LP_EXT_CONSUMER_ID": consumer, "LP_SANDBOX_TOKEN": v["sandbox_token"]}


def test_send_on_the_built_in_sandbox():
    result = lp("send", "--sandbox", "--preset", "sde-ctype-gender")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    conv = body[1]["body"]["conversationId"]
    assert f"conversationId: {conv}" in result.stderr
    assert "VIP Support" in result.stderr  # where the sandbox routed it, and why


def test_second_send_close_and_send_again_within_one_server(server):
    env = env_for(server)
    first = lp("send", "--preset", "sde-ctype-gender", env=env)
    assert first.returncode == 0, first.stderr
    conv = json.loads(first.stdout)[1]["body"]["conversationId"]
    second = lp("send", "--preset", "sde-ctype-gender", env=env)
    assert second.returncode == 1
    assert "already has an open conversation" in second.stderr and "Close the open conversation" in second.stderr
    closed = lp("close", conv, env=env)
    assert closed.returncode == 0 and "resolved successfully" in closed.stdout
    third = lp("send", "--preset", "sde-ctype-gender", env=env)
    assert third.returncode == 0


def test_message_to_the_conversation(server):
    env = env_for(server, "msg-consumer")
    conv = json.loads(lp("send", env=env).stdout)[1]["body"]["conversationId"]
    sent = lp("message", conv, "Hello there", env=env)
    assert sent.returncode == 0 and json.loads(sent.stdout)["body"] == {"sequence": 0}
    assert [m["text"] for m in server.state.conversations[conv].messages] == ["Hello there"]


def test_flags_beat_environment(server):
    env = {**env_for(server), "LP_ACCOUNT_ID": "wrong"}
    result = lp("send", "--account", server.state.account_id, "--ext-consumer-id", "flag-consumer", env=env)
    assert result.returncode == 0, result.stderr


def test_raw_body_is_sent_exactly(server, tmp_path):
    body = ('[{"kind":"req","id":"a","type":"userprofile.SetUserProfile","body":{}},'
            '{"kind":"req","id":"b","type":"cm.ConsumerRequestConversation","body":{"brandId":"%s"}}]'
            % server.state.account_id)
    path = tmp_path / "body.json"
    path.write_text(body)
    result = lp("send", "--raw", str(path), env=env_for(server, "raw-consumer"))
    assert result.returncode == 0 and json.loads(result.stdout)[1]["reqId"] == "b"
    broken = lp("send", "--raw", "-", env=env_for(server, "raw-2"), stdin="[{oops")
    assert broken.returncode == 1 and "not valid JSON" in broken.stderr and "sending it as given" in broken.stderr


def test_refused_exits_3_with_one_clear_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"LP_CSDS_URL": f"http://127.0.0.1:{port}", "LP_ACCOUNT_ID": "1", "LP_CLIENT_ID": "c",
           "LP_CLIENT_SECRET": SECRET, "LP_EXT_CONSUMER_ID": "x"}
    result = lp("send", env=env)
    assert result.returncode == 3
    assert "domain lookup" in result.stderr and "connection refused" in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("lp-tui:")]
    assert len(errors) == 1 and result.stderr.strip().endswith(errors[0])


def test_not_configured_exits_2_and_says_what_is_missing():
    result = lp("send")
    assert result.returncode == 2 and "account id" in result.stderr and "--sandbox" in result.stderr


def test_liveperson_error_exits_1(server):
    env = {**env_for(server), "LP_CLIENT_SECRET": "wrong"}
    result = lp("send", env=env)
    assert result.returncode == 1 and "AppJWT" in result.stderr and "client id and secret" in result.stderr


def test_sandbox_with_custom_rules_routes_by_them(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nname = "gold customers"\nwhen = { ctype = "gold" }\nskill = "Gold Desk"\n'
                     '[[rules]]\nname = "everyone else"\nwhen = {}\nskill = "Queue"\n')
    from lp_tui.model.routing import parse_rules

    box = Sandbox(SandboxState(client_secret=SECRET, rules=parse_rules(rules.read_text())), split=True).start()
    try:
        gold = lp("send", "--set", "consumer.ctype=GOLD", env=env_for(box, "gold-consumer"))
        other = lp("send", "--set", "consumer.ctype=vip", env=env_for(box, "other-consumer"))
    finally:
        box.stop()
    assert gold.returncode == 0 and other.returncode == 0
    skills = sorted((c.skill, c.rule) for c in box.state.conversations.values())
    assert skills == [("Gold Desk", "gold customers"), ("Queue", "everyone else")]


def test_sandbox_command_refuses_a_malformed_rules_file(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]\nname = 1\n")
    result = lp("sandbox", "--rules", str(rules))
    assert result.returncode == 2 and str(rules) in result.stderr and "line 1" in result.stderr


def test_message_and_close_send_the_client_properties_the_conversation_was_created_with(server, monkeypatch):
    """LivePerson's SEND examples carry the create's Client-Properties on every SEND after it: a plain
    `lp-tui message` and `lp-tui close` send them too (remembered with the open conversation)."""
    from lp_tui.sandbox.server import Handler

    seen: list[tuple[str, str | None]] = []  # (path, Client-Properties) of every Connector API call
    def recorder(name):
        original = getattr(Handler, name)

        def recording(self, *args, **kwargs):
            seen.append((name, self.headers.get("Client-Properties")))
            return original(self, *args, **kwargs)
        return recording

    for name in ("conversation", "send_api"):
        monkeypatch.setattr(Handler, name, recorder(name))
    env = env_for(server, "props-consumer")
    created = lp("send", "--preset", "auto-messages", env=env)
    assert created.returncode == 0, created.stderr
    sent = lp("message", "hi", env=env)
    assert sent.returncode == 0, sent.stderr
    closed = lp("close", env=env)
    assert closed.returncode == 0, closed.stderr
    header = seen[0][1]
    assert header and json.loads(header)["features"] == ["AUTO_MESSAGES"]
    assert seen == [("conversation", header), ("send_api", header), ("send_api", header)]


def test_client_properties_given_on_the_command_line_win(server, monkeypatch):
    from lp_tui.sandbox.server import Handler

    seen: list[str | None] = []
    original = Handler.send_api

    def recording(self, *args, **kwargs):
        seen.append(self.headers.get("Client-Properties"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Handler, "send_api", recording)
    env = env_for(server, "props-given")
    assert lp("send", "--preset", "auto-messages", env=env).returncode == 0
    given = '{"type":".ClientProperties","features":["RICH_CONTENT"]}'
    assert lp("message", "hi", "--client-properties", given, env=env).returncode == 0
    assert seen == [given]


def test_send_first_message_shows_the_create_then_the_message_send(tmp_path):
    evidence = tmp_path / "first.md"
    result = lp("send", "--sandbox", "--preset", "first-message", "--evidence", str(evidence))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2  # the create's answer: two requests
    steps = [line.strip().split(":")[0] for line in result.stderr.splitlines() if " → " in line]
    assert steps[-2:] == ["create conversation", "send first message"], result.stderr
    assert "first message: HTTP 200" in result.stderr and "sequence: 0" in result.stderr
    text = evidence.read_text()
    assert "## First message (a SEND right after the create)" in text and "Hello, I need your support" in text


def test_the_sandbox_conversation_holds_the_first_message(server):
    import httpx

    env = env_for(server, "first-message-consumer")
    result = lp("send", "--preset", "first-message", env=env)
    assert result.returncode == 0, result.stderr
    conv = json.loads(result.stdout)[1]["body"]["conversationId"]
    answer = httpx.get(f"{server.csds_url}/_sandbox/conversations/{conv}", trust_env=False,
                       headers=server.control_headers()).json()
    assert [m["text"] for m in answer["messages"] if m["role"] == "CONSUMER"] == ["Hello, I need your support"]
    history = lp("diff", env=env)  # the send is in History, its first message with it
    assert history.returncode == 0
