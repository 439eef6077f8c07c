"""The Timeline pane driven as a user would: live on the sandbox, floods, real accounts, the palette.

Every wait is on a condition (``until``), never on time.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading

from lp_tui.lp.receiver import Delivery
from lp_tui.lp.webhooks import Message, Notification, sign
from lp_tui.model.connection import Connection
from lp_tui.ui.app import make_app
from lp_tui.ui.follow import ACCOUNT, SANDBOX
from lp_tui.ui.widgets.timeline import TimelineView

from .fakes import FakeReceiver, make_session, session_for, settled, typed, until
from .test_app import run_from_palette, send

SIZE = (120, 40)


def timeline(app) -> TimelineView:
    return app.composer.query_one(TimelineView)


async def open_timeline(pilot) -> TimelineView:
    await pilot.press("f10")
    await until(pilot, lambda: pilot.app.composer.query_one("#panes").active == "pane-timeline"
                and pilot.app.composer.query(TimelineView), "the Timeline pane")
    return timeline(pilot.app)


async def opened_and_greeted(pilot, session, **webhooks) -> tuple[TimelineView, str]:
    """The Timeline open, the sandbox's agent greeting at once (``webhooks``: more of its settings,
    quick replies say), a VIP conversation sent and the Timeline shown again once the agent greeted:
    (the view, the conversation id)."""
    view = await open_timeline(pilot)
    await until(pilot, lambda: view.follower.mode == SANDBOX, "the receiver")
    session.sandbox.send_webhooks_to(view.follower.url, agent_delay=0, **webhooks)
    await typed(pilot, "#f-consumer-ctype", "vip")
    await send(pilot)
    conv = pilot.app.composer.conversation_id
    assert conv
    await pilot.press("f10")
    await until(pilot, lambda: "Hello, this is VIP Support" in view.shown_text(), "the greeting")
    return view, conv


async def test_a_send_on_the_sandbox_fills_the_timeline_live(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view = await open_timeline(pilot)
            follower = view.follower
            await until(pilot, lambda: follower.mode == SANDBOX, "the receiver to start with the sandbox")
            assert follower.url.startswith("http://127.0.0.1:")  # loopback, and the sandbox posts there
            assert session.sandbox.state.webhooks.url == follower.url
            session.sandbox.send_webhooks_to(follower.url, agent_delay=120)  # the agent waits: the steps show
            await typed(pilot, "#f-consumer-ctype", "vip")
            await send(pilot)
            conv = app.composer.conversation_id
            assert conv
            await pilot.press("f10")
            await until(pilot, lambda: "skill VIP Support" in view.shown_text(), "the routed skill, live")
            assert view.shown.conversation_id == conv
            assert "Hello" not in view.shown_text()  # nothing the agent has not done yet
            drawn = view.draws
            app.composer.message_conversation(conv)
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            await pilot.press(*"where is my order", "enter")
            await until(pilot, lambda: "#0 CONSUMER: where is my order" in view.shown_text(), "the message, live")
            await send(pilot, "ctrl+r")
            await until(pilot, lambda: "closed by CONSUMER" in view.shown_text(), "the close")
            assert view.draws > drawn
            lines = view.shown_text().splitlines()
            assert lines[0] == "created conversation opened" and lines[1].startswith("skill VIP Support (skillId")
            assert lines[-1] == "closed by CONSUMER (closeReason CONSUMER)"
            assert view.shown.accepted == 3 and view.shown.rejected_count == 0  # opened, the message, closed
    finally:
        session.close()


async def test_the_agent_greets_in_the_timeline(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view = await open_timeline(pilot)
            await until(pilot, lambda: view.follower.mode == SANDBOX)
            session.sandbox.send_webhooks_to(view.follower.url, agent_delay=0)
            await typed(pilot, "#f-consumer-ctype", "vip")
            await send(pilot)
            await until(pilot, lambda: "Hello, this is VIP Support" in view.shown_text(), "the greeting")
            lines = view.shown_text().splitlines()
            order = [next(i for i, line in enumerate(lines) if line.startswith(kind)) for kind in
                     ("created", "skill VIP Support", "joined ASSIGNED_AGENT", "message #0 ASSIGNED_AGENT: Hello")]
            assert order == sorted(order)
    finally:
        session.close()


async def test_a_flood_of_events_costs_a_few_redraws_and_the_app_keeps_answering(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_timeline(pilot)
        await until(pilot, lambda: view.follower.running)
        inbox = view.follower.inbox
        total = 5000

        def flood() -> None:
            for i in range(total):
                note = Notification("ms.MessagingEventNotification",
                                    (Message("flood", 1_700_000_000_000 + i, sequence=i, role="CONSUMER",
                                             text=f"message {i}"),))
                inbox.deliver(Delivery(1_700_000_000.0, 200, "", note))

        before = view.draws
        thread = threading.Thread(target=flood)
        thread.start()
        await typed(pilot, "#f-consumer-ctype", "vip")  # keys still reach the form while the flood runs
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "vip", "typing during the flood")
        await until(pilot, lambda: not thread.is_alive(), "the flood to end")
        await until(pilot, lambda: view.shown is not None and view.shown.accepted == total, "the last draw")
        assert view.draws - before < total / 20  # coalesced: a few redraws, not one per event
        assert len(view.shown.entries) == 1000 and view.shown.dropped == total - 1000  # bounded
        assert view.shown.entries[-1].text == f"#{total - 1} CONSUMER: message {total - 1}"


async def test_a_change_for_a_pane_whose_parts_are_gone_draws_nothing_and_raises_nothing(tmp_path):
    # Quit as the first screen shows: the Timeline, mounted just after the first paint, can be
    # built while the app stops, and then its inner parts never mount. A change for it (the
    # receiver starting) then found no body, and the crash's traceback went over the terminal.
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        view = await open_timeline(pilot)
        await until(pilot, lambda: view.shown is not None, "the first draw")
        await view.query_one("#timeline-scroll").remove()
        before = view.draws
        view.on_timeline_view_changed(TimelineView.Changed())
        view.redraw()
        assert view.draws == before and app.is_running


async def test_hostile_webhook_text_is_drawn_as_plain_text(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_timeline(pilot)
        await until(pilot, lambda: view.follower.running)
        hostile = "\x1b]2;PWNED\x07[bold red]x[/] \u202eevil"
        note = Notification("ms.MessagingEventNotification", (Message("c-1", 1_700_000_000_000, sequence=0,
                                                                      role="CONSUMER", text=hostile),))
        view.follower.inbox.deliver(Delivery(1_700_000_000.0, 200, "", note))
        await until(pilot, lambda: view.shown is not None and view.shown.accepted == 1)
        await pilot.pause()
        picture = app.export_screenshot()
        assert "PWNED" in picture and "\x1b" not in picture and "\u202e" not in picture
        assert "\\x1b" in picture and "[bold" in picture and "red]x[/]" in picture  # escapes shown, markup is text


async def test_the_receiver_follows_the_profile_and_starts_for_an_account_from_the_palette(tmp_path):
    secret = "Account-Webhook-Secret-31"
    conn = Connection(account_id="87654321", client_id="acct-app", client_secret=secret,
                      csds_url="http://127.0.0.1:9", ext_consumer_id="acct-consumer")
    session = session_for(tmp_path, conn, profile="acct")
    session.settings.profiles["sandbox"] = {}
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            view = await open_timeline(pilot)
            assert not view.follower.running  # a real account: the user starts it
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            await run_from_palette(pilot, "start the webhook", "Start the webhook receiver")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            app.screen.query_one("#prompt-input").value = str(port)
            await pilot.press("enter")
            await until(pilot, lambda: view.follower.mode == ACCOUNT, "the receiver to start")
            assert view.follower.url == f"http://127.0.0.1:{port}/"
            body = json.dumps({"kind": "notification", "type": "cqm.ExConversationChangeNotification",
                               "body": {"changes": [{"type": "UPSERT", "result": {"convId": "real-1",
                                        "conversationDetails": {"skillId": "99", "state": "OPEN", "startTs": 1,
                                                                "metaDataLastUpdateTs": 2}}}]}}).encode()
            for signature, status in ((sign(body, secret), 200), (sign(body, "wrong"), 401)):
                client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                client.request("POST", "/", body=body, headers={"x-liveperson-signature": signature,
                                                                "x-liveperson-client-id": "acct-app",
                                                                "x-liveperson-account-id": "87654321"})
                assert client.getresponse().status == status
                client.close()
            await until(pilot, lambda: view.shown.accepted == 1 and view.shown.rejected_count == 1)
            assert "skill skillId 99 (its name is not known here)" in view.shown_text()
            assert "rejected 401 the sha1 signature does not match" in view.shown_text()
            await app.switch_profile("sandbox", say=False)
            await until(pilot, lambda: view.follower.mode == SANDBOX, "the receiver to follow the sandbox")
            assert view.follower.url != f"http://127.0.0.1:{port}/"
            with socket.socket() as again:  # the account's receiver let its port go
                again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                again.bind(("127.0.0.1", port))
            await run_from_palette(pilot, "stop the webhook", "Stop the webhook receiver")
            await until(pilot, lambda: not view.follower.running)
            assert session.sandbox.state.webhooks.url is None
            await settled(pilot)
    finally:
        session.close()


async def test_a_port_in_use_is_said_not_crashed(tmp_path):
    conn = Connection(account_id="1", client_id="a", client_secret="s3cret-x", csds_url="http://127.0.0.1:9",
                      ext_consumer_id="c")
    session = session_for(tmp_path, conn, profile="acct")
    app = make_app(session)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_timeline(pilot)
            await run_from_palette(pilot, "start the webhook", "Start the webhook receiver")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            app.screen.query_one("#prompt-input").value = str(busy.getsockname()[1])
            await pilot.press("enter")
            await until(pilot, lambda: any("did not start" in n.message for n in app._notifications))
            assert not timeline(app).follower.running


async def test_no_secret_no_receiver_and_a_clear_line(tmp_path):
    conn = Connection(account_id="1", app_jwt="x.y.z", csds_url="http://127.0.0.1:9", ext_consumer_id="c")
    session = session_for(tmp_path, conn, profile="acct")
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_timeline(pilot)
        await run_from_palette(pilot, "start the webhook", "Start the webhook receiver")
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        await pilot.press("enter")
        await until(pilot, lambda: any("client secret" in n.message for n in app._notifications))


async def test_the_fake_receiver_is_what_snapshots_see(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        view = await open_timeline(pilot)
        await until(pilot, lambda: view.follower.mode == SANDBOX)
        assert view.follower.url == FakeReceiver.url
        assert app.session.sandbox.webhook_url == FakeReceiver.url


async def test_new_credentials_restart_the_accounts_receiver_on_its_port(tmp_path):
    conn = Connection(account_id="1", client_id="a", client_secret="first-secret-1", csds_url="http://127.0.0.1:9",
                      ext_consumer_id="c")
    session = session_for(tmp_path, conn, profile="acct")
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view = await open_timeline(pilot)
            url = view.follower.start(session, 0)
            port = int(url.rstrip("/").rsplit(":", 1)[1])
            session.settings.profiles["acct"]["client_secret"] = "second-secret-2"
            await app.switch_profile("acct", say=False)
            assert view.follower.running and session.conn.client_secret == "second-secret-2"
            body = b'{"type": "ms.MessagingEventNotification", "body": {"changes": []}}'
            statuses = []
            for secret in ("first-secret-1", "second-secret-2"):
                client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                client.request("POST", "/", body=body, headers={"x-liveperson-signature": sign(body, secret),
                                                                "x-liveperson-client-id": "a",
                                                                "x-liveperson-account-id": "1"})
                statuses.append(client.getresponse().status)
                client.close()
            assert statuses == [401, 200]  # the same port, checking with the new secret
    finally:
        session.close()


async def test_a_thousand_long_messages_draw_only_the_newest_rows(tmp_path):
    """A redraw costs what it shows: the pane draws the newest MAX_SHOWN rows, each cut, and says so."""
    from rich.table import Table

    from lp_tui.ui.widgets.timeline import MAX_SHOWN, MAX_SHOWN_TEXT

    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_timeline(pilot)
        await until(pilot, lambda: view.follower.running)
        inbox = view.follower.inbox
        for i in range(1000):
            note = Notification("ms.MessagingEventNotification",
                                (Message("long", 1_700_000_000_000 + i, sequence=i, role="CONSUMER", text="y" * 4000),))
            inbox.deliver(Delivery(1_700_000_000.0, 200, "", note))
        await until(pilot, lambda: view.shown is not None and view.shown.accepted == 1000, "the last draw")
        parts = view._body(view.shown).renderables
        grids = [p for p in parts if isinstance(p, Table)]
        assert grids and grids[0].row_count == MAX_SHOWN
        assert any(f"{1000 - MAX_SHOWN} earlier events not shown" in str(p) for p in parts)
        cells = grids[0].columns[2]._cells
        assert all(len(str(cell)) <= MAX_SHOWN_TEXT for cell in cells)
