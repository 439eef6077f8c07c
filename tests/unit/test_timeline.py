"""The timeline fold: order, repeats, late and older events, bounds; the inbox's coalescing."""

from __future__ import annotations

import threading

from lp_tui.lp import timeline as T
from lp_tui.lp.receiver import Delivery
from lp_tui.lp.webhooks import (
    AcceptStatus,
    ChatState,
    ConversationState,
    Message,
    Notification,
    Participant,
    RichContent,
)

CONV = "conv-1"
CONSUMER = Participant("cons", "CONSUMER")
AGENT = Participant("agent-7", "ASSIGNED_AGENT")
NAMES = {"42": "VIP Support"}.get


def state(time: int, participants=(CONSUMER,), skill="42", status="OPEN", **extra) -> ConversationState:
    return ConversationState(CONV, time, state=status, skill_id=skill, participants=tuple(participants),
                             start=1000, ttr_type="NORMAL", ttr_value=3600, **extra)


def message(sequence: int, time: int, text: str = "hi", role: str = "ASSIGNED_AGENT") -> Message:
    return Message(CONV, time, dialog_id=CONV, sequence=sequence, originator="agent-7", role=role, text=text)


def fold(*events, names=NAMES) -> T.Timeline:
    timeline = T.Timeline(CONV, names)
    for i, event in enumerate(events):
        timeline.apply(event, 10_000 + i)
    return timeline


def kinds(timeline: T.Timeline) -> list[str]:
    return [e.kind for e in timeline.entries]


def test_a_conversation_from_start_to_close():
    timeline = fold(
        state(1000),
        state(2000, (CONSUMER, AGENT)),
        ChatState(CONV, 2100, role="ASSIGNED_AGENT", chat_state="COMPOSING"),
        message(0, 2200, "Hello, how can I help?"),
        message(1, 3000, "my order", role="CONSUMER"),
        AcceptStatus(CONV, 3100, role="ASSIGNED_AGENT", status="READ", sequences=(1,)),
        RichContent(CONV, 3200, sequence=2, role="ASSIGNED_AGENT", summary="vertical: Pick one"),
        ConversationState(CONV, 3300, state="OPEN", skill_id="42", participants=(CONSUMER, AGENT), start=1000,
                          ttr_type="URGENT", ttr_value=300),
        ConversationState(CONV, 4000, state="CLOSE", skill_id="42", participants=(CONSUMER, AGENT), start=1000,
                          ttr_type="URGENT", ttr_value=300, end=4000, close_reason="CONSUMER", closed_by="CONSUMER"),
    )
    assert kinds(timeline) == ["created", "skill", "ttr", "joined", "chat", "message", "message", "receipt", "rich",
                               "ttr", "closed"]
    texts = [e.text for e in timeline.entries]
    assert texts[0] == "conversation opened"
    assert texts[1] == "VIP Support (skillId 42)"
    assert texts[3] == "ASSIGNED_AGENT, participant agent-7"
    assert texts[5] == "#0 ASSIGNED_AGENT: Hello, how can I help?"
    assert texts[7] == "ASSIGNED_AGENT READ #1"
    assert texts[9] == "URGENT, 300 s"
    assert texts[10] == "by CONSUMER (closeReason CONSUMER)"
    assert timeline.closed and timeline.entries[-1].time == 4000


def test_a_message_without_a_role_names_its_sender_and_one_not_plain_text_names_its_type():
    """The originator and the content type the parser reads are shown where they tell something."""
    timeline = fold(message(0, 1000, "hello", role=""),
                    Message(CONV, 1100, dialog_id=CONV, sequence=1, role="ASSIGNED_AGENT", text="<b>hi</b>",
                            content_type="text/html"),
                    Message(CONV, 1200, dialog_id=CONV, sequence=2, role="CONSUMER", text="plain",
                            content_type="text/plain"),
                    Message(CONV, 1300, dialog_id=CONV, sequence=3, text="who?"))
    assert [e.text for e in timeline.entries] == ["#0 participant agent-7: hello",
                                                  "#1 ASSIGNED_AGENT: (text/html) <b>hi</b>",
                                                  "#2 CONSUMER: plain", "#3 ?: who?"]


def test_an_unknown_skill_name_and_a_skill_change():
    timeline = fold(state(1000, skill="77"), state(2000, skill="42"), names=NAMES)
    assert [e.text for e in timeline.entries if e.kind in ("skill", "transfer")] == [
        "skillId 77 (its name is not known here)", "transferred to VIP Support (skillId 42)"]  # a skill change
    assert fold(state(1000, skill="-1")).entries[1].text == "none assigned (skillId -1)"


def test_the_same_event_twice_is_shown_once():
    chat = ChatState(CONV, 2100, role="ASSIGNED_AGENT", chat_state="COMPOSING")
    timeline = fold(state(1000), state(1000), message(0, 2000), message(0, 2000), chat, chat)
    assert kinds(timeline) == ["created", "skill", "ttr", "message", "chat"]
    assert timeline.ignored == 3


def test_a_message_resent_with_another_timestamp_is_the_same_message():
    timeline = fold(message(0, 2000), message(0, 2500))
    assert kinds(timeline) == ["message"]


def test_an_older_state_arriving_late_changes_nothing():
    timeline = fold(state(2000, (CONSUMER, AGENT)), state(1000))  # "joined" first, then the creation
    assert kinds(timeline) == ["created", "skill", "joined", "ttr"]  # all from the newest state, once
    assert timeline.ignored == 1
    assert not any(e.kind == "left" for e in timeline.entries)  # the old state does not undo the join


def test_a_late_message_takes_its_place_and_is_marked():
    timeline = fold(message(0, 2000, "first"), message(2, 4000, "third"), message(1, 3000, "second"))
    assert [e.sequence for e in timeline.entries] == [0, 1, 2]
    assert [e.late for e in timeline.entries] == [False, True, False]
    assert T.line(timeline.entries[1]).endswith("#1 ASSIGNED_AGENT: second  (arrived late)")


def test_equal_times_keep_sequence_then_arrival_order():
    timeline = fold(message(1, 2000, "b"), message(0, 2000, "a"))
    assert [e.sequence for e in timeline.entries] == [0, 1]


def test_an_agent_leaving_is_shown():
    timeline = fold(state(1000, (CONSUMER, AGENT)), state(2000, (CONSUMER,)))
    assert kinds(timeline)[-1] == "left"


def test_a_delete_change_is_ignored():
    deleted = ConversationState(CONV, 5000, change="DELETE")
    assert kinds(fold(state(1000), deleted)) == ["created", "skill", "ttr"]


def test_entries_per_conversation_are_bounded(monkeypatch):
    monkeypatch.setattr(T, "MAX_ENTRIES", 50)
    timeline = fold(*[message(i, 1000 + i) for i in range(120)])
    assert len(timeline.entries) == 50 and timeline.dropped == 70
    assert timeline.entries[0].sequence == 70


def test_remembered_keys_are_bounded(monkeypatch):
    monkeypatch.setattr(T, "MAX_KEYS", 10)
    timeline = fold(*[message(i, 1000 + i) for i in range(40)])
    assert len(timeline._keys) == 10


def test_conversations_are_bounded(monkeypatch):
    monkeypatch.setattr(T, "MAX_CONVERSATIONS", 3)
    timelines = T.Timelines()
    for i in range(5):
        timelines.apply([Message(f"c{i}", 1000, sequence=0, text="x")], 0)
    assert list(timelines.by_id) == ["c2", "c3", "c4"]
    assert timelines.latest().conversation_id == "c4"


def delivery(*events, status=200, reason="") -> Delivery:
    note = Notification("ms.MessagingEventNotification", tuple(events)) if status == 200 else None
    return Delivery(1_700_000_000.0, status, reason, note, "127.0.0.1")


def test_the_inbox_tells_its_reader_once_until_it_has_looked():
    calls = []
    inbox = T.Inbox(on_change=lambda: calls.append(1))
    for i in range(100):
        inbox.deliver(delivery(message(i, 1000 + i)))
    assert len(calls) == 1
    view = inbox.view()
    assert len(view.entries) == 100 and view.accepted == 100
    inbox.deliver(delivery(message(100, 5000)))
    assert len(calls) == 2


def test_the_inbox_from_many_threads_loses_nothing():
    inbox = T.Inbox()
    threads = [threading.Thread(target=lambda k=k: [inbox.deliver(delivery(message(k * 1000 + i, i)))
                                                    for i in range(200)]) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(inbox.view().entries) == 800


def test_the_inbox_keeps_rejections_apart_and_bounded():
    inbox = T.Inbox()
    for i in range(inbox.MAX_REJECTED + 10):
        assert inbox.deliver(delivery(status=401, reason=f"bad {i}")) == []
    view = inbox.view()
    assert view.conversation_id is None and view.entries == []
    assert view.rejected_count == inbox.MAX_REJECTED + 10 and len(view.rejected) == inbox.MAX_REJECTED
    assert view.rejected[-1].reason == f"bad {inbox.MAX_REJECTED + 9}"


def test_the_inbox_scrubs_secrets_from_what_it_keeps():
    from lp_tui.redact import scrub

    inbox = T.Inbox(scrub=lambda text: scrub(text, ["Top-Secret-123"]))
    inbox.deliver(delivery(message(0, 1000, "the secret is Top-Secret-123")))
    inbox.deliver(delivery(status=401, reason="client id 'Top-Secret-123' is not this connection's"))
    view = inbox.view()
    assert "Top-Secret-123" not in view.entries[0].text + view.rejected[0].reason
    assert "(redacted)" in view.entries[0].text


def test_the_inbox_view_prefers_the_asked_conversation():
    inbox = T.Inbox()
    inbox.deliver(delivery(Message("a", 1000, sequence=0, text="in a"), Message("b", 1000, sequence=0, text="in b")))
    assert inbox.view().conversation_id == "b"
    view = inbox.view("a")
    assert view.conversation_id == "a" and view.others == 1
