"""The sandbox's world: one account, its app credentials, consumers, conversations, faults.

Behaviour follows spec/liveperson-api.md: tokens are real JWTs (HS256, signed with pyjwt),
the AppJWT lives one hour (shorter on demand), the ConsumerJWS has no ``exp``.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from lp_tui.sandbox.routing import Rules

DEMO_ACCOUNT = "12345678"
DEMO_CLIENT_ID = "sandbox-app-0001"
DEMO_CLIENT_SECRET = "sandbox-secret-0001"
SERVICES = ("csds", "sentinel", "idp", "conversation", "send")


@dataclass
class Fault:
    """Make a service misbehave, for QA and tests: a status, a body, a delay, a drip."""

    status: int | None = None
    times: int = 1  # how many requests it applies to; -1: until cleared
    delay: float = 0.0  # seconds before answering
    body: str | None = None
    content_type: str = "application/json"
    drip: float = 0.0  # seconds between body chunks of 16 bytes
    headers: dict[str, str] = field(default_factory=dict)


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
    messages: list[str] = field(default_factory=list)
    profile: Any = None
    request: Any = None


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
        self.log: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.urls: list[str] = []  # "METHOD /path?query" of every request, in order
        self.hosts: dict[str, str] = {}  # CSDS service name -> host:port (set by the server)
        self.minted: list[str] = []  # every token issued (tests scan outputs for them)

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

    # --- conversations ------------------------------------------------------------------
    def open_conversation_of(self, consumer: str) -> Conversation | None:
        for conv in self.conversations.values():
            if conv.consumer == consumer and conv.state == "OPEN":
                return conv
        return None

    def describe(self, conv: Conversation) -> dict[str, Any]:
        return {
            "conversationId": conv.id,
            "state": conv.state,
            "skill": conv.skill,
            "rule": conv.rule,
            "consumer": conv.ext_consumer_id,
            "messages": list(conv.messages),
            "startTs": int(conv.created * 1000),
            "endTs": int(conv.closed * 1000) if conv.closed else None,
        }
