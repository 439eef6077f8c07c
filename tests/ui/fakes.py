"""Deterministic stand-ins for snapshot tests: fixed sandbox address, ids, clock and answers.

mypy checks this file (pyproject.toml) against what the app needs of them (lp_tui/ui/protocols.py).
"""

from __future__ import annotations

import asyncio
import json

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from lp_tui.lp.client import STEP_APPJWT, STEP_CREATE, STEP_CSDS, STEP_JWS, SendResult, Step, SubResult
from lp_tui.lp.errors import LpError, explain
from lp_tui.lp.results import Observer
from lp_tui.model.connection import SETTINGS, Connection
from lp_tui.store.conversations import Conversations
from lp_tui.store.history import History
from lp_tui.store.settings import SettingsFile
from lp_tui.ui.screens.compose import SECTION_TAB
from lp_tui.ui.session import Session

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from lp_tui.lp.receiver import Delivery
    from lp_tui.lp.webhooks import Credentials
    from lp_tui.ui.follow import Follower
    from lp_tui.ui.protocols import RunningSandbox, SendClient

CONV_ID = "8602832d-dce1-446b-8445-0d51f5926a42"
BASE = "http://127.0.0.1:8400"


class FakeSandbox:
    csds_url = BASE

    def connection_values(self) -> dict[str, str]:
        return {"account_id": "12345678", "csds_url": BASE, "client_id": "sandbox-app-0001",
                "client_secret": "sandbox-secret-0001"}

    def stop(self) -> None:
        pass


def _steps(final_status: int) -> list[Step]:
    acct = "/api/account/12345678"
    return [
        Step(STEP_CSDS, "GET", f"{BASE}{acct}/service/baseURI.json", 200, 0.01, done=True, attempts=1),
        Step(STEP_APPJWT, "POST", f"{BASE}/sentinel{acct}/app/token", 200, 0.01, done=True, attempts=1),
        Step(STEP_JWS, "POST", f"{BASE}{acct}/consumer", 201, 0.01, done=True, attempts=1),
        Step(STEP_CREATE, "POST", f"{BASE}{acct}/messaging/consumer/conversation", final_status, 0.01, done=True,
             attempts=1, failed=final_status >= 400),
    ]


def result(status: int, body: Any, action: str = STEP_CREATE) -> SendResult:
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) and "reqId" in body else []
    subs = [SubResult(i, e.get("reqId"), str(e.get("code")), e.get("body")) for i, e in enumerate(items)]
    conv = subs[1].body.get("conversationId") if len(subs) > 1 and subs[1].ok else None
    return SendResult(
        action=action, url=f"{BASE}/api/account/12345678/messaging/consumer/conversation?v=3", status=status,
        elapsed=0.01, request_headers={"Content-Type": "application/json", "Authorization": "eyJhbGciOi…(redacted)",
                                       "X-LP-ON-BEHALF": "eyJhbGciOi…(redacted)"},
        request_body="[]", response_headers={"content-type": "application/json"}, body_text=json.dumps(body),
        body_json=body, subs=subs, conversation_id=conv,
        explanations=explain(status, body, subs), steps=_steps(status), sandbox=True,
        claims={"AppJWT": {"aud": "12345678", "iss": "Sentinel", "scope": "msg.consumer"},
                "ConsumerJWS": {"ext_consumer_id": "snapshot-consumer"}},
    )


OK = [{"code": "OK", "body": {"msg": "OK User Profile set successfully"}, "reqId": "1"},
      {"code": "OK", "body": {"conversationId": CONV_ID}, "reqId": "2"}]
OPEN = [{"code": "OK", "body": {"msg": "OK User Profile set successfully"}, "reqId": "1"},
        {"code": "BAD_REQUEST", "body": {"msg": "Consumer request conversation failed: User 77d338e4 already has "
                                                "open conversation. Can't open another one."}, "reqId": "2"}]
AUTH = {"kind": "resp", "code": 401, "body": {"title": "Invalid AppJWT", "details": "AppJWT has expired or is invalid",
                                              "errorCode": 40102}, "type": ".ReqBody$ErrorResp"}


class FakeClient:
    """Answers from a script: each send takes the next entry (a SendResult, an LpError, or 'hang')."""

    sandbox_version: str | None = "0.1.0"
    sandbox_locked = False

    def __init__(self, script: Any) -> None:
        self.script = list(script)
        self.release = asyncio.Event()
        self.sent: list[bytes | None] = []
        self.first_messages: list[Any] = []  # the first message each create was asked to send after it

    def known_base(self, service: str) -> str | None:
        return BASE

    async def domains(self, observer: Observer = lambda s: None, steps: list[Step] | None = None) -> dict[str, str]:
        return {"asyncMessagingEnt": BASE.removeprefix("http://")}

    async def sandbox_info(self) -> dict[str, Any] | None:
        return None

    async def create_conversation(self, payload: Any, client_properties: str | None = None,
                                  observer: Observer = lambda s: None, raw: bytes | None = None,
                                  first_message: Any = None, message_id: Any = "1") -> SendResult:
        self.sent.append(raw)
        self.first_messages.append(first_message)
        answer = await self._next(observer)
        if raw is not None:
            answer.request_body = raw.decode("utf-8", "replace")
        return answer

    async def close_conversation(self, conversation_id: str, client_properties: str | None = None,
                                 observer: Observer = lambda s: None) -> SendResult:
        return result(200, {"code": "OK", "body": {"msg": "OK Conversation resolved successfully"}, "reqId": "1,"},
                      "close conversation")

    async def send_message(self, conversation_id: str, text: Any, client_properties: str | None = None,
                           observer: Observer = lambda s: None) -> SendResult:
        return result(200, {"reqId": "1", "code": "OK", "body": {"sequence": 0}}, "send message")

    async def sandbox_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        return {"skill": "VIP Support", "rule": "ctype vip routes to the VIP skill", "state": "OPEN"}

    async def _next(self, observer: Observer) -> SendResult:
        item = self.script.pop(0) if self.script else result(200, OK)
        if item == "hang":
            steps = _steps(200)
            for step in steps[:3]:
                observer(step)
            pending = Step(STEP_CREATE, "POST", steps[3].url)
            observer(pending)
            await self.release.wait()
            return result(200, OK)
        if isinstance(item, LpError):
            raise item
        answer: SendResult = item
        return answer

    async def aclose(self) -> None:
        pass


def values_of(conn: Connection) -> dict[str, Any]:
    """A connection's values as a profile in the settings file holds them."""
    return {setting.name: conn.get(setting.name) for setting in SETTINGS if conn.get(setting.name) not in ("", None)}


def session_for(tmp_path: Path, conn: Connection | None = None, *, profile: str = "test", **kwargs: Any) -> Session:
    """A session whose profile holds exactly ``conn``'s values (no settings file, no environment).

    Without ``conn``: the built-in sandbox (a real one over loopback unless a factory is given).
    """
    if conn is None:
        profile = "sandbox"
        conn = Connection(ext_consumer_id=kwargs.pop("consumer", "pilot-consumer"))
    stored = SettingsFile(tmp_path / "settings.toml", profiles={profile: values_of(conn)})
    session = Session(stored, profile, environ={}, presets_dir=tmp_path / "presets", draft_path=tmp_path / "draft.toml",
                      history=History(tmp_path / "history.jsonl"),
                      conversations=Conversations(tmp_path / "conversations.json"), **kwargs)
    OPEN_SESSIONS.append(session)
    return session


# Closed when the test that made them ends (tests/conftest.py), as `lp-tui` closes its session on
# the way out: a sandbox left running keeps its threads, and they keep the app that made them.
OPEN_SESSIONS: list[Session] = []


class FakeReceiver:
    """A webhook receiver at a fixed address that listens nowhere: tests hand deliveries to the inbox."""

    url = "http://127.0.0.1:8401/"

    def __init__(self, credentials: Credentials, on_delivery: Callable[[Delivery], Any], host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.on_delivery = on_delivery

    def start(self) -> FakeReceiver:
        return self

    def stop(self) -> None:
        pass


class FakeSandboxState:
    """What the app reads of a sandbox's state: its rules (the built-in demo rules) and its skill names."""

    def __init__(self) -> None:
        from lp_tui.model.routing import Rules

        self.rules = Rules.default()

    def skill_names(self) -> dict[str, str]:
        return {"4235030150": "VIP Support"}


class FakeWebhookSandbox(FakeSandbox):
    """The fake sandbox, taking a webhook URL as the real one does."""

    def __init__(self) -> None:
        self.webhook_url: str | None = None
        self.state = FakeSandboxState()

    def send_webhooks_to(self, url: str | None, **settings: Any) -> None:
        self.webhook_url = url


def fake_follower() -> Follower:
    from lp_tui.ui.follow import Follower

    return Follower(receiver_factory=FakeReceiver)


def make_session(tmp_path: Path, script: Any = (), sandbox: bool = True) -> Session:
    """The deterministic session of the snapshot tests: a fake sandbox, scripted answers, no timings."""
    def client_factory(conn: Connection) -> SendClient:
        return FakeClient(script)

    def sandbox_factory() -> RunningSandbox:
        return FakeWebhookSandbox()

    return session_for(tmp_path, consumer="snapshot-consumer", show_timings=False,
                       client_factory=client_factory, sandbox_factory=sandbox_factory, follower_factory=fake_follower)


async def until(pilot: Pilot[Any], predicate: Callable[[], Any], what: str = "the app to get there",
                limit: float = 60.0) -> None:
    """Wait for something the app does in the background (a worker, a thread, a refresh).

    Polls about once a frame; the limit only turns a hang into a failure, it is not a speed test.
    It sleeps rather than calling pilot.pause, which repaints the screen on every call: the app
    repaints on its own timer, as it does in a terminal, and polling stays cheap.
    """
    import time

    deadline = time.monotonic() + limit
    while True:
        try:
            if predicate():
                return
        except Exception:  # not mounted yet, say
            pass
        if time.monotonic() > deadline:
            app = pilot.app
            raise AssertionError(f"waited {limit:g} s for {what}; the screen is {type(app.screen).__name__}, "
                                 f"workers: {[(w.name, w.state.name) for w in app.workers]}")
        await asyncio.sleep(0.02)


async def settled(pilot: Pilot[Any]) -> None:
    """Every worker finished, the request pane's checks and the draft's save done, and the screen
    refreshed: the app is idle."""
    app: Any = pilot.app
    await until(pilot, lambda: not app.composer.busy and not app.composer.saving and not app.composer.checking
                and all(w.is_finished for w in app.workers), "the app to be idle")
    await pilot.pause()


async def typed(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Focus a field (waiting for it to mount and take focus), then type into it."""
    app: Any = pilot.app
    section = selector.removeprefix("#f-").split("-")[0] if selector.startswith("#f-") else None
    if section in SECTION_TAB:  # its tab shows first, as a person would open it
        await until(pilot, lambda: app.composer.query("SectionForm"), "the first form")
        tab = SECTION_TAB[section]
        if app.composer.query_one("#forms").active != tab:
            app.composer.action_form_tab(tab)
            # the tab shows with focus on its first field: wait for that, or it takes focus back later
            await until(pilot, lambda: app.focused is not None
                        and any(node.id == tab for node in app.focused.ancestors), f"{tab} to show")
    await until(pilot, lambda: app.screen.query(selector), f"{selector} to mount")
    widget = app.screen.query_one(selector)
    widget.focus()
    await until(pilot, lambda: app.focused is widget, f"{selector} to take focus")
    await pilot.press(*text)


def palette_top(app: Any, text: str) -> bool:
    """The command palette's first hit mentions ``text`` (its providers answer asynchronously)."""
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    if not lists or not lists.first().option_count:
        return False
    return text.lower() in str(lists.first().get_option_at_index(0).prompt).lower()


async def run_from_palette(pilot: Pilot[Any], query: str, expected_top: str) -> None:
    """Open the command palette, search, wait for the right first hit, run it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
    await pilot.press(*query)
    await until(pilot, lambda: palette_top(pilot.app, expected_top))
    await pilot.press("enter")
    await until(pilot, lambda: type(app.screen).__name__ != "CommandPalette")


def timeline_story() -> list[Delivery]:
    """A conversation's story as the receiver hands it over: the sandbox's own notification bodies with
    fixed times and ids, parsed as any webhook is; a hostile message, a late receipt, a rejected POST."""
    from lp_tui.lp.receiver import Delivery
    from lp_tui.lp.webhooks import parse
    from lp_tui.sandbox import notes
    from lp_tui.sandbox.agent import Seat
    from lp_tui.sandbox.state import Conversation, SandboxState

    t0 = 1767225600  # 2026-01-01 00:00:00 UTC
    conv = Conversation("8602832d-dce1-446b-8445-0d51f5926a42", "5b0f1e2d", "snapshot-consumer", "VIP Support",
                        "ctype vip routes to the VIP skill", created=t0, skill_id="4235030150")
    seat = Seat()
    agent = "e9b2c4d6a8f0"
    state = SandboxState()
    bodies = [notes.conversation(state, conv, seat, (t0 + 1) * 1000)]
    seat.agent_id = agent
    bodies += [notes.conversation(state, conv, seat, (t0 + 4) * 1000),
               notes.chat_state(conv, agent, "ASSIGNED_AGENT", "COMPOSING", (t0 + 5) * 1000),
               notes.message(conv, 0, agent, "ASSIGNED_AGENT", "Hello, this is VIP Support (a sandbox agent). "
                             "How can I help you today?", (t0 + 6) * 1000),
               notes.message(conv, 1, conv.consumer, "CONSUMER", "Where is my order? \x1b[31m[bold]now[/bold] "
                             "\u202eevil", (t0 + 30) * 1000),
               notes.message(conv, 2, agent, "ASSIGNED_AGENT", "You wrote: Where is my order?", (t0 + 33) * 1000),
               notes.receipt(conv, agent, "ASSIGNED_AGENT", "READ", [1], (t0 + 31) * 1000)]  # arrives late
    conv.state, conv.closed = "CLOSE", t0 + 60
    bodies.append(notes.conversation(state, conv, seat, (t0 + 60) * 1000))
    story = [Delivery(t0 + i, 200, "", parse(note.body), "127.0.0.1") for i, note in enumerate(bodies)]
    story.insert(3, Delivery(t0 + 3, 401, "the sha1 signature does not match (a wrong client secret, or a changed "
                             "body)", None, "127.0.0.1"))
    return story

