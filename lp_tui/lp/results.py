"""What a send produces: the steps it took and the parsed, explained answer."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable
from urllib.parse import urlsplit

from lp_tui.lp.errors import Explanation
from lp_tui.text import ident


class StepCode(StrEnum):
    """The steps of a send, for code to compare. Each value is also the step's name as shown and as
    history and evidence files record it (a send's ``action``), so it never changes."""

    CSDS = "domain lookup"
    APPJWT = "AppJWT"
    JWS = "ConsumerJWS"
    CREATE = "create conversation"
    CLOSE = "close conversation"
    MESSAGE = "send message"
    FIRST_MESSAGE = "send first message"
    EVENT = "send event"  # a SEND for the consumer after the create (its steps are named by what they send)


@dataclass
class Step:
    name: str  # a StepCode, or (a failure before any step) what was being done, in words
    method: str = ""
    url: str = ""
    status: int | None = None
    elapsed: float = 0.0
    cached: bool = False
    attempts: int = 0
    note: str = ""
    done: bool = False
    failed: bool = False

    def line(self, timings: bool = True) -> str:
        if self.cached:
            return f"{self.name}: from cache"
        status = "failed" if self.failed and self.status is None else (str(self.status) if self.status else "…")
        parts = urlsplit(self.url)
        text = f"{self.name}: {self.method} {parts.path} → {status}"
        if timings and self.done:  # a step still waiting has no time yet
            text += f" in {self.elapsed * 1000:.0f} ms"
        if self.attempts > 1:
            text += f" ({self.attempts} attempts)"
        if self.note:
            text += f" — {self.note}"
        return text + (f"  [{ident(parts.netloc)}]" if parts.netloc else "")


Observer = Callable[[Step], Any]


def code_ok(code: Any) -> bool:
    """Success in either documented shape: the examples' ``"OK"``, the schema's integer 2xx."""
    if isinstance(code, bool):
        return False
    if isinstance(code, int):
        return 200 <= code < 300
    return isinstance(code, str) and code == "OK"


@dataclass
class SubResult:
    """One element of a batch answer, as the server sent it (``code`` may be "OK" or 200)."""

    position: int
    req_id: Any
    code: Any
    body: Any

    @property
    def ok(self) -> bool:
        return code_ok(self.code)

    @property
    def code_text(self) -> str:
        return "(no code)" if self.code is None else str(self.code)

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            msg = self.body.get("msg")
            if isinstance(msg, str) and msg:
                return msg
            return json.dumps(self.body, ensure_ascii=False)[:2000]
        return "" if self.body is None else json.dumps(self.body, ensure_ascii=False)[:2000]


MAX_CONVERSATION_ID = 64  # the schema's 1-64 characters


def conversation_id_of(create: bool, subs: list[SubResult]) -> tuple[str | None, str]:
    """The new conversation's id from the second sub-answer, and a problem when its shape is wrong.

    Only a string of 1-64 characters is an id; anything else is an unexpected answer, never a success.
    """
    if not create or len(subs) < 2 or not subs[1].ok:
        return None, ""
    body = subs[1].body
    value = body.get("conversationId") if isinstance(body, dict) else None
    if isinstance(value, str) and 1 <= len(value) <= MAX_CONVERSATION_ID and value.strip() == value:
        return value, ""
    if value is None:
        return None, "the second answer says OK but holds no conversationId"
    shown = json.dumps(value, ensure_ascii=False)[:80]
    return None, f"the conversationId is not a string of 1-64 characters: {shown}"


@dataclass
class SendResult:
    """What CONVERSATION or SEND answered, parsed and explained."""

    action: str  # a StepCode (str for what history files hold)
    url: str
    status: int
    elapsed: float
    request_headers: dict[str, str]  # masked
    request_body: str
    response_headers: dict[str, str]
    body_text: str
    body_json: Any = None
    subs: list[SubResult] = field(default_factory=list)
    conversation_id: str | None = None
    explanations: list[Explanation] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)  # decoded token claims, never the tokens
    consumer_id: str = ""
    truncated: bool = False
    sandbox: bool = False  # the server said it is an lp-tui sandbox
    target: str | None = None  # the conversation a close or a message was for
    first_message: "SendResult | None" = None  # the SEND of the first message, right after a create

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.subs) and all(s.ok for s in self.subs) and not self.explanations

    @property
    def sequence(self) -> int | None:
        """The first message's sequence: from its SEND after the create, or from the batch's third element.
        Only a whole number 0 or more is a sequence (the body, shown as it came, has whatever else came)."""
        if self.first_message is not None:
            return self.first_message.sequence
        value = None
        if len(self.subs) >= 3 and self.subs[2].ok and isinstance(self.subs[2].body, dict):
            value = self.subs[2].body.get("sequence")
        elif self.action != StepCode.CREATE and self.subs and isinstance(self.subs[0].body, dict):
            value = self.subs[0].body.get("sequence")
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    def to_record(self, routing: dict[str, Any] | None = None) -> dict[str, Any]:
        """A history entry (no secrets: headers are masked, tokens are absent, and a secret the body
        itself carries, the push token, is masked in the request and in any echo of it)."""
        from lp_tui.model.build import secret_values_of_text
        from lp_tui.redact import scrub_body as scrub
        from lp_tui.redact import scrub_headers

        body = self.request_body
        carried = secret_values_of_text(body) if isinstance(body, str) else []
        extra: dict[str, Any] = {}
        if self.first_message is not None:  # the second step of a create: its own request and answer
            sent = self.first_message.to_record()
            extra["first_message"] = {k: sent[k] for k in ("action", "request", "response", "elapsed", "ok", "target")}
        # masked first, cut after: a token straddling the cut is masked whole, never kept in part
        return {
            "id": uuid.uuid4().hex[:12],
            "time": time.time(),
            "action": self.action,
            "consumer_id": self.consumer_id,
            "request": {"method": "POST", "url": self.url,  # masked by the client; the body's own secret here
                        "headers": {k: scrub(v, carried) if isinstance(v, str) else v
                                    for k, v in self.request_headers.items()},
                        "body": scrub(body, carried) if isinstance(body, str) else body},
            "response": {"status": self.status, "headers": scrub_headers(self.response_headers, carried),
                         "body": scrub(self.body_text, carried)[:200_000]},
            "elapsed": self.elapsed,
            "conversation_id": self.conversation_id,
            "target": self.target,
            "ok": self.ok,
            "steps": [s.line() for s in self.steps],
            "explanations": [e.title for e in self.explanations],
            **({"routing": {"skill": routing.get("skill"), "rule": routing.get("rule")}}
               if isinstance(routing, dict) else {}),
            **extra,
        }
