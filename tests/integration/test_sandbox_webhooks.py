"""The sandbox plays LivePerson's side: signed notifications to a real receiver, an agent, faults.

Every wait is on a condition (an event arriving, a log entry); the limits only turn a hang into
a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lp_tui.lp.client import LpClient
from lp_tui.lp.receiver import Receiver
from lp_tui.lp.timeline import Inbox
from lp_tui.lp.webhooks import Credentials
from lp_tui.model import presets
from lp_tui.model.build import build_payload
from lp_tui.model.connection import Connection
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState

SECRET = "Sandbox-Webhook-Secret-5150"
HANG_GUARD = 60.0


def wait_for(predicate, what: str) -> None:
    """Poll a condition the sandbox's thread brings about (the limit is a hang guard)."""
    deadline = time.monotonic() + HANG_GUARD
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {HANG_GUARD:g} s for {what}")
        time.sleep(0.01)


class World:
    """A sandbox, a real receiver it posts to, and everything the receiver got."""

    def __init__(self, **webhook_settings) -> None:
        self.box = Sandbox(SandboxState(client_secret=SECRET)).start()
        v = self.box.connection_values()
        self.deliveries: list = []
        self.inbox = Inbox(lambda sid: self.box.state.skill_names().get(sid))
        self.lock = threading.Lock()
        self.receiver = Receiver(Credentials(SECRET, v["client_id"], v["account_id"]), self._got).start()
        self.box.send_webhooks_to(self.receiver.url, **{"agent_delay": 0, "retry_delay": 0, **webhook_settings})
        self.conn = Connection(ext_consumer_id="webhook-consumer")
        self.conn.apply(v, "test")

    def _got(self, delivery) -> None:
        with self.lock:
            self.deliveries.append(delivery)
        self.inbox.deliver(delivery)

    def entries(self, conv: str) -> list:
        return self.inbox.view(conv).entries

    def texts(self, conv: str) -> list[str]:
        return [f"{e.kind} {e.text}" for e in self.entries(conv)]

    def wait_text(self, conv: str, text: str) -> None:
        wait_for(lambda: any(text in t for t in self.texts(conv)), repr(text))

    def close(self) -> None:
        self.receiver.stop()
        self.box.stop()


@pytest.fixture
def world():
    w = World()
    yield w
    w.close()


async def create(conn: Connection, preset: str = "sde-ctype-gender", *, in_batch: bool = False) -> tuple[LpClient, str]:
    """Open a conversation from a preset; its first message (if any) after the create as a SEND, or in the
    create call itself with ``in_batch`` (the older docs' form)."""
    from lp_tui.model.build import first_message_after

    client = LpClient(conn)
    draft = presets.load(preset, Path("/nonexistent")).draft
    if in_batch:
        draft.set_text("firstMessage.how", "batch")
    result = await client.create_conversation(build_payload(draft, conn.account_id),
                                              first_message=first_message_after(draft))
    assert result.conversation_id, result.body_text
    return client, result.conversation_id


async def test_the_sandbox_tells_the_whole_story_signed(world):
    client, conv = await create(world.conn)
    try:
        world.wait_text(conv, "Hello, this is VIP Support")
        await client.send_message(conv, "Where is my order?")
        world.wait_text(conv, "You wrote: Where is my order?")
        await client.close_conversation(conv)
        world.wait_text(conv, "closed by CONSUMER")
    finally:
        await client.aclose()
    texts = world.texts(conv)
    assert texts[1] == f"skill VIP Support (skillId {world.box.state.conversations[conv].skill_id})"
    order = [next(i for i, t in enumerate(texts) if t.startswith(prefix)) for prefix in
             ("created", "skill", "joined ASSIGNED_AGENT", "message #0 ASSIGNED_AGENT: Hello",
              "message #1 CONSUMER: Where is my order?", "receipt ASSIGNED_AGENT READ #1",
              "message #2 ASSIGNED_AGENT: You wrote", "closed by CONSUMER (closeReason CONSUMER)")]
    assert order == sorted(order)
    assert all(d.accepted for d in world.deliveries)  # every one signed right, with the right ids
    assert world.box.state.conversations[conv].messages[0]["role"] == "ASSIGNED_AGENT"


async def test_a_skill_id_in_the_request_is_the_skill_id_in_the_webhook(world):
    client, conv = await create(world.conn, "skill-routing")
    await client.aclose()
    sid = str(presets.load("skill-routing", Path("/nonexistent")).draft.get("conversation.skillId"))
    world.wait_text(conv, f"skill Billing Specialists (skillId {sid})")  # the rules' [skills] name it


async def test_ttr_changes_and_consumer_chat_states_are_told(world):
    client, conv = await create(world.conn)
    try:
        body = {"kind": "req", "id": "1", "type": "cm.UpdateConversationField",
                "body": {"conversationId": conv, "conversationField": {"field": "TTRField", "ttrType": "URGENT",
                                                                       "value": 300}}}
        result = await client._send_api("ttr", "/messaging/consumer/conversation/send", json.dumps(body).encode(),
                                        None, lambda s: None)
        assert result.ok
        world.wait_text(conv, "ttr URGENT, 300 s")
        typing = {"kind": "req", "id": "2", "type": "ms.PublishEvent",
                  "body": {"dialogId": conv, "event": {"type": "ChatStateEvent", "chatState": "COMPOSING"}}}
        await client._send_api("chat", "/messaging/consumer/conversation/send", json.dumps(typing).encode(), None,
                               lambda s: None)
        world.wait_text(conv, "chat CONSUMER COMPOSING")
    finally:
        await client.aclose()


@pytest.mark.parametrize("in_batch", [False, True], ids=["sent after the create", "in the batch"])
async def test_a_first_message_is_told_and_answered(world, in_batch):
    client, conv = await create(world.conn, "first-message", in_batch=in_batch)
    await client.aclose()
    # in the batch it is message #0; sent after the create, the agent's greeting may come first when
    # the machine is slow (the agent joins after agent_delay), so only its text is certain
    world.wait_text(conv, "message #0 CONSUMER:" if in_batch else "CONSUMER: Hello, I need your support")
    world.wait_text(conv, "ASSIGNED_AGENT READ #0" if in_batch else "ASSIGNED_AGENT READ #")
    world.wait_text(conv, "You wrote: Hello, I need your support")


async def test_no_url_no_notifications():
    box = Sandbox().start()
    try:
        conn = Connection(ext_consumer_id="quiet")
        conn.apply(box.connection_values(), "t")
        client, conv = await create(conn)
        await client.aclose()
        assert list(box.agent.log) == [] and box.agent._queue == []
    finally:
        box.stop()


# --- faults --------------------------------------------------------------------------------------------
def attempts_of(world: World, event: str) -> list[dict]:
    return [d for d in world.box.agent.log if d["event"] == event]


async def test_duplicate_is_delivered_twice_and_shown_once(world):
    world.box.send_webhooks_to(world.receiver.url, faults=[{"kind": "duplicate", "type": "ContentEvent"}],
                               agent_delay=0, retry_delay=0)
    client, conv = await create(world.conn)
    await client.aclose()
    world.wait_text(conv, "Hello, this is")
    wait_for(lambda: len([d for d in world.deliveries if d.accepted and d.notification.events
                          and getattr(d.notification.events[0], "text", "").startswith("Hello")]) == 2,
             "the duplicate")
    assert [t for t in world.texts(conv) if "Hello" in t] == [t for t in world.texts(conv) if "Hello" in t][:1]
    assert sum("Hello" in t for t in world.texts(conv)) == 1


async def test_out_of_order_arrives_late_and_is_put_in_its_place(world):
    world.box.send_webhooks_to(world.receiver.url, faults=[{"kind": "out_of_order", "type": "ContentEvent"}],
                               agent_delay=0, retry_delay=0)
    client, conv = await create(world.conn, "first-message", in_batch=True)  # consumer #0 is held back until after the next one
    await client.aclose()
    world.wait_text(conv, "You wrote:")
    world.wait_text(conv, "message #0 CONSUMER:")
    arrived = [d.notification.type for d in sorted(world.deliveries, key=lambda d: d.received) if d.accepted]
    assert arrived[0] == "cqm.ExConversationChangeNotification"  # the consumer's message came after it
    entries = world.entries(conv)
    first = next(e for e in entries if e.kind == "message" and e.sequence == 0)
    assert first.late
    assert [e.sequence for e in entries if e.kind == "message"] == [0, 1, 2]


async def test_a_bad_signature_is_rejected_then_the_retry_is_taken(world):
    world.box.send_webhooks_to(world.receiver.url, faults=["bad_signature"], agent_delay=0, retry_delay=0)
    client, conv = await create(world.conn)
    await client.aclose()
    world.wait_text(conv, "created")
    wait_for(lambda: world.inbox.view().rejected_count == 1, "the rejection")  # handed over by another thread
    wait_for(lambda: len(attempts_of(world, "OPEN")) >= 2, "the sandbox's log of the retry")
    rejected = [d for d in world.deliveries if not d.accepted]
    assert len(rejected) == 1 and rejected[0].status == 401 and "does not match" in rejected[0].reason
    log = attempts_of(world, "OPEN")
    assert (log[0]["status"], log[0]["fault"], log[1]["status"]) == (401, "bad_signature", 200)
    assert sum(t.startswith("created") for t in world.texts(conv)) == 1


async def test_a_bad_signature_without_retries_never_becomes_an_event():
    world = World(faults=[{"kind": "bad_signature", "times": -1}], max_retries=0)
    try:
        client, conv = await create(world.conn)
        await client.aclose()
        wait_for(lambda: any("gave up" in d["error"] for d in world.box.agent.log), "the sandbox to give up")
        # the receiver answers first and hands the delivery over after (another thread): wait for that too
        wait_for(lambda: world.inbox.view().rejected_count >= 1, "the rejection")
        assert world.deliveries and all(not d.accepted for d in world.deliveries)
        assert world.inbox.view().conversation_id is None and world.inbox.view().accepted == 0
    finally:
        world.close()


async def test_the_timeout_fault_retries_and_the_repeat_is_shown_once(world):
    world.box.send_webhooks_to(world.receiver.url, faults=[{"kind": "timeout", "type": "ExConversationChangeNotification"}],
                               agent_delay=0, retry_delay=0)
    client, conv = await create(world.conn)
    await client.aclose()
    world.wait_text(conv, "Hello, this is")
    wait_for(lambda: len([d for d in world.deliveries if d.accepted and d.notification.type.startswith("cqm")])
             >= 3, "the created state twice (the retry), then the joined one")
    log = attempts_of(world, "OPEN")
    assert log[0]["fault"] == "timeout" and "fault timeout" in log[0]["error"] and log[1]["attempt"] == 2
    assert sum(t.startswith("created") for t in world.texts(conv)) == 1


class SlowThenQuick(BaseHTTPRequestHandler):
    """The first POST gets no answer until the second has arrived: a receiver too slow once."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        with server.lock:
            server.count += 1
            mine = server.count
        if mine == 1:
            server.second.wait(HANG_GUARD)
        else:
            server.second.set()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


async def test_a_slow_receiver_is_retried_as_liveperson_does():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowThenQuick)
    server.daemon_threads = True
    server.count, server.lock, server.second = 0, threading.Lock(), threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    box = Sandbox(SandboxState(client_secret=SECRET)).start()
    try:
        box.send_webhooks_to(f"http://127.0.0.1:{server.server_address[1]}/hook", timeout=1.0, retry_delay=0,
                             agent_delay=60)
        conn = Connection(ext_consumer_id="slow")
        conn.apply(box.connection_values(), "t")
        client, conv = await create(conn)
        await client.aclose()
        wait_for(lambda: any(d["status"] == 200 for d in box.agent.log), "the retry to be answered")
        first, second = list(box.agent.log)[:2]
        assert first["status"] is None and "no answer within 1 s" in first["error"]
        assert second["attempt"] == 2 and second["status"] == 200
    finally:
        box.stop()
        server.shutdown()
        server.server_close()


async def test_stopping_the_sandbox_cuts_a_hanging_delivery_at_once():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowThenQuick)
    server.daemon_threads = True
    server.count, server.lock, server.second = 0, threading.Lock(), threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    box = Sandbox(SandboxState(client_secret=SECRET)).start()
    try:
        box.send_webhooks_to(f"http://127.0.0.1:{server.server_address[1]}/", timeout=30, agent_delay=60)
        conn = Connection(ext_consumer_id="hang")
        conn.apply(box.connection_values(), "t")
        client, conv = await create(conn)
        await client.aclose()
        wait_for(lambda: server.count == 1, "the delivery to hang")
        thread = box.agent._thread
        box.stop()
        assert not thread.is_alive()  # stop joined it: the hanging POST was cut, not waited out
        assert box.agent.log[0]["status"] is None
    finally:
        server.second.set()
        server.shutdown()
        server.server_close()


# --- the registration endpoint ----------------------------------------------------------------------
def call(box: Sandbox, method: str, body: bytes = b"", content_type: str = "application/json"):
    conn = http.client.HTTPConnection("127.0.0.1", box.port, timeout=30)
    try:
        conn.request(method, "/_sandbox/webhooks", body=body or None, headers={"Content-Type": content_type})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_registering_a_url_over_http(sandbox):
    status, answer = call(sandbox, "POST", json.dumps({"url": "http://127.0.0.1:9/hook", "agent_delay": 0.5,
                                                       "faults": ["duplicate", {"kind": "timeout", "times": 2}]}).encode())
    assert status == 200 and answer["url"] == "http://127.0.0.1:9/hook" and answer["agent_delay"] == 0.5
    assert [f["kind"] for f in answer["faults"]] == ["duplicate", "timeout"]
    status, answer = call(sandbox, "GET")
    assert status == 200 and answer["url"] == "http://127.0.0.1:9/hook" and "deliveries" in answer
    status, answer = call(sandbox, "POST", b'{"url": null, "clear_faults": true}')
    assert status == 200 and answer["url"] is None and answer["faults"] == []


@pytest.mark.parametrize("body,expected", [
    (b'{"url": "ftp://x/"}', "http:// or https://"),
    (b'{"url": "http://"}', "with a host"),
    (b'{"agent_delay": -1}', "agent_delay"),
    (b'{"max_retries": 50}', "max_retries"),
    (b'{"faults": ["explode"]}', "one of bad_signature"),
    (b'{"colour": "red"}', "unknown key"),
    (b'[1]', "a JSON object"),
    (b'{"agent_delay": NaN}', "bad webhook settings"),
    (b'{"faults": ' + b"[" * 50 + b"]" * 50 + b"}", "nested deeper"),
])
def test_bad_registrations_are_refused_and_change_nothing(sandbox, body, expected):
    before = sandbox.agent.describe()
    status, answer = call(sandbox, "POST", body)
    assert status == 400 and expected in answer["error"]
    assert sandbox.agent.describe() == before


def test_a_registration_must_be_json(sandbox):
    assert call(sandbox, "POST", b"url=x", "application/x-www-form-urlencoded")[0] == 415


async def test_every_notification_is_signed_with_the_client_secret():
    """Checked here with hmac directly, not with lp-tui's own check."""
    bodies: queue.Queue = queue.Queue()

    class Capture(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            bodies.put((dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    box = Sandbox(SandboxState(client_secret=SECRET)).start()
    try:
        box.send_webhooks_to(f"http://127.0.0.1:{server.server_address[1]}/", agent_delay=0, signature="sha256")
        conn = Connection(ext_consumer_id="capture")
        conn.apply(box.connection_values(), "t")
        client, conv = await create(conn)
        await client.aclose()
        for _ in range(4):  # the state, the join, typing, the greeting
            headers, body = bodies.get(timeout=HANG_GUARD)
            digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
            assert headers["x-liveperson-signature"] == "sha256=" + base64.b64encode(digest).decode()
            assert headers["x-liveperson-client-id"] == box.state.client_id
            assert headers["x-liveperson-account-id"] == box.state.account_id
            assert json.loads(body)["kind"] == "notification" and conv in body.decode()
            assert SECRET.encode() not in body
    finally:
        box.stop()
        server.shutdown()
        server.server_close()
