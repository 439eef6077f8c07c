"""The sandbox plays LivePerson's side after the POST: signed webhook notifications, and an agent.

Given a webhook URL (``POST /_sandbox/webhooks {"url": ...}``, ``lp-tui sandbox --webhook URL``,
or ``Sandbox.send_webhooks_to`` in process), it posts what happens to each conversation, shaped
as spec §5.7 shows and signed like LivePerson (``x-liveperson-signature: sha1=`` base64
HMAC-SHA1 of the raw body keyed with the sandbox's client secret): the conversation with its
routed skill; after ``agent_delay`` an agent of that skill joining, typing and greeting the
consumer; each consumer message, answered by the agent (a read receipt and an echo); TTR
changes; the close.

Delivery follows LivePerson's count-based retry policy (a non-2xx answer or no answer within
``timeout`` is retried up to ``max_retries`` times, ``retry_delay`` apart; LivePerson waits 30 s,
the sandbox 0.5 s by default). Faults for QA: ``bad_signature``, ``duplicate``, ``out_of_order``,
``timeout`` (the receiver counted as too slow, so the sandbox retries).

One daemon thread per sandbox sends everything in order; it stops at once with the sandbox
(``state.stopping``), an in-flight POST included. No Textual, no lp_tui.lp.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import heapq
import hmac
import itertools
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from lp_tui.sandbox import notes
from lp_tui.sandbox.webhook_config import FAULT_KINDS, WebhookConfig, WebhookFault, check_url

if TYPE_CHECKING:
    from lp_tui.sandbox.state import Conversation, SandboxState

HOLD = 5.0  # seconds an out-of-order notification waits for a next one at most
MAX_QUEUE = 10_000
LOG_LIMIT = 1000


def signature(body: bytes, secret: str, algorithm: str) -> str:
    """LivePerson's ``x-liveperson-signature`` (the sandbox's own copy: it never imports lp_tui.lp)."""
    digest = hmac.new(secret.encode("utf-8"), body, getattr(hashlib, algorithm)).digest()
    return f"{algorithm}={base64.b64encode(digest).decode('ascii')}"


@dataclass
class Seat:
    """The agent's side of one conversation."""

    agent_id: str = ""
    ttr_type: str = "NORMAL"
    ttr_value: int = 3600
    answered: int = -1  # the last consumer sequence the agent replied to
    last_ts: int = 0  # the last state's metaDataLastUpdateTs: strictly increasing


class WebhookAgent:
    def __init__(self, state: "SandboxState") -> None:
        self.state = state
        self.seats: collections.OrderedDict[str, Seat] = collections.OrderedDict()
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=LOG_LIMIT)
        self._queue: list[tuple[float, int, Any]] = []  # (due, order, Note or action)
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._held: tuple[notes.Note, float] | None = None
        self._inflight: Any = None
        self._thread: threading.Thread | None = None
        state.listeners.append(self.on_change)

    # --- the hooks (the server calls them under state.lock) ---------------------------------------------
    def on_change(self, what: str, conv: "Conversation", data: dict[str, Any]) -> None:
        config = self.state.webhooks
        if config.url is None:
            return
        seat = self._seat(conv.id)
        now = time.time()
        if what == "created":
            asked = data.get("ttr")
            seat.ttr_type = asked if isinstance(asked, str) and asked in notes.TTR_SECONDS else "NORMAL"
            seat.ttr_value = notes.TTR_SECONDS[seat.ttr_type]
            self._push(now, self._state_note(conv, seat))
            for message in conv.messages:  # a first message sent in the CONVERSATION batch
                self._push(now, notes.message(conv, message["sequence"], conv.consumer, "CONSUMER", message["text"],
                                              self._ms()))
            self._push(now + config.agent_delay, lambda: self._join(conv.id))
        elif what == "message":
            message = conv.messages[data["sequence"]]
            self._push(now, notes.message(conv, message["sequence"], conv.consumer, "CONSUMER", message["text"],
                                          self._ms()))
            if seat.agent_id:
                self._push(now + config.agent_delay, lambda: self._answer(conv.id))
        elif what == "event":
            note = notes.consumer_event(conv, data.get("event"), self._ms())
            if note is not None:
                self._push(now, note)
        elif what == "ttr":
            seat.ttr_type, seat.ttr_value = data["ttr_type"], data["value"]
            self._push(now, self._state_note(conv, seat))
        elif what == "closed":
            self._push(now, self._state_note(conv, seat))

    def _seat(self, conv_id: str) -> Seat:
        seat = self.seats.get(conv_id)
        if seat is None:
            seat = self.seats[conv_id] = Seat()
            while len(self.seats) > MAX_QUEUE:
                self.seats.popitem(last=False)
        return seat

    def _ms(self) -> int:
        return int(self.state.now() * 1000)

    def _state_note(self, conv: "Conversation", seat: Seat) -> "notes.Note":
        seat.last_ts = max(self._ms(), seat.last_ts + 1)
        return notes.conversation(self.state, conv, seat, seat.last_ts)

    def _push(self, due: float, item: Any) -> None:
        with self._cond:
            if len(self._queue) >= MAX_QUEUE:
                self._record(item if isinstance(item, notes.Note) else None, 0, None, "dropped: the queue is full")
                return
            heapq.heappush(self._queue, (due, next(self._order), item))
            self._cond.notify()

    # --- what the agent does (in the agent thread, under state.lock) ------------------------------------
    def _join(self, conv_id: str) -> list["notes.Note"]:
        conv = self.state.conversations.get(conv_id)
        if conv is None or conv.state != "OPEN":
            return []
        seat = self._seat(conv_id)
        seat.agent_id = uuid.uuid5(uuid.NAMESPACE_URL, f"lp-tui-sandbox/{conv_id}/agent").hex
        out = [self._state_note(conv, seat), notes.chat_state(conv, seat.agent_id, "ASSIGNED_AGENT", "COMPOSING",
                                                                self._ms())]
        greeting = f"Hello, this is {conv.skill} (a sandbox agent). How can I help you today?"
        sequence = conv.publish(greeting, role="ASSIGNED_AGENT")
        out.append(notes.message(conv, sequence, seat.agent_id, "ASSIGNED_AGENT", greeting, self._ms()))
        return out + self._answer(conv_id)

    def _answer(self, conv_id: str) -> list["notes.Note"]:
        """Read the consumer's new messages and echo each one."""
        conv = self.state.conversations.get(conv_id)
        seat = self._seat(conv_id)
        if conv is None or conv.state != "OPEN" or not seat.agent_id:
            return []
        new = [m for m in conv.messages if m["role"] == "CONSUMER" and m["sequence"] > seat.answered]
        if not new:
            return []
        seat.answered = new[-1]["sequence"]
        out = [notes.receipt(conv, seat.agent_id, "ASSIGNED_AGENT", "READ", [m["sequence"] for m in new], self._ms())]
        for message in new:
            text = message["text"] if len(message["text"]) <= 200 else message["text"][:199] + "…"
            reply = f"You wrote: {text}"
            out.append(notes.message(conv, conv.publish(reply, role="ASSIGNED_AGENT"), seat.agent_id,
                                     "ASSIGNED_AGENT", reply, self._ms()))
        return out

    # --- the thread -----------------------------------------------------------------------------------
    def start(self) -> "WebhookAgent":
        self._thread = threading.Thread(target=self._run, name="lp-sandbox-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """At once: the wait wakes, an in-flight POST is cut."""
        with self._cond:
            self._cond.notify_all()
        inflight = self._inflight
        sock = getattr(inflight, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _next(self) -> Any:
        """The next item due (a Note or an action), or None when stopping."""
        stopping = self.state.stopping
        with self._cond:
            while not stopping.is_set():
                now = time.time()
                if self._queue and self._queue[0][0] <= now:
                    return heapq.heappop(self._queue)[2]
                if self._held is not None and self._held[1] <= now:
                    held, self._held = self._held[0], None
                    return held
                waits = [1.0] + ([self._queue[0][0] - now] if self._queue else []) + \
                    ([self._held[1] - now] if self._held else [])
                self._cond.wait(max(0.0, min(waits)))
        return None

    def _run(self) -> None:
        while True:
            item = self._next()
            if item is None:
                return
            try:
                if isinstance(item, notes.Note):
                    self._deliver(item)
                else:
                    with self.state.lock:
                        made = item()
                    for note in made:
                        self._push(time.time(), note)
            except Exception as exc:  # the thread lives on; the log says what failed
                self._record(item if isinstance(item, notes.Note) else None, 0, None, f"sandbox error: {exc!r}")

    # --- delivery ---------------------------------------------------------------------------------------
    def _deliver(self, note: "notes.Note", released: bool = False) -> None:
        with self.state.lock:
            config = self.state.webhooks
            url, timeout, retries, delay, algorithm = (config.url, config.timeout, config.max_retries,
                                                       config.retry_delay, config.signature)
            fault = None if released else self._take_fault(note)
            secret = self.state.client_secret
        if url is None:
            return
        if fault == "out_of_order" and self._held is None:
            self._held = (note, time.time() + HOLD)
            self._record(note, 0, None, "held back (fault out_of_order)")
            return
        attempt = 0
        while not self.state.stopping.is_set():
            attempt += 1
            key = secret + "-wrong" if fault == "bad_signature" and attempt == 1 else secret
            status, error = self._post(url, note.body, signature(note.body, key, algorithm), timeout)
            if fault == "timeout" and attempt == 1 and status is not None:
                error = f"counted as not answered within {timeout:g} s (fault timeout)"
            ok = status is not None and 200 <= status < 300 and not error
            self._record(note, attempt, status, error or ("" if ok else f"answered {status}"),
                         (fault or "") if attempt == 1 else "")
            if ok or attempt > retries:
                if not ok:
                    self._record(note, attempt, None, f"gave up after {attempt} attempts")
                break
            if self.state.stopping.wait(delay):
                return
        if fault == "duplicate":
            status, error = self._post(url, note.body, signature(note.body, secret, algorithm), timeout)
            self._record(note, attempt + 1, status, error, "duplicate")
        held = self._held
        if held is not None and not released and held[0] is not note:
            self._held = None
            self._deliver(held[0], released=True)

    def _take_fault(self, note: "notes.Note") -> str | None:
        for fault in self.state.webhooks.faults:
            if fault.matches(note):
                if fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.state.webhooks.faults.remove(fault)
                return fault.kind
        return None

    def _post(self, url: str, body: bytes, signed: str, timeout: float) -> tuple[int | None, str]:
        import http.client

        parts = urlsplit(url)
        factory: Callable[..., Any] = http.client.HTTPSConnection if parts.scheme == "https" \
            else http.client.HTTPConnection
        conn = factory(parts.hostname, parts.port, timeout=timeout)
        self._inflight = conn
        headers = {"Content-Type": "application/json", "User-Agent": "lp-tui-sandbox",
                   "x-liveperson-account-id": self.state.account_id, "x-liveperson-client-id": self.state.client_id,
                   "x-liveperson-signature": signed}
        try:
            conn.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                         headers=headers)
            response = conn.getresponse()
            response.read(64 * 1024)
            return response.status, ""
        except socket.timeout:
            return None, f"no answer within {timeout:g} s"
        except (OSError, http.client.HTTPException) as exc:
            return None, f"{type(exc).__name__}: {exc}"[:200]
        finally:
            self._inflight = None
            conn.close()

    def _record(self, note: "notes.Note | None", attempt: int, status: int | None, error: str,
                fault: str = "") -> None:
        self.log.append({"time": round(time.time(), 3), "type": note.type if note else "", "event": note.event
                         if note else "", "conversationId": note.conversation_id if note else "",
                         "attempt": attempt, "status": status, "error": error, "fault": fault or ""})

    def describe(self) -> dict[str, Any]:
        with self.state.lock:
            config = self.state.webhooks.describe()
        return {**config, "deliveries": list(self.log)[-50:]}


def configure(state: "SandboxState", agent: WebhookAgent, body: bytes, content_type: str | None
              ) -> tuple[int, Any]:
    """``POST /_sandbox/webhooks``: set the URL (null: none), delays, retries, signature, faults."""
    from lp_tui.limits import loads_json

    if "json" not in (content_type or ""):
        return 415, {"error": "send the settings as application/json"}
    try:
        data = loads_json(body or b"{}", 10, strict_numbers=True)
        if not isinstance(data, dict):
            raise ValueError("the settings are a JSON object, e.g. {\"url\": \"http://127.0.0.1:8787/\"}")
        with state.lock:
            state.webhooks.update(data)
    except (ValueError, TypeError) as exc:
        return 400, {"error": f"bad webhook settings: {exc}"}
    return 200, agent.describe()


__all__ = ["WebhookAgent", "WebhookConfig", "WebhookFault", "FAULT_KINDS", "configure", "check_url", "signature"]
