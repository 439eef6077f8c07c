"""`lp-tui send --follow` and `lp-tui webhooks` as a user runs them: subprocesses, real sockets."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys

import pytest

from lp_tui.lp.webhooks import sign
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState
from tests.unit.test_webhooks import OPEN

SECRET = "Cli-Webhook-Secret-0042"


def lp(*args, env=None, timeout=120):
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def positions(lines: list[str], *needles: str) -> list[int]:
    found = []
    for needle in needles:
        index = next((i for i, line in enumerate(lines) if needle in line), None)
        assert index is not None, f"{needle!r} not in:\n" + "\n".join(lines)
        found.append(index)
    return found


def timeline_lines(stdout: str) -> list[str]:
    """The lines after the answer's JSON body."""
    end = stdout.index("\n]\n") + 3
    return stdout[end:].splitlines()


def test_send_follow_on_the_sandbox_prints_the_story_in_order_and_exits_0_after_the_close():
    result = lp("send", "--sandbox", "--preset", "sde-ctype-gender", "--follow", "--timeout", "20",
                "--close-after", "3", "--agent-delay", "0")
    assert result.returncode == 0, result.stderr
    conversation = json.loads(result.stdout[: result.stdout.index("\n]\n") + 2])[1]["body"]["conversationId"]
    lines = timeline_lines(result.stdout)
    order = positions(lines, "created  conversation opened", "skill    VIP Support (skillId",
                      "joined   ASSIGNED_AGENT", "message  #0 ASSIGNED_AGENT: Hello, this is VIP Support",
                      "closed   by CONSUMER")
    assert order == sorted(order)
    assert "--close-after: closed the conversation (HTTP 200)" in result.stderr
    assert conversation in result.stderr and "each signature is checked" in result.stderr


def test_send_follow_without_a_close_stops_at_the_timeout_with_0():
    result = lp("send", "--sandbox", "--preset", "sde-ctype-gender", "--follow", "--timeout", "3",
                "--agent-delay", "0")
    assert result.returncode == 0, result.stderr
    lines = timeline_lines(result.stdout)
    positions(lines, "created", "VIP Support", "joined", "Hello, this is VIP Support")
    assert not any("closed" in line for line in lines)
    assert "stopped after 3 s (--timeout)" in result.stderr


def test_send_follow_registers_itself_with_an_external_sandbox():
    box = Sandbox(SandboxState(client_secret=SECRET)).start()
    try:
        v = box.connection_values()
        env = {"LP_CSDS_URL": v["csds_url"], "LP_ACCOUNT_ID": v["account_id"], "LP_CLIENT_ID": v["client_id"],
               "LP_CLIENT_SECRET": SECRET, "LP_EXT_CONSUMER_ID": "follow-external", "LP_SANDBOX_TOKEN": v["sandbox_token"]}
        result = lp("send", "--preset", "sde-ctype-gender", "--follow", "--close-after", "2", "--agent-delay", "0",
                    env=env)
        assert result.returncode == 0, result.stderr
        lines = timeline_lines(result.stdout)
        order = positions(lines, "created", "skill    VIP Support", "joined", "Hello", "closed")
        assert order == sorted(order)
        assert "now posts its webhooks to http://127.0.0.1:" in result.stderr
        assert box.state.webhooks.url is None  # unregistered on the way out
        assert SECRET not in result.stdout + result.stderr
    finally:
        box.stop()


@pytest.mark.parametrize("args,expected", [
    (["--close-after", "3"], "--close-after goes with --follow"),
    (["--follow", "--close-after", "-1"], "--close-after -1: seconds"),
    (["--follow", "--agent-delay", "500"], "--agent-delay 500: seconds"),
    (["--follow", "--webhook-port", "70000"], "--webhook-port 70000"),
])
def test_follow_options_are_checked(args, expected):
    result = lp("send", "--sandbox", *args)
    assert result.returncode == 2 and expected in result.stderr


def test_follow_needs_the_client_secret():
    env = {"LP_CSDS_URL": "http://127.0.0.1:9", "LP_ACCOUNT_ID": "1", "LP_APP_JWT": "x.y.z",
           "LP_EXT_CONSUMER_ID": "c"}
    result = lp("send", "--follow", env=env)
    assert result.returncode == 2 and "client secret" in result.stderr


# --- lp-tui webhooks --------------------------------------------------------------------------------------
def started(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], list[str]]:
    """A long-running command (`lp-tui webhooks`, `lp-tui sandbox`) and its banner, once it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    banner = []
    for line in proc.stdout:
        banner.append(line)
        if "Ctrl+C stops it." in line:
            break
    return proc, banner


class Running:
    """`lp-tui webhooks` in the foreground; its banner says where it listens."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc, self.banner = started("webhooks", "--port", "0", *args, env=env)
        url = next(line.split()[-1] for line in self.banner if " at http://" in line)
        self.port = int(url.rstrip("/").rsplit(":", 1)[1])
        self.lines: list[str] = []

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", "/", body=body, headers={"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def next_line(self) -> str:
        line = self.proc.stdout.readline()  # the receiver prints each delivery as it takes it
        self.lines.append(line)
        return line

    def stop(self) -> tuple[str, str]:
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=30)
        return "".join(self.banner + self.lines) + out, err


def test_webhooks_answers_200_to_a_signed_notification_and_401_otherwise():
    env = {"LP_CLIENT_SECRET": SECRET}
    running = Running(env)
    body = json.dumps(OPEN).encode()
    try:
        assert running.post(body, {"x-liveperson-signature": sign(body, SECRET)}) == 200
        assert "f2384f56-1  created  conversation opened" in running.next_line()
        assert "f2384f56-1  skill    skillId 558327413 (its name is not known here)" in running.next_line()
        assert "joined   ASSIGNED_AGENT, participant e9b2" in running.next_line()
        assert "ttr      PRIORITIZED, 600 s" in running.next_line()
        assert running.post(body, {"x-liveperson-signature": sign(body, "not-the-secret")}) == 401
        assert "rejected: the sha1 signature does not match" in running.next_line()
        assert running.post(body, {}) == 401
        assert "rejected: no x-liveperson-signature header" in running.next_line()
        assert running.post(body, {"x-liveperson-signature": sign(body, SECRET, "sha256")}) == 200
        assert "nothing new (a repeat" in running.next_line()
    finally:
        out, err = running.stop()
    assert "Traceback" not in err
    assert "LP_CLIENT_ID is not set, so x-liveperson-client-id is not checked" in err
    assert SECRET not in out + err


def test_webhooks_checks_the_ids_it_knows():
    running = Running({"LP_CLIENT_SECRET": SECRET, "LP_CLIENT_ID": "app-1", "LP_ACCOUNT_ID": "5313846"})
    body = json.dumps(OPEN).encode()
    try:
        signed = {"x-liveperson-signature": sign(body, SECRET), "x-liveperson-account-id": "5313846"}
        assert running.post(body, {**signed, "x-liveperson-client-id": "app-2"}) == 401
        assert "x-liveperson-client-id 'app-2' is not this connection's client id 'app-1'" in running.next_line()
        assert running.post(body, {**signed, "x-liveperson-client-id": "app-1"}) == 200
        assert "created" in running.next_line()
    finally:
        running.stop()


def test_webhooks_with_the_sandbox_of_another_command_behind_it():
    """`lp-tui sandbox --webhook URL` posts to a running `lp-tui webhooks`: the whole story, signed."""
    running = Running({"LP_CLIENT_SECRET": "sandbox-secret-0001", "LP_CLIENT_ID": "sandbox-app-0001",
                       "LP_ACCOUNT_ID": "12345678"})
    box = Sandbox().start()
    try:
        box.send_webhooks_to(f"http://127.0.0.1:{running.port}/", agent_delay=0)
        env = {**{k: v for k, v in {"LP_CSDS_URL": box.csds_url, "LP_ACCOUNT_ID": "12345678",
                                    "LP_CLIENT_ID": "sandbox-app-0001", "LP_CLIENT_SECRET": "sandbox-secret-0001",
                                    "LP_EXT_CONSUMER_ID": "webhooks-cmd"}.items()}}
        assert lp("send", "--preset", "sde-ctype-gender", env=env).returncode == 0
        seen = [running.next_line() for _ in range(6)]
        order = positions(seen, "created", "skill    skillId", "joined", "COMPOSING", "Hello, this is VIP Support")
        assert order == sorted(order)
    finally:
        box.stop()
        running.stop()


@pytest.mark.parametrize("args,env,expected", [
    (["--sandbox"], {}, "lp-tui sandbox --webhook"),
    ([], {}, "client secret"),
    (["--port", "99999"], {"LP_CLIENT_SECRET": "x"}, "--port 99999"),
])
def test_webhooks_usage_errors(args, env, expected):
    result = lp("webhooks", *args, env=env)
    assert result.returncode == 2 and expected in result.stderr


def test_sandbox_command_takes_webhook_options():
    result = lp("sandbox", "--webhook", "ftp://nowhere", timeout=60)
    assert result.returncode == 2 and "http:// or https://" in result.stderr
    result = lp("sandbox", "--webhook-fault", "explode", timeout=60)
    assert result.returncode == 2 and "one of bad_signature" in result.stderr


def test_webhooks_prints_hostile_text_as_visible_escapes():
    running = Running({"LP_CLIENT_SECRET": SECRET})
    hostile = "\x1b]2;PWNED\x07\x1b[2J[bold]x[/bold]\u202eevil\x9b31m"
    note = {"kind": "notification", "type": "ms.MessagingEventNotification", "body": {"changes": [{
        "sequence": 0, "originatorMetadata": {"id": "x", "role": "CONSUMER\x1b[31m"}, "serverTimestamp": 1,
        "conversationId": "c-\x1b[1mhostile", "event": {"type": "ContentEvent", "message": hostile}}]}}
    body = json.dumps(note).encode()
    try:
        assert running.post(body, {"x-liveperson-signature": sign(body, SECRET)}) == 200
        line = running.next_line()
        assert running.post(body, {"x-liveperson-signature": sign(body, "x"), "x-liveperson-client-id": "\x1b[31m"}
                            ) == 401
        line += running.next_line()
    finally:
        running.stop()
    assert "\\x1b]2;PWNED\\x07\\x1b[2J[bold]x[/bold]\\u202eevil\\x9b31m" in line
    assert "c-\\x1b[1mhostile" in line and "CONSUMER\\x1b[31m" in line
    for raw in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert raw not in line


def test_sigterm_while_deliveries_pour_in_stops_the_receiver():
    """SIGTERM stops `lp-tui webhooks` whatever it is doing. Its handler used to put a stop mark on
    the queue the main thread reads: landing while that thread held the queue's lock, it waited
    for itself, and the command never stopped (seen as a 30 s timeout here)."""
    import threading

    for _round in range(5):
        running = Running({"LP_CLIENT_SECRET": SECRET})
        body = json.dumps(OPEN).encode()
        headers = {"x-liveperson-signature": sign(body, SECRET)}
        posted = threading.Event()
        done = threading.Event()

        def flood() -> None:
            while not done.is_set():
                try:
                    running.post(body, headers)
                except (OSError, http.client.HTTPException):  # it stopped listening
                    return
                posted.set()

        senders = [threading.Thread(target=flood) for _ in range(4)]
        for sender in senders:
            sender.start()
        try:
            assert posted.wait(30)
            running.proc.terminate()
            out, err = running.proc.communicate(timeout=30)
        finally:
            done.set()
            for sender in senders:
                sender.join()
            if running.proc.poll() is None:
                running.proc.kill()
        assert running.proc.returncode == 0 and "Traceback" not in err, err


@pytest.mark.parametrize("command", ["webhooks", "sandbox"])
def test_ctrl_c_stops_a_foreground_command_cleanly(command):
    """Ctrl+C (SIGINT) as a terminal sends it: the server stops, the command exits 0, no traceback."""
    import signal

    proc, _banner = started(command, "--port", "0", env={"LP_CLIENT_SECRET": SECRET})
    try:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
