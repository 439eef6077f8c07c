"""Speaking for the consumer from the Timeline, on the sandbox, as a user does: the agent's greeting carries
quick replies; choosing one sends the answer, and the timeline shows it as the consumer's reply with the
agent's READ receipt after it. Typing, receipts, metadata, urgent and a raw SEND too.

Every wait is on a condition (``until``), never on time.
"""

from __future__ import annotations

from lp_tui.ui.app import make_app
from lp_tui.ui.follow import SANDBOX

from .fakes import session_for, typed, until
from .test_app import send
from .test_timeline_app import SIZE, open_timeline, opened_and_greeted

CHOICES = ["Billing", "Sales", "Other"]


async def _opened(pilot, session, **settings):
    """The Timeline open, a conversation sent, the agent greeting at once with quick replies."""
    return await opened_and_greeted(pilot, session, quick_replies=CHOICES, **settings)


def _conversation(session, conv):
    with session.sandbox.state.lock:
        return session.sandbox.state.describe(session.sandbox.state.conversations[conv])


async def test_choosing_a_quick_reply_answers_and_the_agent_reads_it(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, conv = await _opened(pilot, session)
            assert "[choices: Billing · Sales · Other]" in view.shown_text()
            assert view.shown.offer is not None and [b.title for b in view.shown.offer[2]] == CHOICES
            await pilot.press("b")
            await until(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen", "the buttons")
            await pilot.press("down", "enter")  # Sales
            await until(pilot, lambda: "CONSUMER: Sales" in view.shown_text(), "the consumer's reply, live")
            await until(pilot, lambda: "ASSIGNED_AGENT READ" in view.shown_text().split("CONSUMER: Sales", 1)[1],
                        "the agent's READ receipt after it")
            lines = view.shown_text().splitlines()
            reply = next(i for i, line in enumerate(lines) if line.endswith("CONSUMER: Sales"))
            sequence = lines[reply].split("#", 1)[1].split(" ", 1)[0]
            read = next(i for i, line in enumerate(lines) if "ASSIGNED_AGENT READ" in line and f"#{sequence}" in line)
            assert read > reply
            action = next(i for i, line in enumerate(lines) if "CONSUMER ACTION #0" in line)
            assert action < reply  # the click's ACTION receipt for the greeting (#0) went first
            await until(pilot, lambda: "You chose: Sales" in view.shown_text(), "the agent's answer")
            shown = _conversation(session, conv)
            sales = shown["messages"][int(sequence)]
            assert sales["text"] == "Sales" and sales["metadata"][0]["type"] == "Answer"
            assert {"role": "CONSUMER", "status": "ACTION", "sequences": [0]} in shown["receipts"]
            assert {"role": "ASSIGNED_AGENT", "status": "READ", "sequences": [int(sequence)]} in shown["receipts"]
            # each SEND went through the pipeline: the Response pane's answer, and History
            await until(pilot, lambda: app.composer.outcome is not None and app.composer.outcome.kind == "event"
                        and app.composer.outcome.result is not None
                        and "Sales" in app.composer.outcome.result.request_body, "the answer in the Response pane")
            await until(pilot, lambda: any(e["action"] == "send message with metadata" and
                                           '"message": "Sales"' in e["request"]["body"]
                                           for e in session.history.load()[0]), "the History entry")
    finally:
        session.close()


async def test_typing_is_sent_while_writing_then_the_message_with_metadata(tmp_path):
    from lp_tui.ui import consumer

    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, conv = await _opened(pilot, session)
            await pilot.press("m")
            await until(pilot, lambda: type(app.screen).__name__ == "MessageScreen", "the message dialog")
            typing = app.screen.typing
            typing.idle = 0.05  # the idle pause, made short: the test waits on its effect, not on time
            await pilot.press(*"hi")
            await until(pilot, lambda: _conversation(session, conv)["chatState"] == "PAUSE", "PAUSE after idle")
            assert typing.sent[:2] == ["COMPOSING", "PAUSE"]
            await pilot.press("tab")
            await pilot.press(*'[{"type":"ExternalId","id":"order-1"}]')
            await pilot.press("enter")
            await until(pilot, lambda: any(m["text"] == "hi" for m in _conversation(session, conv)["messages"]),
                        "the message")
            await until(pilot, lambda: _conversation(session, conv)["chatState"] == "ACTIVE", "ACTIVE on send")
            shown = _conversation(session, conv)
            assert [m for m in shown["messages"] if m["text"] == "hi"][0]["metadata"] == \
                [{"type": "ExternalId", "id": "order-1"}]
            states = [e["chatState"] for e in shown["events"] if e["type"] == "ChatStateEvent"]
            assert states == ["COMPOSING", "PAUSE", "ACTIVE"]  # throttled: one COMPOSING for two keys
            assert consumer.THROTTLE > 0
    finally:
        session.close()


async def test_accept_and_read_urgent_and_a_chosen_chat_state(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, conv = await _opened(pilot, session)
            await pilot.press("a")
            await until(pilot, lambda: {"role": "CONSUMER", "status": "READ", "sequences": [0]}
                        in _conversation(session, conv)["receipts"], "ACCEPT and READ of the greeting")
            assert [r["status"] for r in _conversation(session, conv)["receipts"] if r["role"] == "CONSUMER"] == \
                ["ACCEPT", "READ"]
            await until(pilot, lambda: "CONSUMER READ #0" in view.shown_text(), "the receipt in the timeline")
            await pilot.press("u")
            await until(pilot, lambda: _conversation(session, conv)["ttr"] == {"ttrType": "URGENT", "value": 300},
                        "urgent")
            await until(pilot, lambda: "ttr URGENT, 300 s" in view.shown_text(), "the TTR change, live")
            await pilot.press("y")
            await until(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen", "the chat states")
            await pilot.press("enter")  # COMPOSING
            await until(pilot, lambda: _conversation(session, conv)["chatState"] == "COMPOSING", "COMPOSING")
            await until(pilot, lambda: "chat CONSUMER COMPOSING" in view.shown_text(), "typing, live")
    finally:
        session.close()


async def test_accept_and_read_as_shown(tmp_path):
    session = session_for(tmp_path)
    session.accept_and_read = True
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, conv = await _opened(pilot, session)
            await until(pilot, lambda: {"role": "CONSUMER", "status": "READ", "sequences": [0]}
                        in _conversation(session, conv)["receipts"], "the greeting read as it showed")
    finally:
        session.close()


async def test_a_raw_send_that_breaks_the_schema_is_named_and_sent_after_a_confirmation(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, conv = await _opened(pilot, session)
            await pilot.press("e")
            await until(pilot, lambda: type(app.screen).__name__ == "RawSendScreen", "the raw SEND editor")
            area = app.screen.query_one("TextArea")
            assert f'"dialogId": "{conv}"' in area.text
            area.text = area.text.replace("COMPOSING", "TYPING")
            await until(pilot, lambda: "chatState 'TYPING' is not one of LivePerson's chat states"
                        in str(app.screen.query_one("#raw-findings").render()), "the finding, as typed")
            await pilot.click("#ok")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the confirmation")
            await pilot.click("#yes")
            await until(pilot, lambda: app.composer.outcome is not None and app.composer.outcome.result is not None
                        and app.composer.outcome.result.status == 400, "the answer")
            result = app.composer.outcome.result
            assert "TYPING" in result.request_body
            assert any(e.title.startswith("A request was refused") for e in result.explanations)
            assert _conversation(session, conv)["chatState"] is None
    finally:
        session.close()


async def test_the_palette_sets_quick_replies_copies_the_last_send_and_saves_accept_and_read(tmp_path):
    from lp_tui.store import settings as store

    from .fakes import run_from_palette

    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view = await open_timeline(pilot)
            await until(pilot, lambda: view.follower.mode == SANDBOX, "the receiver")
            session.sandbox.send_webhooks_to(view.follower.url, agent_delay=0)
            await run_from_palette(pilot, "agent greets", "Agent greets with quick replies")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen", "the titles")
            app.screen.query_one("Input").value = "Yes, No"
            await pilot.press("enter")
            await until(pilot, lambda: session.sandbox.state.webhooks.quick_replies == ["Yes", "No"], "the titles set")
            await typed(pilot, "#f-consumer-ctype", "vip")
            await send(pilot)
            await pilot.press("f10")
            await until(pilot, lambda: "[choices: Yes · No]" in view.shown_text(), "the greeting's buttons")
            await pilot.press("u")
            await until(pilot, lambda: app.composer.outcome is not None and app.composer.outcome.kind == "event"
                        and app.composer.outcome.result is not None, "the urgent SEND's answer")
            await run_from_palette(pilot, "last send as curl", "Copy the last SEND as curl")
            await until(pilot, lambda: getattr(app, "last_copy", None) is not None, "the copy")
            text = app.last_copy[0]
            assert "/messaging/consumer/conversation/send?v=3" in text and '"TTRField"' in text
            assert "$LP_APP_JWT" in text and "eyJ" not in text
            await run_from_palette(pilot, "accept and read", "Accept and read as shown: turn on")
            await until(pilot, lambda: store.load(session.settings.path).accept_and_read is True, "the setting saved")
            assert session.accept_and_read
    finally:
        session.close()


async def test_on_a_production_profile_the_first_send_for_the_consumer_asks(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, conv = await _opened(pilot, session)
            session.conn.production = True
            app.composer.sender._confirmed_production = False  # as on a production profile before its first send
            await pilot.press("u")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question")
            await pilot.click("#no")
            await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen", "back")
            await pilot.press("u")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question again")
            assert _conversation(session, conv)["ttr"] is None  # nothing was sent on "no"
            await pilot.click("#yes")
            await until(pilot, lambda: _conversation(session, conv)["ttr"] is not None, "urgent, once confirmed")
            assert app.composer.sender._confirmed_production  # one answer for the session: the compose sends too
            await pilot.press("y")  # asked once per session
            await until(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen", "the chat states, no question")
    finally:
        session.close()


async def test_hostile_quick_reply_titles_are_shown_as_plain_text(tmp_path):
    """A button's title is text from outside: escapes visible, never markup, in the chooser."""
    import json

    from lp_tui.lp.receiver import Delivery
    from lp_tui.lp.webhooks import parse

    from .fakes import make_session

    session = make_session(tmp_path)
    app = make_app(session)
    hostile = "\x1b[31m[bold]red[/bold]\u202e"
    note = {"kind": "notification", "type": "ms.MessagingEventNotification", "body": {"changes": [{
        "sequence": 0, "originatorId": "agent-1", "originatorMetadata": {"id": "agent-1", "role": "ASSIGNED_AGENT"},
        "serverTimestamp": 1_700_000_000_000, "conversationId": "conv-hostile", "dialogId": "conv-hostile",
        "event": {"type": "ContentEvent", "contentType": "text/plain", "message": "Pick one",
                  "quickReplies": {"type": "quickReplies", "replies": [
                      {"type": "button", "title": hostile, "click": {"actions": [{"type": "publishText",
                                                                                  "text": hostile}]}}]}}}]}}
    async with app.run_test(size=SIZE) as pilot:
        view = await open_timeline(pilot)
        await until(pilot, lambda: view.follower.running, "the receiver")
        view.follower.inbox.deliver(Delivery(1_700_000_000.0, 200, "", parse(json.dumps(note).encode())))
        await until(pilot, lambda: view.shown is not None and view.shown.offer is not None, "the offer drawn")
        await pilot.press("b")
        await until(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen", "the chooser")
        option = app.screen.query_one("OptionList").get_option_at_index(0)
        shown = str(option.prompt)
        assert "\\x1b" in shown and "[bold]red[/bold]" in shown and "\x1b" not in shown and "\u202e" not in shown


async def test_escape_from_the_consumers_dialogs_keeps_what_was_typed(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, conv = await _opened(pilot, session)
            await pilot.press("e")
            await until(pilot, lambda: type(app.screen).__name__ == "RawSendScreen", "the raw SEND editor")
            area = app.screen.query_one("TextArea")
            edited = area.text.replace("COMPOSING", "PAUSE") + "\n"
            area.text = edited
            await pilot.press("escape")
            await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen", "back")
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("e")
            await until(pilot, lambda: type(app.screen).__name__ == "RawSendScreen", "the editor again")
            assert app.screen.query_one("TextArea").text == edited  # the edit is still there
            await pilot.press("escape")
            await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen", "back again")
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("m")
            await until(pilot, lambda: type(app.screen).__name__ == "MessageScreen", "the message dialog")
            app.screen.query_one("#message-text").value = "half a thought"
            await pilot.press("escape")
            await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen", "back a third time")
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("m")
            await until(pilot, lambda: type(app.screen).__name__ == "MessageScreen", "the message dialog again")
            assert app.screen.query_one("#message-text").value == "half a thought"
    finally:
        session.close()
