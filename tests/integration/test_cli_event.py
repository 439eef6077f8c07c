"""`lp-tui event`: the consumer's SENDs after the create, on a sandbox, as a user runs them; the sandbox's
conversation (GET /_sandbox/conversations/ID) shows each."""

from __future__ import annotations

import json
import urllib.request

import pytest

from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState
from tests.integration.test_cli_send import SECRET, env_for, lp


@pytest.fixture
def server():
    box = Sandbox(SandboxState(client_secret=SECRET), split=True).start()
    yield box
    box.stop()


def _open(server, consumer):
    env = env_for(server, consumer)
    created = lp("send", env=env)
    assert created.returncode == 0, created.stderr
    return env, json.loads(created.stdout)[1]["body"]["conversationId"]


def _shown(server, conv):
    v = server.connection_values()
    request = urllib.request.Request(f"{v['csds_url']}/_sandbox/conversations/{conv}",
                                     headers={"Authorization": f"Bearer {v['sandbox_token']}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_chat_state_accept_read_each_exit_0_and_the_sandbox_shows_them(server):
    env, conv = _open(server, "event-consumer")
    typing = lp("event", conv, "--chat-state", "COMPOSING", env=env)
    assert typing.returncode == 0, typing.stderr
    assert "send chat state COMPOSING: POST" in typing.stderr and "HTTP 200" in typing.stderr
    assert _shown(server, conv)["chatState"] == "COMPOSING"
    accepted = lp("event", "--accept", "0,1", env=env)  # the remembered conversation
    assert accepted.returncode == 0, accepted.stderr
    read = lp("event", conv, "--read", "1", env=env)
    assert read.returncode == 0, read.stderr
    shown = _shown(server, conv)
    assert shown["receipts"] == [{"role": "CONSUMER", "status": "ACCEPT", "sequences": [0, 1]},
                                 {"role": "CONSUMER", "status": "READ", "sequences": [1]}]
    assert [e.get("chatState") or e["status"] for e in shown["events"]] == ["COMPOSING", "ACCEPT", "READ"]
    history = lp("diff", env=env)  # each SEND is in the history too
    assert history.returncode in (0, 1), history.stderr


def test_text_with_metadata_as_a_quick_reply_answer_and_urgent(server, tmp_path):
    env, conv = _open(server, "event-consumer-2")
    meta = tmp_path / "meta.json"
    meta.write_text('[{"type": "ExternalId", "id": "order-1234"}]')
    meta.chmod(0o600)
    answered = lp("event", conv, "--text", "Billing", "--quick-reply", "0", "--metadata", str(meta), env=env)
    assert answered.returncode == 0, answered.stderr
    assert answered.stderr.index("SEND the quick reply's ACTION") < answered.stderr.index("SEND message with metadata")
    urgent = lp("event", conv, "--urgent", env=env)
    assert urgent.returncode == 0, urgent.stderr
    shown = _shown(server, conv)
    assert shown["messages"][-1]["text"] == "Billing"
    assert shown["messages"][-1]["metadata"] == [{"type": "ExternalId", "id": "order-1234"}]
    assert shown["receipts"] == [{"role": "CONSUMER", "status": "ACTION", "sequences": [0]}]
    assert shown["metadata"] == [{"type": "ExternalId", "id": "order-1234"}] * 2
    assert shown["ttr"] == {"ttrType": "URGENT", "value": 300}


def test_a_raw_body_is_sent_exactly_and_the_sandbox_shows_it(server, tmp_path):
    env, conv = _open(server, "event-consumer-3")
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"kind": "req", "id": "7", "type": "ms.PublishEvent", "body": {
        "dialogId": conv, "event": {"type": "ChatStateEvent", "chatState": "PAUSE"}}}))
    sent = lp("event", conv, "--raw", str(body), env=env)
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["reqId"] == "7"
    assert _shown(server, conv)["chatState"] == "PAUSE"


def test_a_raw_body_that_breaks_the_schema_is_named_then_sent_after_confirmation_and_explained(server, tmp_path):
    env, conv = _open(server, "event-consumer-4")
    body = tmp_path / "typing.json"
    body.write_text(json.dumps({"kind": "req", "id": "8", "type": "ms.PublishEvent", "body": {
        "dialogId": conv, "event": {"type": "ChatStateEvent", "chatState": "TYPING"}}}))
    refused = lp("event", conv, "--raw", str(body), env=env)  # no terminal to ask on, no --yes: not sent
    assert refused.returncode == 2
    assert "$.body.event.chatState: chatState 'TYPING' is not one of LivePerson's chat states" in refused.stderr
    assert "add --yes" in refused.stderr and "HTTP" not in refused.stderr
    sent = lp("event", conv, "--raw", str(body), "--yes", env=env)
    assert sent.returncode == 1, sent.stderr  # sent, and the sandbox refuses it as LivePerson's schema does
    assert "chatState 'TYPING'" in sent.stderr and "HTTP 400" in sent.stderr
    assert "A request was refused: BAD_REQUEST" in sent.stderr
    assert _shown(server, conv)["chatState"] is None


@pytest.mark.parametrize("answer,sent", [(b"y\r", True), (b"\r", False)])
def test_a_raw_body_that_breaks_the_schema_is_confirmed_on_a_terminal(server, tmp_path, answer, sent):
    """On a terminal lp-tui asks before sending; "y" sends it, anything else does not."""
    import os
    import pty
    import subprocess
    import sys

    from tests.pty_read import read_until

    env, conv = _open(server, f"event-consumer-pty-{sent}")
    body = tmp_path / "bad.json"
    body.write_text(json.dumps({"kind": "req", "id": "8", "type": "ms.PublishEvent", "body": {
        "dialogId": conv, "event": {"type": "AcceptStatusEvent", "status": "SEEN", "sequenceList": [0]}}}))
    main, side = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "event", conv, "--raw", str(body)], stdin=side,
                            stdout=side, stderr=side, env={**os.environ, **env}, close_fds=True)
    os.close(side)
    try:
        shown = read_until(main, b"Send it anyway? [y/N]", 60)
        assert b"status 'SEEN' is not one of LivePerson's receipt statuses" in shown
        os.write(main, answer)
        assert proc.wait(timeout=60) == (1 if sent else 2)  # sent: the sandbox answers 400, explained
        rest = read_until(main, None, 0.5)
        assert (b"HTTP 400" in rest) is sent and (b"Not sent." in rest) is not sent
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)


def test_a_metadata_file_others_can_change_is_not_read(tmp_path):
    meta = tmp_path / "meta.json"
    meta.write_text('[{"type": "ExternalId", "id": "order-1234"}]')
    meta.chmod(0o666)
    refused = lp("event", "c1", "--text", "hi", "--metadata", str(meta), "--csds-url", "http://127.0.0.1:9")
    assert refused.returncode == 2 and "is writable by other users" in refused.stderr and "HTTP" not in refused.stderr
    missing = lp("event", "c1", "--text", "hi", "--metadata", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "cannot read it" in missing.stderr


def test_usage_mistakes_are_one_line_each():
    assert "say what to send" in lp("event", "c1").stderr
    bad = lp("event", "c1", "--chat-state", "typing")
    assert bad.returncode == 2 and "--chat-state 'TYPING': one of COMPOSING" in bad.stderr
    assert "--metadata and --quick-reply go with --text" in lp("event", "c1", "--metadata", "[]").stderr
    assert "give message sequences" in lp("event", "c1", "--read", "x", "--csds-url", "http://127.0.0.1:9").stderr
    assert "throwaway sandbox" in lp("event", "--sandbox", "--urgent").stderr


def test_the_python_and_curl_exports_of_a_send_run_and_reach_the_conversation(server, tmp_path):
    """A SEND exported (as the Timeline's palette copies it) is a script that does the whole flow and the SEND."""
    import os
    import shutil
    import subprocess
    import sys

    from lp_tui.export import SEND_PATH, spec_from_text
    from lp_tui.export.curl import curl_flow
    from lp_tui.export.python import python_script
    from lp_tui.model.events import chat_state_request

    env, conv = _open(server, "event-export")
    spec = spec_from_text(json.dumps(chat_state_request(conv, "COMPOSING")), server.state.account_id,
                          path=SEND_PATH, scheme="http")
    script = tmp_path / "send.py"
    script.write_text(python_script(spec))
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, **env})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "HTTP 200" in ran.stdout and '"sequence"' in ran.stdout
    assert _shown(server, conv)["chatState"] == "COMPOSING"
    if shutil.which("curl") and shutil.which("sh"):
        spec = spec_from_text(json.dumps(chat_state_request(conv, "PAUSE")), server.state.account_id,
                              path=SEND_PATH, scheme="http")
        flow = tmp_path / "send.sh"
        flow.write_text(curl_flow(spec))
        ran = subprocess.run(["sh", str(flow)], capture_output=True, text=True, timeout=60, env={**os.environ, **env})
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert _shown(server, conv)["chatState"] == "PAUSE"


def test_evidence_of_the_last_send_and_the_sends_as_python_without_sending(server, tmp_path):
    import os
    import subprocess
    import sys

    env, conv = _open(server, "event-consumer-5")
    evidence = tmp_path / "typing.md"
    sent = lp("event", conv, "--chat-state", "PAUSE", "--evidence", str(evidence), env=env)
    assert sent.returncode == 0, sent.stderr
    text = evidence.read_text()
    assert "send chat state PAUSE" in text and '"chatState": "PAUSE"' in text and "eyJ" not in text
    printed = lp("event", conv, "--urgent", "--as", "python", env=env)
    assert printed.returncode == 0, printed.stderr
    assert _shown(server, conv)["ttr"] is None  # nothing was sent
    script = tmp_path / "urgent.py"
    script.write_text(printed.stdout)
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, **env})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert _shown(server, conv)["ttr"] == {"ttrType": "URGENT", "value": 300}
    curl = lp("event", conv, "--accept", "0", "--as", "curl", env=env)
    assert "/messaging/consumer/conversation/send?v=3" in curl.stdout and '"ACCEPT"' in curl.stdout


def test_an_external_sandbox_greets_with_the_quick_replies_it_was_given():
    """`lp-tui sandbox --quick-replies`: the banner says so, and a followed send shows the greeting's buttons."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "sandbox", "--agent-delay", "0", "--quick-replies",
                             "Billing, Sales"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = []
        for line in proc.stdout:
            banner.append(line)
            if "Ctrl+C stops it." in line:
                break
        assert "Quick replies: the agent's greeting offers Billing, Sales." in "".join(banner)
        url = next(line.split()[-1] for line in banner if "CSDS URL:" in line)
        env = {"LP_CSDS_URL": url, "LP_ACCOUNT_ID": "12345678", "LP_CLIENT_ID": "sandbox-app-0001",
               "LP_CLIENT_SECRET": "sandbox-secret-0001", "LP_EXT_CONSUMER_ID": "qr-consumer",
               "LP_SANDBOX_TOKEN": next(item.split("=", 1)[1] for line in banner for item in line.split()
                                        if item.startswith("LP_SANDBOX_TOKEN="))}
        followed = lp("send", "--follow", "--close-after", "3", "--timeout", "30", env=env)
        assert followed.returncode == 0, followed.stderr
        assert "[choices: Billing · Sales]" in followed.stdout + followed.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
