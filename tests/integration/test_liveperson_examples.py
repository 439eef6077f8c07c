"""LivePerson's own published webhook examples, byte for byte (tests/fixtures/liveperson/webhooks), each
posted as LivePerson posts it (with the signature LivePerson published with it where there is one, else
signed with a test secret) through the receiver, folded into the timeline and printed as
`lp-tui webhooks` prints it; every field checked."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lp_tui.cli.webhooks_cmd import show
from lp_tui.lp import webhooks as W
from lp_tui.lp.receiver import Receiver
from lp_tui.lp.timeline import Inbox, Timelines

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "liveperson" / "webhooks"
SOURCES = json.loads((HERE / "sources.json").read_text(encoding="utf-8"))
TEST_SECRET = "Published-Examples-Secret-7"
ACCOUNT, CLIENT = "64467156", "published-examples-client"
NAMES = sorted(p.name for p in HERE.glob("*.json") if p.name != "sources.json")


def body(name: str) -> bytes:
    return (HERE / name).read_bytes()


def signed(name: str) -> tuple[bytes, dict[str, str], W.Credentials]:
    """The raw body, the headers LivePerson sends with it, and the credentials that check them."""
    source = SOURCES[name]
    if "signature" in source:
        headers = {**source["headers"], W.SIGNATURE: source["signature"]}
        return body(name), headers, W.Credentials(source["secret"], source["headers"][W.CLIENT_ID],
                                                  source["headers"][W.ACCOUNT_ID])
    raw = body(name)
    return raw, {W.SIGNATURE: W.sign(raw, TEST_SECRET), W.CLIENT_ID: CLIENT, W.ACCOUNT_ID: ACCOUNT}, \
        W.Credentials(TEST_SECRET, CLIENT, ACCOUNT)


def post(port: int, raw: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/", body=raw, headers={"Content-Type": "application/json", **headers})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def receive(*names: str, credentials: W.Credentials | None = None) -> list:
    """Post each example to a real receiver; the deliveries, in order."""
    got: queue.Queue = queue.Queue()
    first = signed(names[0])[2]
    with Receiver(credentials or first, got.put) as receiver:
        for name in names:
            raw, headers, _ = signed(name)
            assert post(receiver.port, raw, headers) == 200, name
        return [got.get(timeout=10) for _ in names]


def printed(capsys, *names: str, credentials: W.Credentials | None = None) -> tuple[Inbox, list[str]]:
    """What `lp-tui webhooks` prints for these examples, delivery by delivery (its own `show`)."""
    inbox = Inbox()
    capsys.readouterr()
    for delivery in receive(*names, credentials=credentials):
        show(inbox, delivery)
    lines = capsys.readouterr().out.splitlines()
    return inbox, [re.sub(r"^\d\d:\d\d:\d\d  ", "", line) for line in lines]


def test_every_fixture_names_its_source_and_is_json_as_published():
    assert len(NAMES) >= 25 and set(NAMES) == set(SOURCES)
    for name in NAMES:
        source = SOURCES[name]
        assert source["repository"].startswith("LivePersonInc/") and source["path"] and source["example"]
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), name
        data = json.loads(body(name))
        assert data["kind"] == "notification" and data["type"] in (W.CONVERSATION_CHANGE, W.MESSAGING_EVENT)
    assert "SOURCES.md" in {p.name for p in HERE.iterdir()}


def test_the_signatures_liveperson_published_are_the_ones_lp_tui_checks():
    published = [name for name in NAMES if "signature" in SOURCES[name]]
    assert len(published) == 2
    for name in published:
        raw, headers, credentials = signed(name)
        assert W.sign(raw, credentials.secret) == headers[W.SIGNATURE]
        assert W.check(headers.items(), raw, credentials) is None
        changed = raw.replace(b'"', b"'", 1) if raw.count(b'"') else raw + b" "
        assert W.check(headers.items(), changed, credentials) is not None  # one byte less: refused


def test_every_example_is_accepted_and_read():
    for name in NAMES:
        (delivery,) = receive(name)
        assert delivery.accepted, (name, delivery.reason)
        note = delivery.notification
        assert note.events and note.skipped == 0 and note.cut == 0, name


# --- the Connector API's webhook examples, as a conversation ------------------------------------------------
CA = [n for n in NAMES if n.startswith("connector-api-")]
CONV = "5491244f-e462-4c63-bf4e-faf4b2d3e7b5"
AGENT = "29c3019d-fe0b-5200-afe8-737abfeae4b4"


def test_the_connector_api_examples_field_by_field():
    events = [e for d in receive(*CA) for e in d.notification.events]
    created, consumer, assigned, read, typing, active, first, second = events
    assert isinstance(created, W.ConversationState) and created.conversation_id == CONV
    assert (created.state, created.stage, created.skill_id) == ("OPEN", "", "")
    assert created.participants == (W.Participant("ade26082b1185839d17e0794924c1a0005cf5663e7c35e38f80dd8552a1a96e5",
                                                  "CONSUMER"),)
    assert (created.ttr_type, created.ttr_value, created.time, created.start) == ("PRIORITIZED", 600, 1528371161882,
                                                                                  1528371161882)
    assert isinstance(consumer, W.Message) and consumer.conversation_id == CONV and consumer.dialog_id == CONV
    assert (consumer.sequence, consumer.role, consumer.text, consumer.time) == (0, "CONSUMER", "Hello from Consumer",
                                                                                1528371161893)
    assert consumer.audience == "" and not consumer.private and consumer.quick_replies == ()
    assert [p.role for p in assigned.participants] == ["ASSIGNED_AGENT", "CONSUMER"]
    assert isinstance(read, W.AcceptStatus) and (read.status, read.sequences, read.sequence) == ("READ", (0,), 1)
    assert isinstance(typing, W.ChatState) and (typing.chat_state, typing.time, typing.sequence) == ("COMPOSING", None,
                                                                                                     None)
    assert isinstance(active, W.ChatState) and active.chat_state == "ACTIVE" and active.originator == AGENT
    assert (first.text, first.sequence, second.text, second.sequence) == ("Hello from the Agent\n", 2,
                                                                          "Hello from Agent\n", 3)


def test_the_connector_api_examples_as_lp_tui_webhooks_prints_them(capsys):
    inbox, lines = printed(capsys, *CA)
    assert lines == [
        f"{CONV}  created  conversation opened",
        f"{CONV}  ttr      PRIORITIZED, 600 s",
        f"{CONV}  message  #0 CONSUMER: Hello from Consumer",
        f"{CONV}  joined   ASSIGNED_AGENT, participant {AGENT}",
        f"{CONV}  receipt  ASSIGNED_AGENT READ #0",
        f"{CONV}  chat     ASSIGNED_AGENT COMPOSING",
        f"{CONV}  chat     ASSIGNED_AGENT ACTIVE",
        f"{CONV}  message  #2 ASSIGNED_AGENT: Hello from the Agent\\n",
        f"{CONV}  message  #3 ASSIGNED_AGENT: Hello from Agent\\n",
    ]
    timeline = inbox.timelines.get(CONV)
    assert not any(e.late for e in timeline.entries)  # chat states carry no time: never "late", nor after them
    assert [e.kind for e in timeline.entries][-4:] == ["chat", "chat", "message", "message"]
    assert not timeline.closed


def test_a_chat_state_that_repeats_is_a_new_event_but_a_retried_delivery_is_not():
    timelines = Timelines()
    typing, message = (signed(n)[0] for n in ("connector-api-05-agent-typing.json",
                                              "connector-api-07-agent-message.json"))
    made = [len(timelines.apply(W.parse(raw).events, 1000 + i))
            for i, raw in enumerate([typing, typing, message, typing, typing])]
    assert made == [1, 0, 1, 1, 0]  # the retry right after is one delivery; typing again after a message is new
    assert [e.kind for e in timelines.get(CONV).entries] == ["chat", "message", "chat"]


# --- both participant forms and two roles ---------------------------------------------------------------
def test_the_participants_pid_form_is_read(capsys):
    inbox, lines = printed(capsys, "metadata-01-created-participantsPId.json",
                           "metadata-02-agent-accepts-participantsPId.json")
    conv = "6b2622de-26b7-4e05-a7f2-5c2d50b3502f"
    state = inbox.timelines.get(conv).state
    assert state.participants == (W.Participant("72fca421-d1a2-459c-a420-6c5b1f3e75b0", "CONSUMER"),
                                  W.Participant("734d9867-40e3-52b9-a401-07e877676d64", "ASSIGNED_AGENT"))
    assert state.time == 1477840967209  # its lastUpdateTime: LivePerson's own
    assert lines == [f"{conv}  created  conversation opened", f"{conv}  ttr      PRIORITIZED, 600 s",
                     f"{conv}  joined   ASSIGNED_AGENT, participant 734d9867-40e3-52b9-a401-07e877676d64"]


# --- the post-conversation survey -------------------------------------------------------------------------
PCS_CONV, SURVEY = "__YOUR_CONVERSATION_ID__", "__YOUR_POST_SURVEY_DIALOG_ID__"
BOT, READER_AGENT = "2fa9ac85-d8a9-5bd6-8384-8c32dabae97f", "29c3019d-fe0b-5200-afe8-737abfeae4b4"


def test_the_survey_dialog_opens_when_the_main_dialog_closes_and_the_conversation_stays_open(capsys):
    (delivery,) = receive("pcs-05-main-dialog-closed-survey-open.json")
    (state,) = delivery.notification.events
    assert (state.state, state.stage, state.close_reason, state.closed_by) == ("CLOSE", "OPEN", "CONSUMER", "CONSUMER")
    assert not state.conversation_closed
    assert [(d.type, d.state) for d in state.dialogs] == [("MAIN", "CLOSE"), ("POST_SURVEY", "OPEN")]
    inbox, lines = printed(capsys, "pcs-05-main-dialog-closed-survey-open.json")
    assert lines == [
        f"{PCS_CONV}  created  conversation opened (state CLOSE)",
        f"{PCS_CONV}  joined   ASSIGNED_AGENT, also READER, participant {READER_AGENT}",
        f"{PCS_CONV}  joined   AGENT, participant {BOT}",
        f"{PCS_CONV}  joined   CONTROLLER, participant 22815dea-5b5c-5c8f-a4bf-2e52a0f6820a",
        f"{PCS_CONV}  ttr      PRIORITIZED, 600 s",
        f"{PCS_CONV}  dialog   main dialog closed by CONSUMER; the conversation stays open",
        f"{PCS_CONV}  dialog   survey dialog opened (dialog {SURVEY})",
    ]
    assert not inbox.timelines.get(PCS_CONV).closed


def test_the_survey_question_shows_its_choices():
    (delivery,) = receive("pcs-06-survey-question-quick-replies.json")
    welcome, question = delivery.notification.events
    assert welcome.conversation_id == "PwT_YK91Sum3vu5H6T3YnA"  # this example names only its dialog
    assert welcome.text.startswith("Hello, I’m the survey bot") and welcome.quick_replies == ()
    assert (question.sequence, question.role, question.originator) == (1, "AGENT", BOT)
    assert question.text == "How would you rate your overall experience?"
    assert question.quick_replies == ("1", "2", "3", "4", "5", "Skip")


def test_the_whole_survey_as_lp_tui_webhooks_prints_it(capsys):
    names = ["pcs-02-agent-message.json", "pcs-05-main-dialog-closed-survey-open.json", "pcs-07-consumer-action.json",
             "pcs-08-consumer-answer.json", "pcs-09-survey-read.json", "pcs-10-survey-typing.json",
             "pcs-11-survey-thanks.json"]
    inbox, lines = printed(capsys, *names)
    body_lines = [line.split("  ", 1)[1] for line in lines]
    assert body_lines[0] == "message  #2 ASSIGNED_AGENT: Hello again"
    assert body_lines[-5:] == [
        "receipt  CONSUMER in the survey dialog ACTION #1",
        "message  #3 CONSUMER in the survey dialog: 1",
        "receipt  AGENT in the survey dialog READ #3",
        "chat     AGENT in the survey dialog COMPOSING",
        "message  #5 AGENT in the survey dialog: Thank you for your time.",
    ]
    assert not inbox.timelines.get(PCS_CONV).closed


def test_the_conversation_closes_only_when_its_stage_says_so(capsys):
    (delivery,) = receive("pcs-12-conversation-closed.json")
    (state,) = delivery.notification.events
    assert (state.state, state.stage, state.skill_id, state.end) == ("CLOSE", "CLOSE", "496645413", 1539675583472)
    assert state.conversation_closed
    survey = state.dialogs[1]
    assert (survey.type, survey.state, survey.closed_by, survey.closed_cause) == ("POST_SURVEY", "CLOSE", "AGENT",
                                                                                 "Completed")
    inbox, lines = printed(capsys, "pcs-12-conversation-closed.json")
    conv = "0179f2ed-2cae-4890-9971-c8fa2b6a31a0"
    assert [line.split("  ", 1)[1] for line in lines][-2:] == [
        "dialog   survey dialog closed by AGENT (Completed)", "closed   by CONSUMER (closeReason CONSUMER)"]
    assert inbox.timelines.get(conv).closed


def test_the_survey_then_its_close_in_one_timeline():
    timelines = Timelines()
    for i, name in enumerate(["pcs-05-main-dialog-closed-survey-open.json", "pcs-08-consumer-answer.json"]):
        timelines.apply(W.parse(body(name)).events, 1000 + i)
    survey = json.loads(body("pcs-12-conversation-closed.json"))  # its ids made the same as the others'
    survey["body"]["changes"][0]["result"]["convId"] = PCS_CONV
    made = timelines.apply(W.parse(json.dumps(survey).encode()).events, 2000)
    assert [e.text for e in made][-2:] == ["survey dialog closed by AGENT (Completed)",
                                           "by CONSUMER (closeReason CONSUMER)"]
    assert timelines.get(PCS_CONV).closed


# --- the demo app's signed examples, through the real command --------------------------------------------
def test_the_demo_apps_signed_examples_through_lp_tui_webhooks(capsys):
    source = SOURCES["demo-app-02-chat-state-pause-signed.json"]
    credentials = W.Credentials(source["secret"], source["headers"][W.CLIENT_ID], source["headers"][W.ACCOUNT_ID])
    inbox, lines = printed(capsys, "demo-app-02-chat-state-pause-signed.json",
                           "demo-app-03-conversation-closed-signed.json", credentials=credentials)
    conv = "b8b83fe9-75f0-46f2-baaa-2930f7192cfb"
    assert lines == [
        f"{conv}  chat     CONSUMER PAUSE",
        f"{conv}  created  conversation opened (state CLOSE)",
        f"{conv}  skill    none assigned (skillId -1)",
        f"{conv}  joined   CONTROLLER, participant 52e05c00-d5e4-5823-acf7-62570b939a63",
        f"{conv}  ttr      PRIORITIZED, 600 s",
        f"{conv}  closed   by CONSUMER (closeReason CONSUMER)",
    ]
    timeline = inbox.timelines.get(conv)
    assert timeline.closed and not any(e.late for e in timeline.entries)


def test_the_real_command_takes_the_published_signatures():
    source = SOURCES["demo-app-03-conversation-closed-signed.json"]
    env = {**os.environ, "LP_CLIENT_SECRET": source["secret"], "LP_CLIENT_ID": source["headers"][W.CLIENT_ID],
           "LP_ACCOUNT_ID": source["headers"][W.ACCOUNT_ID], "LP_TUI_HOME": os.environ.get("LP_TUI_HOME", "")}
    env = {k: v for k, v in env.items() if v}
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "webhooks", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = proc.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", banner).group(1))
        for name in ("demo-app-02-chat-state-pause-signed.json", "demo-app-03-conversation-closed-signed.json"):
            raw, headers, _ = signed(name)
            assert post(port, raw, headers) == 200
        raw, headers, _ = signed("demo-app-02-chat-state-pause-signed.json")
        assert post(port, raw + b" ", headers) == 401  # the same signature on another body
        seen: list[str] = []
        while not any("rejected:" in line for line in seen):
            seen.append(proc.stdout.readline())
        text = "".join(seen)
        assert "chat     CONSUMER PAUSE" in text and "closed   by CONSUMER (closeReason CONSUMER)" in text
        assert "rejected: the sha1 signature does not match" in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- a private message (derived: no published notification shows one) -------------------------------------
def test_a_private_message_is_marked_private(capsys):
    published = body("events-01-content-event-audience-all.json")
    (message,) = W.parse(published).events
    assert message.audience == "ALL" and not message.private
    private = published.replace(b'"messageAudience": "ALL"', b'"messageAudience": "AGENTS_AND_MANAGERS"')
    assert private != published
    (note,) = W.parse(private).events
    assert note.private and note.conversation_id == "4fe52a76-7316-45fe-acf3-482cfb621d9c"
    timelines = Timelines()
    (entry,) = timelines.apply([note], 1000)
    assert entry.text.startswith("#39 CONSUMER (private: agents and managers only): sender: Consumer message: 21")
    assert entry.time == 1641916856713 and entry.stamped


def test_events_without_a_time_are_never_late_nor_make_others_late():
    """LivePerson's chat states carry no time: stamped with the clock they made every later message look late."""
    timelines = Timelines()
    now = int(time.time() * 1000)  # today's clock, long after LivePerson's example times
    for i, name in enumerate(CA):
        timelines.apply(W.parse(body(name)).events, now + i)
    entries = timelines.get(CONV).entries
    assert not any(e.late for e in entries)
    assert [e.stamped for e in entries if e.kind == "chat"] == [False, False]


@pytest.mark.parametrize("name", NAMES)
def test_each_example_prints_one_line_per_event(name, capsys):
    inbox, lines = printed(capsys, name, credentials=signed(name)[2])
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
    assert not any("rejected" in line for line in lines)
