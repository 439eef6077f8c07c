"""The sandbox speaks in LivePerson's shapes (the published examples in tests/fixtures/liveperson/webhooks),
opens a post-conversation survey when asked, retries as LivePerson's current policy says, and keeps one
queue per receiver so a slow one delays nobody else; receivers are added and removed one by one."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lp_tui.lp.receiver import Receiver
from lp_tui.lp.timeline import Inbox
from lp_tui.lp.webhooks import Credentials
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState
from lp_tui.sandbox.webhook_config import WebhookConfig
from tests.integration.test_sandbox_webhooks import SECRET, World, create, wait_for


def bodies(world: World, kind: str) -> list[dict]:
    """The raw notifications of one event type the receiver took, parsed again from the bytes posted."""
    return [json.loads(b) for b in world.raw if kind in b.decode()]


class Recording(World):
    """A World that also keeps each accepted body as posted."""

    def __init__(self, **settings) -> None:
        self.raw: list[bytes] = []
        super().__init__(**settings)
        self.box.agent.state.listeners  # the agent is attached
        original = self.box.agent._fan_out

        def keep(note):
            self.raw.append(note.body)
            original(note)

        self.box.agent._fan_out = keep


@pytest.fixture
def recording():
    w = Recording()
    yield w
    w.close()


async def test_the_sandbox_sends_the_same_fields_and_absences_as_liveperson(recording):
    client, conv = await create(recording.conn)
    try:
        recording.wait_text(conv, "Hello, this is")
        await client.send_message(conv, "hi")
        recording.wait_text(conv, "You wrote: hi")
    finally:
        await client.aclose()
    chat = bodies(recording, '"ChatStateEvent"')[0]["body"]["changes"][0]
    assert "serverTimestamp" not in chat and "sequence" not in chat  # as every published chat state
    receipt = bodies(recording, '"AcceptStatusEvent"')[0]["body"]["changes"][0]
    assert "sequence" not in receipt and receipt["event"]["sequenceList"] == [1]
    joined = [b for b in bodies(recording, "ExConversationChangeNotification")
              if "ASSIGNED_AGENT" in json.dumps(b)][0]["body"]["changes"][0]["result"]["conversationDetails"]
    agent = joined["participantsPId"]["ASSIGNED_AGENT"][0]
    assert joined["participantsPId"]["READER"] == [agent]  # the assigned agent also READER, same id
    assert {"id": agent, "role": "READER"} in joined["participants"]
    assert {"id": agent, "role": "ASSIGNED_AGENT"} in joined["participants"]
    assert joined["stage"] == "OPEN" and joined["dialogs"][0]["dialogType"] == "MAIN"
    texts = recording.texts(conv)
    assert any(t == f"joined ASSIGNED_AGENT, also READER, participant {agent}" for t in texts), texts
    assert not any(e.late for e in recording.entries(conv))  # nothing stamped by the local clock


async def test_a_survey_dialog_opens_when_the_main_dialog_closes_and_the_conversation_closes_after():
    world = Recording(survey=True, survey_wait=0.5)
    try:
        client, conv = await create(world.conn)
        try:
            world.wait_text(conv, "Hello, this is")
            await client.close_conversation(conv)
        finally:
            await client.aclose()
        world.wait_text(conv, "survey dialog opened")
        world.wait_text(conv, "How would you rate your overall experience?")
        assert not world.inbox.view(conv).closed or any(t.startswith("closed") for t in world.texts(conv))
        world.wait_text(conv, "closed by CONSUMER (closeReason CONSUMER)")
        texts = world.texts(conv)
        order = [next(i for i, t in enumerate(texts) if t.startswith(p)) for p in (
            "dialog main dialog closed by CONSUMER (Closed by consumer); the conversation stays open",
            "dialog survey dialog opened", "message #1 AGENT in the survey dialog: How would you rate your overall "
            "experience?  [choices: 1 · 2 · 3 · 4 · 5 · Skip]", "dialog survey dialog closed by AGENT",
            "closed by CONSUMER (closeReason CONSUMER)")]
        assert order == sorted(order), texts
        assert not any(e.late for e in world.entries(conv))
        assert world.inbox.view(conv).closed
        states = [b["body"]["changes"][0]["result"]["conversationDetails"]
                  for b in bodies(world, "ExConversationChangeNotification")]
        survey_open = next(s for s in states if len(s["dialogs"]) == 2)
        assert (survey_open["state"], survey_open["stage"]) == ("CLOSE", "OPEN")
        assert [d["dialogType"] for d in survey_open["dialogs"]] == ["MAIN", "POST_SURVEY"]
        assert (states[-1]["state"], states[-1]["stage"]) == ("CLOSE", "CLOSE")
    finally:
        world.close()


# --- retries --------------------------------------------------------------------------------------------
class FailTwice(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.count += 1
            status = 500 if self.server.count <= 2 else 200
            self.server.seen.append((time.monotonic(), status))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve(handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.count, server.lock, server.seen = 0, threading.Lock(), []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_livepersons_current_retry_policy_is_the_default_and_the_count_one_an_option():
    config = WebhookConfig()
    assert config.retry_policy == "ttl" and config.describe()["retry_policies"]["count"].startswith("LivePerson's older")
    config.update({"retry_policy": "count"})
    assert config.retry_policy == "count"
    with pytest.raises(ValueError, match="retry_policy"):
        config.update({"retry_policy": "forever"})
    with pytest.raises(ValueError, match="retention_time"):
        config.update({"retention_time": 1})


async def test_time_to_live_retries_wait_longer_each_time_and_keep_the_order():
    server = serve(FailTwice)
    box = Sandbox(SandboxState(client_secret=SECRET)).start()
    try:
        box.send_webhooks_to(f"http://127.0.0.1:{server.server_address[1]}/", retry_delay=0.2, agent_delay=0)
        from lp_tui.model.connection import Connection

        conn = Connection(ext_consumer_id="ttl")
        conn.apply(box.connection_values(), "t")
        client, conv = await create(conn)
        await client.aclose()
        wait_for(lambda: len([d for d in box.agent.log if d["status"] == 200]) >= 2, "the retry, then the next one")
        log = list(box.agent.log)
        first = [d for d in log if d["event"] == "OPEN"][:3]
        assert [d["attempt"] for d in first] == [1, 2, 3] and [d["status"] for d in first] == [500, 500, 200]
        (t1, _), (t2, _), (t3, _) = server.seen[:3]
        assert t2 - t1 >= 0.2 and t3 - t2 >= 0.4  # 2, 4, 8 … as LivePerson (here from 0.2 s)
        assert log.index(first[2]) < next(i for i, d in enumerate(log) if d["status"] == 200 and d not in first)
    finally:
        box.stop()
        server.shutdown()
        server.server_close()


# --- a slow receiver, and several receivers -----------------------------------------------------------
class Dripper:
    """A receiver that reads the request and then answers one byte every 0.7 s (under a 1 s read timeout)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n" + b"x" * 4000
        try:
            conn.recv(65536)
            for byte in answer:
                if self.stop.wait(0.7):
                    break
                conn.sendall(bytes([byte]))
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


async def test_a_dripping_receiver_is_cut_at_its_deadline_and_delays_no_other_receiver():
    dripper = Dripper()
    world = World(timeout=1.0, retry_policy="count", max_retries=0)
    try:
        world.box.send_webhooks_to(f"http://127.0.0.1:{dripper.port}/", timeout=1.0, agent_delay=0)  # its own url
        status, answer = post_settings(world.box, {"add": world.receiver.url})  # and a follow's receiver
        assert status == 200, answer
        assert answer["url"] == f"http://127.0.0.1:{dripper.port}/" and answer["receivers"] == [world.receiver.url]
        client, conv = await create(world.conn)
        await client.aclose()
        world.wait_text(conv, "Hello, this is")  # the quick receiver has the whole story while the other drips
        wait_for(lambda: any("no answer within 1 s" in d["error"] and d["url"].endswith(f":{dripper.port}/")
                             for d in world.box.agent.log), "the dripping delivery to be cut at its deadline")
        wait_for(lambda: dripper.accepted >= 2, "the next delivery to the dripping receiver (not stalled)")
    finally:
        dripper.close()
        world.close()


def post_settings(box: Sandbox, settings: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", box.port, timeout=10)
    try:
        conn.request("POST", "/_sandbox/webhooks", body=json.dumps(settings), headers={
            "Content-Type": "application/json", **getattr(box, "control_headers", lambda: {})()})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


async def test_two_receivers_added_one_removed_the_sandboxs_own_url_kept():
    world = World()
    second = Inbox()
    v = world.box.connection_values()
    other = Receiver(Credentials(SECRET, v["client_id"], v["account_id"]), second.deliver).start()
    try:
        own = world.receiver.url
        assert post_settings(world.box, {"add": other.url})[0] == 200
        client, conv = await create(world.conn)
        await client.aclose()
        world.wait_text(conv, "Hello, this is")
        wait_for(lambda: any("Hello, this is" in e.text for e in second.view(conv).entries), "the added receiver")
        status, answer = post_settings(world.box, {"remove": other.url})
        assert status == 200 and answer["url"] == own and answer["receivers"] == []
        assert world.box.state.webhooks.targets() == [own]
    finally:
        other.stop()
        world.close()


@pytest.mark.parametrize("settings,expected", [
    ({"add": "ftp://x/"}, "url"), ({"survey": "yes"}, "survey"), ({"survey_wait": -1}, "survey_wait"),
])
def test_bad_receiver_and_survey_settings_are_refused(settings, expected):
    with pytest.raises(ValueError, match=expected):
        WebhookConfig().update(settings)
