"""The sandbox plays LivePerson's side after the POST: signed webhook notifications, and an agent.

Given a webhook URL (``POST /_sandbox/webhooks {"url": ...}``, ``lp-tui sandbox --webhook URL``,
or ``Sandbox.send_webhooks_to`` in process), it posts what happens to each conversation, shaped
as spec §5.7 shows and signed like LivePerson (``x-liveperson-signature: sha1=`` base64
HMAC-SHA1 of the raw body keyed with the sandbox's client secret): the conversation with its
routed skill; after ``agent_delay`` an agent of that skill joining, typing and greeting the
consumer; each consumer message, answered by the agent (a read receipt and an echo); TTR
changes; the close.

Notifications are shaped as LivePerson's published examples (notes.py): chat states without a time,
receipts without a sequence, ``participantsPId`` beside ``participants``, the assigned agent also a
READER; with ``survey`` a post-conversation survey dialog opens when the main dialog closes.

Delivery follows LivePerson's current retry policy by default (``retry_policy`` "ttl": a failed
notification is retried after 2, 4, 8 … s, the sandbox starting at ``retry_delay``, until
``retention_time`` has passed, the receiver's later notifications waiting behind it), or the older
count-based one (``"count"``: up to ``max_retries`` retries, ``retry_delay`` apart). Anything but 200 or
201, or no whole answer within ``timeout``, is a failure. Faults for QA: ``bad_signature``,
``duplicate``, ``out_of_order``, ``timeout`` (the receiver counted as too slow, so the sandbox retries).

One thread runs the agent and hands each notification to every receiver's lane: a queue and a thread
of its own, so a slow receiver (one that drips its answer, say) delays only itself; each POST is cut at
its deadline. Everything stops at once with the sandbox (``state.stopping``), in-flight POSTs included.
No Textual, no lp_tui.lp.
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
from lp_tui.sandbox.webhook_config import FAULT_KINDS, MAX_GAP, WebhookConfig, WebhookFault, check_url

if TYPE_CHECKING:
    from lp_tui.sandbox.state import Conversation, SandboxState

PRESENTER_CHANGES = ("transferred", "agent-message")
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
    survey_state: str = ""  # "", OPEN or CLOSE: the post-conversation survey dialog
    survey_id: str = ""
    survey_bot: str = ""
    survey_cause: str = ""


def _answers_quick_reply(conv: "Conversation", message: dict[str, Any]) -> bool:
    """Whether a consumer's message answers the agent's latest quick replies before it: it carries a
    button's Answer metadata, or its text is one of the buttons' titles."""
    if any(isinstance(m, dict) and m.get("type") == "Answer" for m in message.get("metadata") or []):
        return True
    asked = [m for m in conv.messages[:message["sequence"]] if m["role"] != "CONSUMER" and m.get("quickReplies")]
    return bool(asked) and message["text"] in asked[-1]["quickReplies"]


class WebhookAgent:
    def __init__(self, state: "SandboxState") -> None:
        self.state = state
        self.seats: collections.OrderedDict[str, Seat] = collections.OrderedDict()
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=LOG_LIMIT)
        self._queue: list[tuple[float, int, Any]] = []  # (due, order, Note or action)
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._lanes: dict[str, _Lane] = {}  # used by the dispatching thread only (and stop)
        self._thread: threading.Thread | None = None
        state.listeners.append(self.on_change)

    # --- the hooks (the server calls them under state.lock) ---------------------------------------------
    def on_change(self, what: str, conv: "Conversation", data: dict[str, Any]) -> None:
        config = self.state.webhooks
        if what == "created" and conv.plan is not None:  # a rule routes onward, webhooks or not
            skill, after, rule = conv.plan
            self._push(time.time() + after, lambda: self._rule_transfer(conv.id, skill, rule))
        if not config.targets():
            return
        if what in PRESENTER_CHANGES:
            self._presenter_change(what, conv, data)
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
            note = notes.consumer_event(conv, data.get("event"), self._ms(), data.get("metadata"))
            if note is not None:
                self._push(now, note)
        elif what == "ttr":
            seat.ttr_type, seat.ttr_value = data["ttr_type"], data["value"]
            self._push(now, self._state_note(conv, seat))
        elif what == "closed":
            if config.survey and seat.agent_id and not seat.survey_state:  # LivePerson: no survey if unassigned
                self._push(now, lambda: self._survey(conv.id))
            else:
                self._push(now, self._state_note(conv, seat))

    def _seat(self, conv_id: str) -> Seat:
        seat = self.seats.get(conv_id)
        if seat is None:
            seat = self.seats[conv_id] = Seat()
            while len(self.seats) > MAX_QUEUE:
                self.seats.popitem(last=False)
        return seat

    def _ms(self, seat: Seat | None = None) -> int:
        """Now, in ms; with a seat, never before its last state (so nothing it says seems to precede it)."""
        now = int(self.state.now() * 1000)
        return max(now, seat.last_ts) if seat is not None else now

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
        if seat.agent_id:  # already here (a second join queued by a quick transfer back)
            return []
        turn = f"/{len(conv.transfers)}" if conv.transfers else ""  # after a transfer: another agent
        seat.agent_id = conv.agent_id = uuid.uuid5(uuid.NAMESPACE_URL, f"lp-tui-sandbox/{conv_id}/agent{turn}").hex
        out = [self._state_note(conv, seat), notes.chat_state(conv, seat.agent_id, "ASSIGNED_AGENT", "COMPOSING",
                                                                self._ms(seat))]
        greeting = f"Hello, this is {conv.skill} (a sandbox agent). How can I help you today?"
        choices = tuple(self.state.webhooks.quick_replies)  # the greeting carries quick replies on request
        question = uuid.uuid5(uuid.NAMESPACE_URL, f"lp-tui-sandbox/{conv_id}/greeting").hex if choices else ""
        sequence = conv.publish(greeting, role="ASSIGNED_AGENT", quick_replies=choices)
        out.append(notes.message(conv, sequence, seat.agent_id, "ASSIGNED_AGENT", greeting, self._ms(seat),
                                 quick_replies=choices, question_id=question))
        return out + self._answer(conv_id)

    # --- transfers and the presenter's agent actions (server.py's /_sandbox/conversations/{id}/…) -----------
    def _rule_transfer(self, conv_id: str, skill: str, rule: str) -> list["notes.Note"]:
        """A rule's transfer_after has passed: the conversation moves on to transfer_to (if still open)."""
        conv = self.state.conversations.get(conv_id)
        if conv is not None and conv.state == "OPEN" and conv.skill != skill:
            self.state.transfer(conv, skill, "rule", rule)  # emits "transferred": the notes follow
        return []

    def _presenter_change(self, what: str, conv: "Conversation", data: dict[str, Any]) -> None:
        seat = self._seat(conv.id)
        now = time.time()
        if what == "transferred":
            # As LivePerson's transfer (Skill UPDATE with ParticipantsChange REMOVE of the ASSIGNED_AGENT): the
            # conversation's skillId changes and the agent leaves, in one state; later an agent of the new skill
            # joins and greets.
            seat.agent_id = ""
            seat.answered = max(seat.answered, max((m["sequence"] for m in conv.messages if m["role"] == "CONSUMER"),
                                                   default=-1))
            self._push(now, self._state_note(conv, seat))
            self._push(now + self.state.webhooks.agent_delay, lambda: self._join(conv.id))
        elif what == "agent-message":
            replies = tuple(data.get("quick_replies") or ())
            self._push(now, notes.message(conv, data["sequence"], seat.agent_id, "ASSIGNED_AGENT", data["text"],
                                          self._ms(seat), quick_replies=replies))

    def _survey(self, conv_id: str) -> list["notes.Note"]:
        """The main dialog closed: a post-conversation survey dialog opens (the conversation's stage stays OPEN),
        its bot greets and asks, and closes the survey, and with it the conversation, after survey_wait s."""
        conv = self.state.conversations.get(conv_id)
        if conv is None:
            return []
        seat = self._seat(conv_id)
        seat.survey_state, seat.survey_cause = "OPEN", ""
        seat.survey_id = uuid.uuid5(uuid.NAMESPACE_URL, f"lp-tui-sandbox/{conv_id}/survey").hex[:22]
        seat.survey_bot = uuid.uuid5(uuid.NAMESPACE_URL, f"lp-tui-sandbox/{conv_id}/survey-bot").hex
        out = [self._state_note(conv, seat),
               notes.chat_state(conv, seat.survey_bot, "AGENT", "COMPOSING", dialog_id=seat.survey_id),
               notes.message(conv, 0, seat.survey_bot, "AGENT", "Hello, I'm the sandbox's survey bot. A question about "
                             "your conversation (type 'skip' to skip).", self._ms(seat), seat.survey_id),
               notes.message(conv, 1, seat.survey_bot, "AGENT", "How would you rate your overall experience?",
                             self._ms(seat), seat.survey_id, notes.SURVEY_CHOICES)]
        self._push(time.time() + self.state.webhooks.survey_wait, lambda: self._survey_done(conv_id))
        return out

    def _survey_done(self, conv_id: str) -> list["notes.Note"]:
        conv = self.state.conversations.get(conv_id)
        seat = self._seat(conv_id)
        if conv is None or seat.survey_state != "OPEN":
            return []
        seat.survey_state, seat.survey_cause = "CLOSE", "Timed out: no answer"
        return [self._state_note(conv, seat)]

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
        read = [m["sequence"] for m in new]
        conv.note_event("ASSIGNED_AGENT", {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": read})
        out = [notes.receipt(conv, seat.agent_id, "ASSIGNED_AGENT", "READ", read, self._ms(seat))]
        for message in new:
            text = message["text"] if len(message["text"]) <= 200 else message["text"][:199] + "…"
            reply = f"You chose: {text}. Thank you!" if _answers_quick_reply(conv, message) else f"You wrote: {text}"
            out.append(notes.message(conv, conv.publish(reply, role="ASSIGNED_AGENT"), seat.agent_id,
                                     "ASSIGNED_AGENT", reply, self._ms(seat)))
        return out

    # --- the thread -----------------------------------------------------------------------------------
    def start(self) -> "WebhookAgent":
        self._thread = threading.Thread(target=self._run, name="lp-sandbox-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """At once: the waits wake, every in-flight POST is cut, every thread is joined."""
        with self._cond:
            self._cond.notify_all()
        lanes = list(self._lanes.values())
        for lane in lanes:
            lane.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for lane in lanes:
            lane.join()

    def _next(self) -> Any:
        """The next item due (a Note or an action), or None when stopping."""
        stopping = self.state.stopping
        with self._cond:
            while not stopping.is_set():
                now = time.time()
                if self._queue and self._queue[0][0] <= now:
                    return heapq.heappop(self._queue)[2]
                waits = [1.0] + ([self._queue[0][0] - now] if self._queue else [])
                self._cond.wait(max(0.0, min(waits)))
        return None

    def _run(self) -> None:
        while True:
            item = self._next()
            if item is None:
                return
            try:
                if isinstance(item, notes.Note):
                    self._fan_out(item)
                else:
                    with self.state.lock:
                        made = item()
                    for note in made:
                        self._push(time.time(), note)
            except Exception as exc:  # the thread lives on; the log says what failed
                self._record(item if isinstance(item, notes.Note) else None, 0, None, f"sandbox error: {exc!r}")

    # --- delivery: one lane (a queue and a thread) per receiver ----------------------------------------
    def _fan_out(self, note: "notes.Note") -> None:
        """Hand the note to every receiver's lane; a slow receiver delays only its own lane."""
        with self.state.lock:
            targets = self.state.webhooks.targets()
        for url in list(self._lanes):
            if url not in targets:
                self._lanes.pop(url).close()
        for url in targets:
            lane = self._lanes.get(url)
            if lane is None:
                lane = self._lanes[url] = _Lane(self, url).start()
            lane.put(note)

    def _deliver(self, lane: "_Lane", note: "notes.Note", released: bool = False) -> None:
        with self.state.lock:
            config = self.state.webhooks
            timeout, retries, delay, algorithm = config.timeout, config.max_retries, config.retry_delay, \
                config.signature
            policy, retention = config.retry_policy, config.retention_time
            fault = None if released else self._take_fault(note)
            secret = self.state.client_secret
            wanted = lane.url in config.targets()
        url = lane.url
        if not wanted:
            return
        if fault == "out_of_order" and lane.held is None:
            lane.held = (note, time.time() + HOLD)
            self._record(note, 0, None, "held back (fault out_of_order)", url=url)
            return
        attempt, first_failure = 0, None
        while not self.state.stopping.is_set() and not lane.closed:
            attempt += 1
            key = secret + "-wrong" if fault == "bad_signature" and attempt == 1 else secret
            status, error = lane.post(note.body, signature(note.body, key, algorithm), timeout)
            if fault == "timeout" and attempt == 1 and status is not None:
                error = f"counted as not answered within {timeout:g} s (fault timeout)"
            ok = status is not None and status in (200, 201) and not error
            self._record(note, attempt, status, error or ("" if ok else f"answered {status}"),
                         (fault or "") if attempt == 1 else "", url=url)
            if ok:
                break
            now = time.time()
            first_failure = first_failure if first_failure is not None else now
            if policy == "count":
                over, wait = attempt > retries, delay
            else:  # time to live: 2, 4, 8 … s (from retry_delay), at most MAX_GAP apart, until retention passes
                wait = min(max(delay, 0.01) * 2 ** (attempt - 1), MAX_GAP)
                over = retries == 0 or now - first_failure + wait > retention
            if over:
                why = f"retention_time {retention:g} s" if policy == "ttl" and retries else "max_retries"
                self._record(note, attempt, None, f"gave up after {attempt} attempts ({why})", url=url)
                break
            if lane.sleep(wait):
                return
        if fault == "duplicate":
            status, error = lane.post(note.body, signature(note.body, secret, algorithm), timeout)
            self._record(note, attempt + 1, status, error, "duplicate", url=url)
        held = lane.held
        if held is not None and not released and held[0] is not note:
            lane.held = None
            self._deliver(lane, held[0], released=True)

    def _take_fault(self, note: "notes.Note") -> str | None:
        for fault in self.state.webhooks.faults:
            if fault.matches(note):
                if fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.state.webhooks.faults.remove(fault)
                return fault.kind
        return None

    def _record(self, note: "notes.Note | None", attempt: int, status: int | None, error: str,
                fault: str = "", url: str = "") -> None:
        self.log.append({"time": round(time.time(), 3), "type": note.type if note else "", "event": note.event
                         if note else "", "conversationId": note.conversation_id if note else "",
                         "attempt": attempt, "status": status, "error": error, "fault": fault or "", "url": url})

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


class _Lane:
    """One receiver's queue and thread: its notifications in order, each POST cut at its deadline, its
    retries waiting in it; nothing it does can hold up another receiver."""

    def __init__(self, agent: WebhookAgent, url: str) -> None:
        self.agent, self.url = agent, url
        self.notes: collections.deque[notes.Note] = collections.deque()
        self.cond = threading.Condition()
        self.held: tuple[notes.Note, float] | None = None
        self.closed = False
        self.inflight: Any = None
        self.thread = threading.Thread(target=self._run, name="lp-sandbox-webhook-lane", daemon=True)

    def start(self) -> "_Lane":
        self.thread.start()
        return self

    def put(self, note: "notes.Note") -> None:
        with self.cond:
            if len(self.notes) >= MAX_QUEUE:
                self.agent._record(note, 0, None, "dropped: this receiver's queue is full", url=self.url)
                return
            self.notes.append(note)
            self.cond.notify()

    def close(self) -> None:
        """The receiver was removed: drop what waits, cut what is in flight."""
        self.closed = True
        self.wake()

    def wake(self) -> None:
        with self.cond:
            self.cond.notify_all()
        self._cut()

    def join(self) -> None:
        self.thread.join(timeout=5)

    def sleep(self, seconds: float) -> bool:
        """Wait between retries; True when stopping or closed."""
        with self.cond:
            self.cond.wait_for(lambda: self.closed or self.agent.state.stopping.is_set(), seconds)
        return self.closed or self.agent.state.stopping.is_set()

    def _cut(self) -> None:
        sock = getattr(self.inflight, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _next(self) -> "notes.Note | None":
        stopping = self.agent.state.stopping
        with self.cond:
            while not stopping.is_set() and not self.closed:
                now = time.time()
                if self.notes:
                    return self.notes.popleft()
                if self.held is not None and self.held[1] <= now:
                    held, self.held = self.held[0], None
                    return held
                self.cond.wait(max(0.0, min(1.0, self.held[1] - now)) if self.held else 1.0)
        return None

    def _run(self) -> None:
        while True:
            note = self._next()
            if note is None:
                return
            try:
                self.agent._deliver(self, note)
            except Exception as exc:  # the lane lives on; the log says what failed
                self.agent._record(note, 0, None, f"sandbox error: {exc!r}", url=self.url)

    def post(self, body: bytes, signed: str, timeout: float) -> tuple[int | None, str]:
        """One POST, cut when its whole answer has not come within ``timeout`` (however it trickles)."""
        import http.client

        parts = urlsplit(self.url)
        factory: Callable[..., Any] = http.client.HTTPSConnection if parts.scheme == "https" \
            else http.client.HTTPConnection
        conn = factory(parts.hostname, parts.port, timeout=timeout)
        self.inflight = conn
        late = threading.Event()

        def deadline() -> None:
            late.set()
            self._cut()

        timer = threading.Timer(timeout, deadline)
        timer.daemon = True
        state = self.agent.state
        headers = {"Content-Type": "application/json", "User-Agent": "lp-tui-sandbox",
                   "x-liveperson-account-id": state.account_id, "x-liveperson-client-id": state.client_id,
                   "x-liveperson-signature": signed}
        try:
            timer.start()
            conn.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                         headers=headers)
            response = conn.getresponse()
            response.read(64 * 1024)
            if late.is_set():
                return None, f"no answer within {timeout:g} s (its whole answer, however slowly it came)"
            return response.status, ""
        except socket.timeout:
            return None, f"no answer within {timeout:g} s"
        except (OSError, http.client.HTTPException) as exc:
            if late.is_set():
                return None, f"no answer within {timeout:g} s (its whole answer, however slowly it came)"
            return None, f"{type(exc).__name__}: {exc}"[:200]
        finally:
            timer.cancel()
            self.inflight = None
            conn.close()


__all__ = ["WebhookAgent", "WebhookConfig", "WebhookFault", "FAULT_KINDS", "configure", "check_url", "signature"]
