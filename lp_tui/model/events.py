"""The SEND bodies a connector publishes for the consumer after the create (spec §5).

Each function returns one request envelope, as the Connector API's SEND endpoint takes it
(one object, not a batch), shaped as LivePerson documents it:

- ``chat_state_request``: a ``ChatStateEvent`` (COMPOSING, PAUSE, ACTIVE, INACTIVE, GONE) [spec §5.3];
- ``receipt_request``: an ``AcceptStatusEvent`` (ACCEPT, READ, ACCESS, NACK, ACTION) naming the agent's
  messages by sequence [spec §5.4];
- ``text_request``: a text ``ContentEvent``, with conversation metadata (the request's ``metadata``
  array, LivePerson's ``infra/req.json``) when given;
- ``quick_reply_answer``: how a consumer answers a quick reply, as LivePerson's post-conversation survey
  tutorial shows it: an ``AcceptStatusEvent`` ACTION naming the question's sequence, then the button's
  text as a ``ContentEvent``, both carrying the button's ``click.metadata``;
- ``ttr_request``: ``cm.UpdateConversationField`` with a ``TTRField`` (URGENT by default) [spec §5.5].

No I/O here; the client sends them (``LpClient.send_event``), the validator checks them
(``validate.validate_send``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lp_tui.model.build import PUBLISH_EVENT

UPDATE_FIELD = "cm.UpdateConversationField"
CHAT_STATES = ("COMPOSING", "PAUSE", "ACTIVE", "INACTIVE", "GONE")  # ms/ChatStateEvent.json
RECEIPT_STATUSES = ("ACCEPT", "READ", "ACCESS", "NACK", "ACTION")  # ms/AcceptStatusEvent.json
TTR_TYPES = ("URGENT", "PRIORITIZED", "NORMAL", "CUSTOM")  # cm/types/TTRChange.json
URGENT_SECONDS = 300  # the value of LivePerson's own TTR example (Messaging Window API, "Close ConversationTTR")
MAX_REPLIES = 24  # quick replies read from one message (LivePerson shows at most 24 per message)


def _publish(conversation_id: str, event: dict[str, Any], request_id: Any, dialog_id: str | None = None,
             metadata: list[Any] | None = None) -> dict[str, Any]:
    """An ``ms.PublishEvent``: ``dialogId`` the main dialog (the conversationId) unless another dialog is
    named (a survey's), ``conversationId`` beside it as LivePerson's tutorials send it."""
    request: dict[str, Any] = {"kind": "req", "id": request_id, "type": PUBLISH_EVENT,
                               "body": {"dialogId": dialog_id or conversation_id, "conversationId": conversation_id,
                                        "event": event}}
    if metadata:
        request["metadata"] = metadata
    return request


def chat_state_request(conversation_id: str, state: str, request_id: Any = "1") -> dict[str, Any]:
    return _publish(conversation_id, {"type": "ChatStateEvent", "chatState": state}, request_id)


def receipt_request(conversation_id: str, status: str, sequences: list[int], request_id: Any = "1",
                    dialog_id: str | None = None, metadata: list[Any] | None = None) -> dict[str, Any]:
    event = {"type": "AcceptStatusEvent", "status": status, "sequenceList": list(sequences)}
    return _publish(conversation_id, event, request_id, dialog_id, metadata)


def text_request(conversation_id: str, text: Any, request_id: Any = "1", metadata: list[Any] | None = None,
                 dialog_id: str | None = None) -> dict[str, Any]:
    event = {"type": "ContentEvent", "contentType": "text/plain", "message": text}
    return _publish(conversation_id, event, request_id, dialog_id, metadata)


def ttr_request(conversation_id: str, ttr_type: str = "URGENT", value: int = URGENT_SECONDS,
                request_id: Any = "1") -> dict[str, Any]:
    """The TTR change as LivePerson's only example sends it: ``conversationField`` an array of fields."""
    return {"kind": "req", "id": request_id, "type": UPDATE_FIELD,
            "body": {"conversationId": conversation_id,
                     "conversationField": [{"field": "TTRField", "ttrType": ttr_type, "value": value}]}}


@dataclass(frozen=True)
class QuickReply:
    """One button of an agent's quick replies: what it shows, what it publishes, its metadata."""

    title: str
    text: str  # what the click publishes (its publishText action), else the title
    metadata: list[Any] = field(default_factory=list)  # the click's metadata, sent back as is


def quick_replies(event: Any) -> list[QuickReply]:
    """The buttons of a ContentEvent's ``quickReplies`` (LivePerson's shape: ``replies``, each a button with a
    ``title`` and a ``click`` of ``actions`` and ``metadata``); [] when it has none. Bounded."""
    if not isinstance(event, dict) or not isinstance(event.get("quickReplies"), dict):
        return []
    replies = event["quickReplies"].get("replies")
    out: list[QuickReply] = []
    for reply in replies[:MAX_REPLIES] if isinstance(replies, list) else []:
        if not isinstance(reply, dict):
            continue
        title = reply.get("title")
        click: dict[str, Any] = reply["click"] if isinstance(reply.get("click"), dict) else {}
        actions: list[Any] = click["actions"] if isinstance(click.get("actions"), list) else []
        text = next((a.get("text") for a in actions if isinstance(a, dict) and a.get("type") == "publishText"
                     and isinstance(a.get("text"), str)), None)
        if not isinstance(title, str):
            title = text if isinstance(text, str) else ""
        if not title and not text:
            continue
        metadata: list[Any] = click["metadata"] if isinstance(click.get("metadata"), list) else []
        out.append(QuickReply(title, text if isinstance(text, str) else title, list(metadata[:MAX_REPLIES])))
    return out


def quick_reply_answer(conversation_id: str, sequence: int, reply: QuickReply, dialog_id: str | None = None,
                       request_id: int = 1) -> list[dict[str, Any]]:
    """The two SENDs of a click, in order (LivePerson's post-conversation survey tutorial, step 12): an
    ``AcceptStatusEvent`` ACTION for the question's sequence, with the button's metadata, then the button's
    text as a ContentEvent with the same metadata. A button without metadata sends the text only (the
    ACTION is "used in conjunction with metadata")."""
    out = []
    if reply.metadata:
        out.append(receipt_request(conversation_id, "ACTION", [sequence], str(request_id), dialog_id, reply.metadata))
        request_id += 1
    out.append(text_request(conversation_id, reply.text, str(request_id), reply.metadata or None, dialog_id))
    return out


def metadata_list(value: Any) -> list[Any]:
    """Conversation metadata as the request's ``metadata`` takes it: a list of objects (one object is
    wrapped in a list). ValueError naming what is wrong otherwise."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValueError("give a JSON array of metadata objects, e.g. "
                         '[{"type": "ExternalId", "id": "order-1234"}]')
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValueError(f"item {i + 1} is not an object: each metadata item is an object with a \"type\"")
    return value


def describe(request: Any) -> str:
    """A short line for history and the timeline: what a SEND body does ("chat state COMPOSING")."""
    if not isinstance(request, dict):
        return "SEND"
    body: dict[str, Any] = request["body"] if isinstance(request.get("body"), dict) else {}
    if request.get("type") == UPDATE_FIELD:
        fields = body.get("conversationField")
        fields = fields if isinstance(fields, list) else [fields]
        for item in fields:
            if isinstance(item, dict) and item.get("field") == "TTRField":
                return f"TTR {item.get('ttrType')}"
            if isinstance(item, dict) and item.get("conversationState") == "CLOSE":
                return "close"
        return "conversation field"
    event: dict[str, Any] = body["event"] if isinstance(body.get("event"), dict) else {}
    kind = event.get("type")
    if kind == "ChatStateEvent":
        return f"chat state {event.get('chatState')}"
    if kind == "AcceptStatusEvent":
        seqs = event.get("sequenceList")
        shown = ", ".join(str(s) for s in seqs[:10]) if isinstance(seqs, list) else "?"
        return f"{event.get('status')} of {shown}"
    if kind == "ContentEvent":
        return "message" + (" with metadata" if request.get("metadata") else "")
    return str(request.get("type") or "SEND")[:60]
