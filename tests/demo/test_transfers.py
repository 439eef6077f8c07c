"""Transfers on the sandbox (by the presenter and by a rule), and the presenter acting as the agent: the
notifications keep LivePerson's shapes (tests/fixtures/liveperson/webhooks), and the fold tells the story."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from lp_tui.lp import webhooks
from lp_tui.lp.timeline import Timeline
from lp_tui.model.routing import parse_rules
from tests.integration.test_sandbox_shapes import Recording, bodies
from tests.integration.test_sandbox_webhooks import create, wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "liveperson" / "webhooks"


def post(world, conv: str, action: str, body: dict | None = None, token: bool = True) -> httpx.Response:
    headers = world.box.control_headers() if token else {}
    return httpx.post(f"{world.box.csds_url}/_sandbox/conversations/{conv}/{action}", json=body or {},
                      headers=headers, timeout=10)


def states(world) -> list[dict]:
    return [b["body"]["changes"][0]["result"]["conversationDetails"]
            for b in bodies(world, "ExConversationChangeNotification")]


def fixture_keys() -> set[str]:
    """The conversationDetails keys LivePerson's own published notifications use."""
    keys: set[str] = set()
    for path in FIXTURES.glob("*.json"):
        data = json.loads(path.read_text())
        if data.get("type") == "cqm.ExConversationChangeNotification":
            for change in data["body"]["changes"]:
                keys |= set(change["result"].get("conversationDetails", {}))
    return keys


@pytest.fixture
def recording():
    w = Recording()
    yield w
    w.close()


async def test_a_transfer_by_the_presenter_changes_the_skill_the_agent_leaves_and_a_new_one_joins(recording):
    client, conv = await create(recording.conn)
    try:
        recording.wait_text(conv, "Hello, this is VIP Support")
        assert post(recording, conv, "transfer", {"skill": "Billing Specialists"}, token=False).status_code == 401
        answer = post(recording, conv, "transfer", {"skill": "Billing Specialists"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["transfer"]["by"] == "agent"
        recording.wait_text(conv, "Hello, this is Billing Specialists")
    finally:
        await client.aclose()
    details = states(recording)
    first_agent = next(d for d in details if "ASSIGNED_AGENT" in d["participantsPId"])["participantsPId"][
        "ASSIGNED_AGENT"][0]
    moved = next(d for d in details if d["skillId"] == "2736637412")
    # LivePerson's transfer: the skillId changes and the assigned agent is removed, in the same state
    assert "ASSIGNED_AGENT" not in moved["participantsPId"] and moved["participantsPId"]["CONSUMER"]
    assert moved["conversationHandlerDetails"]["skillId"] == "2736637412"
    assert "sandboxTransfer" not in moved  # only a rule's transfer is marked
    assert set(moved) - {"sandboxTransfer", "participantsPId", "conversationHandlerDetails"} <= fixture_keys()
    joined = [d for d in details if d["skillId"] == "2736637412" and "ASSIGNED_AGENT" in d["participantsPId"]]
    new_agent = joined[0]["participantsPId"]["ASSIGNED_AGENT"][0]
    assert new_agent != first_agent
    texts = recording.texts(conv)
    transfer = texts.index("transfer transferred to Billing Specialists (skillId 2736637412) by agent")
    assert f"left ASSIGNED_AGENT, also READER, participant {first_agent}" in texts[transfer:]
    assert f"joined ASSIGNED_AGENT, also READER, participant {new_agent}" in texts[transfer:]
    described = httpx.get(f"{recording.box.csds_url}/_sandbox/conversations/{conv}",
                          headers=recording.box.control_headers()).json()
    assert described["skill"] == "Billing Specialists" and described["agentId"] == new_agent
    assert [t["to"] for t in described["transfers"]] == ["Billing Specialists"]


async def test_a_rule_transfers_after_its_seconds_and_the_timeline_says_by_rule():
    world = Recording()
    world.box.state.rules = parse_rules('[[rules]]\nname = "vip first, then billing"\nwhen = { ctype = "vip" }\n'
                                        'skill = "VIP Support"\ntransfer_after = 0.2\n'
                                        'transfer_to = "Billing Specialists"\n'
                                        '[skills]\n"2736637412" = "Billing Specialists"\n')
    try:
        client, conv = await create(world.conn)
        world.wait_text(conv, "Hello, this is Billing Specialists")
        await client.aclose()
        moved = next(d for d in states(world) if d["skillId"] == "2736637412")
        assert moved["sandboxTransfer"] == {"by": "rule", "rule": "vip first, then billing",
                                            "fromSkillId": next(iter(states(world)))["skillId"]}
        assert "transfer transferred to Billing Specialists (skillId 2736637412) by rule" in world.texts(conv)
    finally:
        world.close()


async def test_the_presenter_says_quick_replies_and_closes_as_the_agent(recording):
    client, conv = await create(recording.conn)
    try:
        recording.wait_text(conv, "Hello, this is VIP Support")
        bad = post(recording, conv, "agent-message", {"text": "Pick one", "quickReplies": "Yes"})
        assert bad.status_code == 400 and "quickReplies" in bad.json()["error"]
        for titles in (["ok\x1b[31m"], ["x"] * 14):  # the greeting's rule: printable, at most 13
            bad = post(recording, conv, "agent-message", {"text": "Pick one", "quickReplies": titles})
            assert bad.status_code == 400 and "quickReplies" in bad.json()["error"]
        ok = post(recording, conv, "agent-message", {"text": "Pick one", "quickReplies": ["Yes", "No"]})
        assert ok.status_code == 200, ok.text
        recording.wait_text(conv, "ASSIGNED_AGENT: Pick one  [choices: Yes · No]")
        assert post(recording, conv, "close").status_code == 200
        recording.wait_text(conv, "closed by AGENT")
        assert post(recording, conv, "close").status_code == 409
    finally:
        await client.aclose()
    said = [b for b in bodies(recording, '"Pick one"')][0]["body"]["changes"][0]
    published = json.loads((FIXTURES / "pcs-06-survey-question-quick-replies.json").read_text())
    theirs = next(c["event"]["quickReplies"] for c in published["body"]["changes"] if "quickReplies" in c["event"])
    assert set(said["event"]["quickReplies"]) == set(theirs)  # the same keys as LivePerson's quick replies
    assert set(said["event"]["quickReplies"]["replies"][0]) <= set(theirs["replies"][0])
    closed = states(recording)[-1]
    assert closed["closeReason"] == "AGENT" and closed["dialogs"][0]["closedBy"] == "AGENT"
    assert "closed by AGENT (closeReason AGENT)" in recording.texts(conv)


async def test_the_agent_message_waits_for_an_agent():
    world = Recording(agent_delay=30)
    try:
        client, conv = await create(world.conn)
        answer = post(world, conv, "agent-message", {"text": "too early"})
        assert answer.status_code == 409 and "no agent has joined" in answer.json()["error"]
        assert post(world, "nope", "close").status_code == 404
        await client.aclose()
    finally:
        world.close()


def test_the_fold_reads_a_liveperson_shaped_transfer():
    """LivePerson's own published conversation (connector-api-03, the agent assigned), then the same conversation
    with another skillId and the agent removed, then a new agent: transferred by agent, left, joined."""
    data = json.loads((FIXTURES / "connector-api-03-agent-assigned.json").read_text())
    details = data["body"]["changes"][0]["result"]["conversationDetails"]
    details["skillId"] = "111"
    first = json.dumps(data).encode()
    agent = next(p["id"] for p in details["participants"] if p["role"] == "ASSIGNED_AGENT")
    details["skillId"] = "222"
    details["participants"] = [p for p in details["participants"] if p["role"] != "ASSIGNED_AGENT"]
    details["metaDataLastUpdateTs"] += 1000
    second = json.dumps(data).encode()
    details["participants"].append({"id": "new-agent", "role": "ASSIGNED_AGENT"})
    details["metaDataLastUpdateTs"] += 1000
    third = json.dumps(data).encode()
    names = {"111": "Sales", "222": "Billing"}.get
    timeline = Timeline(details and data["body"]["changes"][0]["result"]["convId"], names=names)
    for body in (first, second, third):
        for event in webhooks.parse(body).events:
            timeline.apply(event, 0)
    texts = [f"{e.kind} {e.text}" for e in timeline.entries]
    assert "transfer transferred to Billing (skillId 222) by agent" in texts
    assert f"left ASSIGNED_AGENT, participant {agent}" in texts
    assert "joined ASSIGNED_AGENT, participant new-agent" in texts
    assert texts.index("transfer transferred to Billing (skillId 222) by agent") < texts.index(
        "joined ASSIGNED_AGENT, participant new-agent")
