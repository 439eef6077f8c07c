"""The SEND bodies lp-tui publishes for the consumer after the create (model/events.py), checked against
LivePerson's own JSON schemas (vendored under tests/fixtures/liveperson/schemas), and the runtime SEND
validator (validate.validate_send) checked to agree with those schemas on bodies that meet or break them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lp_tui.model import events as E
from lp_tui.model.validate import ERROR, INFO, WARNING, validate_send
from tests.unit.test_liveperson_schemas import element_errors

WEBHOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "liveperson" / "webhooks"


def _question() -> dict:
    """LivePerson's survey question with quick replies (pcs-06), its second change."""
    return json.loads((WEBHOOKS / "pcs-06-survey-question-quick-replies.json").read_text("utf-8"))["body"]["changes"][1]


@pytest.mark.parametrize("state", E.CHAT_STATES)
def test_chat_states_meet_the_schema(state):
    body = E.chat_state_request("conv-1", state)
    assert element_errors(body) == []
    assert body["body"] == {"dialogId": "conv-1", "conversationId": "conv-1",
                            "event": {"type": "ChatStateEvent", "chatState": state}}


@pytest.mark.parametrize("status", ["ACCEPT", "READ"])
def test_receipts_meet_the_schema(status):
    body = E.receipt_request("conv-1", status, [1, 2])
    assert element_errors(body) == []
    assert body["body"]["event"] == {"type": "AcceptStatusEvent", "status": status, "sequenceList": [1, 2]}


def test_a_message_with_conversation_metadata_meets_the_schema():
    body = E.text_request("conv-1", "order status?", metadata=[{"type": "ExternalId", "id": "order-1234"}])
    assert element_errors(body) == []
    assert body["metadata"] == [{"type": "ExternalId", "id": "order-1234"}]


def test_the_urgent_ttr_change_meets_the_schema():
    body = E.ttr_request("conv-1")
    assert element_errors(body) == []
    assert body["body"]["conversationField"] == [{"field": "TTRField", "ttrType": "URGENT", "value": 300}]


def test_quick_replies_are_read_from_liveperson_s_own_question():
    replies = E.quick_replies(_question()["event"])
    assert [r.title for r in replies] == ["1", "2", "3", "4", "5", "Skip"]
    assert replies[0].text == "1"
    assert replies[0].metadata == [{"type": "Answer", "questionId": "3e70da9b-76de-4c2a-911e-a41aee698b82",
                                    "id": "4f7c6a7b-033b-4171-a361-abf99e0ea493", "provider": "AC"}]
    assert E.quick_replies({"type": "ContentEvent", "message": "hi"}) == []
    assert E.quick_replies({"quickReplies": {"replies": "nope"}}) == []


def test_a_quick_reply_answer_is_the_two_sends_liveperson_s_tutorial_shows():
    """Survey tutorial, step 12: an ACTION receipt for the question's sequence with the button's metadata,
    then the button's text with the same metadata."""
    first = E.quick_replies(_question()["event"])[0]
    action, text = E.quick_reply_answer("conv-1", 1, first, dialog_id="survey-1")
    assert action["body"] == {"dialogId": "survey-1", "conversationId": "conv-1",
                              "event": {"type": "AcceptStatusEvent", "status": "ACTION", "sequenceList": [1]}}
    assert action["metadata"] == first.metadata == text["metadata"]
    assert text["body"]["event"] == {"type": "ContentEvent", "contentType": "text/plain", "message": "1"}
    assert action["id"] != text["id"]
    # LivePerson's metadata schema does not list the Answer type its own tutorial sends: that is the one difference
    assert all(e.startswith("metadata/0:") for e in element_errors(action)) and element_errors(action)
    without = E.quick_reply_answer("conv-1", 1, E.QuickReply("Yes", "Yes"))
    assert len(without) == 1 and "metadata" not in without[0]


def test_metadata_list_names_what_is_wrong():
    assert E.metadata_list({"type": "ExternalId", "id": "x"}) == [{"type": "ExternalId", "id": "x"}]
    with pytest.raises(ValueError, match="JSON array of metadata objects"):
        E.metadata_list("x")
    with pytest.raises(ValueError, match="item 2 is not an object"):
        E.metadata_list([{"type": "ExternalId"}, 3])


GOOD = [E.chat_state_request("c", "PAUSE"), E.receipt_request("c", "READ", [0]),
        E.text_request("c", "hi", metadata=[{"type": "ExternalId", "id": "1"}]), E.ttr_request("c", "NORMAL", 3600)]


@pytest.mark.parametrize("body", GOOD, ids=E.describe)
def test_the_validator_finds_nothing_wrong_in_what_meets_the_schema(body):
    assert element_errors(body) == []
    assert [f for f in validate_send(body) if f.level in (ERROR, WARNING)] == []


def _with(body: dict, path: list, value) -> dict:
    copy = json.loads(json.dumps(body))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copy


BAD = [
    (_with(GOOD[0], ["body", "event", "chatState"], "TYPING"), "$.body.event.chatState"),
    (_with(GOOD[0], ["body", "dialogId"], KeyError), "$.body.dialogId"),
    (_with(GOOD[1], ["body", "event", "status"], "SEEN"), "$.body.event.status"),
    (_with(GOOD[1], ["body", "event", "sequenceList"], ["1"]), "$.body.event.sequenceList[0]"),
    (_with(GOOD[1], ["body", "event", "sequenceList"], KeyError), "$.body.event.sequenceList"),
    (_with(GOOD[2], ["body", "event", "message"], 5), "$.body.event.message"),
    (_with(GOOD[2], ["metadata"], {"type": "ExternalId", "id": "1"}), "$.metadata"),
    (_with(GOOD[3], ["body", "conversationField", 0, "ttrType"], "SOON"), "$.body.conversationField[0].ttrType"),
    (_with(GOOD[3], ["body", "conversationField", 0, "value"], "300"), "$.body.conversationField[0].value"),
    (_with(GOOD[3], ["id"], KeyError), "$.id"),
]


@pytest.mark.parametrize("body,path", BAD, ids=[p for _b, p in BAD])
def test_the_validator_names_what_breaks_the_schema(body, path):
    assert element_errors(body) != [], "the schema itself refuses it"
    findings = validate_send(body)
    assert any(f.path == path and f.level == ERROR for f in findings), [f.line() for f in findings]


def test_a_batch_or_a_non_object_is_an_error_and_an_oversized_request_a_warning():
    assert validate_send([GOOD[0]])[0].message.startswith("SEND takes one request object")
    assert validate_send("x")[0].level == ERROR
    big = E.text_request("c", "x" * 5000)
    assert any(f.level == WARNING and "5000" in f.hint for f in validate_send(big))


def test_the_close_s_object_form_is_only_information():
    from lp_tui.lp.client import close_request

    findings = validate_send(close_request("c"))
    assert [f.level for f in findings] == [INFO]


def test_a_quick_reply_answer_is_not_an_error_for_the_validator():
    first = E.quick_replies(_question()["event"])[0]
    for body in E.quick_reply_answer("conv-1", 1, first):
        assert [f.level for f in validate_send(body)] == [INFO]


def test_the_fold_keeps_the_agent_s_messages_and_the_latest_quick_replies_for_the_consumer():
    """LivePerson's own survey notifications folded: the question's buttons (with their metadata) are what `b`
    offers; the consumer's own answer is never a message to acknowledge."""
    from lp_tui.lp.receiver import Delivery
    from lp_tui.lp.timeline import Inbox
    from lp_tui.lp.webhooks import parse

    inbox = Inbox()
    for name in ("pcs-06-survey-question-quick-replies.json", "pcs-08-consumer-answer.json"):
        inbox.deliver(Delivery(1_700_000_000.0, 200, "", parse((WEBHOOKS / name).read_bytes())))
    views = [inbox.view(t.conversation_id) for t in inbox.timelines.by_id.values()]
    question = next(v for v in views if v.offer is not None)
    dialog, sequence, buttons = question.offer
    assert (dialog, sequence) == ("PwT_YK91Sum3vu5H6T3YnA", 1)
    assert [b.title for b in buttons] == ["1", "2", "3", "4", "5", "Skip"]
    assert buttons[5].metadata[0]["groupId"] == "d55ffc18-da33-4c40-a20a-2958ec3f4c88"
    assert set(question.agent_messages) == {("PwT_YK91Sum3vu5H6T3YnA", 0), ("PwT_YK91Sum3vu5H6T3YnA", 1)}
    answer = next(v for v in views if v.offer is None)
    assert answer.agent_messages == ()  # the consumer's "1" (sequence 3) is not the agent's
