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


SURVEY_CHOICES = ("1", "2", "3", "4", "5", "Skip")


def conversation(state: "SandboxState", conv: "Conversation", seat: "Seat", now_ms: int) -> Note:
    """The conversation's whole state, as LivePerson's ExConversationChangeNotification carries it: the
    participants in both forms (the list, one entry per role, and ``participantsPId``, role → ids), the
    assigned agent also a READER, each dialog, ``state`` for the main dialog and ``stage`` for the whole
    conversation (open while a post-conversation survey dialog is)."""
    closed = conv.state != "OPEN"
    survey_open = seat.survey_state == "OPEN"
    stage_closed = closed and not survey_open
    start = int(conv.created * 1000)
    end = int(conv.closed * 1000) if conv.closed else now_ms
    people = [{"id": conv.consumer, "role": "CONSUMER"}]
    if seat.agent_id:
        people += [{"id": seat.agent_id, "role": "ASSIGNED_AGENT"}, {"id": seat.agent_id, "role": "READER"}]
    if seat.survey_state:
        people.append({"id": seat.survey_bot, "role": "AGENT"})
    by_role: dict[str, list[str]] = {}
    for person in people:
        by_role.setdefault(person["role"], []).append(person["id"])
    main_people = [p for p in people if p["role"] in ("CONSUMER", "ASSIGNED_AGENT")]
    dialog: dict[str, Any] = {
        "dialogId": conv.id, "participantsDetails": [{**p, "state": "ACTIVE"} for p in main_people],
        "dialogType": "MAIN", "channelType": "MESSAGING", "state": "CLOSE" if closed else "OPEN",
        "creationTs": start, "metaDataLastUpdateTs": end if closed else now_ms,
    }
    dialogs = [dialog]
    if seat.survey_state:
        survey: dict[str, Any] = {
            "dialogId": seat.survey_id,
            "participantsDetails": [{"id": conv.consumer, "role": "CONSUMER"}, {"id": seat.survey_bot, "role": "AGENT"},
                                    {"id": seat.agent_id, "role": "READER"}],
            "dialogType": "POST_SURVEY", "channelType": "MESSAGING", "state": seat.survey_state,
            "creationTs": end, "metaDataLastUpdateTs": now_ms,
        }
        if seat.survey_state == "CLOSE":
            survey.update(endTs=now_ms, closedBy="AGENT", closedCause=seat.survey_cause)
        dialogs.append(survey)
    details: dict[str, Any] = {
        "skillId": conv.skill_id, "participants": people, "participantsPId": by_role, "dialogs": dialogs,
        "brandId": state.account_id, "state": "CLOSE" if closed else "OPEN",
        "stage": "CLOSE" if stage_closed else "OPEN", "startTs": start,
        "metaDataLastUpdateTs": now_ms, "ttr": {"ttrType": seat.ttr_type, "value": seat.ttr_value},
        "conversationHandlerDetails": {"accountId": state.account_id, "skillId": conv.skill_id},
    }
    if closed:
        by = conv.closed_by if conv.closed_by in ("CONSUMER", "AGENT") else "CONSUMER"
        dialog.update(endTs=end, closedBy=by, closedCause=f"Closed by {by.lower()}")
        details.update(closeReason=by)
    if conv.transfers and conv.transfers[-1]["by"] == "rule" and not seat.agent_id:
        # The sandbox's own mark (LivePerson sends no such field): a rule, not an agent, moved it on.
        details["sandboxTransfer"] = {"by": "rule", "rule": conv.transfers[-1]["rule"],
                                      "fromSkillId": conv.transfers[-1]["fromSkillId"]}
    if stage_closed:
        details.update(endTs=now_ms if seat.survey_state else end)
    result = {"convId": conv.id, "effectiveTTR": -1 if closed else start + seat.ttr_value * 1000,
              "conversationDetails": details}
    event = "CLOSE" if stage_closed else ("SURVEY" if survey_open else details["state"])
    return _note(CONVERSATION_CHANGE, event, conv.id,
                 {"subscriptionId": f"lp-tui-sandbox-{state.account_id}", "changes": [{"type": "UPSERT",
                                                                                       "result": result}]})


def _change(conv: "Conversation", who: str, role: str, when: int | None, event: dict[str, Any],
            sequence: int | None = None, dialog_id: str = "") -> dict[str, Any]:
    """One change as LivePerson sends it: chat states without ``serverTimestamp`` (``when`` None), receipts and
    chat states without ``sequence``."""
    change: dict[str, Any] = {"originatorId": who, "originatorMetadata": {"id": who, "role": role}}
    if when is not None:
        change["serverTimestamp"] = when
    change.update(event=event, conversationId=conv.id, dialogId=dialog_id or conv.id, messageAudience="ALL")
    if sequence is not None:
        change = {"sequence": sequence, **change}
    return change


def _messaging(conv: "Conversation", change: dict[str, Any]) -> Note:
    return _note(MESSAGING_EVENT, change["event"]["type"], conv.id, {"changes": [change]})


def message(conv: "Conversation", sequence: int, who: str, role: str, text: str, when: int,
            dialog_id: str = "", quick_replies: tuple[str, ...] = (), question_id: str = "") -> Note:
    """A ContentEvent; with ``quick_replies``, buttons that publish their title, shaped as LivePerson's survey
    question; with ``question_id`` too, each button's click carries its Answer metadata and the change the
    Question's, as in that example (a consumer sends the Answer back with its choice)."""
    event: dict[str, Any] = {"type": "ContentEvent", "message": text, "contentType": "text/plain"}
    if quick_replies:
        replies = []
        for title in quick_replies:
            click: dict[str, Any] = {"actions": [{"type": "publishText", "text": title}]}
            if question_id:
                click = {"metadata": [answer_metadata(question_id, title)], **click}
            replies.append({"type": "button", "tooltip": title, "title": title, "click": click})
        event["quickReplies"] = {"type": "quickReplies", "itemsPerRow": 8, "replies": replies}
    change = _change(conv, who, role, when, event, sequence, dialog_id)
    if quick_replies and question_id:
        change["metadata"] = [{"type": "Question", "id": question_id, "provider": "AC",
                               "replies": [answer_metadata(question_id, t)["id"] for t in quick_replies]}]
    return _messaging(conv, change)


def answer_metadata(question_id: str, title: str) -> dict[str, Any]:
    """The Answer metadata of one quick-reply button (ids stable for a question and title)."""
    import uuid

    return {"type": "Answer", "questionId": question_id, "id": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                                              f"{question_id}/{title}")),
            "provider": "AC"}


def chat_state(conv: "Conversation", who: str, role: str, state: str, when: int | None = None,
               dialog_id: str = "") -> Note:
    """LivePerson's chat states carry no ``serverTimestamp`` (``when`` is accepted and left out)."""
    return _messaging(conv, _change(conv, who, role, None, {"type": "ChatStateEvent", "chatState": state},
                                    dialog_id=dialog_id))


def receipt(conv: "Conversation", who: str, role: str, status: str, sequences: list[int], when: int) -> Note:
    event = {"type": "AcceptStatusEvent", "status": status, "sequenceList": sequences}
    return _messaging(conv, _change(conv, who, role, when, event))


def consumer_event(conv: "Conversation", event: Any, when: int, metadata: list[Any] | None = None) -> Note | None:
    """The consumer's chat state or receipt, as sent with SEND, passed on (known values only); a receipt's
    metadata (a quick-reply ACTION's Answer) on its change, as LivePerson's survey example shows it."""
    if not isinstance(event, dict):
        return None
    if event.get("type") == "ChatStateEvent" and event.get("chatState") in CHAT_STATES:
        return chat_state(conv, conv.consumer, "CONSUMER", event["chatState"], when)
    if event.get("type") == "AcceptStatusEvent" and event.get("status") in STATUSES:
        listed = event.get("sequenceList")
        items: list[Any] = listed if isinstance(listed, list) else []
        numbers = [n for n in items[:100] if isinstance(n, int) and not isinstance(n, bool)]
        if metadata:
            change = _change(conv, conv.consumer, "CONSUMER", when,
                             {"type": "AcceptStatusEvent", "status": event["status"], "sequenceList": numbers})
            change["metadata"] = metadata[:100]
            return _messaging(conv, change)
        return receipt(conv, conv.consumer, "CONSUMER", event["status"], numbers, when)
    return None
