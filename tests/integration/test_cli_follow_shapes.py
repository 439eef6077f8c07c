"""`lp-tui sandbox --survey` with `lp-tui send --follow`, follows that add their own receiver, and one
`lp-tui webhooks` serving several accounts: subprocesses, real sockets."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading

from lp_tui.lp.receiver import Receiver
from lp_tui.lp.timeline import Inbox
from lp_tui.lp.webhooks import Credentials, sign
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState
from tests.integration.test_cli_webhooks import lp, positions, timeline_lines
from tests.integration.test_sandbox_webhooks import wait_for
from tests.unit.test_webhooks import OPEN, raw

SECRET = "Cli-Follow-Shapes-Secret-77"


class Running:
    """A command in the background whose stdout is read line by line by a thread."""

    def __init__(self, *args: str, env: dict | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "lp_tui", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def find(self, pattern: str) -> re.Match:
        found: list[re.Match] = []

        def seen() -> bool:
            found[:] = [m for m in (re.search(pattern, line) for line in list(self.lines)) if m]
            return bool(found) or self.proc.poll() is not None

        wait_for(seen, pattern)
        assert found, f"{pattern!r} not in {self.lines} ({self.proc.stderr.read()})"
        return found[0]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def test_send_follow_against_sandbox_survey_shows_the_survey_and_stops_at_the_conversations_close():
    sandbox = Running("sandbox", "--survey", "--survey-wait", "2", "--agent-delay", "0")
    try:
        csds = sandbox.find(r"CSDS URL:\s+(\S+)").group(1)
        export = sandbox.find(r"export (LP_CSDS_URL=.*)").group(1)
        env = dict(pair.split("=", 1) for pair in export.split())
        env.update(LP_EXT_CONSUMER_ID="survey-follow", LP_CSDS_URL=csds)
        result = lp("send", "--preset", "sde-ctype-gender", "--follow", "--close-after", "3", "--timeout", "60",
                    env=env)
    finally:
        sandbox.stop()
    assert result.returncode == 0, result.stderr
    lines = timeline_lines(result.stdout)
    order = positions(lines, "joined   ASSIGNED_AGENT, also READER", "dialog   main dialog closed by CONSUMER",
                      "dialog   survey dialog opened", "in the survey dialog: How would you rate your overall "
                      "experience?  [choices: 1 · 2 · 3 · 4 · 5 · Skip]", "dialog   survey dialog closed by AGENT",
                      "closed   by CONSUMER (closeReason CONSUMER)")
    assert order == sorted(order), "\n".join(lines)
    assert order[-1] == len(lines) - 1  # it stopped at the conversation's close, not at the main dialog's
    assert "stopped after" not in result.stderr


def test_a_follow_adds_its_receiver_and_removes_only_its_own():
    box = Sandbox(SandboxState(client_secret=SECRET)).start()
    own = Inbox()
    v = box.connection_values()
    receiver = Receiver(Credentials(SECRET, v["client_id"], v["account_id"]), own.deliver).start()
    try:
        box.send_webhooks_to(receiver.url, agent_delay=0)  # the sandbox's own --webhook
        env = {"LP_CSDS_URL": v["csds_url"], "LP_ACCOUNT_ID": v["account_id"], "LP_CLIENT_ID": v["client_id"],
               "LP_CLIENT_SECRET": SECRET, "LP_SANDBOX_TOKEN": box.token}
        results: dict[str, subprocess.CompletedProcess] = {}

        def follow(who: str, close_after: str) -> None:
            results[who] = lp("send", "--preset", "sde-ctype-gender", "--follow", "--close-after", close_after,
                              "--agent-delay", "0", env={**env, "LP_EXT_CONSUMER_ID": f"two-follows-{who}"})

        threads = [threading.Thread(target=follow, args=(who, after)) for who, after in (("a", "2"), ("b", "4"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(results) == ["a", "b"], "a follow did not finish"
        for who, result in results.items():
            assert result.returncode == 0, result.stderr
            lines = timeline_lines(result.stdout)
            order = positions(lines, "created", "joined", "Hello", "closed   by CONSUMER")
            assert order == sorted(order), (who, lines)
            assert "now posts its webhooks to http://127.0.0.1:" in result.stderr
        assert box.state.webhooks.url == receiver.url and box.state.webhooks.receivers == []
        assert own.view().accepted >= 8  # the sandbox's own receiver saw both conversations all along
        assert len(own.timelines.by_id) == 2
    finally:
        receiver.stop()
        box.stop()


def post(port: int, body: bytes, headers: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json", **headers})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def test_one_receiver_serves_several_accounts():
    env = {"LP_CLIENT_SECRET": SECRET, "LP_CLIENT_ID": "app-1", "LP_CLIENT_SECRET_2222": "Second-Account-Secret-9",
           "LP_CLIENT_ID_2222": "app-2"}
    running = Running("webhooks", "--port", "0", "--account", "1111", "--account", "2222", env=env)
    try:
        port = int(running.find(r"127\.0\.0\.1:(\d+)/").group(1))
        running.find(r"For the accounts 1111, 2222")
        first = raw(OPEN).replace(b"f2384f56-1", b"first-account-conv")
        second = raw(OPEN).replace(b"f2384f56-1", b"second-account-conv")
        assert post(port, first, {"x-liveperson-signature": sign(first, SECRET), "x-liveperson-client-id": "app-1",
                                  "x-liveperson-account-id": "1111"}) == 200
        assert post(port, second, {"x-liveperson-signature": sign(second, "Second-Account-Secret-9"),
                                   "x-liveperson-client-id": "app-2", "x-liveperson-account-id": "2222"}) == 200
        assert post(port, second, {"x-liveperson-signature": sign(second, SECRET), "x-liveperson-client-id": "app-1",
                                   "x-liveperson-account-id": "2222"}) == 401  # the other account's secret
        assert post(port, first, {"x-liveperson-signature": sign(first, SECRET), "x-liveperson-client-id": "app-1",
                                  "x-liveperson-account-id": "3333"}) == 401
        running.find(r"first-account-conv  created")
        running.find(r"second-account-conv  created")
        running.find(r"rejected: x-liveperson-account-id '3333' is not an account this receiver serves \(1111, 2222\)")
    finally:
        running.stop()
    assert "Second-Account-Secret-9" not in "\n".join(running.lines)
