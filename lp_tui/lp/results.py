"""What a send produces: the steps it took and the parsed, explained answer."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from lp_tui.lp.errors import Explanation


@dataclass
class Step:
    name: str
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
        if timings:
            text += f" in {self.elapsed * 1000:.0f} ms"
        if self.attempts > 1:
            text += f" ({self.attempts} attempts)"
        if self.note:
            text += f" — {self.note}"
        return text + (f"  [{parts.netloc}]" if parts.netloc else "")


Observer = Callable[[Step], Any]


@dataclass
class SubResult:
    position: int
    req_id: Any
    code: str
    body: Any

    @property
    def ok(self) -> bool:
        return self.code == "OK"

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("msg", "")) or json.dumps(self.body, ensure_ascii=False)
        return "" if self.body is None else str(self.body)


@dataclass
class SendResult:
    """What CONVERSATION or SEND answered, parsed and explained."""

    action: str
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

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.subs) and all(s.ok for s in self.subs) and not self.explanations

    def to_record(self) -> dict[str, Any]:
        """A history entry (no secrets: headers are masked, tokens are absent)."""
        return {
            "id": uuid.uuid4().hex[:12],
            "time": time.time(),
            "action": self.action,
            "consumer_id": self.consumer_id,
            "request": {"method": "POST", "url": self.url, "headers": self.request_headers, "body": self.request_body},
            "response": {"status": self.status, "headers": self.response_headers, "body": self.body_text[:200_000]},
            "elapsed": self.elapsed,
            "conversation_id": self.conversation_id,
            "ok": self.ok,
            "steps": [s.line() for s in self.steps],
            "explanations": [e.title for e in self.explanations],
        }
