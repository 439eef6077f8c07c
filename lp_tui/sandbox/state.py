"""The sandbox's world: one account, its app credentials, consumers, conversations, faults.

Behaviour follows spec/liveperson-api.md: tokens are real JWTs (HS256, signed with pyjwt),
the AppJWT lives one hour (shorter on demand), the ConsumerJWS has no ``exp``.
"""

from __future__ import annotations

import collections
import math
import re
import secrets
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field, fields
from typing import Any, Callable

from lp_tui.model.routing import Decision, Rules
from lp_tui.sandbox import DEMO_ACCOUNT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET  # noqa: F401 (named here too)
from lp_tui.sandbox.webhook_config import WebhookConfig

SERVICES = ("csds", "sentinel", "idp", "conversation", "send", "smt")  # smt: the Monitoring API
LOG_LIMIT = 10_000
# GET /_sandbox/conversations/{id} lists the latest entries within these sizes (JSON bytes), so that
# the whole answer stays under the 1 MB lp-tui reads from a sandbox, however chatty the consumer
DESCRIBE_BUDGET = {"messages": 400_000, "receipts": 100_000, "events": 150_000, "metadata": 150_000}
EVENT_LIMIT = 500  # chat states, receipts and metadata items kept per conversation (the latest)


MAX_FAULT_DELAY = 120.0  # seconds; a fault that waits longer is refused
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")


class FaultError(ValueError):
    """A fault description the sandbox refuses; the message says which field and why."""


@dataclass
class Fault:
    """Make a service misbehave, for QA and tests: a status, a body, a delay, a drip, a hang."""

    status: int | None = None
    times: int = 1  # how many requests it applies to; -1: until cleared
    delay: float = 0.0  # seconds before answering
    body: str | None = None
    content_type: str = "application/json"
    drip: float = 0.0  # seconds between body chunks of 16 bytes
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (the connection stays open until the sandbox stops)

    def __post_init__(self) -> None:
        if self.status is not None and (not _is_int(self.status) or not 100 <= self.status <= 599):
            raise FaultError(f"status {self.status!r}: an HTTP status, 100-599")
        if not _is_int(self.times) or self.times == 0 or self.times < -1:
            raise FaultError(f"times {self.times!r}: a positive whole number, or -1 for until cleared")
        for name in ("delay", "drip"):
            value = getattr(self, name)
            if not _is_number(value) or not 0 <= value <= MAX_FAULT_DELAY:
                raise FaultError(f"{name} {value!r}: seconds, 0-{MAX_FAULT_DELAY:g}")
        if self.body is not None and not isinstance(self.body, str):
            raise FaultError("body: a string")
        if not isinstance(self.content_type, str) or not _header_value_ok(self.content_type):
            raise FaultError("content_type: one line of printable text")
        if not isinstance(self.hang, bool):
            raise FaultError("hang: true or false")
        if not isinstance(self.headers, dict):
            raise FaultError("headers: a table of name = value")
        for name, value in self.headers.items():
            if not isinstance(name, str) or not HEADER_NAME.match(name):
                raise FaultError(f"header name {name!r}: letters, digits and - only")
            if not isinstance(value, str) or not _header_value_ok(value):
                raise FaultError(f"header {name}: the value must be one line of printable text")

    @classmethod
    def from_json(cls, data: Any) -> "Fault":
        if not isinstance(data, dict):
            raise FaultError("a fault is a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultError(f"unknown fault field(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}")
        return cls(**data)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _header_value_ok(value: str) -> bool:
    return all(32 <= ord(c) < 127 for c in value) and len(value) <= 1024


@dataclass
class Conversation:
    id: str
    consumer: str  # lp_consumer_id
    ext_consumer_id: str
    skill: str
    rule: str
    state: str = "OPEN"
    created: float = field(default_factory=time.time)
    closed: float | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)  # {"sequence", "role", "text"}
    skill_id: str = ""  # the routed skill's id, as webhooks name it
    # --- the presenter's side (transfers, the agent's actions) -----------------------------------
    agent_id: str = ""  # the assigned agent, once one has joined (cleared when it leaves on a transfer)
    closed_by: str = "CONSUMER"  # CONSUMER or AGENT, as LivePerson's closedBy says
    transfers: list[dict[str, Any]] = field(default_factory=list)  # {"from", "to", "toSkillId", "by", "rule", "time"}
    plan: tuple[str, float, str] | None = None  # a rule's onward transfer: (skill, seconds, rule name)
    # --- the consumer's side after the create (SEND): what the agent's side sees ---
    chat_state: str = ""  # the consumer's last chat state (COMPOSING, PAUSE, ACTIVE…)
    receipts: list[dict[str, Any]] = field(default_factory=list)  # {"role", "status", "sequences"}, in order
    events: list[dict[str, Any]] = field(default_factory=list)  # the consumer's chat states and receipts, in order
    metadata: list[Any] = field(default_factory=list)  # conversation metadata published with the consumer's SENDs
    ttr: dict[str, Any] = field(default_factory=dict)  # {"ttrType", "value"} after a TTR change

    def publish(self, text: str, role: str = "CONSUMER", metadata: list[Any] | None = None,
                quick_replies: tuple[str, ...] = ()) -> int:
        """Add a message; its sequence, counted from 0 as LivePerson does."""
        sequence = len(self.messages)
        message: dict[str, Any] = {"sequence": sequence, "role": role, "text": text}
        if metadata:
            message["metadata"] = metadata
        if quick_replies:
            message["quickReplies"] = list(quick_replies)
        self.messages.append(message)
        return sequence

    def note_event(self, role: str, event: dict[str, Any], metadata: list[Any] | None = None) -> None:
        """Keep a chat state or receipt (bounded: a chatty consumer types for hours)."""
        kind = event.get("type")
        if kind == "ChatStateEvent":
            if role == "CONSUMER":
                self.chat_state = str(event.get("chatState"))[:20]
            entry: dict[str, Any] = {"role": role, "type": kind, "chatState": str(event.get("chatState"))[:20]}
        else:
            listed = event.get("sequenceList")
            numbers = [n for n in (listed if isinstance(listed, list) else [])[:100]
                       if isinstance(n, int) and not isinstance(n, bool)]
            entry = {"role": role, "type": kind, "status": str(event.get("status"))[:20], "sequences": numbers}
            self.receipts.append({"role": role, "status": entry["status"], "sequences": numbers})
            del self.receipts[:-EVENT_LIMIT]
        if metadata:
            entry["metadata"] = metadata
        self.events.append(entry)
        del self.events[:-EVENT_LIMIT]

    def keep_metadata(self, metadata: Any) -> None:
        if isinstance(metadata, list):
            self.metadata.extend(metadata[:100])
            del self.metadata[:-EVENT_LIMIT]


class SandboxState:
    def __init__(
        self,
        account_id: str = DEMO_ACCOUNT,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        rules: Rules | None = None,
        app_jwt_lifetime: int = 3600,
    ) -> None:
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.rules = rules or Rules.default()
        self.app_jwt_lifetime = app_jwt_lifetime
        self.clock_offset = 0.0  # move the sandbox's clock forward to expire tokens
        self.key = secrets.token_hex(32)
        self.lock = threading.RLock()
        self.conversations: dict[str, Conversation] = {}
        self.faults: dict[str, list[Fault]] = {}
        # the latest requests, in order, for tests and --verbose (bounded: a demo may run for days)
        self.log: collections.deque[tuple[str, str]] = collections.deque(maxlen=LOG_LIMIT)  # (method, path)
        self.urls: collections.deque[str] = collections.deque(maxlen=LOG_LIMIT)  # "METHOD /path?query"
        self.stopping = threading.Event()  # set when the server stops: hanging faults give up then
        # POST /_sandbox/hold: every request waits until POST /_sandbox/release (to show progress, cancel)
        self.released = threading.Event()
        self.released.set()
        self.hosts: dict[str, str] = {}  # CSDS service name -> host:port (set by the server)
        self.minted: collections.deque[str] = collections.deque(maxlen=LOG_LIMIT)  # tokens issued (tests scan for them)
        self.webhooks = WebhookConfig()  # where agent.py posts LivePerson's notifications (none: nowhere)
        self.listeners: list[Callable[[str, Conversation, dict[str, Any]], Any]] = []  # see emit

    def now(self) -> float:
        return time.time() + self.clock_offset

    # --- tokens -------------------------------------------------------------------------
    def mint_app_jwt(self, client_id: str) -> str:
        import jwt

        iat = int(self.now())
        claims = {"aud": self.account_id, "azp": client_id, "scope": "msg.consumer", "iss": "Sentinel",
                  "iat": iat, "exp": iat + self.app_jwt_lifetime}
        token = jwt.encode(claims, self.key, algorithm="HS256", headers={"kid": "appjwt-sandbox"})
        self.minted.append(token)
        return token

    def mint_jws(self, ext_consumer_id: str) -> str:
        import jwt

        claims = {"account_id": self.account_id, "ext_consumer_id": ext_consumer_id,
                  "lp_consumer_id": self.lp_consumer_id(ext_consumer_id)}
        token = jwt.encode(claims, self.key, algorithm="HS256", headers={"kid": "appjwt-sandbox"})
        self.minted.append(token)
        return token

    def lp_consumer_id(self, ext_consumer_id: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self.account_id}/{ext_consumer_id}").hex

    def check_app_jwt(self, token: str) -> dict[str, Any] | None:
        import jwt

        try:
            claims = jwt.decode(token, self.key, algorithms=["HS256"], audience=self.account_id,
                                options={"require": ["exp", "iat"], "verify_exp": False, "verify_iat": False})
        except jwt.PyJWTError:
            return None
        if claims.get("exp", 0) <= self.now():
            return None
        return claims

    def check_jws(self, token: str) -> dict[str, Any] | None:
        import jwt

        try:
            claims = jwt.decode(token, self.key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        return claims if claims.get("account_id") == self.account_id else None

    # --- faults -------------------------------------------------------------------------
    def add_fault(self, service: str, fault: Fault) -> None:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
        with self.lock:
            self.faults.setdefault(service, []).append(fault)

    def take_fault(self, service: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(service) or []
            if not queue:
                return None
            fault = queue[0]
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    queue.pop(0)
            return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    # --- what happens to conversations (the webhook agent listens) --------------------------
    def emit(self, what: str, conv: Conversation, **data: Any) -> None:
        """Tell the listeners what just happened: created, message, event, ttr, closed.

        Called under ``lock`` by the server; a listener only queues work, and its failure never
        reaches the request being answered.
        """
        for listener in list(self.listeners):
            try:
                listener(what, conv, data)
            except Exception:
                pass

    def skill_id_of(self, decision: Decision, facts: dict[str, Any]) -> str:
        """The id webhooks give the routed skill: the request's own skillId, the rules' id for the
        name, else a stable number made from the name."""
        rules = self.rules.rules
        if 0 <= decision.index < len(rules) and rules[decision.index].skill == "$skillId":
            return str(facts.get("skillId"))[:64]
        for sid, name in self.rules.skills.items():
            if name == decision.skill:
                return sid
        return str(1_000_000_000 + zlib.crc32(decision.skill.encode("utf-8")))

    def skill_names(self) -> dict[str, str]:
        """skillId -> name for every skill this sandbox has routed to or may route to."""
        names = {self.skill_id_of(Decision(n, "", -1), {}): n for n in self.rules.named_skills()}
        names.update(self.rules.skills)  # (a name in [skills] twice keeps each of its ids)
        with self.lock:
            names.update({c.skill_id: c.skill for c in self.conversations.values() if c.skill_id})
        return names

    # --- conversations ------------------------------------------------------------------
    def open_conversation_of(self, consumer: str) -> Conversation | None:
        for conv in self.conversations.values():
            if conv.consumer == consumer and conv.state == "OPEN":
                return conv
        return None

    # --- transfers (a rule's transfer_after, the presenter's POST /_sandbox/conversations/{id}/transfer) ---
    def skill_by_name_or_id(self, wanted: str) -> tuple[str, str]:
        """(name, skillId) for a skill given by name or id; any other name is a new skill of that name."""
        names = self.skill_names()
        if wanted in names:
            return names[wanted], wanted
        for sid, name in names.items():
            if name.lower() == wanted.lower():
                return name, sid
        return wanted, self.skill_id_of(Decision(wanted, "", -1), {})

    def transfer(self, conv: Conversation, skill: str, by: str, rule: str = "") -> dict[str, Any]:
        """Move an open conversation to another skill (call under ``lock``): the agent leaves, and one of the
        new skill joins (agent.py). ``by``: "agent" (the presenter) or "rule" (a rule's transfer_to)."""
        name, skill_id = self.skill_by_name_or_id(skill)
        record = {"from": conv.skill, "fromSkillId": conv.skill_id, "to": name, "toSkillId": skill_id, "by": by,
                  "rule": rule, "time": int(self.now() * 1000)}
        conv.skill, conv.skill_id, conv.agent_id = name, skill_id, ""
        if by == "rule":
            conv.rule = f"{conv.rule}, then transferred by {rule}" if rule else conv.rule
        conv.transfers.append(record)
        del conv.transfers[:-50]
        self.emit("transferred", conv, **record)
        return record

    def info(self) -> dict[str, Any]:
        """What ``GET /_sandbox/info`` tells a client: that this is an lp-tui sandbox, and its rules."""
        from lp_tui import __version__

        return {
            "sandbox": "lp-tui",
            "version": __version__,
            "account_id": self.account_id,
            "rules_source": self.rules.source,
            "rules": [{"name": r.name, "when": {k: list(v) for k, v in r.when.items()}, "skill": r.skill,
                       **({"transfer_to": r.transfer_to, "transfer_after": r.transfer_after} if r.transfer_to else {})}
                      for r in self.rules.rules],
            "campaigns": dict(self.rules.campaigns),
            "skills": dict(self.rules.skills),
            "engagements": self.rules.engagements_table(),
            "skill_names": self.skill_names(),
        }

    def describe(self, conv: Conversation) -> dict[str, Any]:
        return {
            "conversationId": conv.id,
            "state": conv.state,
            "skill": conv.skill,
            "skillId": conv.skill_id,
            "rule": conv.rule,
            "consumer": conv.ext_consumer_id,
            "messages": _latest([dict(m) for m in conv.messages], DESCRIBE_BUDGET["messages"]),
            "chatState": conv.chat_state or None,
            "receipts": _latest([dict(r) for r in conv.receipts], DESCRIBE_BUDGET["receipts"]),
            "events": _latest([dict(e) for e in conv.events], DESCRIBE_BUDGET["events"]),
            "metadata": _latest(list(conv.metadata), DESCRIBE_BUDGET["metadata"]),
            "ttr": dict(conv.ttr) or None,
            "startTs": int(conv.created * 1000),
            "endTs": int(conv.closed * 1000) if conv.closed else None,
            "agentId": conv.agent_id or None,
            "closedBy": conv.closed_by if conv.state != "OPEN" else None,
            "transfers": [dict(t) for t in conv.transfers],
        }


def _latest(items: list[Any], budget: int) -> list[Any]:
    """The latest ``items`` whose JSON fits ``budget`` bytes together, in order."""
    import json

    kept: list[Any] = []
    for item in reversed(items):
        budget -= len(json.dumps(item)) + 2
        if budget < 0:
            break
        kept.append(item)
    kept.reverse()
    return kept
