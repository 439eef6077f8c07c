"""LivePerson's webhook notifications: who sent them (the signature) and what they say (typed events).

Spec §5.7: LivePerson POSTs ``cqm.ExConversationChangeNotification`` (the conversation's whole
state on every change) and ``ms.MessagingEventNotification`` (ContentEvent, RichContentEvent,
AcceptStatusEvent, ChatStateEvent). Each carries ``x-liveperson-signature``: ``sha1=`` and the
base64 HMAC-SHA1 of the raw body keyed with the app's client secret (``sha256=`` on request),
plus ``x-liveperson-client-id`` and ``x-liveperson-account-id``.

Everything here is pure: the check takes the raw bytes and the headers, the parser takes the raw
bytes. Everything read is bounded (body size, nesting, changes per notification, text lengths),
and nothing is trusted until the signature matched. No Textual, no HTTP.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from lp_tui.limits import TooDeep, loads_json
from lp_tui.redact import mask, scrub

SIGNATURE = "x-liveperson-signature"
CLIENT_ID = "x-liveperson-client-id"
ACCOUNT_ID = "x-liveperson-account-id"
ALGORITHMS = ("sha1", "sha256")

CONVERSATION_CHANGE = "cqm.ExConversationChangeNotification"
MESSAGING_EVENT = "ms.MessagingEventNotification"

MAX_BODY_BYTES = 1024 * 1024  # one notification; LivePerson's are a few kB
MAX_DEPTH = 32  # nesting of a notification (rich content is the deepest: about 10)
MAX_CHANGES = 200  # changes read from one notification; the rest are counted as cut
MAX_TEXT = 4000  # characters kept of a message (LivePerson's own limit for a request is 5000)
MAX_ID = 128  # characters kept of an id, a role, a state


@dataclass(frozen=True, repr=False)
class Credentials:
    """What a notification is checked against: the app's client secret, and its client and account ids
    when they are known (an empty one is not checked)."""

    secret: str
    client_id: str = ""
    account_id: str = ""

    def __repr__(self) -> str:  # crash reports print objects: never the secret
        return f"Credentials(secret={mask(self.secret)!r}, client_id={self.client_id!r}, account_id={self.account_id!r})"


def sign(body: bytes, secret: str, algorithm: str = "sha1") -> str:
    """The ``x-liveperson-signature`` value LivePerson sends for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, getattr(hashlib, algorithm)).digest()
    return f"{algorithm}={base64.b64encode(digest).decode('ascii')}"


def check(headers: Iterable[tuple[str, str]], body: bytes, credentials: Credentials) -> str | None:
    """Why this request is not a notification from this app installation; None when it is.

    The signature is checked first (constant time, over the raw bytes); the reasons never quote
    the signature sent.
    """
    found: dict[str, list[str]] = {}
    for name, value in headers:
        found.setdefault(name.lower(), []).append(value)
    signatures = found.get(SIGNATURE, [])
    if not signatures:
        return f"no {SIGNATURE} header: the request is not signed"
    if len(signatures) > 1:
        return f"more than one {SIGNATURE} header"
    algorithm, _, given = signatures[0].strip().partition("=")
    algorithm = algorithm.strip().lower()
    if algorithm not in ALGORITHMS or not given:
        return f"{SIGNATURE} must be sha1=… or sha256=… (base64 HMAC of the body)"
    expected = sign(body, credentials.secret, algorithm)
    if not hmac.compare_digest(expected.encode("ascii"), f"{algorithm}={given.strip()}".encode("utf-8", "replace")):
        return f"the {algorithm} signature does not match (a wrong client secret, or a changed body)"
    for header, wanted, what in ((CLIENT_ID, credentials.client_id, "client id"),
                                 (ACCOUNT_ID, credentials.account_id, "account id")):
        if not wanted:
            continue
        values = found.get(header, [])
        if not values:
            return f"no {header} header"
        if len(values) > 1 or values[0].strip() != wanted:
            return f"{header} {values[0].strip()[:MAX_ID]!r} is not this connection's {what} {wanted!r}"
    return None


def pick(headers: Iterable[tuple[str, str]], credentials: "Credentials | Iterable[Credentials]") -> "Credentials | None":
    """The credentials a request is checked with when one receiver serves several accounts: those of the
    account named in ``x-liveperson-account-id``, else those that name no account; None when none fit."""
    if isinstance(credentials, Credentials):
        return credentials
    given = ""
    for name, value in headers:
        if name.lower() == ACCOUNT_ID:
            given = value.strip()
            break
    listed = list(credentials)
    return next((c for c in listed if c.account_id and c.account_id == given), None) or \
        next((c for c in listed if not c.account_id), None)


# --- typed events ---------------------------------------------------------------------------------------
MAIN_DIALOG = "MAIN"
SURVEY_DIALOG = "POST_SURVEY"
PRIVATE_AUDIENCE = "AGENTS_AND_MANAGERS"


@dataclass(frozen=True)
class Participant:
    """One role of one participant: LivePerson lists a participant once per role (the assigned agent is
    often also a READER, with the same id)."""

    id: str
    role: str


@dataclass(frozen=True)
class Dialog:
    """One dialog of a conversation: the MAIN one, a POST_SURVEY one, …"""

    id: str
    type: str = ""
    state: str = ""
    time: int | None = None  # its metaDataLastUpdateTs
    end: int | None = None
    closed_by: str = ""
    closed_cause: str = ""


@dataclass(frozen=True)
class Event:
    """One change in one conversation. ``time`` is LivePerson's, in milliseconds (None when absent)."""

    conversation_id: str
    time: int | None


@dataclass(frozen=True)
class ConversationState(Event):
    """An ExConversationChangeNotification change: the conversation's whole state at ``time``."""

    change: str = "UPSERT"  # or DELETE (the conversation left the subscription)
    state: str = ""
    stage: str = ""
    skill_id: str = ""
    participants: tuple[Participant, ...] = ()
    ttr_type: str = ""
    ttr_value: int | None = None
    start: int | None = None
    end: int | None = None
    close_reason: str = ""
    closed_by: str = ""
    dialogs: tuple[Dialog, ...] = ()
    transfer_by: str = ""  # the sandbox's own mark "rule" (LivePerson's notifications carry no such field)

    @property
    def conversation_closed(self) -> bool:
        """The whole conversation is closed: its ``stage`` says so (``state`` is the main dialog's since
        LivePerson added dialogs); without a stage, its ``state``."""
        return (self.stage or self.state) == "CLOSE"


@dataclass(frozen=True)
class MessagingEvent(Event):
    """A MessagingEventNotification change: who did it, in which dialog, at which sequence, for whom
    (``audience``: ALL, or AGENTS_AND_MANAGERS for a private message the consumer never sees)."""

    dialog_id: str = ""
    sequence: int | None = None
    originator: str = ""
    role: str = ""
    audience: str = ""
    digest: str = ""  # of the change as delivered: tells a retried delivery from a new event without an id

    @property
    def private(self) -> bool:
        return self.audience == PRIVATE_AUDIENCE


@dataclass(frozen=True)
class Message(MessagingEvent):
    text: str = ""
    content_type: str = ""
    quick_replies: tuple[str, ...] = ()  # the choices offered with it, as their titles
    # the same choices whole (model.events.QuickReply: title, text, click metadata), for answering one
    buttons: tuple[Any, ...] = field(default=(), compare=False, hash=False)


@dataclass(frozen=True)
class RichContent(MessagingEvent):
    summary: str = ""
    quick_replies: tuple[str, ...] = ()
    buttons: tuple[Any, ...] = field(default=(), compare=False, hash=False)  # as Message's


@dataclass(frozen=True)
class AcceptStatus(MessagingEvent):
    status: str = ""
    sequences: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChatState(MessagingEvent):
    chat_state: str = ""


@dataclass(frozen=True)
class Notification:
    type: str
    events: tuple[Event, ...]
    cut: int = 0  # changes beyond MAX_CHANGES, not read
    skipped: int = 0  # changes that were not understood (another event type, no conversation id)


class NotAWebhook(ValueError):
    """A signed body that is not a LivePerson notification lp-tui can read; the message says why."""


_MASKED: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("_MASKED", default=())


def parse(body: bytes, secrets: Iterable[str | None] = ()) -> Notification:
    """The events in a notification's raw body; NotAWebhook when it is not one.

    ``secrets`` are masked in every text before it is cut to its bound, so a secret that straddles
    the cut cannot show its first characters.
    """
    token = _MASKED.set(tuple(s for s in secrets if s and len(s) >= 4))
    try:
        return _parse(body)
    finally:
        _MASKED.reset(token)


def _parse(body: bytes) -> Notification:
    if len(body) > MAX_BODY_BYTES:
        raise NotAWebhook(f"the body is larger than {MAX_BODY_BYTES // 1024} kB")
    try:
        data = loads_json(body, MAX_DEPTH, strict_numbers=True)
    except TooDeep as exc:
        raise NotAWebhook(f"the body is {exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAWebhook(f"the body is not JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise NotAWebhook("the body is not a notification (a JSON object with a type)")
    kind = data["type"]
    inner = data.get("body")
    changes = inner.get("changes") if isinstance(inner, dict) else None
    if kind not in (CONVERSATION_CHANGE, MESSAGING_EVENT):
        return Notification(_text(kind), (), skipped=len(changes) if isinstance(changes, list) else 0)
    if not isinstance(changes, list):
        raise NotAWebhook(f"{kind} without a body.changes list")
    reader = _conversation_change if kind == CONVERSATION_CHANGE else _messaging_event
    events: list[Event] = []
    skipped = 0
    for change in changes[:MAX_CHANGES]:
        event = reader(change) if isinstance(change, dict) else None
        if event is None:
            skipped += 1
        else:
            events.append(event)
    return Notification(kind, tuple(events), max(0, len(changes) - MAX_CHANGES), skipped)


def _text(value: Any, limit: int = MAX_ID) -> str:
    """A string from outside, cut to ``limit``; numbers become text (ids are sometimes numbers)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)) and math.isfinite(value):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str):
        return ""
    text: str = value
    masked = _MASKED.get()
    if masked:
        text = scrub(text, masked)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _int(value: Any) -> int | None:
    """A whole number (a timestamp, a sequence) within sane bounds; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.strip().removeprefix("-").isdigit() and len(value) < 20:
        value = int(value)
    return value if isinstance(value, int) and -1 <= value < 2**53 else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _conversation_change(change: dict[str, Any]) -> ConversationState | None:
    result = _dict(change.get("result"))
    details = _dict(result.get("conversationDetails"))
    conv = _text(result.get("convId")) or _text(details.get("convId"))
    if not conv:
        return None
    participants: list[Participant] = []
    found = details.get("participants")
    for item in (found if isinstance(found, list) else [])[:50]:
        if isinstance(item, dict) and _text(item.get("id")):
            participants.append(Participant(_text(item.get("id")), _text(item.get("role")) or "?"))
    by_role = details.get("participantsPId")  # the other form: {"ASSIGNED_AGENT": ["id", …], …}
    for role, ids in (list(by_role.items())[:20] if isinstance(by_role, dict) else []):
        for pid in (ids if isinstance(ids, list) else [ids])[:50]:
            one = Participant(_text(pid), _text(role) or "?")
            if one.id and one not in participants and len(participants) < 100:
                participants.append(one)
    dialogs = [d for d in details.get("dialogs", []) if isinstance(d, dict)][:20] \
        if isinstance(details.get("dialogs"), list) else []
    main = next((d for d in dialogs if d.get("dialogType") == MAIN_DIALOG), dialogs[0] if dialogs else {})
    ttr = _dict(details.get("ttr"))
    handler = _dict(details.get("conversationHandlerDetails"))
    return ConversationState(
        conversation_id=conv,
        time=_int(details.get("metaDataLastUpdateTs")) or _int(result.get("lastUpdateTime"))
        or _int(main.get("metaDataLastUpdateTs")),
        change=_text(change.get("type")) or "UPSERT",
        state=_text(details.get("state")),
        stage=_text(details.get("stage")),
        skill_id=_text(details.get("skillId")) or _text(handler.get("skillId")),
        participants=tuple(participants),
        ttr_type=_text(ttr.get("ttrType")),
        ttr_value=_int(ttr.get("value")),
        start=_int(details.get("startTs")),
        end=_int(details.get("endTs")) or _int(main.get("endTs")),
        close_reason=_text(details.get("closeReason")) or _text(main.get("closedCause")),
        closed_by=_text(main.get("closedBy")) or _text(details.get("closedBy")),
        dialogs=tuple(Dialog(_text(d.get("dialogId")), _text(d.get("dialogType")), _text(d.get("state")),
                             _int(d.get("metaDataLastUpdateTs")), _int(d.get("endTs")), _text(d.get("closedBy")),
                             _text(d.get("closedCause"), 200)) for d in dialogs if _text(d.get("dialogId"))),
        transfer_by=_text(_dict(details.get("sandboxTransfer")).get("by"), 20),
    )


def _messaging_event(change: dict[str, Any]) -> MessagingEvent | None:
    event = _dict(change.get("event"))
    conv = _text(change.get("conversationId")) or _text(change.get("dialogId"))
    kind = event.get("type")
    if not conv or not isinstance(kind, str):
        return None
    origin = _dict(change.get("originatorMetadata"))
    common: dict[str, Any] = {
        "conversation_id": conv,
        "time": _int(change.get("serverTimestamp")),
        "dialog_id": _text(change.get("dialogId")),
        "sequence": _int(change.get("sequence")),
        "originator": _text(change.get("originatorId")) or _text(origin.get("id")),
        "role": _text(origin.get("role")),
        "audience": _text(change.get("messageAudience")),
        "digest": _digest(change),
    }
    if kind == "ContentEvent":
        message = event.get("message")
        if isinstance(message, dict):  # a hosted file: {caption, relativePath, fileType, preview}
            message = f"file {_text(message.get('fileType'), 20)} {_text(message.get('caption'), 200)}".strip()
        from lp_tui.model.events import quick_replies as buttons_of

        return Message(**common, text=_text(message, MAX_TEXT), content_type=_text(event.get("contentType")),
                       quick_replies=_choices(event.get("quickReplies")), buttons=tuple(buttons_of(event)))
    if kind == "RichContentEvent":
        content = event.get("content")
        if isinstance(content, str) and content.lstrip().startswith("{") and len(content) <= MAX_BODY_BYTES:
            try:  # some examples carry the card as a JSON string
                content = loads_json(content, MAX_DEPTH)
            except (ValueError, TooDeep):
                pass
        from lp_tui.model.events import quick_replies as buttons_of

        return RichContent(**common, summary=_rich_summary(content), quick_replies=_choices(event.get("quickReplies")),
                           buttons=tuple(buttons_of(event)))
    if kind == "AcceptStatusEvent":
        listed = event.get("sequenceList")
        items: list[Any] = listed if isinstance(listed, list) else []
        numbers = tuple(n for n in (_int(i) for i in items[:100]) if n is not None)
        return AcceptStatus(**common, status=_text(event.get("status")), sequences=numbers)
    if kind == "ChatStateEvent":
        return ChatState(**common, chat_state=_text(event.get("chatState")))
    return None


def _digest(change: dict[str, Any]) -> str:
    """A short digest of one change as delivered (a retry delivers the same bytes, so the same digest)."""
    try:
        raw = json.dumps(change, sort_keys=True, ensure_ascii=True, default=str)
    except (TypeError, ValueError, RecursionError):
        raw = repr(sorted(change))
    return hashlib.blake2b(raw.encode("ascii", "replace"), digest_size=12).hexdigest()


def _choices(quick: Any, limit: int = 20) -> tuple[str, ...]:
    """The titles of a ``quickReplies`` block's replies (buttons), in order."""
    replies = _dict(quick).get("replies")
    titles = []
    for reply in (replies if isinstance(replies, list) else [])[:limit]:
        reply = _dict(reply)
        title = _text(reply.get("title"), 80) or _text(reply.get("tooltip"), 80)
        if title:
            titles.append(title)
    return tuple(titles)


def _rich_summary(content: Any, limit: int = 200) -> str:
    """A rich content card in words: its type and the texts it shows (bounded walk, no recursion)."""
    kind = _text(_dict(content).get("type")) or "card"
    texts: list[str] = []
    stack, seen = [content], 0
    while stack and seen < 500 and sum(len(t) for t in texts) < limit:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            for key in ("title", "text"):
                if isinstance(node.get(key), str) and node[key].strip():
                    texts.append(node[key].strip())
            stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    shown = " · ".join(texts)
    return _text(f"{kind}: {shown}" if shown else kind, limit)
