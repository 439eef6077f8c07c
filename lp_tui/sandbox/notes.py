"""The notifications the sandbox sends, shaped as LivePerson's (spec §5.7), serialised once.

``conversation``: a ``cqm.ExConversationChangeNotification`` with the conversation's whole
state; the others: ``ms.MessagingEventNotification`` with one change each. No Textual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lp_tui.sandbox.agent import Seat
    from lp_tui.sandbox.state import Conversation, SandboxState

CONVERSATION_CHANGE = "cqm.ExConversationChangeNotification"
MESSAGING_EVENT = "ms.MessagingEventNotification"
TTR_SECONDS = {"URGENT": 300, "PRIORITIZED": 600, "NORMAL": 3600, "CUSTOM": 3600}  # the sandbox's own choice
CHAT_STATES = ("ACTIVE", "INACTIVE", "GONE", "COMPOSING", "PAUSE")
STATUSES = ("ACCEPT", "READ", "ACCESS", "NACK", "ACTION")


@dataclass(frozen=True)
class Note:
    """One notification ready to post: its raw body (what is signed) and what it is, for logs and faults."""

    type: str
    event: str  # the state, or the messaging event's type
    conversation_id: str
    body: bytes


def _note(kind: str, event: str, conv_id: str, body: dict[str, Any]) -> Note:
    payload = {"kind": "notification", "type": kind, "body": body}
    return Note(kind, event, conv_id, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def conversation(state: "SandboxState", conv: "Conversation", seat: "Seat", now_ms: int) -> Note:
    closed = conv.state != "OPEN"
    start = int(conv.created * 1000)
    end = int(conv.closed * 1000) if conv.closed else now_ms
    people = [{"id": conv.consumer, "role": "CONSUMER"}]
    if seat.agent_id:
        people.append({"id": seat.agent_id, "role": "ASSIGNED_AGENT"})
    dialog: dict[str, Any] = {
        "dialogId": conv.id, "participantsDetails": [{**p, "state": "ACTIVE"} for p in people],
        "dialogType": "MAIN", "channelType": "MESSAGING", "state": "CLOSE" if closed else "OPEN",
        "creationTs": start, "metaDataLastUpdateTs": now_ms,
    }
    details: dict[str, Any] = {
        "skillId": conv.skill_id, "participants": people, "dialogs": [dialog], "brandId": state.account_id,
        "state": "CLOSE" if closed else "OPEN", "stage": "CLOSE" if closed else "OPEN", "startTs": start,
        "metaDataLastUpdateTs": now_ms, "ttr": {"ttrType": seat.ttr_type, "value": seat.ttr_value},
        "conversationHandlerDetails": {"accountId": state.account_id, "skillId": conv.skill_id},
    }
    if closed:
        dialog.update(endTs=end, closedBy="CONSUMER")
        details.update(closeReason="CONSUMER", endTs=end)
    result = {"convId": conv.id, "effectiveTTR": -1 if closed else start + seat.ttr_value * 1000,
              "conversationDetails": details}
    return _note(CONVERSATION_CHANGE, details["state"], conv.id,
                 {"subscriptionId": f"lp-tui-sandbox-{state.account_id}", "changes": [{"type": "UPSERT",
                                                                                       "result": result}]})


def _change(conv: "Conversation", who: str, role: str, when: int, event: dict[str, Any],
            sequence: int | None = None) -> dict[str, Any]:
    change: dict[str, Any] = {"originatorId": who, "originatorMetadata": {"id": who, "role": role},
                              "serverTimestamp": when, "event": event, "conversationId": conv.id,
                              "dialogId": conv.id, "messageAudience": "ALL"}
    if sequence is not None:
        change = {"sequence": sequence, **change}
    return change


def _messaging(conv: "Conversation", change: dict[str, Any]) -> Note:
    return _note(MESSAGING_EVENT, change["event"]["type"], conv.id, {"changes": [change]})


def message(conv: "Conversation", sequence: int, who: str, role: str, text: str, when: int) -> Note:
    event = {"type": "ContentEvent", "contentType": "text/plain", "message": text}
    return _messaging(conv, _change(conv, who, role, when, event, sequence))


def chat_state(conv: "Conversation", who: str, role: str, state: str, when: int) -> Note:
    return _messaging(conv, _change(conv, who, role, when, {"type": "ChatStateEvent", "chatState": state}))


def receipt(conv: "Conversation", who: str, role: str, status: str, sequences: list[int], when: int) -> Note:
    event = {"type": "AcceptStatusEvent", "status": status, "sequenceList": sequences}
    return _messaging(conv, _change(conv, who, role, when, event))


def consumer_event(conv: "Conversation", event: Any, when: int) -> Note | None:
    """The consumer's chat state or receipt, as sent with SEND, passed on (known values only)."""
    if not isinstance(event, dict):
        return None
    if event.get("type") == "ChatStateEvent" and event.get("chatState") in CHAT_STATES:
        return chat_state(conv, conv.consumer, "CONSUMER", event["chatState"], when)
    if event.get("type") == "AcceptStatusEvent" and event.get("status") in STATUSES:
        listed = event.get("sequenceList")
        items: list[Any] = listed if isinstance(listed, list) else []
        numbers = [n for n in items[:100] if isinstance(n, int) and not isinstance(n, bool)]
        return receipt(conv, conv.consumer, "CONSUMER", event["status"], numbers, when)
    return None
