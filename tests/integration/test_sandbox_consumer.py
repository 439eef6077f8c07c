"""The sandbox takes the consumer's SENDs as LivePerson documents them and posts back what LivePerson posts:
the agent's greeting with quick replies shaped as LivePerson's survey question (pcs-06), the consumer's ACTION
receipt with the button's metadata as in pcs-07, the agent's READ of the answer as in pcs-09; the conversation
keeps chat states, receipts, metadata and the TTR (GET /_sandbox/conversations/ID)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lp_tui.model import events as E
from lp_tui.sandbox.webhook_config import WebhookConfig
from tests.integration.test_sandbox_shapes import Recording, bodies
from tests.integration.test_sandbox_webhooks import create

WEBHOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "liveperson" / "webhooks"


def example(name: str) -> dict:
    return json.loads((WEBHOOKS / name).read_text("utf-8"))


@pytest.fixture
def recording():
    w = Recording(quick_replies=["Billing", "Sales"])
    yield w
    w.close()


def _greeting(recording) -> dict:
    return [b for b in bodies(recording, '"quickReplies"')][0]["body"]["changes"][0]


async def test_the_greeting_offers_quick_replies_shaped_as_liveperson_s_question(recording):
    client, conv = await create(recording.conn)
    await client.aclose()
    recording.wait_text(conv, "[choices: Billing · Sales]")
    ours = _greeting(recording)
    theirs = example("pcs-06-survey-question-quick-replies.json")["body"]["changes"][1]
    assert ours["event"]["quickReplies"].keys() == theirs["event"]["quickReplies"].keys()
    button, model = ours["event"]["quickReplies"]["replies"][0], theirs["event"]["quickReplies"]["replies"][0]
    assert set(button) == set(model) - {"style"}  # the sandbox draws no style
    assert button["click"].keys() == model["click"].keys()
    assert button["click"]["metadata"][0].keys() == model["click"]["metadata"][0].keys()
    assert button["click"]["actions"] == [{"type": "publishText", "text": "Billing"}]
    assert ours["metadata"][0]["type"] == "Question" and len(ours["metadata"][0]["replies"]) == 2
    shown = recording.box.state.describe(recording.box.state.conversations[conv])
    assert shown["messages"][0]["quickReplies"] == ["Billing", "Sales"]


async def test_a_quick_reply_answer_is_posted_as_liveperson_posts_it_and_read_and_answered(recording):
    client, conv = await create(recording.conn)
    try:
        recording.wait_text(conv, "[choices: Billing · Sales]")
        from lp_tui.lp.webhooks import parse

        offered = parse(json.dumps(_greeting_note(recording)).encode()).events[0]
        billing = offered.buttons[0]
        for body in E.quick_reply_answer(conv, 0, billing):
            result = await client.send_event(body)
            assert result.ok, result.body_text
        recording.wait_text(conv, "You chose: Billing. Thank you!")
    finally:
        await client.aclose()
    action = [b for b in bodies(recording, '"ACTION"')][0]["body"]["changes"][0]
    model = example("pcs-07-consumer-action.json")["body"]["changes"][0]
    # as the sandbox's other receipts: no sequence, and messageAudience as the Connector API's webhooks carry it
    assert set(action) - {"messageAudience"} == set(model) - {"sequence"}
    assert action["event"].keys() == model["event"].keys()
    assert action["metadata"] == billing.metadata and action["event"]["sequenceList"] == [0]
    texts = recording.texts(conv)
    answer = next(i for i, t in enumerate(texts) if t.endswith("CONSUMER: Billing"))
    sequence = int(texts[answer].split("#", 1)[1].split(" ", 1)[0])
    read = next(i for i, t in enumerate(texts) if t.startswith("receipt ASSIGNED_AGENT READ") and f"#{sequence}" in t)
    assert read > answer
    shown = recording.box.state.describe(recording.box.state.conversations[conv])
    assert {"role": "CONSUMER", "status": "ACTION", "sequences": [0], } in shown["receipts"]
    assert {"role": "ASSIGNED_AGENT", "status": "READ", "sequences": [sequence]} in shown["receipts"]
    assert shown["messages"][sequence]["metadata"] == billing.metadata


def _greeting_note(recording) -> dict:
    return [b for b in bodies(recording, '"quickReplies"')][0]


async def test_typing_and_receipts_reach_the_agent_s_side_and_a_bad_chat_state_is_refused(recording):
    client, conv = await create(recording.conn)
    try:
        recording.wait_text(conv, "Hello, this is")
        assert (await client.send_event(E.chat_state_request(conv, "COMPOSING"))).ok
        assert (await client.send_event(E.receipt_request(conv, "READ", [0]))).ok
        bad = await client.send_event(E.chat_state_request(conv, "TYPING"))
        assert bad.status == 400 and bad.body_json["code"] == "BAD_REQUEST"
        urgent = await client.send_event(E.ttr_request(conv))
        assert urgent.ok
        recording.wait_text(conv, "chat CONSUMER COMPOSING")
        recording.wait_text(conv, "receipt CONSUMER READ #0")
        recording.wait_text(conv, "ttr URGENT, 300 s")
    finally:
        await client.aclose()
    shown = recording.box.state.describe(recording.box.state.conversations[conv])
    assert shown["chatState"] == "COMPOSING" and shown["ttr"] == {"ttrType": "URGENT", "value": 300}


@pytest.mark.parametrize("value", [["x"] * 14, [""], ["a" * 26], "Billing", [3], ["tab\there"]])
def test_bad_quick_replies_are_refused(value):
    with pytest.raises(ValueError, match="quick_replies"):
        WebhookConfig().update({"quick_replies": value})
