"""Where and how the sandbox posts LivePerson's webhook notifications, and the faults it can play.

Set by ``POST /_sandbox/webhooks``, ``lp-tui sandbox --webhook``, or ``Sandbox.send_webhooks_to``;
every value is checked before any is applied. ``agent.py`` does the posting. No Textual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from lp_tui.sandbox.notes import Note

FAULT_KINDS = {
    "bad_signature": "the first attempt is signed with a wrong key (the receiver must answer 401; the retry is right)",
    "duplicate": "the notification is delivered twice",
    "out_of_order": "the notification is held back and delivered after the next one",
    "timeout": "the first attempt counts as unanswered in time, so it is retried (the receiver sees it twice)",
}


@dataclass
class WebhookFault:
    kind: str
    times: int = 1  # -1: until cleared
    type: str = ""  # only notifications of this type or event type (e.g. ContentEvent); "": any

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"webhook fault {self.kind!r}: one of {', '.join(FAULT_KINDS)}")
        if not isinstance(self.times, int) or isinstance(self.times, bool) or self.times == 0 or self.times < -1:
            raise ValueError(f"times {self.times!r}: a positive whole number, or -1 for until cleared")
        if not isinstance(self.type, str) or len(self.type) > 80:
            raise ValueError("type: a notification or event type, e.g. ContentEvent")

    def matches(self, note: "Note") -> bool:
        return not self.type or self.type in (note.type, note.type.rsplit(".", 1)[-1], note.event)


RETRY_POLICIES = {
    "ttl": "LivePerson's current policy: a failed notification is retried after 2, 4, 8 … s (at most 5 min apart; "
           "the sandbox starts at retry_delay) until retention_time has passed, and the receiver's later "
           "notifications wait behind it, so each conversation's order is kept; max_retries 0 drops it at once",
    "count": "LivePerson's older, deprecated policy: up to max_retries retries, retry_delay apart (LivePerson: 30 s)",
}
MAX_RECEIVERS = 20  # added by `send --follow` runs, besides the sandbox's own url
MAX_GAP = 300.0  # seconds: LivePerson's longest wait between two retries


@dataclass
class WebhookConfig:
    """Where and how the sandbox posts; changed under ``state.lock``.

    ``url`` is the sandbox's own receiver (``--webhook``); ``receivers`` are added and removed one by one
    (``{"add": URL}``, ``{"remove": URL}``) by ``send --follow`` runs, so several follow at once and none
    takes another's place. Each receiver gets every notification, through its own queue.
    """

    url: str | None = None
    agent_delay: float = 1.0
    retry_delay: float = 0.5
    max_retries: int = 5
    timeout: float = 5.0  # the whole answer, not each read: LivePerson's read timeout is 5 s
    signature: str = "sha1"
    faults: list[WebhookFault] = field(default_factory=list)
    retry_policy: str = "ttl"
    retention_time: float = 20.0
    survey: bool = False
    survey_wait: float = 2.0
    receivers: list[str] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)  # the agent's greeting offers these buttons

    NUMBERS = {"agent_delay": (0.0, 120.0), "retry_delay": (0.0, 120.0), "timeout": (0.05, 30.0),
               "retention_time": (2.0, 259200.0), "survey_wait": (0.0, 3600.0)}

    def targets(self) -> list[str]:
        """Every receiver notifications go to, the sandbox's own first."""
        return list(dict.fromkeys(([self.url] if self.url else []) + self.receivers))

    def update(self, data: dict[str, Any]) -> None:
        """Apply a JSON object's settings, all checked before any is applied (ValueError names the first bad)."""
        known = {"url", "agent_delay", "retry_delay", "max_retries", "timeout", "signature", "faults", "clear_faults",
                 "retry_policy", "retention_time", "survey", "survey_wait", "add", "remove", "quick_replies"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}")
        changes: dict[str, Any] = {}
        if "url" in data:
            changes["url"] = check_url(data["url"]) if data["url"] is not None else None
        receivers = list(self.receivers)
        if "remove" in data:
            gone = check_url(data["remove"])
            receivers = [r for r in receivers if r != gone]
        if "add" in data:
            added = check_url(data["add"])
            if added not in receivers:
                if len(receivers) >= MAX_RECEIVERS:
                    raise ValueError(f"add: at most {MAX_RECEIVERS} receivers besides url; remove one first")
                receivers.append(added)
        changes["receivers"] = receivers
        if "retry_policy" in data:
            if data["retry_policy"] not in RETRY_POLICIES:
                raise ValueError(f"retry_policy {data['retry_policy']!r}: one of {', '.join(RETRY_POLICIES)}")
            changes["retry_policy"] = data["retry_policy"]
        if "survey" in data:
            if not isinstance(data["survey"], bool):
                raise ValueError("survey: true or false (a post-conversation survey dialog after the close)")
            changes["survey"] = data["survey"]
        if "quick_replies" in data:
            changes["quick_replies"] = check_quick_replies(data["quick_replies"])
        for name, (low, high) in self.NUMBERS.items():
            if name in data:
                value = data[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                        or not low <= value <= high:
                    raise ValueError(f"{name} {value!r}: seconds, {low:g}-{high:g}")
                changes[name] = float(value)
        if "max_retries" in data:
            value = data["max_retries"]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise ValueError(f"max_retries {value!r}: 0-10 (LivePerson allows up to 5)")
            changes["max_retries"] = value
        if "signature" in data:
            if data["signature"] not in ("sha1", "sha256"):
                raise ValueError("signature: sha1 or sha256")
            changes["signature"] = data["signature"]
        faults = list(self.faults) if not data.get("clear_faults") else []
        items = data.get("faults", [])
        if not isinstance(items, list) or len(items) > 100:
            raise ValueError("faults: a list of fault kinds, or of {kind, times, type}")
        for item in items:
            faults.append(WebhookFault(item) if isinstance(item, str) else WebhookFault(**_fault_fields(item)))
        for name, value in changes.items():
            setattr(self, name, value)
        self.faults = faults

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "receivers": list(self.receivers), "agent_delay": self.agent_delay,
                "retry_policy": self.retry_policy, "retention_time": self.retention_time,
                "retry_delay": self.retry_delay, "max_retries": self.max_retries, "timeout": self.timeout,
                "signature": self.signature, "survey": self.survey, "survey_wait": self.survey_wait,
                "quick_replies": list(self.quick_replies),
                "faults": [f.__dict__.copy() for f in self.faults], "fault_kinds": FAULT_KINDS,
                "retry_policies": RETRY_POLICIES}


def _fault_fields(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or set(item) - {"kind", "times", "type"}:
        raise ValueError("a fault is a kind, or {kind, times, type}")
    return item


MAX_QUICK_REPLIES = 13  # LivePerson's quick replies: at most 24 in a row set; the sandbox keeps it smaller


def check_quick_replies(value: Any, key: str = "quick_replies") -> list[str]:
    """Quick replies the sandbox's agent offers (the greeting's, or a presenter's message): up to 13
    titles of 1-25 printable characters ([]: none). ``key`` names them in the error."""
    if not isinstance(value, list) or len(value) > MAX_QUICK_REPLIES:
        raise ValueError(f"{key}: a list of up to {MAX_QUICK_REPLIES} button titles, e.g. [\"Billing\", "
                         "\"Sales\"]")
    for title in value:
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= 25 or not title.isprintable():
            raise ValueError(f"{key}: {title!r}: each title is 1-25 printable characters")
    return [t.strip() for t in value]


def check_url(url: Any) -> str:
    """An http(s) URL with a host: where notifications go."""
    if not isinstance(url, str) or len(url) > 2000:
        raise ValueError("url: an http:// or https:// URL")
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        raise ValueError(f"url {url!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in "\r\n\x00 "):
        raise ValueError(f"url {url!r}: an http:// or https:// URL with a host")
    return url
